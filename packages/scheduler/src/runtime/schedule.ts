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
 * skipped, deferred by a window, a paused person, a campaign cap…), more of the account's rows
 * are loaded and everything is replayed again: when skipped people are the only reason, as many
 * rows as the skips left unused (the next ones in the claim's order take their places); when rows
 * were held back by anything else (a window that closes, a cap), all its other due rows at once,
 * for one last replay — so a queue that fits within the capacity is replayed whole, as before.
 * (Loading twice as many rows each round instead replayed the same rows again and again when
 * senders' windows and gaps, not their limits, bound the day: 7.7 s against 2.6 s for one full
 * replay on the dashboard bench's data.) No more rows are loaded for an account, though, when none
 * could go: when the replay leaves it free with nothing of its loaded rows to send only at an
 * instant from which no window of its campaigns opens again before the end (its windows closed
 * for the day), or never (its gaps and limits carry it to the end). Those rows are counted as
 * waiting for the window (`window_closed`) or for the gap (`min_gap`), as a schedule of senders
 * whose windows, not their limits, end their day needs (BENCHMARKS.md, the dashboard). The
 * replayed rows are then predicted as the unbounded replay predicts them whenever no deferral
 * within the day (a window that opens later, an hourly limit) puts loaded rows back behind rows
 * that were not loaded; when one does, which of the account's rows fill its day can differ from
 * the unbounded replay (rows put back go again in the order of their natural keys), and with them
 * the gaps drawn after each: the kind of difference two random sources make, and the runners draw
 * from their own. A row not replayed can be a skipped person's: it is counted as waiting with the
 * account's reason, as the rows beyond the capacity are. The rows of a campaign that sends nothing
 * (not active, or its offer not active: the send path's first checks) are counted the same way,
 * with that reason: they use no capacity, so leaving them out changes no other row's prediction.
 */
import type { Database } from "@offerlab/db";
import { sql, type Kysely, type Transaction } from "kysely";
import {
  accountStanding,
  countedActionsOf,
  effectiveLimits,
  nextWindowOpening,
  predictSendTimes,
  sendBlock,
  type AccountUsage,
  type PredictedSend,
  type ReasonCode,
  type SendDecision,
  windowFromCampaign,
} from "../engine/index.js";
import { accountGapMs } from "../engine/jitter.js";
import { accountGapSeconds } from "./reserve.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, loadContexts, type AccountRow, type QueueRow, type SendContext } from "./context.js";
import { decide, rowActionOf, rowKey } from "./check.js";
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

/**
 * Due rows that were counted, not loaded: the rows of one campaign that sends nothing (its status
 * or its offer's), or the rows of one account beyond what it can send today.
 */
export interface WaitingBeyondCapacity {
  /** The account (null: rows without one). */
  accountId: string | null;
  /** The campaign whose status holds (or cancels) every one of its rows; null: the account's rows of every other campaign. */
  campaignId: string | null;
  /** How many due rows were not loaded. */
  count: number;
  /**
   * Why they do not go before the end of the prediction, as the send path's first check of them
   * says: the campaign (`campaign_not_active`) or its offer (`offer_not_active`); else the
   * account's block when it sends nothing today (`account_paused`, `account_unlinked`, …), else
   * the limit its capacity ends at (`daily_cap`, `account_warming_cap`, `hourly_cap`).
   */
  reason: ReasonCode;
  /** True when the send path will skip them (a cancelled or completed campaign): they never go. */
  skipped: boolean;
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

  const bounded = options.bounded !== false;

  // One aggregate: how many rows each account has due, per campaign.
  const counted = await db
    .selectFrom("send_queue")
    .select(["account_id", "campaign_id", sql<string>`count(*)`.as("n")])
    .where("status", "in", ["pending", "scheduled"])
    .where("scheduled_for", "<", day.end)
    .groupBy(["account_id", "campaign_id"])
    .execute();
  // A campaign that sends nothing (the send path's first checks: its status, its offer's) holds
  // every one of its rows without using any capacity: they are counted, not replayed.
  const held = new Map<string, { reason: ReasonCode; skipped: boolean }>();
  const windows = new Map<string, Parameters<typeof windowFromCampaign>[0]>();
  if (bounded && counted.length > 0) {
    const found = await db
      .selectFrom("campaigns")
      .innerJoin("offers", "offers.id", "campaigns.offer_id")
      .select([
        "campaigns.id",
        "campaigns.status",
        "offers.status as offer_status",
        "campaigns.send_window_start",
        "campaigns.send_window_end",
        "campaigns.send_days",
        "campaigns.timezone",
      ])
      .where("campaigns.id", "in", [...new Set(counted.map((r) => r.campaign_id))])
      .execute();
    for (const c of found) {
      windows.set(c.id, c);
      if (c.status === "cancelled" || c.status === "completed") held.set(c.id, { reason: "campaign_not_active", skipped: true });
      else if (c.status !== "active") held.set(c.id, { reason: "campaign_not_active", skipped: false });
      else if (c.offer_status !== "active") held.set(c.id, { reason: "offer_not_active", skipped: false });
    }
  }
  const totals = new Map<string | null, number>();
  const waiting: WaitingBeyondCapacity[] = [];
  for (const r of counted) {
    const hold = held.get(r.campaign_id);
    if (hold) waiting.push({ accountId: r.account_id, campaignId: r.campaign_id, count: Number(r.n), ...hold });
    else totals.set(r.account_id, (totals.get(r.account_id) ?? 0) + Number(r.n));
  }
  const heldIds = [...held.keys()];
  const accountIds = [...new Set(counted.map((r) => r.account_id))].filter((id): id is string => id !== null);
  const usage = await readUsageMany(db, accountIds, now);

  // What each account can still send before the end (rows without an account have no bound).
  const caps = new Map<string | null, { max: number; reason: ReasonCode }>();
  if (bounded && accountIds.length > 0) {
    const accounts = await db.selectFrom("accounts").selectAll().where("id", "in", accountIds).execute();
    for (const a of accounts) caps.set(a.id, capacityBefore(a, usage.get(a.id)!, now, day.end));
  }

  // An account whose loaded rows were held back (by a window that closed, a cap…) while it still
  // had capacity gets no more rows when none could go: it was never free with nothing of its
  // loaded rows to pick before the end (its gaps carry it there), or it was, but from then on
  // none of the windows of its campaigns that have due rows opens again before the end. A row
  // not loaded can be claimed only at an instant the account is free with no loaded row ahead of
  // it in the claim's order, and only inside its campaign's window.
  const campaignsOf = new Map<string | null, string[]>();
  for (const r of counted)
    if (!held.has(r.campaign_id)) campaignsOf.set(r.account_id, [...(campaignsOf.get(r.account_id) ?? []), r.campaign_id]);
  const nothingMoreBefore = (id: string | null, idleFrom: Date | undefined, end: Date): ReasonCode | null => {
    if (!idleFrom) return "min_gap";
    for (const c of campaignsOf.get(id) ?? []) {
      const w = windows.get(c);
      if (!w) return null;
      let opens: Date;
      try {
        opens = nextWindowOpening(windowFromCampaign(w), idleFrom);
      } catch {
        continue; // a window that never opens again holds its rows for good
      }
      if (opens.getTime() < end.getTime()) return null;
    }
    return "window_closed";
  };

  const rows: QueueRow[] = [];
  const contexts = new Map<string, SendContext>();
  const loaded = new Map<string | null, number>();
  let wanted = new Map<string | null, number>([...totals.keys()].map((id) => [id, caps.get(id)?.max ?? Infinity] as const));
  let sends = new Map<string, PredictedSend>();
  // Per account, the first instant the last replay found it free with none of its loaded rows to pick.
  const idle = new Map<string | null, Date>();
  // Accounts whose other rows were not loaded because nothing of theirs can go before the end.
  const stopped = new Map<string | null, ReasonCode>();
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
          .$if(heldIds.length > 0, (q) => q.where("campaign_id", "not in", heldIds))
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
              ${heldIds.length > 0 ? sql`AND campaign_id NOT IN (${sql.join(heldIds.map((id) => sql`${id}::uuid`))})` : sql``}
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
    idle.clear();
    sends = replay(rows, contexts, usage, { ...options, now, until: day.end, random, gapMs, onIdle: (id, at) => idle.set(id, at) });

    // An account whose loaded rows leave part of its capacity unused gets more rows: as many as
    // its skipped rows left unused when skips are the only reason (the next rows in the claim's
    // order take their places), else all its other rows at once (a row held back by its window or
    // a cap may leave room that rows of other campaigns, later in the order, use).
    const sent = new Map<string | null, number>();
    const heldBack = new Set<string | null>();
    for (const r of rows) {
      const p = sends.get(r.id);
      if (p?.at) sent.set(r.account_id, (sent.get(r.account_id) ?? 0) + 1);
      else if (p && !p.skipped) heldBack.add(r.account_id);
    }
    const next = new Map<string | null, number>();
    for (const id of wanted.keys()) {
      const cap = caps.get(id);
      const have = loaded.get(id) ?? 0;
      if (!cap || have >= totals.get(id)! || (sent.get(id) ?? 0) >= cap.max) continue;
      const stop = heldBack.has(id) ? nothingMoreBefore(id, idle.get(id), day.end) : null;
      if (stop) {
        stopped.set(id, stop);
        continue;
      }
      next.set(id, heldBack.has(id) ? totals.get(id)! : have + cap.max - (sent.get(id) ?? 0));
    }
    if (next.size === 0) break;
    wanted = new Map([...wanted, ...next]);
  }

  for (const [id, total] of totals) {
    const count = total - (loaded.get(id) ?? 0);
    if (count > 0)
      waiting.push({
        accountId: id,
        campaignId: null,
        count,
        reason: stopped.get(id) ?? caps.get(id)?.reason ?? "daily_cap",
        skipped: false,
      });
  }
  return { day, sends, waiting };
}

/**
 * What the prediction says about one due row (e.g. a row of `todays_schedule`): its replayed
 * prediction, else, for a row counted in `waiting`, "not today" (or "skipped") with its
 * campaign's or its account's reason; undefined for a row the prediction does not cover (not
 * queued or not due before its end).
 */
export function todaysOutlook(
  todays: TodaysSends,
  row: { id: string | null; account_id: string | null; campaign_id: string | null },
): PredictedSend | undefined {
  if (!row.id) return undefined;
  const replayed = todays.sends.get(row.id);
  if (replayed) return replayed;
  const w =
    todays.waiting.find((x) => x.campaignId !== null && x.campaignId === row.campaign_id && x.accountId === row.account_id) ??
    todays.waiting.find((x) => x.campaignId === null && x.accountId === row.account_id);
  return w ? { id: row.id, at: null, reason: w.reason, skipped: w.skipped, waited: w.skipped ? [] : [w.reason] } : undefined;
}

function replay(
  rows: readonly QueueRow[],
  contexts: Map<string, SendContext>,
  usage: Map<string, AccountUsage>,
  o: {
    now: Date;
    until: Date;
    random: RandomSource;
    gapMs: { min: number; max: number };
    tickMs?: number;
    onIdle?: (accountId: string | null, at: Date) => void;
  },
): Map<string, PredictedSend> {
  const accounts = new Map([...contexts.values()].flatMap((c) => (c.account ? [[c.account.id, c.account] as const] : [])));
  return predictSendTimes({
    rows: rows
      .filter((r) => contexts.has(r.id))
      .map((r) => ({
        id: r.id,
        accountId: r.account_id,
        priority: r.priority,
        scheduledFor: r.scheduled_for,
        naturalKey: r.natural_key,
        campaignId: r.campaign_id,
        action: rowActionOf({ row: r }),
      })),
    accounts: [...accounts.values()].map((a) => ({
      id: a.id,
      usage: usage.get(a.id) ?? { day: {}, hour: 0 },
      nextSendAt: a.next_send_at,
      unrampedLimits: effectiveLimits({ ...a, warming_week: 0 }),
      cappedUntil: {
        hourly: a.hourly_capped_until,
        connection_request: a.connections_capped_until,
        message: a.messages_capped_until,
        email: a.emails_capped_until,
      },
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
    ...(o.onIdle ? { onIdle: o.onIdle } : {}),
  });
}
