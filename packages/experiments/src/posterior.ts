/**
 * The Bayesian core: a beta-binomial per arm with a weak prior, and Monte Carlo over the posteriors
 * for the chance that each arm is best, the chance it beats the control and the expected loss of
 * choosing it (GrowthBook's "chance to win" and "risk"). Draws come from stdlib's beta sampler fed
 * by core's seeded generator, so the same data and seed always give the same numbers.
 */
import { seededRandom } from "@offerlab/core";
import betaRandom from "@stdlib/random-base-beta";
import { invalid } from "./arms.js";

/** Beta(alpha, beta) prior of every arm's rate. */
export interface BetaPrior {
  alpha: number;
  beta: number;
}

/**
 * Beta(1, 1), uniform: worth two contacts, so it moves a rate measured on a hundred matured
 * contacts by about one point at most and is forgotten as data arrives.
 */
export const defaultPrior: BetaPrior = { alpha: 1, beta: 1 };

/** Monte Carlo draws per arm by default: P(best) near 0.99 is then known to about ±0.001. */
export const defaultDraws = 20_000;

export interface PosteriorInput {
  armId: string;
  /** Matured contacts. */
  n: number;
  /** Successes among them. */
  successes: number;
}

export interface ArmPosterior {
  armId: string;
  /** Beta(alpha, beta) posterior: prior alpha + successes, prior beta + failures. */
  alpha: number;
  beta: number;
  /** Posterior mean rate. */
  mean: number;
  /** Chance that this arm has the highest true rate. */
  pBest: number;
  /** Chance that this arm's true rate beats the control's; null for the control itself. */
  pBeatsControl: number | null;
  /** Expected loss, in percentage points, of choosing this arm: E[max rate - this rate] x 100. */
  expectedLossPoints: number;
}

export interface PosteriorOptions {
  prior?: BetaPrior;
  /** Draws per arm (default {@link defaultDraws}). */
  draws?: number;
  /** Seed of the draws; same data and seed, same numbers. */
  seed: string;
  /** The arm the others are compared with for P(beats control); default the first. */
  controlArmId?: string;
}

export function checkPrior(prior: BetaPrior): BetaPrior {
  for (const key of ["alpha", "beta"] as const) {
    const v = prior[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 100) {
      invalid(`prior.${key}`, `must be a number in (0, 100] (got ${JSON.stringify(v)})`, "use a weak prior such as { alpha: 1, beta: 1 }");
    }
  }
  return prior;
}

/** A seeded Beta(alpha, beta) sampler over core's generator (stdlib draws the variates). */
export function betaSampler(seed: string): (alpha: number, beta: number) => number {
  return betaRandom.factory({ prng: seededRandom(seed) });
}

/** Draws from each arm's posterior, one Float64Array per arm, in the arms' order. */
export function posteriorDraws(arms: readonly PosteriorInput[], prior: BetaPrior, draws: number, seed: string): Float64Array[] {
  const sample = betaSampler(seed);
  return arms.map((arm) => {
    const a = prior.alpha + arm.successes;
    const b = prior.beta + arm.n - arm.successes;
    const out = new Float64Array(draws);
    for (let d = 0; d < draws; d++) out[d] = sample(a, b);
    return out;
  });
}

/** P(best), P(beats control) and expected loss for every arm, by Monte Carlo. */
export function posteriorSummary(arms: readonly PosteriorInput[], options: PosteriorOptions): ArmPosterior[] {
  const prior = checkPrior(options.prior ?? defaultPrior);
  const draws = options.draws ?? defaultDraws;
  if (!Number.isInteger(draws) || draws < 100 || draws > 1_000_000) {
    invalid("draws", `must be a whole number in [100, 1000000] (got ${JSON.stringify(draws)})`, `leave it out for ${defaultDraws}`);
  }
  const control = options.controlArmId === undefined ? 0 : arms.findIndex((a) => a.armId === options.controlArmId);
  if (control < 0)
    invalid("controlArmId", `"${options.controlArmId}" is not one of the arms`, "name one of the arms' ids or leave it out for the first");
  const samples = posteriorDraws(arms, prior, draws, options.seed);
  const k = arms.length;
  const best = new Float64Array(k);
  const beats = new Float64Array(k);
  const loss = new Float64Array(k);
  for (let d = 0; d < draws; d++) {
    let max = -1;
    let argmax = 0;
    for (let i = 0; i < k; i++) {
      const v = samples[i]![d]!;
      if (v > max) {
        max = v;
        argmax = i;
      }
    }
    best[argmax]! += 1;
    const c = samples[control]![d]!;
    for (let i = 0; i < k; i++) {
      const v = samples[i]![d]!;
      loss[i]! += max - v;
      if (v > c) beats[i]! += 1;
    }
  }
  return arms.map((arm, i) => {
    const alpha = prior.alpha + arm.successes;
    const beta = prior.beta + arm.n - arm.successes;
    return {
      armId: arm.armId,
      alpha,
      beta,
      mean: alpha / (alpha + beta),
      pBest: best[i]! / draws,
      pBeatsControl: i === control ? null : beats[i]! / draws,
      expectedLossPoints: (loss[i]! / draws) * 100,
    };
  });
}
