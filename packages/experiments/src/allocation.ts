/**
 * Allocation of contacts to arms at enrolment. First balanced and stratified: within each stratum
 * (sender account + ICP segment, say) contacts go to arms in permuted blocks, so every stratum stays
 * balanced and sender reputation or send day cannot pass for an arm's effect. Once every arm has
 * enough matured contacts, batched top-two Thompson sampling on matured outcomes, with a floor per
 * arm so none starves. Every assignment carries the probabilities it was drawn with; the report
 * uses them for inverse-probability weighting ({@link weightedArmRates}).
 *
 * Deterministic: the same seed, stratum, position and batch give the same arm, so a retried
 * enrolment assigns the same way.
 */
import { seededRandom } from "@offerlab/core";
import { checkProbability, checkWhole, invalid } from "./arms.js";
import { checkPrior, defaultPrior, posteriorSummary, type BetaPrior, type PosteriorInput } from "./posterior.js";

export interface AllocationDesign {
  /** The arms' ids, in a fixed order. */
  arms: readonly string[];
  /** The experiment's seed (its id, say). */
  seed: string;
  /** Matured contacts every arm needs before adaptive allocation starts. Default 50. */
  minMaturedForAdaptive?: number;
  /** Least probability of every arm under adaptive allocation. Default 0.1; at most 1 / arms. */
  floor?: number;
  /** Top-two sampling's chance of playing the leader's draw (beta in Russo 2016). Default 0.5. */
  topTwo?: number;
  prior?: BetaPrior;
  /** Monte Carlo draws for the batch's probabilities. Default 10,000. */
  draws?: number;
}

export type AllocationPhase = "balanced" | "thompson";

export interface Assignment {
  armId: string;
  phase: AllocationPhase;
  /** The probability that this contact went to `armId`: store it with the assignment. */
  probability: number;
  /** The probability of every arm at this assignment (they add up to 1). */
  probabilities: Record<string, number>;
}

function checkAllocationDesign(design: AllocationDesign): { arms: string[]; floor: number; topTwo: number; minMatured: number } {
  if (!Array.isArray(design?.arms) || design.arms.length < 2)
    invalid("allocation.arms", "must list at least two arm ids", "pass the experiment's arms");
  const arms = [...design.arms];
  if (new Set(arms).size !== arms.length || arms.some((a) => typeof a !== "string" || a === "")) {
    invalid("allocation.arms", "must be distinct non-empty ids", "give every arm a distinct id");
  }
  if (typeof design.seed !== "string" || design.seed === "")
    invalid("allocation.seed", "must be a non-empty string", "use the experiment's id");
  const floor = design.floor ?? 0.1;
  if (typeof floor !== "number" || !(floor >= 0) || floor > 1 / arms.length) {
    invalid(
      "allocation.floor",
      `must be between 0 and 1/${arms.length} (got ${JSON.stringify(floor)})`,
      "pass e.g. 0.1 so no arm gets under 10 %",
    );
  }
  const topTwo = checkProbability(design.topTwo ?? 0.5, "allocation.topTwo", "pass e.g. 0.5");
  const minMatured = checkWhole(design.minMaturedForAdaptive ?? 50, "allocation.minMaturedForAdaptive", 1);
  return { arms, floor, topTwo, minMatured };
}

/**
 * One stratum's key from its parts, the same whatever order they come in:
 * `stratumKey({ icp: "smb", account: "acc-1" })` is `"account=acc-1|icp=smb"`.
 */
export function stratumKey(parts: Record<string, string>): string {
  return Object.keys(parts)
    .sort()
    .map((key) => `${key}=${parts[key]}`)
    .join("|");
}

/**
 * The arm of the `index`-th contact (from 0) of `stratum` in the balanced phase: blocks of one
 * contact per arm, each block a seeded permutation of the arms. After every whole block each arm
 * has the same count in the stratum, and never more than one apart. Each arm's probability is
 * 1 / arms for every contact (the block's order is random), which is what the assignment records.
 */
export function balancedAssignment(design: AllocationDesign, stratum: string, index: number): Assignment {
  const { arms } = checkAllocationDesign(design);
  if (typeof stratum !== "string") invalid("stratum", "must be a string", 'join the stratum\'s keys, e.g. "account-1|icp-a"');
  checkWhole(index, "index", 0);
  const k = arms.length;
  const block = Math.floor(index / k);
  const random = seededRandom(`${design.seed}:block:${stratum}:${block}`);
  const order = [...arms];
  for (let i = k - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const probabilities = Object.fromEntries(arms.map((a) => [a, 1 / k]));
  return { armId: order[index % k]!, phase: "balanced", probability: 1 / k, probabilities };
}

/** Balanced until every arm has `minMaturedForAdaptive` matured contacts, then Thompson. */
export function allocationPhase(design: AllocationDesign, matured: readonly PosteriorInput[]): AllocationPhase {
  const { arms, minMatured } = checkAllocationDesign(design);
  return arms.every((id) => (matured.find((m) => m.armId === id)?.n ?? 0) >= minMatured) ? "thompson" : "balanced";
}

/**
 * The probabilities of one batch of adaptive allocation (a day's enrolment, say), from matured
 * outcomes only. Top-two Thompson sampling: with chance `topTwo` the arm best in a posterior draw,
 * otherwise the best of a redraw that names another arm; its marginal probability is
 * q_i (topTwo + (1 - topTwo) sum_{j != i} q_j / (1 - q_j)), with q the P(best). Then the floor:
 * floor + (1 - arms x floor) x that, so every arm keeps at least `floor`.
 */
export function thompsonProbabilities(design: AllocationDesign, matured: readonly PosteriorInput[], batch: string): Record<string, number> {
  const { arms, floor, topTwo } = checkAllocationDesign(design);
  const prior = checkPrior(design.prior ?? defaultPrior);
  const inputs = arms.map((id) => matured.find((m) => m.armId === id) ?? { armId: id, n: 0, successes: 0 });
  const q = posteriorSummary(inputs, { prior, draws: design.draws ?? 10_000, seed: `${design.seed}:batch:${batch}` }).map((p) => p.pBest);
  const k = arms.length;
  const raw = q.map((qi, i) => {
    let second = 0;
    for (let j = 0; j < k; j++) {
      if (j === i) continue;
      // A leader with q_j = 1 leaves the redraw to the others in proportion to their (zero) chance: share it equally.
      second += q[j]! >= 1 ? 1 / (k - 1) : (q[j]! * qi) / (1 - q[j]!);
    }
    return topTwo * qi + (1 - topTwo) * second;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  return Object.fromEntries(arms.map((id, i) => [id, floor + (1 - k * floor) * (raw[i]! / total)]));
}

/**
 * The arm of one contact under a batch's probabilities: a seeded draw keyed by the contact, so the
 * same contact in the same batch always gets the same arm.
 */
export function assignWithProbabilities(
  design: AllocationDesign,
  probabilities: Record<string, number>,
  batch: string,
  contactKey: string,
): Assignment {
  const { arms } = checkAllocationDesign(design);
  const u = seededRandom(`${design.seed}:assign:${batch}:${contactKey}`)();
  let acc = 0;
  let chosen = arms[arms.length - 1]!;
  for (const id of arms) {
    const p = probabilities[id];
    if (typeof p !== "number" || !(p >= 0))
      invalid(`probabilities.${id}`, "is missing or negative", "pass the batch's thompsonProbabilities");
    acc += p;
    if (u < acc) {
      chosen = id;
      break;
    }
  }
  return { armId: chosen, phase: "thompson", probability: probabilities[chosen]!, probabilities: { ...probabilities } };
}

/** One assigned contact with its recorded probability and, once matured, its outcome. */
export interface AssignmentRecord {
  armId: string;
  /** The probability recorded at assignment. */
  probability: number;
  matured: boolean;
  success: boolean;
}

export interface WeightedRate {
  armId: string;
  /** Hajek (self-normalised inverse-probability-weighted) rate over matured contacts; null with none. */
  rate: number | null;
  /** Kish's effective sample size of the weights: use it in place of n for the interval. */
  effectiveN: number;
}

/**
 * Rates corrected for adaptive allocation. Each matured contact weighs 1 / (its recorded
 * probability), so a period when an arm got most contacts does not dominate that arm's rate: if the
 * audience drifts while the allocation shifts, the raw rates compare different audiences, the
 * weighted ones the same. The report shows these next to the raw rates when any assignment was
 * adaptive.
 */
export function weightedArmRates(arms: readonly string[], records: readonly AssignmentRecord[]): WeightedRate[] {
  const sums = new Map(arms.map((a) => [a, { w: 0, wy: 0, w2: 0 }]));
  records.forEach((r, i) => {
    const sum = sums.get(r.armId);
    if (!sum) invalid(`records[${i}].armId`, `"${r.armId}" is not one of the arms`, "pass the experiment's arms");
    if (typeof r.probability !== "number" || !(r.probability > 0) || r.probability > 1) {
      invalid(
        `records[${i}].probability`,
        `must be in (0, 1] (got ${JSON.stringify(r.probability)})`,
        "store the probability each assignment returned",
      );
    }
    if (!r.matured) return;
    const w = 1 / r.probability;
    sum.w += w;
    sum.wy += r.success ? w : 0;
    sum.w2 += w * w;
  });
  return arms.map((armId) => {
    const s = sums.get(armId)!;
    return { armId, rate: s.w === 0 ? null : s.wy / s.w, effectiveN: s.w2 === 0 ? 0 : (s.w * s.w) / s.w2 };
  });
}

/** Trials and successes an arm's posterior uses once allocation was adaptive (see {@link effectiveCounts}). */
export interface EffectiveCounts {
  armId: string;
  /** Kish's effective sample size of the matured contacts' weights, rounded down. */
  n: number;
  /** The weighted (Hájek) rate times `n`: not a whole number in general. */
  successes: number;
}

/**
 * The counts the verdict uses after an adaptive phase: per arm the effective sample size of the
 * matured contacts' inverse-probability weights and the weighted rate's share of it. Under balanced
 * allocation every weight is equal and these are the raw counts; when an arm got most of its
 * contacts in one period, its rate is that of the whole audience (not of the period it was
 * favoured in) and its evidence counts for no more than the weights support. Pass them to
 * `analyzeExperiment` as `effective`.
 */
export function effectiveCounts(arms: readonly string[], records: readonly AssignmentRecord[]): EffectiveCounts[] {
  return weightedArmRates(arms, records).map((w) => {
    // Equal weights give an effective size that is the count up to rounding error: keep it whole.
    const n = Math.floor(w.effectiveN + 1e-9);
    return { armId: w.armId, n, successes: w.rate === null ? 0 : Math.min(n, w.rate * n) };
  });
}
