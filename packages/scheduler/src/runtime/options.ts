/**
 * The send path's options with their defaults resolved once per call. A module of its own so that
 * every step (claim, check, reserve, attempt, call, settle, the reaper, the reconciler) can take
 * them without importing the dispatcher that composes those steps.
 */
import { systemRandomSource } from "../engine/random.js";
import type { SendPathOptions } from "./types.js";

const HOUR = 3_600_000;

/** Defaults of SendPathOptions, resolved once per call. */
export function resolveOptions(opts: SendPathOptions) {
  return {
    db: opts.db,
    senders: opts.senders,
    runnerId: opts.runnerId ?? `runner-${process.pid}`,
    now: opts.now ?? (() => new Date()),
    leaseMs: opts.leaseMs ?? 120_000,
    providerTimeoutMs: opts.providerTimeoutMs ?? 30_000,
    accountGapMs: opts.accountGapMs ?? { min: 90_000, max: 300_000 },
    random: opts.random ?? systemRandomSource(),
    defaultCooldownMs: opts.defaultCooldownMs ?? HOUR,
    crashAt: opts.crashAt,
  };
}

export type Resolved = ReturnType<typeof resolveOptions>;
