/**
 * The verdict: "winner" only when the design allows one and the data passes; otherwise "no winner
 * yet" with how many more matured contacts per arm would likely settle it, or "cannot be told apart
 * with this budget". The projection simulates the rest of the experiment from the posterior.
 */
import { seededRandom } from "@offerlab/core";
import { boundaryZ, pBestThreshold, type ResolvedDesign } from "./design.js";
import { betaSampler, type ArmPosterior, type BetaPrior, type PosteriorInput } from "./posterior.js";

export type NoWinnerReason =
  /** Fewer matured contacts per arm than the plan: no winner can be named yet, whatever the data. */
  | "before-plan"
  /** An arm has fewer matured contacts than the minimum. */
  | "below-minimum"
  /** The leader's P(best) is below the threshold of this look. */
  | "below-threshold"
  /** The leader's expected loss is above the limit. */
  | "loss-too-high";

export type Verdict =
  | {
      kind: "winner";
      armId: string;
      pBest: number;
      expectedLossPoints: number;
      message: string;
    }
  | {
      kind: "no-winner-yet";
      reason: NoWinnerReason;
      leaderArmId: string;
      /** Matured contacts per arm (for the arm with the fewest) at which a verdict is likely; null if not computed. */
      maturedPerArmNeeded: number | null;
      /** maturedPerArmNeeded minus the matured contacts of the arm with the fewest; null if not computed. */
      moreMaturedPerArm: number | null;
      /** Chance, from the posterior, that a winner is named by maturedPerArmNeeded. */
      chanceToSettle: number | null;
      message: string;
    }
  | {
      kind: "cannot-tell-apart";
      /** Chance, from the posterior, that a winner is named within the budget. */
      chanceWithinBudget: number;
      message: string;
    };

/** Chance to settle, per target of matured contacts per arm. */
export interface Projection {
  targets: { maturedPerArm: number; chance: number }[];
}

/** Below this chance of a winner within the budget, the honest verdict is "cannot be told apart". */
export const cannotTellApartBelow = 0.2;
/** "Would likely settle it": the first target where at least half the simulated futures name a winner. */
export const likelyAt = 0.5;
/** Simulated futures per projection by default. */
export const defaultProjectionSimulations = 400;

/**
 * Would the verdict name a winner on these counts? The projection's fast form: the posterior z of
 * the leader against its closest rival by the normal approximation of the beta posteriors (as
 * GrowthBook's engine does), against the same threshold. The expected-loss rule is left out here:
 * by the plan the threshold on P(best) already keeps the loss far below its limit.
 */
function wouldNameWinner(n: Float64Array, s: Float64Array, prior: BetaPrior, design: ResolvedDesign, c: number): boolean {
  const k = n.length;
  let minN = Infinity;
  let lead = 0;
  const mean = new Float64Array(k);
  const variance = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const a = prior.alpha + s[i]!;
    const b = prior.beta + n[i]! - s[i]!;
    mean[i] = a / (a + b);
    variance[i] = (a * b) / ((a + b) ** 2 * (a + b + 1));
    if (mean[i]! > mean[lead]!) lead = i;
    minN = Math.min(minN, n[i]!);
  }
  const t = minN / design.plannedMaturedPerArm;
  if (t < 1 || minN < design.minMaturedPerArm) return false;
  let z = Infinity;
  for (let j = 0; j < k; j++) {
    if (j === lead) continue;
    z = Math.min(z, (mean[lead]! - mean[j]!) / Math.sqrt(variance[lead]! + variance[j]!));
  }
  return z >= c * Math.sqrt(t);
}

/**
 * Simulates the rest of the experiment: true rates drawn from each arm's posterior, every arm
 * filled up to each target of matured contacts with outcomes at those rates, and the verdict rule
 * applied at each target. Targets run from the plan (or the current count) to the budget.
 */
export function projectSettlement(
  arms: readonly PosteriorInput[],
  design: ResolvedDesign,
  prior: BetaPrior,
  seed: string,
  simulations = defaultProjectionSimulations,
): Projection {
  const k = arms.length;
  const current = Math.min(...arms.map((a) => a.n));
  const start = Math.max(design.plannedMaturedPerArm, design.minMaturedPerArm);
  const steps = 8;
  const targets: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const target = Math.round(start + ((design.budgetMaturedPerArm - start) * i) / steps);
    if (target > current && target <= design.budgetMaturedPerArm && !targets.includes(target)) targets.push(target);
  }
  if (targets.length === 0) return { targets: [] };
  const c = boundaryZ(k, design.falseWinnerRate);
  const sample = betaSampler(`${seed}:projection:rates`);
  const uniform = seededRandom(`${seed}:projection:outcomes`);
  const wins = new Float64Array(targets.length);
  const n = new Float64Array(k);
  const s = new Float64Array(k);
  const rate = new Float64Array(k);
  for (let sim = 0; sim < simulations; sim++) {
    for (let i = 0; i < k; i++) {
      const arm = arms[i]!;
      n[i] = arm.n;
      s[i] = arm.successes;
      rate[i] = sample(prior.alpha + arm.successes, prior.beta + arm.n - arm.successes);
    }
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t]!;
      for (let i = 0; i < k; i++) {
        while (n[i]! < target) {
          n[i]! += 1;
          if (uniform() < rate[i]!) s[i]! += 1;
        }
      }
      if (wouldNameWinner(n, s, prior, design, c)) wins[t]! += 1;
    }
  }
  return { targets: targets.map((maturedPerArm, t) => ({ maturedPerArm, chance: wins[t]! / simulations })) };
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

export interface DecideInput {
  posteriors: readonly ArmPosterior[];
  /** Matured contacts per arm, in the posteriors' order. */
  matured: readonly number[];
  design: ResolvedDesign;
  /** The projection, or null to leave "how many more" out (the calibration suite's looks). */
  projection: Projection | null;
}

/** The verdict for one look. Pure: the same input gives the same verdict. */
export function decide(input: DecideInput): Verdict {
  const { posteriors, matured, design } = input;
  const k = posteriors.length;
  let lead = 0;
  for (let i = 1; i < k; i++) if (posteriors[i]!.pBest > posteriors[lead]!.pBest) lead = i;
  const leader = posteriors[lead]!;
  const minMatured = Math.min(...matured);
  const t = minMatured / design.plannedMaturedPerArm;
  const threshold = pBestThreshold(t, k, design.falseWinnerRate);
  let reason: NoWinnerReason;
  if (threshold === null) reason = "before-plan";
  else if (minMatured < design.minMaturedPerArm) reason = "below-minimum";
  else if (leader.pBest < threshold) reason = "below-threshold";
  else if (leader.expectedLossPoints > design.maxExpectedLossPoints) reason = "loss-too-high";
  else {
    return {
      kind: "winner",
      armId: leader.armId,
      pBest: leader.pBest,
      expectedLossPoints: leader.expectedLossPoints,
      message:
        `winner: ${leader.armId} (P(best) ${leader.pBest.toFixed(3)} >= ${threshold.toFixed(3)} at ${minMatured} matured per arm, ` +
        `expected loss ${leader.expectedLossPoints.toFixed(2)} points)`,
    };
  }
  const why: Record<NoWinnerReason, string> = {
    "before-plan": `the plan is ${design.plannedMaturedPerArm} matured contacts per arm and the arm with the fewest has ${minMatured}`,
    "below-minimum": `every arm needs ${design.minMaturedPerArm} matured contacts and the arm with the fewest has ${minMatured}`,
    "below-threshold": `${leader.armId} leads with P(best) ${leader.pBest.toFixed(3)}, below the ${threshold?.toFixed(3)} this look needs`,
    "loss-too-high": `${leader.armId} leads but its expected loss is ${leader.expectedLossPoints.toFixed(2)} points, above ${design.maxExpectedLossPoints}`,
  };
  const projection = input.projection;
  if (projection === null) {
    return {
      kind: "no-winner-yet",
      reason,
      leaderArmId: leader.armId,
      maturedPerArmNeeded: null,
      moreMaturedPerArm: null,
      chanceToSettle: null,
      message: `no winner yet: ${why[reason]}`,
    };
  }
  const last = projection.targets.at(-1);
  const withinBudget = last?.chance ?? 0;
  if (withinBudget < cannotTellApartBelow) {
    const spent = minMatured >= design.budgetMaturedPerArm;
    return {
      kind: "cannot-tell-apart",
      chanceWithinBudget: withinBudget,
      message: spent
        ? `cannot be told apart with this budget: ${design.budgetMaturedPerArm} matured contacts per arm are spent and ${why[reason]}`
        : `cannot be told apart with this budget: a winner within ${design.budgetMaturedPerArm} matured contacts per arm has a chance of ${pct(withinBudget)}`,
    };
  }
  const likely = projection.targets.find((x) => x.chance >= likelyAt) ?? last!;
  return {
    kind: "no-winner-yet",
    reason,
    leaderArmId: leader.armId,
    maturedPerArmNeeded: likely.maturedPerArm,
    moreMaturedPerArm: likely.maturedPerArm - minMatured,
    chanceToSettle: likely.chance,
    message:
      `no winner yet: ${why[reason]}; about ${likely.maturedPerArm - minMatured} more matured contacts per arm ` +
      `(${likely.maturedPerArm} in all) would settle it with a chance of ${pct(likely.chance)}`,
  };
}
