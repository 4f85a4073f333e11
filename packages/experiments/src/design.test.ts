import { describe, expect, it } from "vitest";
import { boundaryZ, pBestThreshold, planExperiment, powerAt, resolveDesign } from "./design.js";

describe("the design: a plan fixed at the start, then a rising threshold", () => {
  it("sets c = Phi^-1(1 - alpha / 2k): 2.24 for two arms at 5 %, higher for more arms", () => {
    expect(boundaryZ(2, 0.05)).toBeCloseTo(2.2414, 3);
    expect(boundaryZ(3, 0.05)).toBeGreaterThan(boundaryZ(2, 0.05));
  });

  it("names no threshold before the plan, Phi(c) at it, and a rising one after", () => {
    expect(pBestThreshold(0.99, 2, 0.05)).toBeNull();
    expect(pBestThreshold(1, 2, 0.05)).toBeCloseTo(0.9875, 4);
    expect(pBestThreshold(2, 2, 0.05)!).toBeGreaterThan(0.999);
  });

  it("plans 3 % vs 6 % at 80 % power with about 900 matured contacts per arm, and says what 600 buys", () => {
    const plan = planExperiment({ baselineRate: 0.03, targetRate: 0.06 });
    expect(plan.plannedMaturedPerArm).toBeGreaterThan(850);
    expect(plan.plannedMaturedPerArm).toBeLessThan(950);
    expect(plan.power).toBeGreaterThanOrEqual(0.8);
    const p600 = powerAt({ baselineRate: 0.03, targetRate: 0.06 }, 600);
    expect(p600).toBeGreaterThan(0.55);
    expect(p600).toBeLessThan(0.7);
    expect(powerAt({ baselineRate: 0.03, targetRate: 0.06 }, 2000)).toBeGreaterThan(0.99);
  });

  it("fills the defaults and refuses bad fields by name", () => {
    expect(resolveDesign({ plannedMaturedPerArm: 500 })).toEqual({
      plannedMaturedPerArm: 500,
      budgetMaturedPerArm: 1000,
      falseWinnerRate: 0.05,
      minMaturedPerArm: 100,
      maxExpectedLossPoints: 0.5,
    });
    expect(() => resolveDesign({ plannedMaturedPerArm: 0 })).toThrow(/design\.plannedMaturedPerArm must be a whole number >= 1/);
    expect(() => resolveDesign({ plannedMaturedPerArm: 500, budgetMaturedPerArm: 100 })).toThrow(
      /design\.budgetMaturedPerArm \(100\) is below the plan/,
    );
    expect(() => resolveDesign({ plannedMaturedPerArm: 500, falseWinnerRate: 0.5 })).toThrow(/design\.falseWinnerRate/);
    expect(() => planExperiment({ baselineRate: 3, targetRate: 6 })).toThrow(/baselineRate must be between 0 and 1.*0\.03 for 3 %/);
    expect(() => planExperiment({ baselineRate: 0.03, targetRate: 0.03 })).toThrow(/targetRate equals baselineRate/);
  });
});
