/**
 * What `offerlab schedule` and the dashboard's schedule page predict: when each queued send of
 * today will go out within the caps, and what will not go out today and why. The engine's
 * `predictSendTimes` replays the send path over the queue with the send path's own `decide` for
 * every row (see the module note there).
 *
 * Bounded work (issue 18: 2.9 s p95 at 200k contacts when every due row was loaded and replayed).
 * An account sends at most what its limits leave it before the end of the prediction, so only that
 * many of its due rows are loaded, in the claim's order (priority, `scheduled_for`, natural key,
 * id), and replayed; the rest are counted with one aggregate and reported as waiting for the
 * account's capacity. When the replay of the loaded rows does not use the whole capacity (rows
 * skipped, deferred by a window, a paused person, a campaign cap…), the account's next rows are
 * loaded too (twice as many each round) until it does or every row is loaded — so a queue that
 * fits within the capacity is replayed whole, as before.
 */
import type { Database } from "@offerlab/db";
import { sql, type Kysely, type Transaction } from "kysely";
import {
  accountStanding,
  countedActionsOf,
  effectiveLimits,
  predictSendTimes,
  sendBlock,
  type AccountUsage,
  type PredictedSend,
  type ReasonCode,
  type SendDecision,
} from "../engine/index.js";
import { accountGapMs } from "../engine/jitter.js";
import { accountGapSeconds } from "./reserve.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, loadContexts, type AccountRow, type QueueRow, type SendContext } from "./context.js";
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
  /**
   * Load and replay only as many rows per account as it can still send before `until` (see the
   * module note). Default true; false replays every due row (the unbounded prediction, for
   * comparison).
   */
  bounded?: boolean;
  /** Called with each batch of queue rows whose contexts are loaded (a diagnostic hook; tests count with it). */
  onLoad?: (rows: readonly QueueRow[]) => void;
}

/** Due rows of one account that were counted, not loaded: they wait beyond what the account can send today. */
export interface WaitingBeyondCapacity {
  /** The account (null: rows without one). */
  accountId: string | null;
  /** How many of its due rows were not loaded. */
  count: number;
  /**
   * Why they do not go before the end of the prediction: the account's block when it sends
   * nothing today (`account_paused`, …), else the limit its capacity ends at (`daily_cap`,
   * `account_warming_cap`, `hourly_cap`).
   */
  reason: ReasonCode;
}

export interface TodaysSends {
  /** Today as `todays_schedule` reads it (the database session's calendar day); `end` is `until` when given. */
  day: { start: Date; end: Date };
  /**
   * The queued rows due before the end of today (overdue ones included) that were replayed, by
   * id: every row of an account whose due rows fit within its capacity, else the first ones in
   * the claim's order. A due row missing here is counted in `waiting`.
   */
  sends: Map<string, PredictedSend>;
  /** Per account, the due rows not replayed because the account's capacity ends before them; none when every row fits. */
  waiting: WaitingBeyondCapacity[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The most an account can send in [now, until): the room its daily limits leave (today's, then
 * the full limits of each further UTC day) and the room its hourly limit leaves (this hour's, then
 * the full limit of each further UTC hour), and which of the two ends first; 0 with the block's
 * reason when the send path refuses the account until after `until`.
 */
function capacityBefore(account: AccountRow, usage: AccountUsage, now: Date, until: Date): { max: number; reason: ReasonCode } {
  const block = sendBlock(account, now);
  if (block && (block.until === null || block.until.getTime() >= until.getTime())) return { max: 0, reason: block.reason };
  const standing = accountStanding(account, usage, now);
  const limits = effectiveLimits(account);
  const own = countedActionsOf(account.type);
  const days = Math.max(0, Math.ceil(until.getTime() / DAY) - Math.floor(now.getTime() / DAY) - 1);
  const hours = Math.max(0, Math.ceil(until.getTime() / HOUR) - Math.floor(now.getTime() / HOUR) - 1);
  const daily = own.reduce((n, k) => n + standing.actions[k]!.remaining + days * limits[k], 0);
  const hourly = standing.hour.remaining + hours * limits.hourly;
  if (hourly < daily) return { max: hourly, reason: "hourly_cap" };
  const full = effectiveLimits({ ...account, warming_week: 0 });
  return { max: daily, reason: own.some((k) => limits[k] < full[k]) ? "account_warming_cap" : "daily_cap" };
}

/**
 * Predicts the queued sends (`pending` or `scheduled`) due before the end of today: the send
 * path's decision for each row at each claim, the accounts' gaps and what they used this UTC day
 * and hour, the daily and hourly caps (ramped while warming) and the windows. A row whose `at` is
 * null does not go out today; `reason` says why (`skipped` when it never will). Rows beyond what
 * their account can send today are counted in `waiting` rather than replayed (module note).
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
  const random = options.random ?? systemRandomSource();
  const gapMs = options.accountGapMs ?? { min: 90_000, max: 300_000 };

  // One aggregate: how many rows each account has due.
  const totals = new Map<string | null, number>();
  const counted = await db
    .selectFrom("send_queue")
    .select(["account_id", sql<string>`count(*)`.as("n")])
    .where("status", "in", ["pending", "scheduled"])
    .where("scheduled_for", "<", day.end)
    .groupBy("account_id")
    .execute();
  for (const r of counted) totals.set(r.account_id, Number(r.n));
  const accountIds = [...totals.keys()].filter((id): id is string => id !== null);
  const usage = await readUsageMany(db, accountIds, now);

  // What each account can still send before the end (rows without an account have no bound).
  const caps = new Map<string | null, { max: number; reason: ReasonCode }>();
  if (options.bounded !== false && accountIds.length > 0) {
    const accounts = await db.selectFrom("accounts").selectAll().where("id", "in", accountIds).execute();
    for (const a of accounts) caps.set(a.id, capacityBefore(a, usage.get(a.id)!, now, day.end));
  }

  const rows: QueueRow[] = [];
  const contexts = new Map<string, SendContext>();
  const loaded = new Map<string | null, number>();
  let wanted = new Map<string | null, number>([...totals.keys()].map((id) => [id, caps.get(id)?.max ?? Infinity] as const));
  let sends = new Map<string, PredictedSend>();
  for (;;) {
    // The next rows of each account that needs more, in the claim's order.
    const ranges = [...wanted].filter(([id, n]) => Math.min(n, totals.get(id)!) > (loaded.get(id) ?? 0));
    if (ranges.length > 0) {
      let batch: QueueRow[];
      if (ranges.every(([id, n]) => n >= totals.get(id)!) && loaded.size === 0) {
        batch = await db
          .selectFrom("send_queue")
          .selectAll()
          .where("status", "in", ["pending", "scheduled"])
          .where("scheduled_for", "<", day.end)
          .execute();
      } else {
        const wants = ranges.map(([id, n]) => sql`(${id}::uuid, ${loaded.get(id) ?? 0}::int, ${Math.min(n, totals.get(id)!)}::int)`);
        const { rows: found } = await sql<QueueRow & { rn: unknown }>`
          SELECT q.* FROM (
            SELECT send_queue.*, row_number() OVER (
              PARTITION BY account_id ORDER BY priority, scheduled_for, natural_key, id
            ) AS rn
            FROM send_queue
            WHERE status IN ('pending', 'scheduled') AND scheduled_for < ${day.end}
          ) q
          JOIN (VALUES ${sql.join(wants)}) AS b(account_id, lo, hi)
            ON b.account_id IS NOT DISTINCT FROM q.account_id AND q.rn > b.lo AND q.rn <= b.hi`.execute(db);
        batch = found.map(({ rn: _rn, ...r }) => r as QueueRow);
      }
      for (const [id, n] of ranges) loaded.set(id, Math.min(n, totals.get(id)!));
      options.onLoad?.(batch);
      rows.push(...batch);
      for (const [id, ctx] of await loadContexts(db, batch)) contexts.set(id, ctx);
    }
    sends = replay(rows, contexts, usage, { ...options, now, until: day.end, random, gapMs });

    // An account whose loaded rows leave part of its capacity unused gets its next rows.
    const sent = new Map<string | null, number>();
    for (const r of rows) if (sends.get(r.id)?.at) sent.set(r.account_id, (sent.get(r.account_id) ?? 0) + 1);
    const next = new Map<string | null, number>();
    for (const [id, n] of wanted) {
      const cap = caps.get(id);
      const have = loaded.get(id) ?? 0;
      if (!cap || have >= totals.get(id)! || (sent.get(id) ?? 0) >= cap.max) continue;
      next.set(id, Math.max(have * 2, have + cap.max - (sent.get(id) ?? 0), n + 1));
    }
    if (next.size === 0) break;
    wanted = new Map([...wanted, ...next]);
  }

  const waiting: WaitingBeyondCapacity[] = [];
  for (const [id, total] of totals) {
    const count = total - (loaded.get(id) ?? 0);
    if (count > 0) waiting.push({ accountId: id, count, reason: caps.get(id)?.reason ?? "daily_cap" });
  }
  return { day, sends, waiting };
}

/**
 * What the prediction says about one due row (e.g. a row of `todays_schedule`): its replayed
 * prediction, else, for a row counted in `waiting`, "not today" with its account's reason;
 * undefined for a row the prediction does not cover (not queued or not due before its end).
 */
export function todaysOutlook(todays: TodaysSends, row: { id: string | null; account_id: string | null }): PredictedSend | undefined {
  if (!row.id) return undefined;
  const replayed = todays.sends.get(row.id);
  if (replayed) return replayed;
  const w = todays.waiting.find((x) => x.accountId === row.account_id);
  return w ? { id: row.id, at: null, reason: w.reason, skipped: false, waited: [w.reason] } : undefined;
}

function replay(
  rows: readonly QueueRow[],
  contexts: Map<string, SendContext>,
  usage: Map<string, AccountUsage>,
  o: { now: Date; until: Date; random: RandomSource; gapMs: { min: number; max: number }; tickMs?: number },
): Map<string, PredictedSend> {
  const accounts = new Map([...contexts.values()].flatMap((c) => (c.account ? [[c.account.id, c.account] as const] : [])));
  return predictSendTimes({
    rows: rows
      .filter((r) => contexts.has(r.id))
      .map((r) => ({ id: r.id, accountId: r.account_id, priority: r.priority, scheduledFor: r.scheduled_for, naturalKey: r.natural_key })),
    accounts: [...accounts.values()].map((a) => ({
      id: a.id,
      usage: usage.get(a.id) ?? { day: {}, hour: 0 },
      nextSendAt: a.next_send_at,
      unrampedLimits: effectiveLimits({ ...a, warming_week: 0 }),
    })),
    now: o.now,
    until: o.until,
    decide: (rowId, at): SendDecision => {
      const d = decide(contexts.get(rowId)!, at, o.random);
      return d.kind === "skip" ? { kind: "skip", reason: d.reason } : d;
    },
    gapMs: o.gapMs,
    // The claim's own draw: the same stream name (account and row by their natural keys).
    gap: (rowId) => {
      const ctx = contexts.get(rowId)!;
      // (And the claim's own bounds: the account's gap and variance, else the default.)
      const { minSeconds, maxSeconds } = accountGapSeconds(ctx.account!, o.gapMs);
      return maxSeconds > 0
        ? accountGapMs(o.random.stream(`gap|${accountKey(ctx.account!)}|${rowKey(ctx)}`), { minSeconds, maxSeconds })
        : 0;
    },
    ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
  });
}
