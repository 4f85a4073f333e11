/**
 * Where the scheduler's random draws come from. Randomness is the point of send-time jitter, of
 * the gap an account keeps between two sends and of the reconciler's back-off: they keep sends off
 * round minutes and runners out of lock-step. Every such draw goes through one injectable
 * {@link RandomSource}, named by the decision's natural keys (campaign, contact, step, account,
 * simulated time) — never by a database-generated id, `Math.random` or the wall clock. Production
 * uses {@link systemRandomSource} (a fresh secret seed per process, so nobody can predict a send
 * time); the sandbox, the demo and tests inject {@link seededRandomSource}, so that one seed gives
 * one story.
 */
import { seededRandom } from "@offerlab/core";

/** A stream of draws in [0, 1). */
export type RandomStream = () => number;

/** The scheduler's source of randomness (see the module note). */
export interface RandomSource {
  /**
   * The stream of draws of one decision, named by its natural keys, e.g.
   * `send|<campaign>|<contact>|<step>`. The same key gives the same stream for the life of the
   * source, so a decision taken again (a re-plan) agrees with the first one.
   */
  stream(key: string): RandomStream;
}

/**
 * A source that depends on `seed` and the keys only: the same seed and the same decisions give
 * the same draws in every run, process and machine.
 */
export function seededRandomSource(seed: string): RandomSource {
  return { stream: (key) => seededRandom(`${seed}|${key}`) };
}

let processSource: RandomSource | undefined;

/**
 * Production's source: seeded once per process from `crypto.randomUUID()`, so draws are random
 * from one process (and one deployment) to the next, and stable for one key within a process.
 * The default of every scheduler and runner option named `random`.
 */
export function systemRandomSource(): RandomSource {
  processSource ??= seededRandomSource(crypto.randomUUID());
  return processSource;
}
