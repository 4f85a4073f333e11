/**
 * The calibration suite: several hundred simulated experiments, each read at twenty looks (every
 * third day, as a person reads the report), checking the verdict's promises. Seeded, so every run
 * measures the same figures; docs/experiments.md records them. Each bound fails if the verdict rule
 * is made naive (the naive rule's own test shows how far off it is).
 */
import { seededRandom } from "@offerlab/core";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeExperiment } from "./analyze.js";
import {
  leaderZ,
  runAdaptiveCalibration,
  runCalibration,
  runSettlementCalibration,
  screenMargin,
  simulateWorld,
  type CalibrationInput,
  type CalibrationResult,
  type WorldOptions,
} from "./calibration.js";
import { pBestThreshold } from "./design.js";

const plan = { plannedMaturedPerArm: 600 } as const;
/** 20 new contacts per arm a day for 60 days, outcomes within 14 days: 600 matured per arm on day 44, 1,200 (the budget) on day 74. */
function world(rates: number[], startDays: number[] = []): Omit<WorldOptions, "seed"> {
  return {
    arms: rates.map((rate, i) => ({ armId: String.fromCharCode(97 + i), rate, startDay: startDays[i] ?? 0 })),
    contactsPerDay: 20,
    enrolDays: 60,
    maturityDays: 14,
  };
}
/** Twenty looks, every third day from the first matured contacts to the end of the budget. */
function looksFrom(first: number): number[] {
  return Array.from({ length: 20 }, (_, i) => first + i * 3);
}
const looks = looksFrom(16);

const measured: { scenario: string; result: CalibrationResult; figure: string }[] = [];
function run(scenario: string, input: CalibrationInput, figure: (r: CalibrationResult) => string): CalibrationResult {
  const result = runCalibration(input);
  measured.push({ scenario, result, figure: figure(result) });
  return result;
}
/** Simulations are slow next to unit tests; the whole file stays under a minute on one core. */
const slow = { timeout: 120_000 };
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

afterAll(() => {
  console.log(
    "\nCalibration (seeded; each experiment read at 20 looks):\n" +
      measured.map((m) => `  ${m.scenario.padEnd(58)} ${m.figure.padEnd(28)} (${m.result.experiments} experiments)`).join("\n"),
  );
});

describe("calibration under repeated looks", () => {
  it("names a false winner in at most 5 % of equal-rate experiments (3 % vs 3 %)", slow, () => {
    const r = run(
      "equal rates 3 % vs 3 %: false winner",
      { world: world([0.03, 0.03]), experiments: 1000, looks, rule: { kind: "design", design: plan }, seed: "null" },
      (r) => pct(r.wrongWinner),
    );
    expect(r.wrongWinner).toBeLessThanOrEqual(0.05);
  });

  it("while the naive rule (P(best) >= 0.95 at every look) names one far more often: the suite can fail", slow, () => {
    const r = run(
      "equal rates, naive P(best) >= 0.95 at every look",
      { world: world([0.03, 0.03]), experiments: 200, looks, rule: { kind: "naive", pBest: 0.95, minMatured: 100 }, seed: "null" },
      (r) => pct(r.wrongWinner),
    );
    expect(r.wrongWinner).toBeGreaterThan(0.15);
  });

  it("keeps the bound with three equal arms", slow, () => {
    const r = run(
      "three equal arms: false winner",
      { world: world([0.03, 0.03, 0.03]), experiments: 300, looks, rule: { kind: "design", design: plan }, seed: "three" },
      (r) => pct(r.wrongWinner),
    );
    expect(r.wrongWinner).toBeLessThanOrEqual(0.05);
  });

  it("finds a 2x lift (3 % vs 6 %, a plan of 600 matured per arm) in most experiments, and never the wrong arm", slow, () => {
    const r = run(
      "2x lift 3 % vs 6 %: right winner found",
      { world: world([0.03, 0.06]), experiments: 400, looks, rule: { kind: "design", design: plan }, seed: "lift" },
      (r) => pct(r.rightWinner),
    );
    expect(r.rightWinner).toBeGreaterThan(0.6);
    expect(r.wrongWinner).toBeLessThanOrEqual(0.01);
  });
});

describe("an arm started later is not penalised by unmatured contacts", () => {
  const late = world([0.03, 0.03], [0, 21]);
  const lateLooks = looksFrom(37);

  it("has the same rate as the early arm on average at every look (matured contacts only)", slow, () => {
    for (const day of [40, 50, 60, 80]) {
      const diff = { matured: 0, contacted: 0, "early-counted": 0 };
      for (let e = 0; e < 300; e++) {
        const w = simulateWorld({ ...late, seed: `bias:${e}` });
        for (const rule of ["matured", "contacted", "early-counted"] as const) {
          const [a, b] = w.summaryAt(day, rule);
          diff[rule] += (b!.successes / Math.max(1, b!.matured) - a!.successes / Math.max(1, a!.matured)) / 300;
        }
      }
      // Ours: no gap. Counting silence-so-far as failure sinks the late arm; counting early
      // responders among the matured lifts it (why maturingSuccesses stays out of the rate).
      expect(Math.abs(diff.matured)).toBeLessThan(0.001);
      expect(diff.contacted).toBeLessThan(-0.0015);
      expect(diff["early-counted"]).toBeGreaterThan(0.004);
    }
  });

  it("names a false winner in at most 5 % when the later arm is equal", slow, () => {
    const r = run(
      "late arm (3 weeks), equal rates: false winner",
      { world: late, experiments: 1000, looks: lateLooks, rule: { kind: "design", design: plan }, seed: "late" },
      (r) => pct(r.wrongWinner),
    );
    expect(r.wrongWinner).toBeLessThanOrEqual(0.05);
    const early = run(
      "late arm, early outcomes counted as matured: false winner",
      { world: late, experiments: 500, looks: lateLooks, rule: { kind: "design", design: plan }, counting: "early-counted", seed: "late" },
      (r) => pct(r.wrongWinner),
    );
    expect(early.wrongWinner).toBeGreaterThan(r.wrongWinner);
  });

  it("finds a later arm's 2x lift in most experiments", slow, () => {
    const r = run(
      "late arm with a 2x lift: right winner found",
      {
        world: world([0.03, 0.06], [0, 21]),
        experiments: 300,
        looks: lateLooks,
        rule: { kind: "design", design: plan },
        seed: "late-lift",
      },
      (r) => pct(r.rightWinner),
    );
    expect(r.rightWinner).toBeGreaterThan(0.6);
  });
});

describe("after an adaptive phase (top-two Thompson, floor 10 %), the verdict on weighted counts", () => {
  /** Three arms, 90 new contacts a day over them for 60 days; Thompson from 50 matured per arm. */
  const adaptive = (rates: number[], experiments: number, seed: string) =>
    runAdaptiveCalibration({
      arms: rates.map((rate, i) => ({ armId: String.fromCharCode(97 + i), rate })),
      contactsPerDay: 90,
      enrolDays: 60,
      maturityDays: 14,
      // 300 draws per daily batch: the probabilities are noisier, but they are the ones recorded and weighted by.
      allocation: { minMaturedForAdaptive: 50, floor: 0.1, topTwo: 0.5, draws: 300 },
      design: plan,
      counting: "weighted",
      experiments,
      looks,
      seed,
    });
  const slower = { timeout: 400_000 };

  it("names a false winner in at most 5 % of equal-rate experiments (three arms at 3 %)", slower, () => {
    const r = adaptive([0.03, 0.03, 0.03], 200, "adaptive-null");
    measured.push({
      scenario: "adaptive, three equal arms: false winner",
      result: r,
      figure: `${pct(r.wrongWinner)} (${pct(r.adaptiveShare)} adaptive)`,
    });
    expect(r.adaptiveShare).toBeGreaterThan(0.5);
    expect(r.wrongWinner).toBeLessThanOrEqual(0.05);
  });

  it("finds a 2x lift (3 %, 3 %, 6 %) in most experiments, never the wrong arm", slower, () => {
    const r = adaptive([0.03, 0.03, 0.06], 100, "adaptive-lift");
    measured.push({ scenario: "adaptive, 3 % / 3 % / 6 %: right winner found", result: r, figure: pct(r.rightWinner) });
    expect(r.rightWinner).toBeGreaterThan(0.6);
    expect(r.wrongWinner).toBeLessThanOrEqual(0.01);
  });
});

describe('"about N more matured contacts per arm would settle it"', () => {
  // Each experiment draws its truth, is read at some count before its plan, and — when the report
  // says "no winner yet, about N more per arm would settle it with a chance of P" — gets exactly
  // N more matured contacts per arm at the same true rates and is read again.
  const settled: string[] = [];
  afterAll(() => console.log(`\n"N more would settle it" (seeded; plan 600, budget 1,200 per arm):\n${settled.join("\n")}`));
  /**
   * The stated chance is about what happens (within 12 points), "likely" comes true at least
   * `winnerAtLeast` of the time, nearly every case settles either way, and almost never wrongly.
   */
  const expectCalibrated = (r: ReturnType<typeof runSettlementCalibration>, winnerAtLeast: number) => {
    expect(Math.abs(r.winnerAfter - r.statedChance)).toBeLessThanOrEqual(0.12);
    expect(r.winnerAfter).toBeGreaterThanOrEqual(winnerAtLeast);
    expect(r.settledAfter).toBeGreaterThanOrEqual(0.85);
    expect(r.wrongWinnerAfter).toBeLessThanOrEqual(0.02);
  };
  const line = (scenario: string, r: ReturnType<typeof runSettlementCalibration>) =>
    `  ${scenario.padEnd(58)} stated ${pct(r.statedChance)}, winner after N more ${pct(r.winnerAfter)}, settled (winner or cannot tell apart) ${pct(r.settledAfter)}, wrong winner ${pct(r.wrongWinnerAfter)}, mean N ${Math.round(r.meanMore)} (${r.stated} of ${r.experiments} said N more)`;

  it("a spread of truths (base 2-8 %, half equal, half a 1.3-2.5x lift), read at 100-600 matured per arm", slow, () => {
    const r = runSettlementCalibration({
      rates: (random) => {
        const base = 0.02 + random() * 0.06;
        return [base, random() < 0.5 ? base : base * (1.3 + random() * 1.2)];
      },
      maturedNow: (random) => 100 + Math.floor(random() * 500),
      design: plan,
      experiments: 200,
      seed: "settle",
    });
    settled.push(line("spread of truths", r));
    expect(r.stated).toBeGreaterThan(100);
    // The stated chance is about what happens: within 12 points, and "likely" means more often than not.
    expectCalibrated(r, 0.5);
  });

  it("a 2x lift, 3 % vs 6 %, read at 200 matured per arm", slow, () => {
    const r = runSettlementCalibration({
      rates: () => [0.03, 0.06],
      maturedNow: () => 200,
      design: plan,
      experiments: 150,
      seed: "settle-2x",
    });
    settled.push(line("3 % vs 6 % from 200 matured", r));
    expect(r.stated).toBeGreaterThan(100);
    expectCalibrated(r, 0.5);
  });

  // Three arms: P(best) is shared three ways and the verdict's threshold is the three-arm one, so the
  // projection must hold with k = 3 too.
  it("three arms, a spread of truths (base 2-8 %, half all equal, half one arm 1.3-2.5x), read at 100-600 matured per arm", slow, () => {
    const r = runSettlementCalibration({
      arms: 3,
      rates: (random) => {
        const base = 0.02 + random() * 0.06;
        const rates = [base, base, base];
        if (random() < 0.5) rates[Math.floor(random() * 3)] = base * (1.3 + random() * 1.2);
        return rates;
      },
      maturedNow: (random) => 100 + Math.floor(random() * 500),
      design: plan,
      experiments: 100,
      seed: "settle-3",
    });
    settled.push(line("three arms, spread of truths", r));
    expect(r.stated).toBeGreaterThanOrEqual(40);
    // Within the same 12 points as two arms. The spread is optimistic here, as with two arms and a
    // little more (half its truths are exactly equal, which the independent posteriors the
    // projection draws from do not expect, and three arms have three equal pairs): "likely" comes
    // true in about half of them, not more often. Recorded in docs/experiments.md.
    expectCalibrated(r, 0.45);
  });

  it("three arms, a 2x lift, 3 % vs 3 % vs 6 %, read at 200 matured per arm", slow, () => {
    const r = runSettlementCalibration({
      arms: 3,
      rates: () => [0.03, 0.03, 0.06],
      maturedNow: () => 200,
      design: plan,
      experiments: 80,
      seed: "settle-3-2x",
    });
    settled.push(line("three arms, 3 % vs 3 % vs 6 % from 200 matured", r));
    expect(r.stated).toBeGreaterThanOrEqual(40);
    expectCalibrated(r, 0.5);
  });
});

describe("the suite's speed-up screen", () => {
  it("only skips looks whose Monte Carlo P(best) is below the threshold", slow, () => {
    // Random experiments past their plan: wherever the screen would skip a look, the full
    // analysis agrees there is no winner, so the measured rates are those of the real verdict.
    const random = seededRandom("screen");
    let skipped = 0;
    for (let i = 0; i < 150; i++) {
      const n = 600 + Math.floor(random() * 600);
      const rate = 0.01 + random() * 0.1;
      const arms = ["a", "b"].map((armId) => {
        let successes = 0;
        for (let j = 0; j < n; j++) if (random() < rate * (armId === "b" ? 1 + random() * 0.6 : 1)) successes++;
        return { armId, enrolled: n, contacted: n, matured: n, successes, maturing: 0 };
      });
      const threshold = pBestThreshold(n / 600, 2, 0.05)!;
      const c = 2.2414 * Math.sqrt(n / 600);
      if (leaderZ(arms) >= c - screenMargin) continue;
      skipped++;
      const report = analyzeExperiment(arms, { design: plan, draws: 2000, projectionSimulations: 0 });
      expect(Math.max(...report.arms.map((a) => a.pBest))).toBeLessThan(threshold);
    }
    expect(skipped).toBeGreaterThan(50);
  });
});
