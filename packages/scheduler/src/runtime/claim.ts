/**
 * Step 1 of the send path (tx1 starts here): claim one due queue row with `FOR UPDATE SKIP
 * LOCKED`, take its account's lock without waiting, give back an account whose cooldown has
 * ended, and read everything the check needs under those locks.
 */
import { accounts, type Database } from "@offerlab/db";
import type { ExpressionBuilder, Transaction } from "kysely";
import { loadContext, type AccountRow, type QueueRow, type SendContext, type TickSettings } from "./context.js";

/**
 * The row's account is mid-send in another runner, or another claim won the race for it: this
 * transaction rolls back and the runner simply claims again. Internal: it never leaves
 * `dispatchOne`, which turns it into a `busy` outcome.
 */
export class AccountBusy extends Error {}

/**
 * The queue row's account, when it cannot send before a known time: inside its gap after the last
 * send, or cooling down after a provider rate limit (a cooldown that has ended does not count).
 */
function resting(selectFrom: ExpressionBuilder<Database, "send_queue">["selectFrom"], now: Date) {
  return selectFrom("accounts")
    .select("accounts.id")
    .whereRef("accounts.id", "=", "send_queue.account_id")
    .where((eb) =>
      eb.or([
        eb("accounts.next_send_at", ">", now),
        eb.and([eb("accounts.status", "=", "limited"), eb("accounts.limited_until", ">", now)]),
      ]),
    );
}

/**
 * The most urgent due row whose account has no send in flight and is not resting, locked (rows
 * other runners hold are skipped); else `idle` (nothing due, or only rows of resting accounts) or
 * `busy` (due rows, but every such account is mid-send).
 */
export async function claimDueRow(trx: Transaction<Database>, now: Date): Promise<QueueRow | { kind: "idle" } | { kind: "busy" }> {
  const row = await trx
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
    .skipLocked()
    .executeTakeFirst();
  if (row) return row;
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
 * Locks the claimed row's account (throws {@link AccountBusy} when another transaction holds it),
 * ends a cooldown that is over and reads the account, in one statement, and loads the row's context under those locks (with the tick's
 * settings when the caller read them; else they are read here).
 */
export async function loadClaimed(trx: Transaction<Database>, row: QueueRow, now: Date, tick?: TickSettings): Promise<SendContext> {
  // The account row is locked before anything else of the account, without waiting: a claim
  // that waited here while holding its queue row could deadlock with a recording transaction
  // (which locks the account first). A busy account means: claim something else.
  let account: AccountRow | undefined;
  if (row.account_id) {
    // A claim that raced another one for this account sees, once it holds the lock, the rest that
    // claim committed (Postgres re-checks the condition on the locked row): it claims something
    // else rather than deferring this row. One statement locks the account, gives back an account
    // whose cooldown has ended (before anything reads its status) and reads it for the check.
    account = await accounts.lockForSend(trx, row.account_id, now);
    if (!account) throw new AccountBusy();
  }
  return loadContext(trx, row, tick, account ? { account } : {});
}
