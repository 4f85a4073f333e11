import { OfferlabError } from "@offerlab/core";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import { describe, expect, it } from "vitest";
import { posteriorSummary } from "./posterior.js";

const arms = [
  { armId: "control", n: 400, successes: 12 },
  { armId: "variant", n: 400, successes: 24 },
];

describe("the beta-binomial posterior by Monte Carlo", () => {
  it("gives the same numbers for the same data and seed, other numbers for another seed", () => {
    const a = posteriorSummary(arms, { seed: "s1" });
    const b = posteriorSummary(arms, { seed: "s1" });
    const c = posteriorSummary(arms, { seed: "s2" });
    expect(b).toEqual(a);
    expect(c[1]!.pBest).not.toBe(a[1]!.pBest);
  });

  it("uses Beta(prior + successes, prior + failures) and agrees with the normal approximation", () => {
    const [control, variant] = posteriorSummary(arms, { seed: "s", prior: { alpha: 1, beta: 1 } });
    expect(control).toMatchObject({ alpha: 13, beta: 389 });
    expect(variant!.mean).toBeCloseTo(25 / 402, 10);
    // P(variant > control) by the normal approximation of the two betas: about 0.98.
    const v = (a: number, b: number) => (a * b) / ((a + b) ** 2 * (a + b + 1));
    const z = (25 / 402 - 13 / 402) / Math.sqrt(v(25, 377) + v(13, 389));
    const normal = normalCdf(z, 0, 1);
    expect(variant!.pBest).toBeGreaterThan(normal - 0.01);
    expect(variant!.pBest).toBeLessThan(normal + 0.01);
    expect(variant!.pBeatsControl).toBe(variant!.pBest);
    expect(control!.pBeatsControl).toBeNull();
    expect(control!.pBest + variant!.pBest).toBeCloseTo(1, 10);
  });

  it("puts the expected loss in points: choosing the worse arm costs about the gap", () => {
    const [control, variant] = posteriorSummary(arms, { seed: "s" });
    expect(control!.expectedLossPoints).toBeGreaterThan(2.5);
    expect(control!.expectedLossPoints).toBeLessThan(3.5);
    expect(variant!.expectedLossPoints).toBeLessThan(0.05);
  });

  it("compares every arm with the control named, over three arms", () => {
    const three = [...arms, { armId: "third", n: 400, successes: 12 }];
    const out = posteriorSummary(three, { seed: "s", controlArmId: "third" });
    expect(out[2]!.pBeatsControl).toBeNull();
    expect(out[1]!.pBeatsControl).toBeGreaterThan(0.95);
    expect(out.reduce((sum, a) => sum + a.pBest, 0)).toBeCloseTo(1, 10);
  });

  it("refuses a bad prior, draw count or control with the field named", () => {
    expect(() => posteriorSummary(arms, { seed: "s", prior: { alpha: 0, beta: 1 } })).toThrow(/prior\.alpha/);
    expect(() => posteriorSummary(arms, { seed: "s", draws: 5 })).toThrow(/draws must be/);
    try {
      posteriorSummary(arms, { seed: "s", controlArmId: "nope" });
      expect.unreachable();
    } catch (e) {
      expect(OfferlabError.isInstance(e) && e.code).toBe("invalid_input");
      expect(String(e)).toMatch(/controlArmId "nope" is not one of the arms/);
    }
  });
});
