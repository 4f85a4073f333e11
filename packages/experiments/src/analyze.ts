/**
 * One experiment's report, as data: per arm the counts, the rate with its interval, the posterior,
 * P(best), P(beats control) and expected loss; for the experiment the look's position against the
 * plan, the threshold it needs, the verdict and the guarantee behind it. The CLI's `offerlab report`
 * and the dashboard print this; they compute nothing of their own.
 */
import { checkArms, invalid, type ArmSummary } from "./arms.js";
import { boundaryZ, powerAt, pBestThreshold, resolveDesign, type ExperimentDesign, type ResolvedDesign } from "./design.js";
import { rateInterval, type IntervalMethod, type RateInterval } from "./intervals.js";
import { checkPrior, defaultDraws, defaultPrior, posteriorSummary, type BetaPrior } from "./posterior.js";
import { decide, defaultProjectionSimulations, projectSettlement, type Verdict } from "./verdict.js";

export interface AnalyzeOptions {
  design: ExperimentDesign;
  /** The arm P(beats control) compares with; default the first. */
  controlArmId?: string;
  /** Default Beta(1, 1). */
  prior?: BetaPrior;
  /** Monte Carlo draws per arm; default 20,000. */
  draws?: number;
  /** Seed of every draw; default derived from the data, so the same data prints the same numbers. */
  seed?: string;
  /** Interval of the rate; default `jeffreys`. */
  interval?: IntervalMethod;
  /** Simulated futures for "how many more would settle it"; default 400, 0 to leave it out. */
  projectionSimulations?: number;
  /** Rates the plan was sized for, to show the power it buys. */
  assumed?: { baselineRate: number; targetRate: number };
  /**
   * After any adaptive allocation: per arm the inverse-probability-weighted effective trials and
   * successes (`effectiveCounts` of the recorded assignments). The posterior, P(best), P(beats
   * control), expected loss, the verdict (its minimum and the plan's information fraction) and the
   * projection then use them in place of the raw matured counts, so a period when an arm got most
   * contacts does not pass for its effect. Leave it out under balanced allocation.
   */
  effective?: readonly { armId: string; n: number; successes: number }[];
}

export interface ArmReport extends Required<ArmSummary> {
  /** Successes / matured, or null with no matured contact. */
  rate: number | null;
  interval: RateInterval;
  posterior: { alpha: number; beta: number; mean: number };
  /** The effective matured contacts and successes the posterior used (the raw counts without `effective`). */
  evidence: { n: number; successes: number };
  pBest: number;
  /** Null for the control. */
  pBeatsControl: number | null;
  expectedLossPoints: number;
}

export interface ExperimentReport {
  arms: ArmReport[];
  controlArmId: string;
  design: ResolvedDesign;
  /** Matured contacts of the arm with the fewest, over the plan: the verdict can name a winner from 1. */
  informationFraction: number;
  /** The P(best) a leader needs at this look; null before the plan. */
  pBestThreshold: number | null;
  /** The boundary's z at the plan. */
  boundaryZ: number;
  /** Power the plan buys for `assumed` rates, if given. */
  plannedPower: number | null;
  /** Contacts still inside their maturity window, over all arms (not counted as failures). */
  maturing: number;
  verdict: Verdict;
  /** The guarantee the verdict gives, in one sentence. */
  guarantee: string;
  seed: string;
  draws: number;
}

/** The seed the same data always gets: its counts, the design and the prior. */
export function dataSeed(arms: readonly ArmSummary[], design: ResolvedDesign, prior: BetaPrior): string {
  const counts = arms.map((a) => `${a.armId}=${a.matured}/${a.successes}`).join(",");
  return `experiments:${counts}:${design.plannedMaturedPerArm}:${design.budgetMaturedPerArm}:${prior.alpha}/${prior.beta}`;
}

/** The report of one look at an experiment. */
export function analyzeExperiment(summaries: readonly ArmSummary[], options: AnalyzeOptions): ExperimentReport {
  const arms = checkArms(summaries);
  if (typeof options !== "object" || options === null) invalid("options", "is missing", "pass { design: { plannedMaturedPerArm } }");
  const design = resolveDesign(options.design);
  const prior = checkPrior(options.prior ?? defaultPrior);
  const draws = options.draws ?? defaultDraws;
  const seed = options.seed ?? dataSeed(arms, design, prior);
  const method = options.interval ?? "jeffreys";
  if (method !== "jeffreys" && method !== "wilson")
    invalid("interval", `must be "jeffreys" or "wilson" (got ${JSON.stringify(method)})`, "leave it out for jeffreys");
  const simulations = options.projectionSimulations ?? defaultProjectionSimulations;
  if (!Number.isInteger(simulations) || simulations < 0 || simulations > 100_000) {
    invalid(
      "projectionSimulations",
      `must be a whole number in [0, 100000] (got ${JSON.stringify(simulations)})`,
      `leave it out for ${defaultProjectionSimulations}, or 0 to skip`,
    );
  }
  const inputs = options.effective
    ? checkEffective(arms, options.effective)
    : arms.map((a) => ({ armId: a.armId, n: a.matured, successes: a.successes }));
  const posteriors = posteriorSummary(inputs, { prior, draws, seed, controlArmId: options.controlArmId });
  const controlArmId = options.controlArmId ?? arms[0]!.armId;
  const matured = inputs.map((a) => a.n);
  const projection = simulations === 0 ? null : projectSettlement(inputs, design, prior, seed, simulations);
  const verdict = decide({ posteriors, matured, design, projection });
  const minMatured = Math.min(...matured);
  const t = minMatured / design.plannedMaturedPerArm;
  const k = arms.length;
  return {
    arms: arms.map((arm, i) => {
      const p = posteriors[i]!;
      return {
        ...arm,
        rate: arm.matured === 0 ? null : arm.successes / arm.matured,
        interval: rateInterval(arm.successes, arm.matured, method),
        posterior: { alpha: p.alpha, beta: p.beta, mean: p.mean },
        evidence: { n: inputs[i]!.n, successes: inputs[i]!.successes },
        pBest: p.pBest,
        pBeatsControl: p.pBeatsControl,
        expectedLossPoints: p.expectedLossPoints,
      };
    }),
    controlArmId,
    design,
    informationFraction: t,
    pBestThreshold: pBestThreshold(t, k, design.falseWinnerRate),
    boundaryZ: boundaryZ(k, design.falseWinnerRate),
    plannedPower: options.assumed
      ? powerAt({ ...options.assumed, arms: k, falseWinnerRate: design.falseWinnerRate }, design.plannedMaturedPerArm)
      : null,
    maturing: arms.reduce((sum, a) => sum + a.maturing, 0),
    verdict,
    guarantee: guaranteeSentence(design),
    seed,
    draws,
  };
}

function checkEffective(
  arms: readonly Required<ArmSummary>[],
  effective: readonly { armId: string; n: number; successes: number }[],
): { armId: string; n: number; successes: number }[] {
  if (!Array.isArray(effective)) invalid("effective", "must be a list, one entry per arm", "pass effectiveCounts(...) or leave it out");
  return arms.map((arm) => {
    const e = effective.find((x) => x?.armId === arm.armId);
    if (!e) invalid("effective", `has no entry for arm "${arm.armId}"`, "pass effectiveCounts over every arm");
    if (!Number.isInteger(e.n) || e.n < 0 || e.n > arm.matured) {
      invalid(
        `effective.${arm.armId}.n`,
        `must be a whole number in [0, ${arm.matured}] (got ${JSON.stringify(e.n)})`,
        "use the effective sample size of the matured contacts",
      );
    }
    if (typeof e.successes !== "number" || !(e.successes >= 0) || e.successes > e.n) {
      invalid(
        `effective.${arm.armId}.successes`,
        `must be in [0, n = ${e.n}] (got ${JSON.stringify(e.successes)})`,
        "use the weighted rate times n",
      );
    }
    return { armId: arm.armId, n: e.n, successes: e.successes };
  });
}

/** The guarantee the verdict gives, for the report and the README. */
export function guaranteeSentence(design: ResolvedDesign): string {
  return (
    `If the arms are truly equal, the chance that this report ever names a winner is at most ` +
    `${Math.round(design.falseWinnerRate * 100)} %, however often it is read: no winner before ${design.plannedMaturedPerArm} ` +
    `matured contacts per arm (the plan fixed at the start), and after that a P(best) threshold that rises with the data.`
  );
}
