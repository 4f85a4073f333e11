import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "@offerlab/core";
import { accountGapMs, accountNextFreeAt, jitteredSendTime, reconcileDelayMs } from "./jitter.js";
import { currentWindowEnd, isInWindow, nextWindowOpening, wallClock, type SendWindow } from "./window.js";
import { arbInstant, arbWindow } from "./arbitraries.test-support.js";

const office: SendWindow = { start: "09:00", end: "17:00", days: [1, 2, 3, 4, 5], timeZone: "America/New_York" };

describe("seededRandom", () => {
  it("is deterministic for a seed, differs between seeds, and stays in [0, 1)", () => {
    const a = seededRandom("queue-1");
    const b = seededRandom("queue-1");
    const c = seededRandom("queue-2");
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe("jitteredSendTime", () => {
  it("lands after the opening, within the jitter, off the round minute, deterministically", () => {
    // Friday 2026-03-06 18:00 EST → Monday 2026-03-09 09:00 EDT (13:00Z) + up to 17 minutes.
    const t = jitteredSendTime(office, new Date("2026-03-06T23:00:00Z"), "row-42");
    expect(t.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-03-09T13:00:00Z"));
    expect(t.getTime()).toBeLessThan(Date.parse("2026-03-09T13:17:00Z"));
    expect(t.getUTCSeconds()).not.toBe(0);
    expect(jitteredSendTime(office, new Date("2026-03-06T23:00:00Z"), "row-42").getTime()).toBe(t.getTime());
    const others = new Set(
      Array.from({ length: 20 }, (_, i) => jitteredSendTime(office, new Date("2026-03-06T23:00:00Z"), `row-${i}`).getTime()),
    );
    expect(others.size).toBeGreaterThan(15);
  });

  it("moves into the next opening when the jitter would pass the window's end", () => {
    // Friday 16:55 EDT: any jitter past 5 minutes goes to Monday.
    const earliest = new Date("2026-06-05T20:55:00Z");
    for (let i = 0; i < 50; i++) {
      const t = jitteredSendTime(office, earliest, `s${i}`);
      expect(isInWindow(office, t)).toBe(true);
      const sameWindow = t.getTime() < Date.parse("2026-06-05T21:00:00Z");
      if (!sameWindow) expect(t.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-06-08T13:00:00Z"));
    }
  });

  it("fits a window shorter than the jitter", () => {
    const tiny: SendWindow = { start: "12:00", end: "12:02", days: [3], timeZone: "Europe/Paris" };
    const t = jitteredSendTime(tiny, new Date("2026-01-01T00:00:00Z"), "x");
    expect(isInWindow(tiny, t)).toBe(true);
    expect(wallClock("Europe/Paris", t).time.endsWith(":00")).toBe(false);
  });

  it("crosses midnight into the next send day when the jitter would pass a 24:00 end", () => {
    const evening: SendWindow = { start: "20:00", end: "24:00", days: [1, 2, 3, 4, 5, 6, 7], timeZone: "Australia/Sydney" };
    // 2026-07-01 23:59 AEST (+10) = 13:59Z; a jitter past one minute lands the next evening from 20:00.
    for (let i = 0; i < 30; i++) {
      const t = jitteredSendTime(evening, new Date("2026-07-01T13:59:00Z"), `m${i}`);
      expect(isInWindow(evening, t)).toBe(true);
      if (t.getTime() >= Date.parse("2026-07-01T14:00:00Z")) expect(t.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-07-02T10:00:00Z"));
    }
  });

  it("rejects a negative jitter", () => {
    expect(() => jitteredSendTime(office, new Date(), "x", { maxJitterMinutes: -1 })).toThrow(RangeError);
  });

  it("property: never outside the window in the campaign's zone, never before `earliest`, never on a round minute, deterministic", () => {
    fc.assert(
      fc.property(arbWindow, arbInstant, fc.string(), fc.integer({ min: 0, max: 60 }), (w, earliest, seed, maxJitterMinutes) => {
        const t = jitteredSendTime(w, earliest, seed, { maxJitterMinutes });
        expect(isInWindow(w, t)).toBe(true);
        const { time, isoWeekday } = wallClock(w.timeZone, t);
        expect(w.days).toContain(isoWeekday);
        expect(time.endsWith(":00")).toBe(false);
        expect(t.getTime()).toBeGreaterThanOrEqual(earliest.getTime());
        expect(t.getTime()).toBeGreaterThanOrEqual(nextWindowOpening(w, earliest).getTime());
        expect(currentWindowEnd(w, t)).not.toBeNull();
        expect(jitteredSendTime(w, earliest, seed, { maxJitterMinutes }).getTime()).toBe(t.getTime());
      }),
      { numRuns: 300 },
    );
  });
});

describe("accountGapMs", () => {
  it("lies between 90 s and 300 s by default, deterministically", () => {
    const gaps = Array.from({ length: 200 }, (_, i) => accountGapMs(`acct:${i}`));
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(90_000);
      expect(g).toBeLessThanOrEqual(300_000);
    }
    expect(new Set(gaps).size).toBeGreaterThan(150);
    expect(accountGapMs("acct:1")).toBe(gaps[1]);
    expect(accountGapMs("a", { minSeconds: 10, maxSeconds: 10 })).toBe(10_000);
    expect(() => accountGapMs("a", { minSeconds: 10, maxSeconds: 5 })).toThrow(RangeError);
    expect(accountNextFreeAt(null, "a")).toBeNull();
    expect(accountNextFreeAt(new Date(0), "a", { minSeconds: 60, maxSeconds: 60 })?.getTime()).toBe(60_000);
  });
});

describe("reconcileDelayMs", () => {
  it("starts near a minute, doubles per check, stays near an hour, jittered ±20 % and deterministic", () => {
    const MIN = 60_000;
    for (let checks = 1; checks <= 12; checks++) {
      const base = Math.min(60 * MIN, MIN * 2 ** (checks - 1));
      const delays = Array.from({ length: 100 }, (_, i) => reconcileDelayMs(checks, `attempt-${i}`));
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(0.8 * base);
        expect(d).toBeLessThanOrEqual(1.2 * base);
      }
      // Spread out, so that stuck sends do not come due together.
      expect(new Set(delays).size).toBeGreaterThan(90);
      expect(reconcileDelayMs(checks, "attempt-7")).toBe(delays[7]);
    }
    expect(reconcileDelayMs(10_000, "a")).toBeLessThanOrEqual(72 * MIN);
    expect(reconcileDelayMs(0, "a")).toBe(reconcileDelayMs(1, "a"));
    expect(reconcileDelayMs(3, "a", { firstMs: 1000, maxMs: 1000, jitter: 0 })).toBe(1000);
    expect(() => reconcileDelayMs(1, "a", { jitter: 1 })).toThrow(RangeError);
  });
});
