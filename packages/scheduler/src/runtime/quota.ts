import type { MessageActionType } from "@offerlab/core";
import { sql } from "kysely";
import type { Kysely, Transaction } from "kysely";
import { accounts, type Database } from "@offerlab/db";
import { wallClock, zonedTime } from "../engine/window.js";

/** The UTC day and hour an instant falls in: the quota periods of `account_usage`. */
export function usagePeriods(now: Date): { day: Date; hour: Date } {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const hour = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours()));
  return { day, hour };
}

/** InMails share the message counter (one daily message limit covers DMs and InMails). */
export function counterOf(action: MessageActionType): "connection_request" | "message" | "email" {
  return action === "inmail" ? "message" : action;
}

/**
 * Reserves one unit of the daily limit for `action` and one of the hourly limit, each with one
 * guarded upsert: the row is created at 1 or incremented only while below the limit, so the
 * statement itself refuses an overrun, whatever other runners do at the same moment. Returns the
 * limit that refused, or null when both were reserved. On refusal nothing stays reserved.
 */
export async function reserveQuota(
  trx: Transaction<Database>,
  input: { accountId: string; action: MessageActionType; dailyLimit: number; hourlyLimit: number; now: Date },
): Promise<"daily_cap" | "hourly_cap" | null> {
  const { day, hour } = usagePeriods(input.now);
  const counter = counterOf(input.action);
  const dayRes = await sql<{ used: number }>`
    INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
    SELECT ${input.accountId}::uuid, 'day', ${day}::timestamptz, ${counter}, 1
    WHERE ${input.dailyLimit}::int > 0
    ON CONFLICT (account_id, period, period_start, action)
    DO UPDATE SET used = u.used + 1 WHERE u.used < ${input.dailyLimit}::int
    RETURNING used`.execute(trx);
  if (dayRes.rows.length === 0) return "daily_cap";
  const hourRes = await sql<{ used: number }>`
    INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
    SELECT ${input.accountId}::uuid, 'hour', ${hour}::timestamptz, '*', 1
    WHERE ${input.hourlyLimit}::int > 0
    ON CONFLICT (account_id, period, period_start, action)
    DO UPDATE SET used = u.used + 1 WHERE u.used < ${input.hourlyLimit}::int
    RETURNING used`.execute(trx);
  if (hourRes.rows.length === 0) {
    // We hold the day row's lock since our increment: giving it back is exact.
    await sql`
      UPDATE account_usage SET used = used - 1
      WHERE account_id = ${input.accountId}::uuid AND period = 'day' AND period_start = ${day}::timestamptz
        AND action = ${counter} AND used > 0`.execute(trx);
    return "hourly_cap";
  }
  return null;
}

/** The calendar day (`YYYY-MM-DD`) an instant falls in, in the campaign's time zone: the period of `campaign_usage`. */
export function campaignDay(timeZone: string, now: Date): string {
  return wallClock(timeZone, now).date;
}

/** The start of the campaign's next local day (midnight in its time zone): when its daily cap gives capacity again. */
export function nextCampaignDay(timeZone: string, now: Date): Date {
  const [y, m, d] = campaignDay(timeZone, now).split("-").map(Number) as [number, number, number];
  return zonedTime(timeZone, new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10), "00:00");
}

/**
 * Reserves one unit of the campaign's send count for its local `day` with one guarded upsert
 * (`sent < cap`), as `reserveQuota` does for an account. Only a capped campaign is counted (the
 * claim skips this for the others); a cap set in the middle of a day starts from that day's sends
 * so far (`campaignAdmin.changeSettings` seeds the row). False when the cap is reached (nothing
 * is reserved then).
 */
export async function reserveCampaignQuota(
  trx: Transaction<Database>,
  input: { campaignId: string; day: string; cap: number | null },
): Promise<boolean> {
  const res = await sql<{ sent: number }>`
    INSERT INTO campaign_usage AS u (campaign_id, day, sent)
    SELECT ${input.campaignId}::uuid, ${input.day}::date, 1
    WHERE ${input.cap}::int IS NULL OR ${input.cap}::int > 0
    ON CONFLICT (campaign_id, day)
    DO UPDATE SET sent = u.sent + 1 WHERE ${input.cap}::int IS NULL OR u.sent < ${input.cap}::int
    RETURNING sent`.execute(trx);
  return res.rows.length > 0;
}

/**
 * Gives back what an attempt reserved, when the provider definitely did nothing (a refusal, an
 * expired claim, a reconciled "not sent"). The periods are the attempt's own, not today's: the
 * account's UTC day and hour, and the campaign's local day (`campaignDay`, with the attempt's
 * `queueId` to find its campaign; absent for attempts made before campaigns were counted), in
 * one statement.
 */
export async function releaseQuota(
  trx: Transaction<Database>,
  input: {
    accountId: string;
    action: MessageActionType;
    usageDay: Date;
    usageHour: Date;
    queueId?: string;
    campaignDay?: string | null;
  },
): Promise<void> {
  const account = sql`
    UPDATE account_usage SET used = used - 1
    WHERE account_id = ${input.accountId}::uuid AND used > 0
      AND ((period = 'day' AND period_start = ${input.usageDay}::timestamptz AND action = ${counterOf(input.action)})
        OR (period = 'hour' AND period_start = ${input.usageHour}::timestamptz AND action = '*'))`;
  // Capacity given back may be the account's last unit for today: a cap mark recorded since
  // (db's `accounts.markCapped`) would hold its rows until the period ends, so it goes too. The
  // caller holds the account's lock (`lockAccount`), so this takes no new lock order.
  const marks = accounts.clearCapMarksUpdate(input.accountId);
  if (!input.campaignDay || !input.queueId) {
    await sql`WITH account AS (${account} RETURNING 1), marks AS (${marks}) SELECT 1`.execute(trx);
    return;
  }
  await sql`
    WITH account AS (${account} RETURNING 1), marks AS (${marks})
    UPDATE campaign_usage AS u SET sent = u.sent - 1
    FROM send_queue q
    WHERE q.id = ${input.queueId}::uuid AND u.campaign_id = q.campaign_id AND u.day = ${input.campaignDay}::date AND u.sent > 0`.execute(
    trx,
  );
}

/**
 * What an account has used in the periods containing `now` (for the engine's checks and `capacity`).
 * DMs and InMails share one counter, stored and returned as `message` (the engine adds `message`
 * and `inmail` for either action, so `inmail` stays absent here).
 */
export async function readUsage(
  db: Transaction<Database> | Kysely<Database>,
  accountId: string,
  now: Date,
): Promise<{ day: Partial<Record<MessageActionType, number>>; hour: number }> {
  const { day, hour } = usagePeriods(now);
  const { rows } = await sql<{ period: string; action: string; used: number }>`
    SELECT period, action, used FROM account_usage
    WHERE account_id = ${accountId}::uuid
      AND ((period = 'day' AND period_start = ${day}::timestamptz) OR (period = 'hour' AND period_start = ${hour}::timestamptz))`.execute(
    db,
  );
  const out: { day: Partial<Record<MessageActionType, number>>; hour: number } = { day: {}, hour: 0 };
  for (const r of rows) {
    if (r.period === "hour") out.hour = r.used;
    else out.day[r.action as MessageActionType] = r.used;
  }
  return out;
}

/** `readUsage` for several accounts in one round trip; every id gets an entry (zero when unused). */
export async function readUsageMany(
  db: Transaction<Database> | Kysely<Database>,
  accountIds: readonly string[],
  now: Date,
): Promise<Map<string, { day: Partial<Record<MessageActionType, number>>; hour: number }>> {
  const out = new Map<string, { day: Partial<Record<MessageActionType, number>>; hour: number }>();
  for (const id of accountIds) out.set(id, { day: {}, hour: 0 });
  if (accountIds.length === 0) return out;
  const { day, hour } = usagePeriods(now);
  const { rows } = await sql<{ account_id: string; period: string; action: string; used: number }>`
    SELECT account_id, period, action, used FROM account_usage
    WHERE account_id IN (${sql.join(accountIds.map((id) => sql`${id}::uuid`))})
      AND ((period = 'day' AND period_start = ${day}::timestamptz) OR (period = 'hour' AND period_start = ${hour}::timestamptz))`.execute(
    db,
  );
  for (const r of rows) {
    const u = out.get(r.account_id);
    if (!u) continue;
    if (r.period === "hour") u.hour = r.used;
    else u.day[r.action as MessageActionType] = r.used;
  }
  return out;
}

/**
 * Takes the account row's lock. Every transaction that changes an account's attempts or quota
 * takes it first, so all of them lock in the same order (account, then attempts) and cannot
 * deadlock with a claim, which holds the account row while it inserts its attempt.
 */
export async function lockAccount(trx: Transaction<Database>, accountId: string): Promise<void> {
  await sql`SELECT id FROM accounts WHERE id = ${accountId}::uuid FOR NO KEY UPDATE`.execute(trx);
}

/** What a campaign has sent on its local day containing `now` (`campaign_usage`; 0 when nothing). */
export async function readCampaignUsage(
  db: Transaction<Database> | Kysely<Database>,
  campaign: { id: string; timezone: string },
  now: Date,
): Promise<number> {
  const row = await db
    .selectFrom("campaign_usage")
    .select("sent")
    .where("campaign_id", "=", campaign.id)
    .where("day", "=", campaignDay(campaign.timezone, now))
    .executeTakeFirst();
  return row?.sent ?? 0;
}
