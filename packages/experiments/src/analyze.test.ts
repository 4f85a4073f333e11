import { OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { effectiveCounts, type AssignmentRecord } from "./allocation.js";
import { analyzeExperiment } from "./analyze.js";
import type { ArmSummary } from "./arms.js";

function arm(armId: string, matured: number, successes: number, extra: Partial<ArmSummary> = {}): ArmSummary {
  return { armId, enrolled: matured + 100, contacted: matured + 100, matured, successes, maturing: 100, ...extra };
}

const design = { plannedMaturedPerArm: 600 };

describe("analyzeExperiment: the report of one look", () => {
  it("prints the same numbers for the same data, run after run", () => {
    const data = [arm("a", 300, 9), arm("b", 300, 15)];
    expect(analyzeExperiment(data, { design })).toEqual(analyzeExperiment(data, { design }));
  });

  it("counts only matured contacts in the rate: maturing contacts and their early outcomes are shown, not counted", () => {
    const report = analyzeExperiment(
      [arm("a", 200, 6, { maturing: 300, contacted: 500, enrolled: 500, maturingSuccesses: 7 }), arm("b", 200, 6)],
      {
        design,
      },
    );
    expect(report.arms[0]!.rate).toBeCloseTo(0.03, 10);
    expect(report.arms[0]!.maturingSuccesses).toBe(7);
    expect(report.maturing).toBe(400);
    expect(report.arms[0]!.posterior).toMatchObject({ alpha: 7, beta: 195 });
  });

  it("names no winner before the plan, however clear the data, and says how many more would settle it", () => {
    const report = analyzeExperiment([arm("a", 400, 4), arm("b", 400, 40)], { design });
    expect(report.arms[1]!.pBest).toBeGreaterThan(0.999);
    expect(report.pBestThreshold).toBeNull();
    expect(report.verdict).toMatchObject({
      kind: "no-winner-yet",
      reason: "before-plan",
      leaderArmId: "b",
      maturedPerArmNeeded: 600,
      moreMaturedPerArm: 200,
    });
    expect(report.verdict.kind === "no-winner-yet" && report.verdict.chanceToSettle!).toBeGreaterThan(0.9);
    expect(report.verdict.message).toMatch(/about 200 more matured contacts per arm/);
  });

  it("names the winner at the plan when P(best) and the expected loss pass", () => {
    const report = analyzeExperiment([arm("a", 600, 18), arm("b", 600, 40)], { design, assumed: { baselineRate: 0.03, targetRate: 0.06 } });
    expect(report.informationFraction).toBe(1);
    expect(report.verdict).toMatchObject({ kind: "winner", armId: "b" });
    expect(report.plannedPower).toBeGreaterThan(0.55);
    expect(report.guarantee).toMatch(/at most 5 %, however often it is read/);
  });

  it("keeps going when the leader is short of the threshold, with a projection", () => {
    const report = analyzeExperiment([arm("a", 600, 18), arm("b", 600, 33)], { design });
    expect(report.verdict).toMatchObject({ kind: "no-winner-yet", reason: "below-threshold", leaderArmId: "b" });
    if (report.verdict.kind !== "no-winner-yet") throw new Error("unreachable");
    expect(report.verdict.moreMaturedPerArm).toBeGreaterThan(0);
    expect(report.verdict.maturedPerArmNeeded).toBeLessThanOrEqual(1200);
  });

  it("says 'cannot be told apart with this budget' for equal arms near the end of the budget", () => {
    const report = analyzeExperiment([arm("a", 1100, 33), arm("b", 1100, 33)], { design });
    expect(report.verdict.kind).toBe("cannot-tell-apart");
    expect(report.verdict.message).toMatch(/cannot be told apart with this budget/);
    const spent = analyzeExperiment([arm("a", 1200, 36), arm("b", 1200, 40)], { design });
    expect(spent.verdict.kind).toBe("cannot-tell-apart");
    expect(spent.verdict.message).toMatch(/1200 matured contacts per arm are spent/);
  });

  it("requires the minimum matured per arm even past a small plan", () => {
    const report = analyzeExperiment([arm("a", 60, 0), arm("b", 60, 20)], { design: { plannedMaturedPerArm: 50, minMaturedPerArm: 100 } });
    expect(report.verdict).toMatchObject({ kind: "no-winner-yet", reason: "below-minimum" });
  });

  it("withholds the winner when the expected loss is above the limit", () => {
    const report = analyzeExperiment([arm("a", 150, 30), arm("b", 150, 55)], {
      design: { plannedMaturedPerArm: 150, minMaturedPerArm: 100, maxExpectedLossPoints: 0.0001 },
      projectionSimulations: 0,
    });
    expect(report.verdict).toMatchObject({ kind: "no-winner-yet", reason: "loss-too-high", moreMaturedPerArm: null });
  });

  it("refuses bad summaries with the field and the fix, before any number is printed", () => {
    const cases: [ArmSummary[], RegExp][] = [
      [[arm("a", 10, 1)], /arms must list at least two arms/],
      [[arm("a", 10, 1), arm("a", 10, 1)], /arms\[1\]\.armId repeats "a"/],
      [[arm("a", 10, 11), arm("b", 10, 1)], /arms\[0\]\.successes \(11\) exceeds matured \(10\).*maturingSuccesses/],
      [[arm("a", 10, 1), arm("b", 10.5, 1, { enrolled: 200, contacted: 200 })], /arms\[1\]\.matured must be a whole number >= 0/],
      [[arm("a", 10, 1, { contacted: 50 }), arm("b", 10, 1)], /arms\[0\]\.matured plus maturing \(10 \+ 100\) exceeds contacted \(50\)/],
      [[arm("a", 10, 1, { enrolled: 5 }), arm("b", 10, 1)], /arms\[0\]\.contacted \(110\) exceeds enrolled \(5\)/],
      [[arm("a", 10, 1, { maturingSuccesses: 101 }), arm("b", 10, 1)], /arms\[0\]\.maturingSuccesses \(101\) exceeds maturing/],
    ];
    for (const [data, message] of cases) {
      try {
        analyzeExperiment(data, { design });
        expect.unreachable();
      } catch (e) {
        expect(OfferlabError.isInstance(e) && e.code).toBe("invalid_input");
        expect((e as Error).message).toMatch(message);
      }
    }
    expect(() => analyzeExperiment([arm("a", 10, 1), arm("b", 10, 1)], { design, interval: "wald" as never })).toThrow(
      /interval must be "jeffreys" or "wilson"/,
    );
  });

  it("offers the Wilson interval as an option", () => {
    const report = analyzeExperiment([arm("a", 100, 3), arm("b", 100, 5)], { design, interval: "wilson", projectionSimulations: 0 });
    expect(report.arms.every((a) => a.interval.method === "wilson")).toBe(true);
  });
  it("after adaptive allocation, judges on the inverse-probability-weighted effective counts", () => {
    // Arm b got most of its contacts while it was favoured (probability 0.9), a few at 0.1: its
    // weighted rate and effective size differ from the raw ones, and the verdict uses them.
    const records: AssignmentRecord[] = [];
    for (let i = 0; i < 300; i++) records.push({ armId: "a", probability: 0.5, matured: true, success: i % 25 === 0 });
    for (let i = 0; i < 270; i++) records.push({ armId: "b", probability: 0.9, matured: true, success: i % 10 === 0 });
    for (let i = 0; i < 30; i++) records.push({ armId: "b", probability: 0.1, matured: true, success: false });
    const effective = effectiveCounts(["a", "b"], records);
    expect(effective[0]).toEqual({ armId: "a", n: 300, successes: 12 });
    expect(effective[1]!.n).toBeLessThan(300);
    const raw = analyzeExperiment([arm("a", 300, 12), arm("b", 300, 27)], { design, projectionSimulations: 0 });
    const weighted = analyzeExperiment([arm("a", 300, 12), arm("b", 300, 27)], { design, projectionSimulations: 0, effective });
    expect(weighted.arms[1]!.evidence.n).toBe(effective[1]!.n);
    expect(weighted.arms[1]!.posterior.mean).toBeLessThan(raw.arms[1]!.posterior.mean);
    expect(weighted.arms[1]!.pBest).toBeLessThan(raw.arms[1]!.pBest);
    // Balanced (equal weights): the effective counts are the raw ones.
    expect(effectiveCounts(["a", "b"], records.slice(0, 300))).toEqual([
      { armId: "a", n: 300, successes: 12 },
      { armId: "b", n: 0, successes: 0 },
    ]);
    expect(() =>
      analyzeExperiment([arm("a", 300, 12), arm("b", 300, 27)], {
        design,
        effective: [{ armId: "a", n: 301, successes: 1 }, effective[1]!],
      }),
    ).toThrow(/effective\.a\.n must be a whole number in \[0, 300\]/);
  });
});
