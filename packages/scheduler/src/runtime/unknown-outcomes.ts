/**
 * Sends whose outcome is unknown, for the dashboards (`offerlab capacity`), the cron's alert line
 * and anyone asking "is anything stuck?". Two states: `unknown` (the reconciler keeps asking the
 * provider, on its back-off) and `undetermined` (the provider could not tell; never resent).
 */
import type { Database } from "@offerlab/db";
import { sql, type Kysely, type Transaction } from "kysely";

const DAY = 86_400_000;

export interface UnknownOutcomes {
  /** Attempts still `unknown`: the reconciler keeps asking the provider. */
  unknown: number;
  /** When the oldest of them was attempted. */
  oldestUnknownAt: Date | null;
  /** The next time the reconciler asks about one of them: `now` or earlier means its next pass. */
  nextCheckAt: Date | null;
  /** Attempts `undetermined` (the provider could not tell; never resent) attempted in the window. */
  undetermined: number;
  /** When the most recent of those was attempted. */
  latestUndeterminedAt: Date | null;
}

/**
 * Counts the sends whose outcome is unknown now, and those that ended `undetermined` among the
 * attempts of the last `undeterminedWithinMs` (default 7 days: a week-old alert has been seen).
 */
export async function unknownOutcomes(
  db: Kysely<Database> | Transaction<Database>,
  options: {
    /** Default `new Date()`. */
    now?: Date;
    /** Default 7 days. */
    undeterminedWithinMs?: number;
  } = {},
): Promise<UnknownOutcomes> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - (options.undeterminedWithinMs ?? 7 * DAY));
  const { rows } = await sql<{ unknown: number; oldest: Date | null; next: Date | null; undetermined: number; latest: Date | null }>`
    SELECT
      count(*) FILTER (WHERE status = 'unknown')::int AS unknown,
      min(started_at) FILTER (WHERE status = 'unknown') AS oldest,
      min(coalesce(next_check_at, ${now}::timestamptz)) FILTER (WHERE status = 'unknown') AS next,
      count(*) FILTER (WHERE status = 'undetermined' AND started_at >= ${since}::timestamptz)::int AS undetermined,
      max(started_at) FILTER (WHERE status = 'undetermined' AND started_at >= ${since}::timestamptz) AS latest
    FROM send_attempts
    WHERE status IN ('unknown', 'undetermined')`.execute(db);
  const r = rows[0];
  const date = (v: Date | string | null | undefined) => (v == null ? null : new Date(v));
  return {
    unknown: Number(r?.unknown ?? 0),
    oldestUnknownAt: date(r?.oldest),
    nextCheckAt: date(r?.next),
    undetermined: Number(r?.undetermined ?? 0),
    latestUndeterminedAt: date(r?.latest),
  };
}

/** `2026-03-02 09:30` (UTC). */
function utc(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** `45 min`, `12 h 3 min`, `3 d 2 h`. */
function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * The alert sentence for {@link unknownOutcomes}, or null when nothing is unknown:
 * "2 sends with an unknown outcome, oldest 12 min (since 2026-03-02 09:30 UTC); the provider is
 * asked again at 2026-03-02 09:45 UTC. 1 send whose outcome the provider could not tell (never
 * resent; see offerlab why), the latest attempted 2026-02-28 14:02 UTC."
 */
export function describeUnknownOutcomes(s: UnknownOutcomes, now: Date): string | null {
  const parts: string[] = [];
  if (s.unknown > 0 && s.oldestUnknownAt) {
    const next = s.nextCheckAt && s.nextCheckAt > now ? `at ${utc(s.nextCheckAt)} UTC` : "at the next reconcile pass";
    parts.push(
      `${s.unknown} send${s.unknown === 1 ? "" : "s"} with an unknown outcome, oldest ${age(now.getTime() - s.oldestUnknownAt.getTime())} (since ${utc(s.oldestUnknownAt)} UTC); the provider is asked again ${next}`,
    );
  }
  if (s.undetermined > 0 && s.latestUndeterminedAt) {
    parts.push(
      `${s.undetermined} send${s.undetermined === 1 ? "" : "s"} whose outcome the provider could not tell (never resent; see offerlab why), the latest attempted ${utc(s.latestUndeterminedAt)} UTC`,
    );
  }
  return parts.length ? parts.join(". ") : null;
}
