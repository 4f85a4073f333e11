/**
 * What `offerlab schedule` predicts: when each queued send of today will go out within the caps,
 * and what will not go out today and why. The engine's `predictSendTimes` replays the send path
 * over the queue with the send path's own `decide` for every row (see the module note there).
 */
import type { Database } from "@offerlab/db";
import { sql, type Kysely, type Transaction } from "kysely";
import { effectiveLimits, predictSendTimes, type PredictedSend, type SendDecision } from "../engine/index.js";
import { accountGapMs } from "../engine/jitter.js";
import { accountGapSeconds } from "./reserve.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, loadContexts } from "./context.js";
import { decide, rowKey } from "./check.js";
import { readUsageMany } from "./quota.js";

export interface TodaysSendsOptions {
  /** The instant to predict from. Default: now. */
  now?: Date;
  /** The end of the prediction. Default: the end of today as `todays_schedule` reads it (the session's calendar day). */
  until?: Date;
  /** The gap between two sends of an account the runners use, in ms. Default 90–300 s (the send path's default). */
  accountGapMs?: { min: number; max: number };
  /** How often the cron claims due rows, in ms. Default 60 000 (the default schedule, every minute). */
  tickMs?: number;
  /**
   * The runners' random source (their `random` option): the gaps and reopening jitter are the
   * same draws the runners make only with the same source (a seeded one). Default: this
   * process's, so against production runners the gaps are other draws within the same bounds.
   */
  random?: RandomSource;
}

export interface TodaysSends {
  /** Today as `todays_schedule` reads it (the database session's calendar day); `end` is `until` when given. */
  day: { start: Date; end: Date };
  /** Every queued row due before the end of today (overdue ones included), by id. */
  sends: Map<string, PredictedSend>;
}

/**
 * Predicts every queued send (`pending` or `scheduled`) due before the end of today: the send
 * path's decision for each row at each claim, the accounts' gaps and what they used this UTC day
 * and hour, the daily and hourly caps (ramped while warming) and the windows. A row whose `at` is
 * null does not go out today; `reason` says why (`skipped` when it never will).
 */
export async function predictTodaysSends(
  db: Kysely<Database> | Transaction<Database>,
  options: TodaysSendsOptions = {},
): Promise<TodaysSends> {
  const now = options.now ?? new Date();
  // The same calendar day as todays_schedule's filter (CURRENT_DATE of the session).
  const { rows: bounds } = await sql<{
    start: Date;
    end: Date;
  }>`SELECT CURRENT_DATE::timestamptz AS start, (CURRENT_DATE + 1)::timestamptz AS end`.execute(db);
  const day = { start: new Date(bounds[0]!.start), end: options.until ?? new Date(bounds[0]!.end) };
  const rows = await db
    .selectFrom("send_queue")
    .selectAll()
    .where("status", "in", ["pending", "scheduled"])
    .where("scheduled_for", "<", day.end)
    .execute();
  const contexts = await loadContexts(db, rows);
  const accounts = new Map([...contexts.values()].flatMap((c) => (c.account ? [[c.account.id, c.account] as const] : [])));
  const usage = await readUsageMany(db, [...accounts.keys()], now);
  const random = options.random ?? systemRandomSource();
  const gapMs = options.accountGapMs ?? { min: 90_000, max: 300_000 };
  const sends = predictSendTimes({
    rows: rows
      .filter((r) => contexts.has(r.id))
      .map((r) => ({ id: r.id, accountId: r.account_id, priority: r.priority, scheduledFor: r.scheduled_for, naturalKey: r.natural_key })),
    accounts: [...accounts.values()].map((a) => ({
      id: a.id,
      usage: usage.get(a.id)!,
      nextSendAt: a.next_send_at,
      unrampedLimits: effectiveLimits({ ...a, warming_week: 0 }),
    })),
    now,
    until: day.end,
    decide: (rowId, at): SendDecision => {
      const d = decide(contexts.get(rowId)!, at, random);
      return d.kind === "skip" ? { kind: "skip", reason: d.reason } : d;
    },
    gapMs,
    // The claim's own draw: the same stream name (account and row by their natural keys).
    gap: (rowId) => {
      const ctx = contexts.get(rowId)!;
      // (And the claim's own bounds: the account's gap and variance, else the default.)
      const { minSeconds, maxSeconds } = accountGapSeconds(ctx.account!, gapMs);
      return maxSeconds > 0 ? accountGapMs(random.stream(`gap|${accountKey(ctx.account!)}|${rowKey(ctx)}`), { minSeconds, maxSeconds }) : 0;
    },
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
  });
  return { day, sends };
}
