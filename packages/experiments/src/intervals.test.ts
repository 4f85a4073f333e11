import { describe, expect, it } from "vitest";
import { jeffreysInterval, rateInterval, wilsonInterval } from "./intervals.js";

describe("rate intervals", () => {
  it("Jeffreys matches the published values and keeps a width at zero successes", () => {
    // Brown, Cai & DasGupta (2001): Jeffreys 95 % for 0/10 is [0, 0.217]; for 3/100 about [0.0085, 0.0779].
    const zero = jeffreysInterval(0, 10);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.2172, 3);
    const three = jeffreysInterval(3, 100);
    expect(three.low).toBeCloseTo(0.0085, 3);
    expect(three.high).toBeCloseTo(0.0779, 3);
    expect(jeffreysInterval(10, 10).high).toBe(1);
  });

  it("Wilson matches the closed form (0/10 -> upper z^2 / (n + z^2))", () => {
    const w = wilsonInterval(0, 10);
    expect(w.low).toBe(0);
    expect(w.high).toBeCloseTo(3.8415 / 13.8415, 4);
    const mid = wilsonInterval(18, 600);
    expect(mid.low).toBeLessThan(0.03);
    expect(mid.high).toBeGreaterThan(0.03);
  });

  it("says nothing (0 to 1) with no matured contact, and picks the method asked", () => {
    expect(rateInterval(0, 0)).toMatchObject({ low: 0, high: 1, method: "jeffreys" });
    expect(rateInterval(0, 0, "wilson")).toMatchObject({ low: 0, high: 1, method: "wilson" });
    expect(rateInterval(5, 50, "wilson").method).toBe("wilson");
  });

  it("covers the true rate about 95 % of the time at small counts", () => {
    // Exact coverage by summing the binomial over every outcome, for a typical small experiment.
    const n = 80;
    const p = 0.04;
    let coverage = 0;
    let pmf = (1 - p) ** n;
    for (let s = 0; s <= n; s++) {
      const i = jeffreysInterval(s, n);
      if (i.low <= p && p <= i.high) coverage += pmf;
      pmf = (pmf * (n - s) * p) / ((s + 1) * (1 - p));
    }
    expect(coverage).toBeGreaterThan(0.9);
    expect(coverage).toBeLessThan(0.99);
  });
});
