import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, rateWindow, toolRateLimits, toolUsage, tools, type Db } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const at = (iso: string) => new Date(iso);

describe.each(testEngines())("tool rate limits and balances on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  }, 60_000);
  afterAll(() => t?.drop());

  it("a tool without limits admits every call and writes no window", async () => {
    for (let i = 0; i < 5; i++) expect(await toolRateLimits.consume(t.db, "exa", at("2026-03-02T10:00:00Z"))).toEqual({ ok: true });
    expect((await toolRateLimits.usage(t.db, at("2026-03-02T10:00:00Z"))).get("exa")).toBeUndefined();
  });

  it("admits rate_limit_per_minute calls per UTC minute, then refuses until the minute rolls", async () => {
    await tools.setToolRateLimits(t.db, "theirstack", { perMinute: 3, perDay: null });
    const t0 = at("2026-03-02T10:05:10Z");
    for (let i = 0; i < 3; i++) expect(await toolRateLimits.consume(t.db, "theirstack", t0)).toEqual({ ok: true });
    expect(await toolRateLimits.consume(t.db, "theirstack", at("2026-03-02T10:05:59.999Z"))).toEqual({
      ok: false,
      window: "minute",
      limit: 3,
      retryAt: at("2026-03-02T10:06:00Z"),
    });
    expect(await toolRateLimits.consume(t.db, "theirstack", at("2026-03-02T10:06:00Z"))).toEqual({ ok: true });
    expect((await toolRateLimits.usage(t.db, at("2026-03-02T10:06:01Z"))).get("theirstack")).toEqual({ minute: 1, day: 0 });
  });

  it("the day limit holds across minutes, and a call refused by one window takes nothing from the other", async () => {
    await tools.setToolRateLimits(t.db, "sumble", { perMinute: 2, perDay: 3 });
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-02T11:00:00Z"))).toEqual({ ok: true });
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-02T11:00:01Z"))).toEqual({ ok: true });
    // The minute is full: refused, and the day window keeps its count of 2.
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-02T11:00:02Z"))).toMatchObject({ ok: false, window: "minute" });
    expect((await toolRateLimits.usage(t.db, at("2026-03-02T11:00:03Z"))).get("sumble")).toEqual({ minute: 2, day: 2 });
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-02T11:01:00Z"))).toEqual({ ok: true });
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-02T11:02:00Z"))).toEqual({
      ok: false,
      window: "day",
      limit: 3,
      retryAt: at("2026-03-03T00:00:00Z"),
    });
    // Refused by the day: the new minute's window took nothing.
    expect((await toolRateLimits.usage(t.db, at("2026-03-02T11:02:00Z"))).get("sumble")).toEqual({ minute: 0, day: 3 });
    expect(await toolRateLimits.consume(t.db, "sumble", at("2026-03-03T00:00:00Z"))).toEqual({ ok: true });
  });

  it("two clients racing for one tool never pass the limit together", async () => {
    await tools.setToolRateLimits(t.db, "firecrawl", { perMinute: 7, perDay: 1000 });
    // On Postgres a second pool: separate connections, as two runner processes have.
    const other: Db = t.url ? createDb({ databaseUrl: t.url, env: {} }) : t.db;
    try {
      const when = at("2026-03-02T12:00:30Z");
      const calls = Array.from({ length: 20 }, (_, i) => toolRateLimits.consume(i % 2 ? other : t.db, "firecrawl", when));
      const verdicts = await Promise.all(calls);
      expect(verdicts.filter((v) => v.ok)).toHaveLength(7);
      expect((await toolRateLimits.usage(t.db, when)).get("firecrawl")).toEqual({ minute: 7, day: 7 });
    } finally {
      if (other !== t.db) await other.destroy();
    }
  });

  it("refuses bad limits naming the field, and changes nothing", async () => {
    await tools.setToolRateLimits(t.db, "exa", { perMinute: 10, perDay: 100 });
    await expect(tools.setToolRateLimits(t.db, "exa", { perMinute: 0, perDay: 5 })).rejects.toThrow(/perMinute: must be a whole number/);
    await expect(tools.setToolRateLimits(t.db, "exa", { perMinute: 5, perDay: 2.5 })).rejects.toThrow(/perDay/);
    await expect(tools.setToolRateLimits(t.db, "nope", { perMinute: 5, perDay: null })).rejects.toThrow(/unknown tool "nope"/);
    expect(await tools.getByName(t.db, "exa")).toMatchObject({ rate_limit_per_minute: 10, rate_limit_per_day: 100 });
    await tools.setToolRateLimits(t.db, "exa", { perMinute: null, perDay: null });
  });

  it("a usage record carrying a balance sets credits_remaining, rounds down, keeps the reset date unless given", async () => {
    expect((await tools.getByName(t.db, "leadmagic"))?.credits_remaining).toBeNull();
    await toolUsage.record(t.db, {
      tool: "leadmagic",
      action: "get_credits",
      status: "success",
      balance: { remaining: 42.75, resetAt: "2026-04-01T00:00:00Z" },
    });
    expect(await tools.getByName(t.db, "leadmagic")).toMatchObject({
      credits_remaining: 42,
      credits_reset_at: at("2026-04-01T00:00:00Z"),
    });
    await toolUsage.record(t.db, { tool: "leadmagic", action: "find_email", status: "success", credits: 1, balance: { remaining: 41 } });
    expect(await tools.getByName(t.db, "leadmagic")).toMatchObject({ credits_remaining: 41, credits_reset_at: at("2026-04-01T00:00:00Z") });
    // A sandbox call's balance is the sandbox database's own: recorded too.
    await toolUsage.record(t.db, { tool: "leadmagic", action: "find_email", status: "success", sandbox: true, balance: { remaining: -3 } });
    expect((await tools.getByName(t.db, "leadmagic"))?.credits_remaining).toBe(0);
    await expect(tools.recordToolBalance(t.db, "leadmagic", { remaining: Number.NaN })).rejects.toThrow(/remaining: must be a number/);
    expect((await tools.getByName(t.db, "leadmagic"))?.credits_remaining).toBe(0);
  });

  it("windows are UTC minutes and days", () => {
    expect(rateWindow("minute", at("2026-03-29T01:59:59.5Z"))).toEqual({
      start: at("2026-03-29T01:59:00Z"),
      end: at("2026-03-29T02:00:00Z"),
    });
    expect(rateWindow("day", at("2026-03-29T23:59:59Z"))).toEqual({ start: at("2026-03-29T00:00:00Z"), end: at("2026-03-30T00:00:00Z") });
  });
});
