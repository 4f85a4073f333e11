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
    .limit(1)
    .forUpdate()
    .skipLocked();
  // The row, then its account (`accounts.lockForSendCtes`: its lock, without waiting, joined on the
  // row, so it is taken only once the row is held; the end of a cooldown that is over; its row).
  // Neither lock waits, so this statement cannot deadlock with a recording transaction (which
  // locks the account first). A claim that raced another one for this account sees, once it holds
  // the lock, the rest that claim committed (Postgres re-checks the condition on the locked row).
  const { rows } = await sql<Record<string, unknown>>`/* send-path:claim */
    WITH due AS (${due}), ${accounts.lockForSendCtes("due", now)}
    SELECT due.*, ${sql.join(aliasedColumns("a", "a", columns.accounts))}
    FROM due LEFT JOIN account a ON true`.execute(trx);
  const got = rows[0];
  if (got) {
    const account = prefixed<AccountRow>(got, "a");
    const row = Object.fromEntries(Object.entries(got).filter(([k]) => !k.includes(":"))) as QueueRow;
    if (row.account_id && !account) throw new AccountBusy();
    return { row, account };
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
