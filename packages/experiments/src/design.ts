/**
 * The design that makes the verdict safe to read every day: a planned number of matured contacts
 * per arm, fixed when the experiment starts, before which the verdict is "no winner yet" whatever
 * the posterior says, and from there a P(best) threshold that rises with the data.
 *
 * Why it holds under repeated looks. On the information scale t = (matured per arm) / (planned
 * per arm), the evidence for arm i over arm j behaves like a Brownian motion W(t) when the arms
 * are equal, with Z(t) = W(t) / sqrt(t) and P(i beats j) ~ Phi(Z). The verdict names i only when
 * Z(t) >= c * sqrt(t), that is W(t) >= c * t, for some t >= 1. By time inversion
 * (W'(s) = s W(1/s) is again a Brownian motion), the chance that W ever crosses the line c * t
 * after t = 1 equals the chance that W' crosses c before s = 1, which is 2 (1 - Phi(c)) by the
 * reflection principle. Over k arms, each of which could be named, the chance of ever naming a
 * false winner is at most 2 k (1 - Phi(c)); c = Phi^-1(1 - alpha / (2k)) makes that alpha. The
 * bound is for continuous monitoring, so it holds for any number of looks, daily or hourly, and for
 * as long as the experiment runs past its plan; discrete looks only make it conservative. The
 * calibration suite measures it (docs/experiments.md).
 */
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { checkProbability, checkWhole, invalid } from "./arms.js";

/** The decision rule's settings; every field has a default but the plan. */
export interface ExperimentDesign {
  /**
   * Matured contacts per arm before any winner can be named: fixed when the experiment starts
   * (see {@link planExperiment}); changing it mid-way voids the guarantee.
   */
  plannedMaturedPerArm: number;
  /**
   * Matured contacts per arm the experiment can afford in all (the audience or the send budget);
   * "cannot be told apart with this budget" is judged against it. Default 2 x the plan.
   */
  budgetMaturedPerArm?: number;
  /** Chance of ever naming a false winner when all arms are equal, under any number of looks. Default 0.05. */
  falseWinnerRate?: number;
  /** Matured contacts every arm needs before a winner, on top of the plan. Default 100. */
  minMaturedPerArm?: number;
  /** The winner's expected loss must be at most this many percentage points. Default 0.5. */
  maxExpectedLossPoints?: number;
}

export interface ResolvedDesign {
  plannedMaturedPerArm: number;
  budgetMaturedPerArm: number;
  falseWinnerRate: number;
  minMaturedPerArm: number;
  maxExpectedLossPoints: number;
}

export const designDefaults = {
  falseWinnerRate: 0.05,
  minMaturedPerArm: 100,
  maxExpectedLossPoints: 0.5,
  budgetFactor: 2,
} as const;

/** Fills the defaults and checks every field, naming the one that is wrong. */
export function resolveDesign(design: ExperimentDesign): ResolvedDesign {
  if (typeof design !== "object" || design === null) invalid("design", "is missing", "pass { plannedMaturedPerArm } (see planExperiment)");
  const planned = checkWhole(design.plannedMaturedPerArm, "design.plannedMaturedPerArm", 1);
  const budget = checkWhole(design.budgetMaturedPerArm ?? planned * designDefaults.budgetFactor, "design.budgetMaturedPerArm", 1);
  if (budget < planned) {
    invalid(
      "design.budgetMaturedPerArm",
      `(${budget}) is below the plan (${planned})`,
      "the budget is what the experiment can afford in all, at least the plan",
    );
  }
  const falseWinnerRate = checkProbability(
    design.falseWinnerRate ?? designDefaults.falseWinnerRate,
    "design.falseWinnerRate",
    "pass e.g. 0.05",
  );
  if (falseWinnerRate > 0.2)
    invalid("design.falseWinnerRate", `(${falseWinnerRate}) is above 0.2`, "a verdict wrong that often is not a verdict; pass e.g. 0.05");
  const minMatured = checkWhole(design.minMaturedPerArm ?? designDefaults.minMaturedPerArm, "design.minMaturedPerArm", 0);
  const maxLoss = design.maxExpectedLossPoints ?? designDefaults.maxExpectedLossPoints;
  if (typeof maxLoss !== "number" || !Number.isFinite(maxLoss) || maxLoss <= 0) {
    invalid("design.maxExpectedLossPoints", `must be a number > 0 (got ${JSON.stringify(maxLoss)})`, "pass percentage points, e.g. 0.5");
  }
  return {
    plannedMaturedPerArm: planned,
    budgetMaturedPerArm: budget,
    falseWinnerRate,
    minMaturedPerArm: minMatured,
    maxExpectedLossPoints: maxLoss,
  };
}

/** c = Phi^-1(1 - alpha / (2k)): the boundary's value at the plan, on the z scale. */
export function boundaryZ(arms: number, falseWinnerRate: number): number {
  return normalQuantile(1 - falseWinnerRate / (2 * arms), 0, 1);
}

/**
 * The P(best) a leader needs at information fraction `t` (matured per arm / planned per arm):
 * null before the plan (no winner can be named), then Phi(c * sqrt(t)).
 */
export function pBestThreshold(t: number, arms: number, falseWinnerRate: number): number | null {
  if (t < 1) return null;
  return normalCdf(boundaryZ(arms, falseWinnerRate) * Math.sqrt(t), 0, 1);
}

export interface PlanInput {
  /** The rate expected from the control (or any arm), e.g. 0.03. */
  baselineRate: number;
  /** The rate of the better arm worth finding, e.g. 0.06 for a 2x lift. */
  targetRate: number;
  /** Number of arms. Default 2. */
  arms?: number;
  /** Default 0.05. */
  falseWinnerRate?: number;
  /** Chance to name the better arm at the plan when it is that much better. Default 0.8. */
  power?: number;
}

export interface Plan {
  plannedMaturedPerArm: number;
  /** The power the plan buys (at least the power asked, by rounding up). */
  power: number;
  /** P(best) the leader needs at the plan. */
  pBestAtPlan: number;
  boundaryZ: number;
}

function checkRates(baselineRate: number, targetRate: number): void {
  checkProbability(baselineRate, "baselineRate", "pass a rate such as 0.03 for 3 %");
  checkProbability(targetRate, "targetRate", "pass a rate such as 0.06 for 6 %");
  if (targetRate === baselineRate)
    invalid("targetRate", "equals baselineRate", "give the rate of the better arm worth finding, e.g. twice the baseline");
}

/**
 * The power a plan of `perArm` matured contacts per arm buys at the plan's look, by the normal
 * approximation: Phi(|delta| / se - c). Looks after the plan add a little (measured by the
 * calibration suite, not counted here).
 */
export function powerAt(input: Omit<PlanInput, "power">, perArm: number): number {
  checkRates(input.baselineRate, input.targetRate);
  checkWhole(perArm, "perArm", 1);
  const k = input.arms ?? 2;
  const c = boundaryZ(k, input.falseWinnerRate ?? designDefaults.falseWinnerRate);
  const p1 = input.baselineRate;
  const p2 = input.targetRate;
  const se = Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / perArm);
  return normalCdf(Math.abs(p2 - p1) / se - c, 0, 1);
}

/** The matured contacts per arm that buy `power` for the lift from `baselineRate` to `targetRate`. */
export function planExperiment(input: PlanInput): Plan {
  checkRates(input.baselineRate, input.targetRate);
  const k = checkWhole(input.arms ?? 2, "arms", 2);
  const alpha = checkProbability(input.falseWinnerRate ?? designDefaults.falseWinnerRate, "falseWinnerRate", "pass e.g. 0.05");
  const power = checkProbability(input.power ?? 0.8, "power", "pass e.g. 0.8");
  const c = boundaryZ(k, alpha);
  const p1 = input.baselineRate;
  const p2 = input.targetRate;
  const variance = p1 * (1 - p1) + p2 * (1 - p2);
  const z = normalQuantile(power, 0, 1);
  const perArm = Math.ceil(((c + z) / Math.abs(p2 - p1)) ** 2 * variance);
  return {
    plannedMaturedPerArm: perArm,
    power: powerAt({ ...input, arms: k, falseWinnerRate: alpha }, perArm),
    pBestAtPlan: normalCdf(c, 0, 1),
    boundaryZ: c,
  };
}
