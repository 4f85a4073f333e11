/**
 * A 95 % interval for one arm's rate. Small counts are the normal case (3 replies in 80 matured
 * contacts), where the textbook Wald interval collapses to zero width at 0 successes; both methods
 * here keep a sensible width.
 */
import betaQuantile from "@stdlib/stats-base-dists-beta-quantile";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";

/** `jeffreys` (the default) or `wilson` (the score interval, for people who know it). */
export type IntervalMethod = "jeffreys" | "wilson";

export interface RateInterval {
  method: IntervalMethod;
  /** Lower bound, a rate in [0, 1]. */
  low: number;
  /** Upper bound, a rate in [0, 1]. */
  high: number;
  /** Coverage, 0.95 by default. */
  level: number;
}

/**
 * Jeffreys interval: the equal-tailed quantiles of Beta(s + 1/2, n - s + 1/2), with the bound set
 * to 0 (or 1) when s = 0 (or s = n), as Brown, Cai and DasGupta (2001) recommend. n = 0 gives [0, 1].
 */
export function jeffreysInterval(successes: number, n: number, level = 0.95): RateInterval {
  if (n === 0) return { method: "jeffreys", low: 0, high: 1, level };
  const tail = (1 - level) / 2;
  const a = successes + 0.5;
  const b = n - successes + 0.5;
  const low = successes === 0 ? 0 : betaQuantile(tail, a, b);
  const high = successes === n ? 1 : betaQuantile(1 - tail, a, b);
  return { method: "jeffreys", low, high, level };
}

/** Wilson score interval. n = 0 gives [0, 1]. */
export function wilsonInterval(successes: number, n: number, level = 0.95): RateInterval {
  if (n === 0) return { method: "wilson", low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 (or n) successes the bound is exactly 0 (or 1); the formula leaves a rounding crumb there.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { method: "wilson", low, high, level };
}

/** The interval of `method` for `successes` out of `n`. */
export function rateInterval(successes: number, n: number, method: IntervalMethod = "jeffreys", level = 0.95): RateInterval {
  return method === "wilson" ? wilsonInterval(successes, n, level) : jeffreysInterval(successes, n, level);
}
