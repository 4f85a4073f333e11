/**
 * The refusal policy: what a definite refusal by the provider (it did nothing) means for the
 * account and the queue row. Pure; `settle` writes what it decides.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A refusal as the call step classified it (see `classifyError`). */
export interface Refusal {
  /** The provider's precise reason (stored as the row's reason and in its last error). */
  reason: string;
  message: string;
  /** The account must cool down this long (a provider rate limit). */
  cooldownMs?: number;
  /** The account itself is the problem (credentials, disconnected). */
  accountProblem?: boolean;
  /** Retrying the same send will not help. */
  permanent?: boolean;
}

export interface RefusalPolicy {
  /** The row fails for good: the refusal is permanent, or it was its last allowed attempt. */
  final: boolean;
  /** When the row may be tried again (null when final). */
  retryAt: Date | null;
  /** The account is `limited` until then (a rate limit), else null. */
  cooldownUntil: Date | null;
  /** The account must be reconnected (its credentials were refused). */
  disconnect: boolean;
  /** The `account_activity` status of this refusal. */
  activity: "rate_limited" | "failed";
  /** The row's last error and the failed message's error. */
  error: string;
}

/**
 * Decides a refusal's consequences. `attempts` counts this attempt. A retry waits the provider's
 * cooldown when it gave one, else a back-off of 5 minutes doubling per attempt, capped at an hour.
 */
export function refusalPolicy(refusal: Refusal, row: { attempts: number; maxAttempts: number }, now: Date): RefusalPolicy {
  const final = Boolean(refusal.permanent) || row.attempts >= row.maxAttempts;
  const backoffMs = refusal.cooldownMs ?? Math.min(HOUR, 5 * MINUTE * 2 ** Math.max(0, row.attempts - 1));
  return {
    final,
    retryAt: final ? null : new Date(now.getTime() + backoffMs),
    cooldownUntil: refusal.cooldownMs !== undefined ? new Date(now.getTime() + refusal.cooldownMs) : null,
    disconnect: Boolean(refusal.accountProblem),
    activity: refusal.cooldownMs !== undefined ? "rate_limited" : "failed",
    error: `${refusal.reason}: ${refusal.message}`,
  };
}
