import { describe, expect, it } from "vitest";
import { ProviderError } from "./errors.js";
import { createRateGate, type RateGateVerdict } from "./rate-gate.js";
import { trackUsage, type UsageEvent } from "./usage.js";

/** A counter over an injected clock: `limit` calls per minute window, as the database's. */
function minuteCounter(limit: number, clock: { t: number }) {
  const used = new Map<number, number>();
  const asked: string[] = [];
  return {
    asked,
    async consume(tool: string, at: Date): Promise<RateGateVerdict> {
      asked.push(`${tool}@${at.toISOString()}`);
      expect(at.getTime()).toBe(clock.t);
      const start = Math.floor(at.getTime() / 60_000) * 60_000;
      const n = used.get(start) ?? 0;
      if (n >= limit) return { ok: false, window: "minute", limit, retryAt: new Date(start + 60_000) };
      used.set(start, n + 1);
      return { ok: true };
    },
  };
}

describe("createRateGate", () => {
  it("lets calls through while the window has room, then waits for the minute to roll (injected clock)", async () => {
    const clock = { t: Date.parse("2026-03-02T10:00:40Z") };
    const counter = minuteCounter(2, clock);
    const slept: number[] = [];
    const gate = createRateGate({
      consume: counter.consume,
      now: () => clock.t,
      sleep: async (ms) => {
        slept.push(ms);
        clock.t += ms;
      },
    });
    await gate({ tool: "exa", action: "search" });
    await gate({ tool: "exa", action: "search" });
    expect(slept).toEqual([]);
    await gate({ tool: "exa", action: "search" });
    // 20 s to 10:01:00, plus the few ms past the boundary.
    expect(slept).toEqual([20_005]);
    expect(counter.asked.at(-1)).toBe("exa@2026-03-02T10:01:00.005Z");
  });

  it("fails at once with a typed rate_limited error naming the tool and the limit when the wait is too long", async () => {
    const clock = { t: Date.parse("2026-03-02T10:00:00Z") };
    const gate = createRateGate({
      consume: async () => ({ ok: false, window: "day", limit: 500, retryAt: new Date("2026-03-03T00:00:00Z") }),
      now: () => clock.t,
      sleep: async () => {
        throw new Error("must not wait for a day");
      },
    });
    const error = await gate({ tool: "leadmagic", action: "find_email" }).catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      kind: "rate_limited",
      provider: "leadmagic",
      reason: "local_rate_limit",
      retryAfterMs: 14 * 3_600_000,
      retryable: false,
    });
    expect((error as Error).message).toMatch(/leadmagic used up its limit of 500 calls per day \(tools\.rate_limit_per_day\)/);
    expect((error as Error).message).toMatch(/2026-03-03T00:00:00\.000Z/);
  });

  it("with maxWaitMs 0 a full minute fails instead of waiting", async () => {
    const clock = { t: Date.parse("2026-03-02T10:00:59Z") };
    const counter = minuteCounter(1, clock);
    const gate = createRateGate({ consume: counter.consume, now: () => clock.t, maxWaitMs: 0 });
    await gate({ tool: "exa", action: "search" });
    await expect(gate({ tool: "exa", action: "search" })).rejects.toMatchObject({ kind: "rate_limited", retryAfterMs: 1000 });
  });
});

describe("trackUsage with a gate and a balance", () => {
  it("asks the gate before the call; a refusal stops the call and reports no usage", async () => {
    const events: UsageEvent[] = [];
    let called = 0;
    const refuse = async () => {
      throw new ProviderError({ kind: "rate_limited", provider: "exa", message: "full", reason: "local_rate_limit" });
    };
    await expect(
      trackUsage({ onUsage: (e) => void events.push(e), gate: refuse, tool: "exa", action: "search" }, async () => ++called),
    ).rejects.toMatchObject({ reason: "local_rate_limit" });
    expect(called).toBe(0);
    expect(events).toEqual([]);
    const asked: string[] = [];
    await trackUsage(
      { onUsage: (e) => void events.push(e), gate: async (c) => void asked.push(`${c.tool}:${c.action}`), tool: "exa", action: "search" },
      async () => ++called,
    );
    expect(asked).toEqual(["exa:search"]);
    expect(called).toBe(1);
  });

  it("reports the balance the result carries, and none when it is not a finite number", async () => {
    const events: UsageEvent[] = [];
    const onUsage = (e: UsageEvent) => void events.push(e);
    await trackUsage(
      {
        onUsage,
        tool: "sumble",
        action: "enrich",
        balance: (r: { left: number }) => ({ remaining: r.left, resetAt: "2026-04-01T00:00:00Z" }),
      },
      async () => ({ left: 980 }),
    );
    await trackUsage({ onUsage, tool: "sumble", action: "enrich", balance: () => ({ remaining: Number.NaN }) }, async () => 1);
    await trackUsage({ onUsage, tool: "sumble", action: "enrich", balance: () => ({ remaining: 5, resetAt: "soon" }) }, async () => 1);
    expect(events.map((e) => e.balance)).toEqual([{ remaining: 980, resetAt: "2026-04-01T00:00:00Z" }, undefined, { remaining: 5 }]);
  });
});

describe("createRateGate with a clock that does not move", () => {
  it("gives up after three asks instead of waiting for ever", async () => {
    let asks = 0;
    const gate = createRateGate({
      consume: async () => {
        asks++;
        return { ok: false, window: "minute", limit: 1, retryAt: new Date("2026-03-02T10:01:00Z") };
      },
      now: () => Date.parse("2026-03-02T10:00:30Z"),
      sleep: async () => undefined,
    });
    await expect(gate({ tool: "exa", action: "search" })).rejects.toMatchObject({ kind: "rate_limited" });
    expect(asks).toBe(3);
  });
});
