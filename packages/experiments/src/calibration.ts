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
import { allocationPhase, effectiveCounts, thompsonProbabilities, type AllocationDesign, type AssignmentRecord } from "./allocation.js";

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

export interface AdaptiveCalibrationInput {
  arms: readonly { armId: string; rate: number }[];
  /** New contacts a day, over all arms: each is allocated as enrolment allocates. */
  contactsPerDay: number;
  enrolDays: number;
  maturityDays: number;
  /** The allocation: balanced until every arm has `minMaturedForAdaptive` matured, then Thompson per day. */
  allocation: Omit<AllocationDesign, "arms" | "seed">;
  design: ExperimentDesign;
  /** `weighted` (the report: inverse-probability-weighted effective counts) or `raw` (plain matured counts). */
  counting: "weighted" | "raw";
  experiments: number;
  looks: readonly number[];
  draws?: number;
  seed: string;
}

/**
 * Experiments allocated as enrolment allocates them — balanced per day, then batched top-two
 * Thompson sampling with a floor once every arm has enough matured contacts — and read at every
 * look with the report's verdict: on the inverse-probability-weighted effective counts
 * (`counting: "weighted"`), or on the raw counts for comparison. Same screen as `runCalibration`.
 */
export function runAdaptiveCalibration(input: AdaptiveCalibrationInput): CalibrationResult & { adaptiveShare: number } {
  const ids = input.arms.map((a) => a.armId);
  const k = ids.length;
  const rateOf = new Map(input.arms.map((a) => [a.armId, a.rate]));
  const bestRate = Math.max(...input.arms.map((a) => a.rate));
  const equal = input.arms.every((a) => a.rate === bestRate);
  const resolved = resolveDesign(input.design);
  const c = boundaryZ(k, resolved.falseWinnerRate);
  const draws = input.draws ?? 2000;
  let right = 0;
  let wrong = 0;
  let analysed = 0;
  let adaptive = 0;
  let total = 0;
  const lastLook = Math.max(...input.looks);
  for (let e = 0; e < input.experiments; e++) {
    const random = seededRandom(`${input.seed}:${e}`);
    const allocation: AllocationDesign = {
      ...input.allocation,
      arms: ids,
      seed: `${input.seed}:${e}`,
      draws: input.allocation.draws ?? 1000,
    };
    const arm: number[] = [];
    const day: number[] = [];
    const probability: number[] = [];
    const outcomeDay: number[] = [];
    const countsAt = (now: number) => {
      const n = new Array<number>(k).fill(0);
      const s = new Array<number>(k).fill(0);
      const records: AssignmentRecord[] = [];
      for (let i = 0; i < arm.length; i++) {
        if (day[i]! > now) continue;
        const matured = day[i]! + input.maturityDays <= now;
        const success = matured && outcomeDay[i]! <= now;
        records.push({ armId: ids[arm[i]!]!, probability: probability[i]!, matured, success });
        if (matured) {
          n[arm[i]!]!++;
          if (success) s[arm[i]!]!++;
        }
      }
      return { n, s, records };
    };
    const looks = [...input.looks].sort((a, b) => a - b);
    let look = 0;
    let winner: string | null = null;
    for (let d = 0; d <= lastLook && winner === null; d++) {
      if (d < input.enrolDays) {
        const { n, s } = countsAt(d);
        const matured = ids.map((armId, i) => ({ armId, n: n[i]!, successes: s[i]! }));
        const phase = allocationPhase(allocation, matured);
        const batch = phase === "thompson" ? thompsonProbabilities(allocation, matured, String(d)) : null;
        const probs = batch ? ids.map((id) => batch[id]!) : null;
        for (let j = 0; j < input.contactsPerDay; j++) {
          let a: number;
          let p: number;
          if (probs) {
            const u = random();
            let acc = 0;
            a = k - 1;
            for (let i = 0; i < k; i++) {
              acc += probs[i]!;
              if (u < acc) {
                a = i;
                break;
              }
            }
            p = probs[a]!;
            adaptive++;
          } else {
            a = Math.floor(random() * k);
            p = 1 / k;
          }
          total++;
          arm.push(a);
          day.push(d);
          probability.push(p);
          outcomeDay.push(random() < rateOf.get(ids[a]!)! ? d + input.maturityDays * random() ** 2 : Infinity);
        }
      }
      while (look < looks.length && looks[look]! === d) {
        look++;
        const { n, s, records } = countsAt(d);
        const effective = input.counting === "weighted" ? effectiveCounts(ids, records) : null;
        const used = effective ?? ids.map((armId, i) => ({ armId, n: n[i]!, successes: s[i]! }));
        const minN = Math.min(...used.map((u) => u.n));
        const t = minN / resolved.plannedMaturedPerArm;
        const screen = used.map((u) => ({ armId: u.armId, enrolled: 0, contacted: 0, matured: u.n, successes: u.successes, maturing: 0 }));
        if (t < 1 || minN < resolved.minMaturedPerArm || leaderZ(screen) < c * Math.sqrt(t) - screenMargin) continue;
        analysed++;
        const summaries = ids.map((armId, i) => ({
          armId,
          enrolled: n[i]!,
          contacted: n[i]!,
          matured: n[i]!,
          successes: s[i]!,
          maturing: 0,
        }));
        const report = analyzeExperiment(summaries, {
          design: resolved,
          draws,
          projectionSimulations: 0,
          ...(effective ? { effective } : {}),
        });
        if (report.verdict.kind === "winner") winner = report.verdict.armId;
        break;
      }
    }
    if (winner !== null) {
      if (!equal && rateOf.get(winner) === bestRate) right++;
      else wrong++;
    }
  }
  return {
    experiments: input.experiments,
    looks: input.looks.length,
    anyWinner: (right + wrong) / input.experiments,
    rightWinner: right / input.experiments,
    wrongWinner: wrong / input.experiments,
    analysedLooks: analysed,
    adaptiveShare: total === 0 ? 0 : adaptive / total,
  };
}

export interface SettlementCalibrationInput {
  /** Arms per experiment. Default 2. */
  arms?: number;
  /**
   * The true rates of one simulated experiment, drawn with its seeded `random` (e.g. a base rate
   * and a lift). Each experiment draws its own, so the statement is checked over a spread of
   * truths as a person meets them, not at one.
   */
  rates: (random: () => number) => number[];
  /** Matured contacts per arm when the report is read (the look whose "N more" is checked). */
  maturedNow: (random: () => number) => number;
  design: ExperimentDesign;
  experiments: number;
  /** Monte Carlo draws per arm per analysis. Default 2,000. */
  draws?: number;
  seed: string;
}

export interface SettlementCalibrationResult {
  experiments: number;
  /** Experiments whose first report said "no winner yet, about N more per arm would settle it". */
  stated: number;
  /** Mean of the chances those reports gave. */
  statedChance: number;
  /** Share of them in which the report read after N more matured contacts per arm named a winner. */
  winnerAfter: number;
  /** Share in which it named a winner or said "cannot be told apart" (settled either way). */
  settledAfter: number;
  /** Share in which the winner named was not the arm with the highest true rate. */
  wrongWinnerAfter: number;
  /** Mean N stated. */
  meanMore: number;
}

/**
 * Checks "about N more matured contacts per arm would settle it with a chance of P": each
 * experiment draws its true rates, fills every arm to `maturedNow` matured contacts with outcomes
 * at those rates, and reads the report (the projection included). When it says "no winner yet"
 * with N more, every arm is filled up to the target it named (the arm with the fewest plus N) with
 * outcomes at the same true rates, and the report is read again. Calibrated when the share of
 * those second reads that name a winner is about the mean chance stated (and at least `likelyAt`).
 */
export function runSettlementCalibration(input: SettlementCalibrationInput): SettlementCalibrationResult {
  const k = input.arms ?? 2;
  const ids = Array.from({ length: k }, (_, i) => String.fromCharCode(97 + i));
  const resolved = resolveDesign(input.design);
  const draws = input.draws ?? 2000;
  let stated = 0;
  let chanceSum = 0;
  let more = 0;
  let winners = 0;
  let settled = 0;
  let wrong = 0;
  for (let e = 0; e < input.experiments; e++) {
    const random = seededRandom(`${input.seed}:${e}`);
    const rates = input.rates(random);
    const best = Math.max(...rates);
    const n = new Array<number>(k).fill(0);
    const s = new Array<number>(k).fill(0);
    const fill = (target: number) => {
      for (let i = 0; i < k; i++)
        while (n[i]! < target) {
          n[i]!++;
          if (random() < rates[i]!) s[i]!++;
        }
    };
    const summaries = (): ArmSummary[] =>
      ids.map((armId, i) => ({ armId, enrolled: n[i]!, contacted: n[i]!, matured: n[i]!, successes: s[i]!, maturing: 0 }));
    fill(input.maturedNow(random));
    const first = analyzeExperiment(summaries(), { design: resolved, draws });
    const v = first.verdict;
    if (v.kind !== "no-winner-yet" || v.maturedPerArmNeeded === null || v.chanceToSettle === null) continue;
    stated++;
    chanceSum += v.chanceToSettle;
    more += v.moreMaturedPerArm ?? 0;
    fill(v.maturedPerArmNeeded);
    const after = analyzeExperiment(summaries(), { design: resolved, draws });
    if (after.verdict.kind === "winner") {
      winners++;
      if (rates[ids.indexOf(after.verdict.armId)]! !== best) wrong++;
    }
    if (after.verdict.kind !== "no-winner-yet") settled++;
  }
  const share = (x: number) => (stated === 0 ? 0 : x / stated);
  return {
    experiments: input.experiments,
    stated,
    statedChance: share(chanceSum),
    winnerAfter: share(winners),
    settledAfter: share(settled),
    wrongWinnerAfter: share(wrong),
    meanMore: share(more),
  };
}
