import { describe, expect, it, vi } from "vitest";
import { ProviderError } from "./errors.js";
import { poll } from "./poll.js";

function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: vi.fn(async (ms: number) => void (t += ms)) };
}

describe("poll", () => {
  it("checks until done with a growing, capped interval", async () => {
    const clock = fakeClock();
    let n = 0;
    const value = await poll({
      provider: "acme",
      what: "job 1",
      check: async () => ({ status: ++n < 5 ? "running" : "completed", n }),
      isDone: (v) => v.status === "completed",
      intervalMs: 100,
      backoff: 2,
      maxIntervalMs: 300,
      ...clock,
    });
    expect(value).toEqual({ status: "completed", n: 5 });
    expect(clock.sleep.mock.calls.map((c) => c[0])).toEqual([100, 200, 300, 300]);
  });

  it("gives up at the deadline with poll_deadline and abandons the job", async () => {
    const clock = fakeClock();
    const onAbandon = vi.fn();
    const p = poll({
      provider: "acme",
      what: "crawl 9",
      check: async () => "running",
      isDone: () => false,
      intervalMs: 1000,
      timeoutMs: 3500,
      onAbandon,
      ...clock,
    });
    const error = await p.catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: "transient", reason: "poll_deadline", retryable: false });
    expect(onAbandon).toHaveBeenCalledWith("deadline");
    // Never sleeps past the deadline.
    expect(clock.now()).toBeLessThanOrEqual(3500);
  });

  it("stops when cancelled and abandons the job once", async () => {
    const controller = new AbortController();
    const onAbandon = vi.fn();
    const check = vi.fn(async () => "running");
    const p = poll({
      provider: "acme",
      what: "task",
      check,
      isDone: () => false,
      intervalMs: 10_000,
      signal: controller.signal,
      onAbandon,
    });
    setTimeout(() => controller.abort(new Error("user cancelled")), 20);
    await expect(p).rejects.toThrow("user cancelled");
    expect(check).toHaveBeenCalledTimes(1);
    expect(onAbandon).toHaveBeenCalledTimes(1);
    expect(onAbandon).toHaveBeenCalledWith("cancelled");
  });

  it("propagates a failing check unchanged", async () => {
    const e = new ProviderError({ kind: "auth", provider: "acme", message: "no" });
    await expect(poll({ provider: "acme", what: "x", check: () => Promise.reject(e), isDone: () => true })).rejects.toBe(e);
  });
});
