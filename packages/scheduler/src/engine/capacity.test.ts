import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messageActionTypes, type MessageActionType } from "@offerlab/core";
import {
  accountBlock,
  accountCanSend,
  accountStanding,
  capacityCheck,
  DEFAULT_WARMING_RAMP,
  effectiveLimits,
  remainingCapacity,
  sendBlock,
  warmingFactor,
  type AccountLimitsInput,
  type AccountSendInput,
  type AccountUsage,
} from "./capacity.js";

const linkedin: AccountLimitsInput = {
  type: "linkedin",
  status: "active",
  health_score: 100,
  daily_limit_connections: 20,
  daily_limit_messages: 40,
  daily_limit_emails: 100,
  hourly_limit: 10,
  warming_week: 0,
};
const mailbox: AccountLimitsInput = { ...linkedin, type: "email" };

describe("effectiveLimits", () => {
  it("gives each type only the actions it can do; InMails share the message limit", () => {
    expect(effectiveLimits(linkedin)).toEqual({ connection_request: 20, message: 40, inmail: 40, email: 0, hourly: 10 });
    expect(effectiveLimits(mailbox)).toEqual({ connection_request: 0, message: 0, inmail: 0, email: 100, hourly: 10 });
  });

  it("ramps the limits over the four warming weeks (25/50/75/100 %), rounded down, at least 1", () => {
    expect(DEFAULT_WARMING_RAMP).toEqual([0.25, 0.5, 0.75, 1]);
    expect(effectiveLimits({ ...linkedin, warming_week: 1 })).toEqual({
      connection_request: 5,
      message: 10,
      inmail: 10,
      email: 0,
      hourly: 2,
    });
    expect(effectiveLimits({ ...linkedin, warming_week: 2 })).toEqual({
      connection_request: 10,
      message: 20,
      inmail: 20,
      email: 0,
      hourly: 5,
    });
    expect(effectiveLimits({ ...linkedin, warming_week: 3 })).toEqual({
      connection_request: 15,
      message: 30,
      inmail: 30,
      email: 0,
      hourly: 7,
    });
    expect(effectiveLimits({ ...linkedin, warming_week: 4 })).toEqual(effectiveLimits(linkedin));
    expect(effectiveLimits({ ...mailbox, daily_limit_emails: 3, hourly_limit: 1, warming_week: 1 }).email).toBe(1);
    expect(effectiveLimits({ ...mailbox, daily_limit_emails: 0, warming_week: 1 }).email).toBe(0);
  });

  it("takes a custom ramp; past its end the last fraction applies", () => {
    const ramp = [0.1, 0.3];
    expect(effectiveLimits({ ...mailbox, warming_week: 1 }, ramp).email).toBe(10);
    expect(effectiveLimits({ ...mailbox, warming_week: 4 }, ramp).email).toBe(30);
    expect(warmingFactor(0, ramp)).toBe(1);
    expect(() => warmingFactor(1, [])).toThrow();
    expect(() => warmingFactor(1, [1.5])).toThrow();
  });
});

describe("accountBlock", () => {
  it("maps statuses and the health floor to reasons", () => {
    expect(accountBlock(linkedin)).toBeNull();
    expect(accountBlock({ ...linkedin, status: "paused" })).toBe("account_paused");
    expect(accountBlock({ ...linkedin, status: "limited" })).toBe("account_limited");
    expect(accountBlock({ ...linkedin, status: "disconnected" })).toBe("account_disconnected");
    expect(accountBlock({ ...linkedin, status: "banned" })).toBe("account_disconnected");
    expect(accountBlock({ ...linkedin, warming_week: 1, status: "warming" } as AccountLimitsInput)).toBe("account_warming");
    expect(accountBlock({ ...linkedin, health_score: 29 })).toBe("account_unhealthy");
    expect(accountBlock({ ...linkedin, health_score: 30 })).toBeNull();
    expect(accountBlock({ ...linkedin, status: "paused", health_score: 10 })).toBe("account_paused");
  });
});

describe("capacityCheck", () => {
  const limits = effectiveLimits(linkedin);
  it("checks the daily limit of the action, then the hourly limit", () => {
    expect(capacityCheck(limits, { day: { connection_request: 19 }, hour: 9 }, "connection_request")).toEqual({ ok: true });
    expect(capacityCheck(limits, { day: { connection_request: 20 }, hour: 0 }, "connection_request")).toEqual({
      ok: false,
      reason: "daily_cap",
    });
    expect(capacityCheck(limits, { day: { connection_request: 20 }, hour: 10 }, "connection_request")).toEqual({
      ok: false,
      reason: "daily_cap",
    });
    expect(capacityCheck(limits, { day: {}, hour: 10 }, "message")).toEqual({ ok: false, reason: "hourly_cap" });
  });
  it("counts messages and InMails against one limit", () => {
    expect(capacityCheck(limits, { day: { message: 30, inmail: 10 }, hour: 0 }, "inmail")).toEqual({ ok: false, reason: "daily_cap" });
    expect(capacityCheck(limits, { day: { message: 30, inmail: 10 }, hour: 0 }, "message")).toEqual({ ok: false, reason: "daily_cap" });
    expect(capacityCheck(limits, { day: { message: 30, inmail: 9 }, hour: 0 }, "message")).toEqual({ ok: true });
    expect(remainingCapacity(limits, { day: { message: 30, inmail: 9 }, hour: 5 }, "inmail")).toBe(1);
  });
  it("refuses what the account's type cannot do", () => {
    expect(capacityCheck(limits, { day: {}, hour: 0 }, "email")).toEqual({ ok: false, reason: "daily_cap" });
  });
  it("tells a warming cap apart from the configured cap", () => {
    const warm = { ...linkedin, warming_week: 1 };
    expect(accountCanSend(warm, { day: { connection_request: 5 }, hour: 0 }, "connection_request")).toEqual({
      ok: false,
      reason: "account_warming_cap",
    });
    expect(accountCanSend(linkedin, { day: { connection_request: 20 }, hour: 0 }, "connection_request")).toEqual({
      ok: false,
      reason: "daily_cap",
    });
    expect(accountCanSend({ ...linkedin, status: "paused" }, { day: {}, hour: 0 }, "message")).toEqual({
      ok: false,
      reason: "account_paused",
    });
    expect(accountCanSend(warm, { day: {}, hour: 0 }, "message")).toEqual({ ok: true });
  });

  it("property: applied repeatedly, never lets an account exceed a daily or the hourly limit", () => {
    const arbAccount = fc.record({
      type: fc.constantFrom("linkedin" as const, "email" as const),
      status: fc.constant("active" as const),
      health_score: fc.integer({ min: 30, max: 100 }),
      daily_limit_connections: fc.integer({ min: 0, max: 30 }),
      daily_limit_messages: fc.integer({ min: 0, max: 30 }),
      daily_limit_emails: fc.integer({ min: 0, max: 60 }),
      hourly_limit: fc.integer({ min: 0, max: 15 }),
      warming_week: fc.integer({ min: 0, max: 4 }),
    });
    const arbStep = fc.record({
      action: fc.constantFrom<MessageActionType>(...messageActionTypes),
      newHour: fc.boolean(),
    });
    fc.assert(
      fc.property(arbAccount, fc.array(arbStep, { maxLength: 300 }), (account, steps) => {
        const limits = effectiveLimits(account);
        const usage: AccountUsage = { day: {}, hour: 0 };
        const hourly: number[] = [0];
        for (const { action, newHour } of steps) {
          if (newHour) {
            usage.hour = 0;
            hourly.push(0);
          }
          if (capacityCheck(limits, usage, action).ok) {
            usage.day[action] = (usage.day[action] ?? 0) + 1;
            usage.hour += 1;
            hourly[hourly.length - 1] = (hourly[hourly.length - 1] ?? 0) + 1;
          }
        }
        const d = (k: MessageActionType) => usage.day[k] ?? 0;
        expect(d("connection_request")).toBeLessThanOrEqual(limits.connection_request);
        expect(d("message") + d("inmail")).toBeLessThanOrEqual(limits.message);
        expect(d("email")).toBeLessThanOrEqual(limits.email);
        for (const h of hourly) expect(h).toBeLessThanOrEqual(limits.hourly);
        // Ramped limits never exceed the configured ones.
        expect(limits.connection_request).toBeLessThanOrEqual(account.daily_limit_connections);
        expect(limits.hourly).toBeLessThanOrEqual(account.hourly_limit);
      }),
      { numRuns: 300 },
    );
  });
});

describe("sendBlock and accountStanding: what the send path would do with an account now", () => {
  const now = new Date("2026-12-03T10:20:00Z");
  const nextHour = new Date("2026-12-03T11:00:00Z");
  const nextDay = new Date("2026-12-04T00:00:00Z");
  const li: AccountSendInput = { ...linkedin, unipile_account_id: "u-li", limited_until: null };
  const box: AccountSendInput = { ...mailbox, unipile_account_id: "u-box", limited_until: null };
  const none: AccountUsage = { day: {}, hour: 0 };

  it("refuses paused, cooling down, disconnected, unhealthy and unlinked accounts, in the send path's order", () => {
    expect(sendBlock(li, now)).toBeNull();
    expect(sendBlock({ ...li, status: "paused", unipile_account_id: null }, now)).toEqual({ reason: "account_paused", until: null });
    const later = new Date("2026-12-03T12:00:00Z");
    expect(sendBlock({ ...li, status: "limited", limited_until: later, health_score: 10 }, now)).toEqual({
      reason: "account_limited",
      until: later,
    });
    // A cooldown that has ended, or that has no end, is an active account to the send path.
    expect(sendBlock({ ...li, status: "limited", limited_until: new Date("2026-12-03T09:00:00Z") }, now)).toBeNull();
    expect(sendBlock({ ...li, status: "limited" }, now)).toBeNull();
    expect(sendBlock({ ...li, status: "disconnected" }, now)).toEqual({ reason: "account_disconnected", until: null });
    expect(sendBlock({ ...li, health_score: 29 }, now)).toEqual({ reason: "account_unhealthy", until: null });
    expect(sendBlock({ ...li, unipile_account_id: null }, now)).toEqual({ reason: "account_unlinked", until: null });
  });

  it("shows today's ramped limits, n/a for the other type's actions, and what is left", () => {
    const warm = accountStanding({ ...li, warming_week: 1 }, { day: { connection_request: 2, message: 1, inmail: 2 }, hour: 1 }, now);
    expect(warm).toEqual({
      actions: {
        connection_request: { limit: 5, used: 2, remaining: 3, refused: null },
        message: { limit: 10, used: 3, remaining: 7, refused: null },
        email: null,
      },
      hour: { limit: 2, used: 1, remaining: 1 },
      canSend: true,
      reason: null,
      until: null,
    });
    const mail = accountStanding(box, { day: { email: 30 }, hour: 3 }, now);
    expect(mail.actions).toEqual({
      connection_request: null,
      message: null,
      email: { limit: 100, used: 30, remaining: 70, refused: null },
    });
    expect(mail.canSend).toBe(true);
  });

  it("cannot send when every action of its type is at a cap, naming the cap and when it ends", () => {
    // Warming week 1: 5 invitations and 10 messages a day, 2 an hour.
    const warm = { ...li, warming_week: 1 };
    const dayUsed = accountStanding(warm, { day: { connection_request: 5, message: 10 }, hour: 0 }, now);
    expect(dayUsed).toMatchObject({ canSend: false, reason: "account_warming_cap", until: nextDay });
    expect(dayUsed.actions.connection_request).toMatchObject({ remaining: 0, refused: "account_warming_cap" });
    // Invitations used up, messages not: it still sends.
    expect(accountStanding(warm, { day: { connection_request: 5 }, hour: 0 }, now)).toMatchObject({ canSend: true, reason: null });
    expect(accountStanding(warm, { day: { connection_request: 1 }, hour: 2 }, now)).toMatchObject({
      canSend: false,
      reason: "account_warming_cap",
      until: nextHour,
    });
    expect(accountStanding(li, { day: { connection_request: 20, message: 40 }, hour: 0 }, now)).toMatchObject({
      canSend: false,
      reason: "daily_cap",
      until: nextDay,
    });
    expect(accountStanding(li, { day: {}, hour: 10 }, now)).toMatchObject({ canSend: false, reason: "hourly_cap", until: nextHour });
    // A limit of 0 is not renewed by the next day.
    expect(accountStanding({ ...box, daily_limit_emails: 0 }, none, now)).toMatchObject({
      canSend: false,
      reason: "daily_cap",
      until: null,
    });
  });

  it("puts the account's own refusal first, then capacity, then the gap between two sends", () => {
    expect(accountStanding({ ...li, unipile_account_id: null }, { day: {}, hour: 10 }, now)).toMatchObject({
      canSend: false,
      reason: "account_unlinked",
      until: null,
    });
    const gapEnds = new Date("2026-12-03T10:23:10Z");
    expect(accountStanding({ ...li, next_send_at: gapEnds }, none, now)).toMatchObject({
      canSend: false,
      reason: "min_gap",
      until: gapEnds,
    });
    expect(accountStanding({ ...li, next_send_at: new Date("2026-12-03T10:00:00Z") }, none, now)).toMatchObject({ canSend: true });
  });
});
