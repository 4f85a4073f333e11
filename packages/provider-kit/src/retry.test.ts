import { describe, expect, it, vi } from "vitest";
import { ProviderError } from "./errors.js";
import { backoffDelay, parseRetryAfter, withRetry } from "./retry.js";

const err = (kind: ProviderError["kind"], extra: Partial<{ retryAfterMs: number; retryable: boolean }> = {}) =>
  new ProviderError({ kind, provider: "acme", message: kind, ...extra });

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("grows exponentially with full jitter and is capped", () => {
    expect(backoffDelay(1, { baseDelayMs: 100, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0.999 })).toBe(399);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0 })).toBe(0);
  });
});

describe("withRetry", () => {
  it("retries transient and rate-limited errors of safe calls, then succeeds", async () => {
    const sleep = vi.fn(async () => {});
    const fn = vi.fn().mockRejectedValueOnce(err("transient")).mockRejectedValueOnce(err("rate_limited")).mockResolvedValue("ok");
    await expect(withRetry(fn, { safe: true, sleep, random: () => 0.5, baseDelayMs: 100 })).resolves.toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls.map((c) => (c as unknown[])[0])).toEqual([50, 100]);
  });

  it("waits exactly Retry-After when it is under the cap", async () => {
    const sleep = vi.fn(async () => {});
    const fn = vi
      .fn()
      .mockRejectedValueOnce(err("rate_limited", { retryAfterMs: 2000 }))
      .mockResolvedValue("ok");
    await withRetry(fn, { safe: true, sleep, maxDelayMs: 5000 });
    expect(sleep).toHaveBeenCalledWith(2000, undefined);
  });

  it("does not wait out a Retry-After above the cap: it throws for the caller to defer", async () => {
    const sleep = vi.fn(async () => {});
    const e = err("rate_limited", { retryAfterMs: 60_000 });
    const fn = vi.fn().mockRejectedValue(e);
    await expect(withRetry(fn, { safe: true, sleep, maxDelayMs: 5000 })).rejects.toBe(e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it("never retries a call that is not safe", async () => {
    const sleep = vi.fn(async () => {});
    const fn = vi.fn().mockRejectedValue(err("transient"));
    await expect(withRetry(fn, { safe: false, sleep, maxAttempts: 5 })).rejects.toMatchObject({ kind: "transient" });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("does not retry definite errors, non-retryable ones, or foreign errors", async () => {
    const sleep = vi.fn(async () => {});
    for (const e of [err("invalid"), err("auth"), err("unknown_outcome"), err("transient", { retryable: false }), new Error("boom")]) {
      const fn = vi.fn().mockRejectedValue(e);
      await expect(withRetry(fn, { safe: true, sleep })).rejects.toBe(e);
      expect(fn).toHaveBeenCalledTimes(1);
    }
  });

  it("gives up after maxAttempts with the last error", async () => {
    const sleep = vi.fn(async () => {});
    const fn = vi.fn().mockRejectedValue(err("transient"));
    await expect(withRetry(fn, { safe: true, sleep, maxAttempts: 4 })).rejects.toMatchObject({ kind: "transient" });
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it("stops waiting when the signal aborts", async () => {
    const controller = new AbortController();
    const fn = vi.fn().mockRejectedValue(err("transient"));
    const p = withRetry(fn, { safe: true, signal: controller.signal, baseDelayMs: 10_000, random: () => 0.9 });
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await expect(p).rejects.toThrow("stop");
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
