/**
 * Steps 3 and 4 of the send path, inside the claim's transaction: reserve the account's capacity
 * for this send and open the attempt, in one statement of guarded CTEs only (no read-then-write), so no limit is exceeded however many
 * runners race: the account's next slot (the randomised gap between two sends), then one unit of
 * its daily limit for the action and one of its hourly limit, then one unit of the campaign's day
 * (its `daily_send_cap`, per calendar day in the campaign's time zone).
 */
import { accounts, sendQueue, type Database } from "@offerlab/db";
import { sql, type Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import { accountGapMs } from "../engine/jitter.js";
import { openAttemptFrom } from "./attempts.js";
import { nextUtcDay, rowKey, type Decision } from "./check.js";
import { accountKey, type SendContext } from "./context.js";
import type { Resolved } from "./options.js";
import { campaignDay, counterOf, nextCampaignDay, releaseQuota, usagePeriods } from "./quota.js";

const HOUR = 3_600_000;

export type Reservation =
  { ok: true; usageDay: Date; usageHour: Date; campaignDay: string | null } | { ok: false; reason: ReasonCode; until: Date };

/**
 * The rest after a send of this account, in seconds: its `send_gap_min_seconds` plus up to its
 * `send_gap_variance_seconds`; each one left unset (null) comes from the runner's `accountGapMs`
 * (minimum `min`, variance `max - min`).
 */
export function accountGapSeconds(
  account: { send_gap_min_seconds: number | null; send_gap_variance_seconds: number | null },
  fallback: { min: number; max: number },
): { minSeconds: number; maxSeconds: number } {
  const minSeconds = account.send_gap_min_seconds ?? fallback.min / 1000;
  const variance = account.send_gap_variance_seconds ?? Math.max(0, fallback.max - fallback.min) / 1000;
  return { minSeconds, maxSeconds: minSeconds + variance };
}

/**
 * Steps 3 and 4 in one statement (issue 19): the account's next slot, one unit of its daily and
 * hourly limits, one of the campaign's day (when it has a cap), the attempt, the queue row marked
 * `processing` and its message `sending`, each a data-modifying CTE that acts only when the one
 * before it did. Every reservation stays a guarded increment (`used < limit` on the row itself, no
 * prior read), so no limit is exceeded however many runners race; the statement runs inside the
 * claim's transaction, which still commits before the provider call.
 *
 * When a guard refuses, the earlier CTEs of the statement have already taken their units: they are
 * given back in the same transaction (the rare path: an account or campaign at its cap), the
 * slot restored to what it was. A second open attempt for the account or the row (the
 * one-in-flight index) makes the statement fail with 23505, which the caller turns into
 * `AccountBusy` (the transaction rolls back; nothing was reserved).
 */
export async function reserveAndOpen(
  trx: Transaction<Database>,
  o: Pick<Resolved, "accountGapMs" | "random" | "runnerId" | "leaseMs">,
  ctx: SendContext,
  go: Extract<Decision, { kind: "go" }>,
  now: Date,
): Promise<
  { ok: true; attemptId: string; usageDay: Date; usageHour: Date; campaignDay: string | null } | Extract<Reservation, { ok: false }>
> {
  const account = ctx.account!;
  const { campaign, row } = ctx;
  const { minSeconds, maxSeconds } = accountGapSeconds(account, o.accountGapMs);
  const gap = maxSeconds > 0 ? accountGapMs(o.random.stream(`gap|${accountKey(account)}|${rowKey(ctx)}`), { minSeconds, maxSeconds }) : 0;
  const nextAt = new Date(now.getTime() + gap);
  const { day, hour } = usagePeriods(now);
  const counter = counterOf(go.action);
  const capped = campaign.daily_send_cap !== null;
  const localDay = capped ? campaignDay(campaign.timezone, now) : null;
  const leaseUntil = new Date(now.getTime() + o.leaseMs);
  // The campaign's row is shared by every account of the campaign: it comes last, so it is held
  // for the shortest time. Without a cap it is not touched at all.
  const last = capped ? "camp" : "hour";
  const attempt = openAttemptFrom(last, {
    queueId: row.id,
    accountId: account.id,
    action: go.action,
    runnerId: o.runnerId,
    usageDay: day,
    usageHour: hour,
    campaignDay: localDay,
    leaseUntil,
    at: now,
  });
  const marks = sendQueue.processingFragments(row.id, "att", now);
  const res = await sql<{ slot: number; day: number; hour: number; camp: number; attempt_id: string | null }>`/* send-path:reserve */
    WITH slot AS (${accounts.sendSlotUpdate(account.id, { now, nextAt })}),
    day AS (
      INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
      SELECT ${account.id}::uuid, 'day', ${day}::timestamptz, ${counter}, 1 FROM slot WHERE ${go.dailyLimit}::int > 0
      ON CONFLICT (account_id, period, period_start, action)
      DO UPDATE SET used = u.used + 1 WHERE u.used < ${go.dailyLimit}::int
      RETURNING used),
    hour AS (
      INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
      SELECT ${account.id}::uuid, 'hour', ${hour}::timestamptz, '*', 1 FROM day WHERE ${go.hourlyLimit}::int > 0
      ON CONFLICT (account_id, period, period_start, action)
      DO UPDATE SET used = u.used + 1 WHERE u.used < ${go.hourlyLimit}::int
      RETURNING used),
    camp AS (
      INSERT INTO campaign_usage AS u (campaign_id, day, sent)
      SELECT ${campaign.id}::uuid, ${localDay}::date, 1 FROM hour WHERE ${capped} AND ${campaign.daily_send_cap}::int > 0
      ON CONFLICT (campaign_id, day)
      DO UPDATE SET sent = u.sent + 1 WHERE u.sent < ${campaign.daily_send_cap}::int
      RETURNING sent),
    att AS (${attempt}),
    q AS (${marks.queue}),
    m AS (${marks.message})
    SELECT (SELECT count(*) FROM slot)::int AS slot, (SELECT count(*) FROM day)::int AS day,
           (SELECT count(*) FROM hour)::int AS hour, (SELECT count(*) FROM camp)::int AS camp,
           (SELECT id FROM att) AS attempt_id`.execute(trx);
  const r = res.rows[0]!;
  if (r.attempt_id) return { ok: true, attemptId: r.attempt_id, usageDay: day, usageHour: hour, campaignDay: localDay };

  // A guard refused: give back what the CTEs before it took (we hold those rows' locks since our
  // increments, so giving back is exact), then say which limit refused and until when.
  if (!r.slot) {
    return {
      ok: false,
      reason: "min_gap",
      until: account.next_send_at && account.next_send_at > now ? account.next_send_at : new Date(now.getTime() + 1000),
    };
  }
  if (r.hour) await releaseQuota(trx, { accountId: account.id, action: go.action, usageDay: day, usageHour: hour });
  else if (r.day) {
    await sql`
      UPDATE account_usage SET used = used - 1
      WHERE account_id = ${account.id}::uuid AND period = 'day' AND period_start = ${day}::timestamptz
        AND action = ${counter} AND used > 0`.execute(trx);
  }
  const refused: Extract<Reservation, { ok: false }> = !r.day
    ? { ok: false, reason: "daily_cap", until: nextUtcDay(now) }
    : !r.hour
      ? { ok: false, reason: "hourly_cap", until: new Date(hour.getTime() + HOUR) }
      : { ok: false, reason: "campaign_daily_cap", until: nextCampaignDay(campaign.timezone, now) };
  // An account limit reached is recorded on the account in the same update (issue 19), so the
  // claim skips its other rows of that action until the limit's period ends instead of claiming
  // each one only to defer it here: the daily limit for this action's counter, or the hourly one
  // for every action. A campaign's cap is the campaign's, not the account's: nothing to record.
  const mark = !r.day ? { counter, until: refused.until } : !r.hour ? { counter: "*" as const, until: refused.until } : undefined;
  await accounts.restoreSendSlot(trx, account.id, account.next_send_at, mark);
  return refused;
}
