import { describe, expect, it } from "vitest";
import { effectiveLimits } from "./capacity.js";
import { jitteredSendTime } from "./jitter.js";
import { predictSendTimes, type QueuedSend, type SendDecision } from "./send-times.js";
import { isInWindow, nextWindowOpening, type SendWindow } from "./window.js";

const HOUR = 3_600_000;
const now = new Date("2026-12-03T09:00:10Z");
const endOfDay = new Date("2026-12-04T00:00:00Z");
const allDay: SendWindow = { start: "00:00", end: "24:00", days: [1, 2, 3, 4, 5, 6, 7], timeZone: "UTC" };

/** Thirty-two invitations planned seconds apart, as the planner leaves them. */
const invitations = (n = 32, account = "li"): QueuedSend[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `q${String(i).padStart(2, "0")}`,
    accountId: account,
    priority: 5,
    scheduledFor: new Date(now.getTime() - 60_000 + i * 3000),
  }));

/** The send path's decision for an invitation in `window` from an account allowed 5 a day and 2 an hour. */
const decideIn =
  (window: SendWindow, limits = { dailyLimit: 5, hourlyLimit: 2 }) =>
  (rowId: string, at: Date): SendDecision =>
    isInWindow(window, at)
      ? { kind: "go", action: "connection_request", ...limits }
      : { kind: "defer", reason: "window_closed", until: jitteredSendTime(window, nextWindowOpening(window, at), rowId) };

const sent = (p: Map<string, { at: Date | null }>) =>
  [...p.values()]
    .filter((x) => x.at !== null)
    .map((x) => x.at!.getTime())
    .sort((a, b) => a - b);

describe("predictSendTimes", () => {
  it("spreads rows planned seconds apart over the daily cap, the hourly cap and the gap, and says why the rest wait", () => {
    const p = predictSendTimes({
      rows: invitations(),
      accounts: [{ id: "li", usage: { day: {}, hour: 0 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(allDay),
    });
    const times = sent(p);
    expect(times).toHaveLength(5);
    // At most two an hour, at least the minimum gap apart, on the cron's minute ticks, none before now.
    const perHour = new Map<number, number>();
    for (const t of times) perHour.set(Math.floor(t / HOUR), (perHour.get(Math.floor(t / HOUR)) ?? 0) + 1);
    expect(Math.max(...perHour.values())).toBe(2);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(90_000);
    expect(times.every((t) => t % 60_000 === 0 && t >= now.getTime())).toBe(true);
    // The first goes at the first tick; the third waits for the next hour.
    expect(new Date(times[0]!)).toEqual(new Date("2026-12-03T09:01:00Z"));
    expect(new Date(times[2]!)).toEqual(new Date("2026-12-03T10:00:00Z"));
    // Oldest first, as the claim orders them; the row claimed over the hourly limit (q02, then q05)
    // waits for the next hour while the account's mark keeps the claim off the others, which keep
    // their times: at 10:00 and 11:00 they come before it.
    expect([...p.values()].filter((x) => x.at).map((x) => x.id)).toEqual(["q00", "q01", "q03", "q04", "q06"]);
    const later = [...p.values()].filter((x) => x.at === null);
    expect(later).toHaveLength(27);
    expect(later.every((x) => x.reason === "daily_cap" && !x.skipped && x.waited.includes("hourly_cap"))).toBe(true);
    expect(p.get("q03")).toMatchObject({ reason: null, waited: ["min_gap", "hourly_cap"] });
    expect(p.get("q02")).toMatchObject({ at: null, reason: "daily_cap", waited: ["min_gap", "hourly_cap", "daily_cap"] });
    // Deterministic: the send path's own gap draws.
    expect(
      predictSendTimes({
        rows: invitations(),
        accounts: [{ id: "li", usage: { day: {}, hour: 0 }, nextSendAt: null }],
        now,
        until: endOfDay,
        decide: decideIn(allDay),
      }),
    ).toEqual(p);
  });

  it("stops at the window's end: what the hourly cap pushed past it waits for tomorrow's window", () => {
    const morning: SendWindow = { start: "09:00", end: "10:00", days: [1, 2, 3, 4, 5], timeZone: "UTC" };
    const p = predictSendTimes({
      rows: invitations(6),
      accounts: [{ id: "li", usage: { day: {}, hour: 0 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(morning),
    });
    expect(sent(p)).toHaveLength(2);
    const later = [...p.values()].filter((x) => x.at === null);
    expect(later.map((x) => x.reason)).toEqual(["window_closed", "window_closed", "window_closed", "window_closed"]);
    expect(later[0]!.waited).toEqual(["min_gap", "hourly_cap", "window_closed"]);
  });

  it("counts what the account already used today and this hour, and its gap after the last send", () => {
    const used = predictSendTimes({
      rows: invitations(3),
      accounts: [{ id: "li", usage: { day: { connection_request: 5 }, hour: 0 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(allDay),
    });
    expect([...used.values()].map((x) => [x.at, x.reason])).toEqual([
      [null, "daily_cap"],
      [null, "daily_cap"],
      [null, "daily_cap"],
    ]);
    const hourFull = predictSendTimes({
      rows: invitations(1),
      accounts: [{ id: "li", usage: { day: { connection_request: 2 }, hour: 2 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(allDay),
    });
    expect(hourFull.get("q00")).toMatchObject({ at: new Date("2026-12-03T10:00:00Z"), waited: ["hourly_cap"] });
    const gap = new Date("2026-12-03T09:03:20Z");
    const paced = predictSendTimes({
      rows: invitations(1),
      accounts: [{ id: "li", usage: { day: {}, hour: 0 }, nextSendAt: gap }],
      now,
      until: endOfDay,
      decide: decideIn(allDay),
    });
    expect(paced.get("q00")).toMatchObject({ at: new Date("2026-12-03T09:04:00Z"), waited: ["min_gap"] });
  });

  it("tells a warming cap from the configured one, and keeps accounts apart", () => {
    const warm = {
      id: "li",
      usage: { day: { connection_request: 5 }, hour: 0 },
      nextSendAt: null,
      unrampedLimits: effectiveLimits({
        type: "linkedin",
        status: "active",
        health_score: 100,
        daily_limit_connections: 20,
        daily_limit_messages: 40,
        daily_limit_emails: 0,
        hourly_limit: 8,
        warming_week: 0,
      }),
    };
    const other = { id: "li2", usage: { day: {}, hour: 0 }, nextSendAt: null };
    const p = predictSendTimes({
      rows: [...invitations(1), ...invitations(1, "li2").map((r) => ({ ...r, id: "other" }))],
      accounts: [warm, other],
      now,
      until: endOfDay,
      decide: decideIn(allDay),
    });
    expect(p.get("q00")).toMatchObject({ at: null, reason: "account_warming_cap" });
    expect(p.get("other")).toMatchObject({ at: new Date("2026-12-03T09:01:00Z") });
  });

  it("sends by priority first, and reports what the send path would skip or keep deferring", () => {
    const rows = [...invitations(2), { id: "urgent", accountId: "li", priority: 1, scheduledFor: new Date(now.getTime() + 30_000) }];
    const p = predictSendTimes({
      rows,
      accounts: [{ id: "li", usage: { day: {}, hour: 0 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(allDay, { dailyLimit: 1, hourlyLimit: 10 }),
    });
    // All three are due at the first tick: the priority-1 row goes before the older ones, then the day is full.
    expect(p.get("urgent")).toMatchObject({ at: new Date("2026-12-03T09:01:00Z"), reason: null });
    expect([p.get("q00")!.reason, p.get("q01")!.reason]).toEqual(["daily_cap", "daily_cap"]);
    const decide = (id: string, at: Date): SendDecision =>
      id === "q00"
        ? { kind: "skip", reason: "do_not_contact" }
        : { kind: "defer", reason: "account_paused", until: new Date(at.getTime() + HOUR) };
    const q = predictSendTimes({ rows: invitations(2), accounts: [], now, until: endOfDay, decide });
    expect(q.get("q00")).toMatchObject({ at: null, skipped: true, reason: "do_not_contact" });
    expect(q.get("q01")).toMatchObject({ at: null, skipped: false, reason: "account_paused", waited: ["account_paused"] });
  });

  it("tells when each account is left free with nothing replayed to send: after its last send's gap and its hourly limit, not while its gaps carry it to the end", () => {
    const idle = new Map<string | null, Date>();
    const rows = [...invitations(3, "a"), ...invitations(40, "b").map((r) => ({ ...r, id: `b${r.id}` }))];
    predictSendTimes({
      rows,
      accounts: [
        { id: "a", usage: { day: {}, hour: 0 }, nextSendAt: null },
        { id: "b", usage: { day: {}, hour: 0 }, nextSendAt: null },
      ],
      now,
      until: endOfDay,
      decide: decideIn(allDay, { dailyLimit: 100, hourlyLimit: 2 }),
      gapMs: { min: 60_000, max: 60_000 },
      onIdle: (id, at) => idle.set(id, at),
    });
    // "a": two sends in the 09:00 hour, the third capped until 10:00 and sent then; free a gap later.
    expect(idle.get("a")).toEqual(new Date("2026-12-03T10:01:00Z"));
    // "b": two an hour from 09:00 fill the day (40 rows, 30 hours of room): never left with nothing to send.
    expect(idle.has("b")).toBe(false);
    // Capped for the hour that runs to the end: not free before the end either.
    const capped = new Map<string | null, Date>();
    predictSendTimes({
      rows: invitations(5, "d").map((r) => ({ ...r, scheduledFor: new Date("2026-12-03T23:00:00Z") })),
      accounts: [{ id: "d", usage: { day: {}, hour: 0 }, nextSendAt: null }],
      now: new Date("2026-12-03T23:00:10Z"),
      until: endOfDay,
      decide: decideIn(allDay, { dailyLimit: 100, hourlyLimit: 2 }),
      gapMs: { min: 60_000, max: 60_000 },
      onIdle: (id, at) => capped.set(id, at),
    });
    expect(capped.has("d")).toBe(false);
    // Free with rows that wait for a window that opens after the end: from the instant they were put off.
    const evening: SendWindow = { start: "09:00", end: "09:05", days: [1, 2, 3, 4, 5, 6, 7], timeZone: "UTC" };
    const late = new Map<string | null, Date>();
    predictSendTimes({
      rows: invitations(10, "c"),
      accounts: [{ id: "c", usage: { day: {}, hour: 0 }, nextSendAt: null }],
      now,
      until: endOfDay,
      decide: decideIn(evening, { dailyLimit: 100, hourlyLimit: 100 }),
      gapMs: { min: 120_000, max: 120_000 },
      onIdle: (id, at) => late.set(id, at),
    });
    // Sends at 09:01 and 09:03; at 09:05 the window is closed and every other row is put off to tomorrow.
    expect(late.get("c")).toEqual(new Date("2026-12-03T09:05:00Z"));
  });
});
