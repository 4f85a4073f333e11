/**
 * The simulated world of the calibration suite, exported so the figures in docs/experiments.md can
 * be reproduced (and the demo can reuse the world): arms answer at known rates, contacts arrive
 * every day from each arm's start, outcomes happen within the maturity window, and the report is
 * read at many looks as a person reads it daily.
 */
import { seededRandom } from "@offerlab/core";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import type { ArmSummary } from "./arms.js";
import { analyzeExperiment } from "./analyze.js";
import { boundaryZ, resolveDesign, type ExperimentDesign } from "./design.js";
import { defaultPrior } from "./posterior.js";

export interface WorldArm {
  armId: string;
  /** The arm's true rate. */
  rate: number;
  /** Day of the arm's first contact. Default 0. */
  startDay?: number;
}

export interface WorldOptions {
  arms: readonly WorldArm[];
  /** New contacts per arm per day. */
  contactsPerDay: number;
  /** Days each arm enrols. */
  enrolDays: number;
  /** Maturity window in days; every outcome happens within it (skewed early, as replies are). */
  maturityDays: number;
  seed: string;
}

/**
 * How a look counts contacts: `matured` (ours: the window has passed), `early-counted` (also
 * counting a maturing contact that already had the outcome as matured), `contacted` (every
 * contacted contact is a trial, silence so far a failure).
 */
export type CountingRule = "matured" | "early-counted" | "contacted";

export interface World {
  /** The arms' summaries at the end of `day`. */
  summaryAt(day: number, rule?: CountingRule): ArmSummary[];
}

export function simulateWorld(options: WorldOptions): World {
  const random = seededRandom(options.seed);
  const arms = options.arms.map((arm) => {
    const total = options.contactsPerDay * options.enrolDays;
    const day = new Int32Array(total);
    const outcomeDay = new Float64Array(total).fill(Infinity);
    const start = arm.startDay ?? 0;
    for (let i = 0; i < total; i++) {
      day[i] = start + Math.floor(i / options.contactsPerDay);
      if (random() < arm.rate) outcomeDay[i] = day[i]! + options.maturityDays * random() ** 2;
    }
    return { armId: arm.armId, day, outcomeDay };
  });
  return {
    summaryAt(now, rule = "matured") {
      return arms.map((arm) => {
        let contacted = 0;
        let matured = 0;
        let successes = 0;
        let maturingSuccesses = 0;
        for (let i = 0; i < arm.day.length; i++) {
          const d = arm.day[i]!;
          if (d > now) break;
          contacted++;
          const happened = arm.outcomeDay[i]! <= now;
          if (d + options.maturityDays <= now) {
            matured++;
            if (happened) successes++;
          } else if (happened) maturingSuccesses++;
        }
        const maturing = contacted - matured;
        if (rule === "contacted") {
          return {
            armId: arm.armId,
            enrolled: contacted,
            contacted,
            matured: contacted,
            successes: successes + maturingSuccesses,
            maturing: 0,
          };
        }
        if (rule === "early-counted") {
          const n = matured + maturingSuccesses;
          return {
            armId: arm.armId,
            enrolled: contacted,
            contacted,
            matured: n,
            successes: successes + maturingSuccesses,
            maturing: contacted - n,
          };
        }
        return { armId: arm.armId, enrolled: contacted, contacted, matured, successes, maturing, maturingSuccesses };
      });
    },
  };
}

/** A verdict rule the calibration compares: the package's (`design`) or a naive P(best) cut. */
export type CalibratedRule = { kind: "design"; design: ExperimentDesign } | { kind: "naive"; pBest: number; minMatured: number };

export interface CalibrationInput {
  world: Omit<WorldOptions, "seed">;
  /** Simulated experiments. */
  experiments: number;
  /** The days the report is read. */
  looks: readonly number[];
  rule: CalibratedRule;
  counting?: CountingRule;
  /** Monte Carlo draws per arm per look. Default 2,000 (the report's 20,000 only narrows the noise). */
  draws?: number;
  seed: string;
}

export interface CalibrationResult {
  experiments: number;
  looks: number;
  /** Share of experiments in which some look named a winner. */
  anyWinner: number;
  /** Share in which the first winner named had the highest true rate (the lift found). */
  rightWinner: number;
  /** Share in which the first winner named did not have the highest true rate. */
  wrongWinner: number;
  /** Looks that ran the Monte Carlo (the rest were screened out, see below). */
  analysedLooks: number;
}

/**
 * How far (in z) below the threshold the normal approximation must put the leader for a look to be
 * scored without the Monte Carlo. The approximation and the Monte Carlo P(best) differ by about
 * 0.1 z at these counts (the calibration test checks the screen against the Monte Carlo).
 */
export const screenMargin = 0.5;

/** The normal-approximation z of the leader over its closest rival (the screen). */
export function leaderZ(arms: readonly ArmSummary[]): number {
  const stats = arms.map((a) => {
    const x = defaultPrior.alpha + a.successes;
    const y = defaultPrior.beta + a.matured - a.successes;
    return { mean: x / (x + y), variance: (x * y) / ((x + y) ** 2 * (x + y + 1)) };
  });
  let lead = 0;
  stats.forEach((s, i) => {
    if (s.mean > stats[lead]!.mean) lead = i;
  });
  let z = Infinity;
  stats.forEach((s, j) => {
    if (j !== lead) z = Math.min(z, (stats[lead]!.mean - s.mean) / Math.sqrt(stats[lead]!.variance + s.variance));
  });
  return z;
}

/**
 * Runs `experiments` simulated experiments, each read at every look until a winner is named.
 * Speed: a look whose verdict cannot be "winner" without drawing is scored without the Monte Carlo
 * — before the plan for the design's rule (the verdict there is "no winner yet" whatever the
 * data), and when the normal approximation puts the leader `screenMargin` below the rule's threshold
 * (where the Monte Carlo P(best) cannot reach it). Every other look runs `analyzeExperiment`.
 */
export function runCalibration(input: CalibrationInput): CalibrationResult {
  const bestRate = Math.max(...input.world.arms.map((a) => a.rate));
  const equal = input.world.arms.every((a) => a.rate === bestRate);
  const k = input.world.arms.length;
  const resolved = input.rule.kind === "design" ? resolveDesign(input.rule.design) : null;
  const c = resolved ? boundaryZ(k, resolved.falseWinnerRate) : 0;
  const naiveZ = input.rule.kind === "naive" ? normalQuantile(input.rule.pBest, 0, 1) : 0;
  let right = 0;
  let wrong = 0;
  let analysed = 0;
  for (let e = 0; e < input.experiments; e++) {
    const world = simulateWorld({ ...input.world, seed: `${input.seed}:${e}` });
    for (const day of input.looks) {
      const arms = world.summaryAt(day, input.counting ?? "matured");
      const minMatured = Math.min(...arms.map((a) => a.matured));
      let winner: string | null = null;
      if (resolved) {
        const t = minMatured / resolved.plannedMaturedPerArm;
        if (t < 1 || minMatured < resolved.minMaturedPerArm || leaderZ(arms) < c * Math.sqrt(t) - screenMargin) continue;
        analysed++;
        const report = analyzeExperiment(arms, { design: resolved, draws: input.draws ?? 2000, projectionSimulations: 0 });
        if (report.verdict.kind === "winner") winner = report.verdict.armId;
      } else if (input.rule.kind === "naive") {
        if (minMatured < input.rule.minMatured || leaderZ(arms) < naiveZ - screenMargin) continue;
        analysed++;
        const report = analyzeExperiment(arms, {
          design: { plannedMaturedPerArm: 1, minMaturedPerArm: 0 },
          draws: input.draws ?? 2000,
          projectionSimulations: 0,
        });
        const lead = report.arms.reduce((a, b) => (b.pBest > a.pBest ? b : a));
        if (lead.pBest >= input.rule.pBest) winner = lead.armId;
      }
      if (winner !== null) {
        const rate = input.world.arms.find((a) => a.armId === winner)!.rate;
        if (!equal && rate === bestRate) right++;
        else wrong++;
        break;
      }
    }
  }
  return {
    experiments: input.experiments,
    looks: input.looks.length,
    anyWinner: (right + wrong) / input.experiments,
    rightWinner: right / input.experiments,
    wrongWinner: wrong / input.experiments,
    analysedLooks: analysed,
  };
}
