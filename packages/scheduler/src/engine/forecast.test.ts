import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SchedulingConfig } from "@offerlab/core";
import { forecastCampaign, type ForecastAccount, type ForecastContact, type ForecastOptions } from "./forecast.js";

// Monday 2 March 2026, 08:00 UTC: before a 09:00–17:00 window.
const monday = new Date("2026-03-02T08:00:00Z");
const weekdays = { start: "09:00", end: "17:00", days: [1, 2, 3, 4, 5], timeZone: "UTC" };
const everyDay = { ...weekdays, days: [1, 2, 3, 4, 5, 6, 7] };
const mailbox = (over: Partial<ForecastAccount> = {}): ForecastAccount => ({
  id: "m1",
  type: "email",
  status: "active",
  health_score: 100,
  daily_limit_connections: 0,
  daily_limit_messages: 0,
  daily_limit_emails: 30,
  hourly_limit: 10,
  warming_week: 0,
  ...over,
});
const linkedin = (over: Partial<ForecastAccount> = {}): ForecastAccount => ({
  id: "l1",
  type: "linkedin",
  status: "active",
  health_score: 100,
  daily_limit_connections: 20,
  daily_limit_messages: 40,
  daily_limit_emails: 0,
  hourly_limit: 10,
  warming_week: 0,
  ...over,
});
const enrolled = (n: number, at: Date = monday): ForecastContact[] =>
  Array.from({ length: n }, () => ({ currentStep: 0, touches: 0, lastStepAt: at, connected: false }));
const oneEmail: SchedulingConfig = { steps: [{ step: 1, type: "email", delay_days: 0 }], stop_on_reply: true };
const run = (over: Partial<ForecastOptions>) =>
  forecastCampaign({ config: oneEmail, window: weekdays, accounts: [mailbox()], contacts: enrolled(100), now: monday, ...over });

describe("forecastCampaign", () => {
  it("fills each send day up to the daily limit and names it as the bottleneck", () => {
    const f = run({});
    // 30 a day: Mon, Tue, Wed, then the last 10 on Thursday.
    expect(f).toMatchObject({ contacts: 100, finishes: true, finishDate: "2026-03-05", calendarDays: 4, sendDays: 4 });
    expect(f.actions).toEqual([{ action: "email", sends: 100, capacityPerDay: 30, daysLimited: 3, limit: "daily_cap" }]);
    expect(f.bottleneck).toMatchObject({ action: "email", limit: "daily_cap", daysLimited: 3 });
    expect(f.bottleneck!.reason).toMatch(/daily limit \(30 a day in all\)/);
  });

  it("skips days that are not send days and adds accounts' capacity together", () => {
    const friday = new Date("2026-03-06T08:00:00Z");
    expect(run({ now: friday, contacts: enrolled(100, friday) })).toMatchObject({ finishDate: "2026-03-11", calendarDays: 6, sendDays: 4 });
    expect(run({ accounts: [mailbox(), mailbox({ id: "m2" })] })).toMatchObject({ finishDate: "2026-03-03", calendarDays: 2 });
  });

  it("caps a day at the hourly limit over the window, and at the gap between sends", () => {
    const hourly = run({ accounts: [mailbox({ daily_limit_emails: 100, hourly_limit: 5 })] });
    expect(hourly.actions[0]).toMatchObject({ capacityPerDay: 40, limit: "hourly_cap" });
    expect(hourly.finishDate).toBe("2026-03-04");
    const gap = run({ accounts: [mailbox({ daily_limit_emails: 100, hourly_limit: 100 })], gapSeconds: 600 });
    expect(gap.actions[0]).toMatchObject({ capacityPerDay: 48, limit: "min_gap" });
  });

  it("counts only what is left of today: today's usage and the rest of the window", () => {
    const noon = new Date("2026-03-02T13:00:00Z");
    // 4 hours left × 10 an hour = 40 > 30 - 25 used = 5 today, then 30 a day.
    const f = run({ now: noon, contacts: enrolled(35, noon), accounts: [mailbox({ usage: { day: { email: 25 }, hour: 0 } })] });
    expect(f).toMatchObject({ finishDate: "2026-03-03", calendarDays: 2 });
    const late = new Date("2026-03-02T18:00:00Z");
    expect(run({ now: late, contacts: enrolled(10, late) })).toMatchObject({ finishDate: "2026-03-03" });
  });

  it("counts a window that ends at 24:00 (as PostgreSQL stores it) to midnight", () => {
    // 23:00 to midnight, 60 an hour, a send a minute: 60 sends a day; one that stops at 23:59, 59.
    const accounts = [mailbox({ daily_limit_emails: 1000, hourly_limit: 60 })];
    const lastHour = run({ window: { ...weekdays, start: "23:00:00", end: "24:00:00" }, accounts, gapSeconds: 60 });
    expect(lastHour.actions[0]).toMatchObject({ capacityPerDay: 60 });
    const toMinuteBefore = run({ window: { ...weekdays, start: "23:00:00", end: "23:59:00" }, accounts, gapSeconds: 60 });
    expect(toMinuteBefore.actions[0]).toMatchObject({ capacityPerDay: 59 });
    // At 23:59:00 the last minute of today still counts: one send today, not none.
    const lastMinute = new Date("2026-03-02T23:59:00Z");
    const today = run({
      now: lastMinute,
      window: { ...weekdays, start: "00:00", end: "24:00" },
      accounts,
      gapSeconds: 60,
      contacts: enrolled(1, lastMinute),
    });
    expect(today).toMatchObject({ finishDate: "2026-03-02", calendarDays: 1 });
  });

  it("ramps a warming account's limits week by week from when warming started", () => {
    // 40 a day configured; week 1 at 25 % = 10 a day, week 2 at 50 % = 20 a day.
    const f = run({ accounts: [mailbox({ daily_limit_emails: 40, hourly_limit: 40, warming_week: 1, warming_started_at: monday })] });
    // Week 1: five days × 10 = 50; week 2: Mon 20, Tue 20, Wed 10.
    expect(f).toMatchObject({ finishDate: "2026-03-11", sendDays: 8 });
    expect(f.actions[0]!.capacityPerDay).toBe(10);
  });

  it("models invitations accepted by the acceptance rate, condition waits, and stop", () => {
    const steps: SchedulingConfig["steps"] = [
      { step: 1, type: "connection_request", delay_days: 0 },
      { step: 2, type: "linkedin_dm", delay_days: 2, condition: "connected" },
      { step: 3, type: "email", delay_days: 3, condition: "no_reply" },
    ];
    const base = { window: everyDay, accounts: [linkedin(), mailbox()], contacts: enrolled(10), acceptanceRate: 0.3 };
    const f = forecastCampaign({ ...base, config: { steps, stop_on_reply: true }, now: monday });
    expect(Object.fromEntries(f.actions.map((a) => [a.action, a.sends]))).toEqual({ connection_request: 10, message: 3, email: 10 });
    // Not accepted: invitation day 0, DM due day 2, skipped after 14 days (day 16), email 3 days later.
    expect(f).toMatchObject({ finishDate: "2026-03-21", calendarDays: 20, bottleneck: null });

    const stop = forecastCampaign({
      ...base,
      config: { steps: [steps[0]!, { ...steps[1]!, on_condition_unmet: "stop" }, steps[2]!], stop_on_reply: true },
      now: monday,
    });
    expect(Object.fromEntries(stop.actions.map((a) => [a.action, a.sends]))).toEqual({ connection_request: 10, message: 3, email: 3 });
    expect(stop.finishDate).toBe("2026-03-07");

    const capped = forecastCampaign({ ...base, config: { steps, stop_on_reply: true, max_touches: 1 }, now: monday });
    expect(capped.actions.map((a) => a.sends)).toEqual([10, 0, 0]);
    // Already connected people skip the invitation and get the DM.
    const connected = forecastCampaign({
      ...base,
      contacts: enrolled(4).map((c) => ({ ...c, connected: true })),
      config: { steps, stop_on_reply: true },
      now: monday,
    });
    expect(Object.fromEntries(connected.actions.map((a) => [a.action, a.sends]))).toEqual({ connection_request: 0, message: 4, email: 4 });
  });

  it("never finishes when no account of the campaign can send a step, and says why", () => {
    const noMailbox = run({ accounts: [linkedin()] });
    expect(noMailbox).toMatchObject({
      finishes: false,
      finishDate: null,
      calendarDays: null,
      blocked: [{ action: "email", reason: "no_account" }],
    });
    expect(noMailbox.bottleneck).toMatchObject({ action: "email", limit: "no_account" });
    expect(run({ accounts: [mailbox({ status: "paused" })] }).blocked).toEqual([{ action: "email", reason: "account_paused" }]);
    expect(run({ accounts: [mailbox({ health_score: 10 })] }).blocked).toEqual([{ action: "email", reason: "account_unhealthy" }]);
    expect(run({ accounts: [mailbox({ rotation_set: "burner" })] }).blocked).toEqual([{ action: "email", reason: "no_account" }]);
    // A campaign that opts into its burner accounts counts them.
    expect(run({ config: { ...oneEmail, use_burner_accounts: true }, accounts: [mailbox({ rotation_set: "burner" })] }).blocked).toEqual(
      [],
    );
  });

  it("has nothing to do for finished contacts", () => {
    const f = run({ contacts: [{ currentStep: 1, touches: 1, lastStepAt: monday, connected: false }] });
    expect(f).toMatchObject({ contacts: 0, finishes: true, calendarDays: 0, finishDate: null, bottleneck: null });
  });

  it("never finishes sooner than the contacts divided by the daily capacity, and more accounts never make it later", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 60 }), (contacts, limit) => {
        const one = run({ contacts: enrolled(contacts), accounts: [mailbox({ daily_limit_emails: limit, hourly_limit: 100 })] });
        const two = run({
          contacts: enrolled(contacts),
          accounts: [
            mailbox({ daily_limit_emails: limit, hourly_limit: 100 }),
            mailbox({ id: "m2", daily_limit_emails: 5, hourly_limit: 100 }),
          ],
        });
        expect(one.sendDays).toBe(Math.ceil(contacts / limit));
        expect(two.calendarDays!).toBeLessThanOrEqual(one.calendarDays!);
        expect(one.actions[0]!.sends).toBe(contacts);
      }),
      { numRuns: 60 },
    );
  });
});
