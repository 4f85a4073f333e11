/**
 * Step 1 of the send path (tx1 starts here): in one statement, claim one due queue row with `FOR
 * UPDATE SKIP LOCKED`, take its account's lock without waiting and give back an account whose
 * cooldown has ended; then read everything the check needs under those locks (one statement).
 */
import { channelActionType } from "@offerlab/core";
import { accounts, type Database } from "@offerlab/db";
import { sql, type ExpressionBuilder, type Transaction } from "kysely";
import {
  aliasedColumns,
  loadContext,
  prefixed,
  type AccountRow,
  type QueueRow,
  type SendContext,
  type TableColumns,
  type TickSettings,
} from "./context.js";

/**
 * The row's account is mid-send in another runner, or another claim won the race for it: this
 * transaction rolls back and the runner simply claims again. Internal: it never leaves
 * `dispatchOne`, which turns it into a `busy` outcome.
 */
export class AccountBusy extends Error {}

/**
 * The queue row's action, in SQL: its `action_type`, else the one its channel consumes (core's
 * `channelActionType`, as `decide` reads it).
 */
const rowAction = sql<string>`coalesce(send_queue.action_type, CASE send_queue.channel ${sql.join(
  Object.entries(channelActionType).map(([channel, action]) => sql`WHEN ${sql.lit(channel)} THEN ${sql.lit(action)}`),
  sql` `,
)} END)`;

/**
 * The queue row's account, when it cannot send this row before a known time: inside its gap after
 * the last send, cooling down after a provider rate limit (a cooldown that has ended does not
 * count), or at a limit the reservation found reached for the row's action (db's
 * `accounts.markCapped`: the hourly limit, any action; a daily one, its counter only, so an account
 * capped for invitations still sends messages). A mark past its time is moot (the next UTC hour or
 * day); a change of limits or warming clears it. The reservation stays the authority: a missing
 * mark costs one deferral, which sets it.
 */
function resting(selectFrom: ExpressionBuilder<Database, "send_queue">["selectFrom"], now: Date) {
  return selectFrom("accounts")
    .select("accounts.id")
    .whereRef("accounts.id", "=", "send_queue.account_id")
    .where((eb) =>
      eb.or([
        eb("accounts.next_send_at", ">", now),
        eb.and([eb("accounts.status", "=", "limited"), eb("accounts.limited_until", ">", now)]),
        eb("accounts.hourly_capped_until", ">", now),
        eb.and([eb("accounts.connections_capped_until", ">", now), eb(rowAction, "=", "connection_request")]),
        eb.and([eb("accounts.messages_capped_until", ">", now), eb(rowAction, "in", ["message", "inmail"])]),
        eb.and([eb("accounts.emails_capped_until", ">", now), eb(rowAction, "=", "email")]),
      ]),
    );
}

/**
 * The most urgent due row whose account has no send in flight and is not resting, locked (rows
 * other runners hold are skipped), with its account locked in the same statement (issue 19);
 * else `idle` (nothing due, or only rows of resting accounts) or `busy` (due rows, but every such
 * account is mid-send). Throws {@link AccountBusy} when the row's account is held by another
 * transaction (or began to rest since): the caller's transaction rolls back and it claims again.
 */
export async function claimDueRow(
  trx: Transaction<Database>,
  now: Date,
  columns: TableColumns,
): Promise<{ row: QueueRow; account: AccountRow | undefined } | { kind: "idle" } | { kind: "busy" }> {
  const claimed = await claimDueRows(trx, now, columns, 1);
  return "kind" in claimed ? claimed : claimed[0]!;
}

/**
 * How many due rows a batch claim of `k` rows locks and looks at: the first row of each account
 * among them is taken, up to `k`. A few per wanted row, so that an account with several due rows
 * ahead does not fill the batch alone; the rows looked at and not taken stay locked only until
 * the batch commits (other runners skip them meanwhile, as they would skip the batch's own).
 */
const SCAN_PER_ROW = 4;

/**
 * `claimDueRow` for up to `k` rows in one statement (issue 19): the due rows in the claim's order
 * (priority, scheduled_for, natural_key, id), skipping what the single claim skips, at most one per
 * account (never two in flight for an account), each with its account locked without waiting. A
 * row whose account another transaction holds (or that began to rest) is left out; when that
 * leaves none, throws {@link AccountBusy} as the single claim does. With `k` 1 this is exactly the
 * single claim (same statement, same order), so a one-lane runner replays.
 */
export async function claimDueRows(
  trx: Transaction<Database>,
  now: Date,
  columns: TableColumns,
  k: number,
): Promise<{ row: QueueRow; account: AccountRow | undefined }[] | { kind: "idle" } | { kind: "busy" }> {
  const due = trx
    .selectFrom("send_queue")
    .selectAll()
    .where("status", "in", ["pending", "scheduled"])
    .where("scheduled_for", "<=", now)
    // Rows of an account with a send in flight wait for it (one in flight per account).
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("send_attempts")
            .select("send_attempts.id")
            .whereRef("send_attempts.account_id", "=", "send_queue.account_id")
            .where("send_attempts.status", "in", ["claimed", "sending"]),
        ),
      ),
    )
    // Rows of an account that is resting (inside its gap after the last send: `next_send_at`) or
    // cooling down after a provider rate limit are not claimed at all: claiming them would only
    // defer them again (SEND-PATH.md section 1; issue 19 measured 9–26 deferrals per send).
    .where(({ not, exists, selectFrom }) => not(exists(resting(selectFrom, now))))
    .orderBy("priority")
    .orderBy("scheduled_for")
    // Ties (rows deferred to one instant: the next day, an account's next slot) go by natural
    // key, so that a seeded run replays; the id only breaks ties between rows without one.
    .orderBy("natural_key")
    .orderBy("id")
    .limit(k === 1 ? 1 : k * SCAN_PER_ROW)
    .forUpdate()
    .skipLocked();
  // The row, then its account (`accounts.lockForSendCtes`: its lock, without waiting, joined on the
  // row, so it is taken only once the row is held; the end of a cooldown that is over; its row).
  // Neither lock waits, so this statement cannot deadlock with a recording transaction (which
  // locks the account first). A claim that raced another one for this account sees, once it holds
  // the lock, the rest that claim committed (Postgres re-checks the condition on the locked row).
  const accountColumns = sql.join(aliasedColumns("a", "a", columns.accounts));
  const { rows } =
    k === 1
      ? await sql<Record<string, unknown>>`/* send-path:claim */
    WITH due AS (${due}), ${accounts.lockForSendCtes("due", now)}
    SELECT due.*, ${accountColumns}
    FROM due LEFT JOIN account a ON true`.execute(trx)
      : // The batch: of the rows locked, the first of each account (a row without an account is its
        // own group: the check defers it), then the first `k` of those in the claim's order.
        await sql<Record<string, unknown>>`/* send-path:claim */
    WITH scanned AS (${due}),
    due AS (
      SELECT * FROM (
        SELECT DISTINCT ON (coalesce(account_id, id)) * FROM scanned
        ORDER BY coalesce(account_id, id), priority, scheduled_for, natural_key, id) firsts
      ORDER BY priority, scheduled_for, natural_key, id LIMIT ${k}::int),
    ${accounts.lockForSendCtes("due", now)}
    SELECT due.*, ${accountColumns}
    FROM due LEFT JOIN account a ON a.id = due.account_id
    ORDER BY due.priority, due.scheduled_for, due.natural_key, due.id`.execute(trx);
  if (rows.length > 0) {
    const claimed = rows.map((got) => ({
      row: Object.fromEntries(Object.entries(got).filter(([key]) => !key.includes(":"))) as QueueRow,
      account: prefixed<AccountRow>(got, "a"),
    }));
    // A row whose account another transaction holds is not claimed: its lock goes at commit.
    const held = claimed.filter((c) => !c.row.account_id || c.account);
    if (held.length === 0) throw new AccountBusy();
    return held;
  }
  // Nothing claimable. Tell "nothing due" from "due, but every such account is mid-send".
  // (A row whose account rests is not waiting for a runner: nothing can send it before the gap ends.)
  const waiting = await trx
    .selectFrom("send_queue")
    .select("id")
    .where("status", "in", ["pending", "scheduled"])
    .where("scheduled_for", "<=", now)
    .where(({ not, exists, selectFrom }) => not(exists(resting(selectFrom, now))))
    .limit(1)
    .executeTakeFirst();
  return waiting ? { kind: "busy" } : { kind: "idle" };
}

/**
 * Loads the claimed row's context under the claim's locks (the row and its account), with the
 * tick's settings when the caller read them (else they are read here).
 */
export async function loadClaimed(
  trx: Transaction<Database>,
  claimed: { row: QueueRow; account: AccountRow | undefined },
  tick?: TickSettings,
): Promise<SendContext> {
  return loadContext(trx, claimed.row, tick, { ...(claimed.account ? { account: claimed.account } : {}), thread: true });
}
