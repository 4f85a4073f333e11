/**
 * The queue aggregate: writes of `send_queue` rows outside the send path (a cancelled campaign, an
 * account taken off a campaign, a window changed), with the `messages` and
 * `message_events` rows that belong to them. The send path's transitions (claim, attempt, record,
 * reconcile, plan) live in the scheduler's runtime (`packages/scheduler/src/runtime`) for now.
 */
import { sql } from "kysely";
import type { DbOrTrx } from "../transaction.js";
import { chunks } from "./shared.js";

export const sendQueue = {
  /**
   * Cancels a campaign's queue rows not yet claimed (`pending`, `scheduled`): status `cancelled`
   * with `reason` as `defer_reason` and `detail` as `last_error`, ended at `at`; their planned
   * messages are marked failed and each gets a `skipped` event saying why. A row already claimed
   * finishes (its attempt is fenced). Returns how many rows were cancelled. Run it in the
   * transaction that stops the campaign.
   */
  async cancelCampaign(db: DbOrTrx, campaignId: string, why: { reason: "campaign_not_active"; detail: string; at: Date }): Promise<number> {
    return cancelUnclaimed(db, campaignId, null, why);
  },

  /**
   * Cancels a campaign's queue rows not yet claimed whose account is one of `accountIds` (accounts
   * taken off the campaign), the way {@link sendQueue.cancelCampaign} cancels them: `cancelled`
   * with the reason, planned messages failed, a `skipped` event each. The copy of a planned row
   * was rendered for its sender, so it is not handed to another account. Returns the count.
   */
  async cancelRowsOfAccounts(
    db: DbOrTrx,
    campaignId: string,
    accountIds: readonly string[],
    why: { reason: "sender_unavailable"; detail: string; at: Date },
  ): Promise<number> {
    if (accountIds.length === 0) return 0;
    return cancelUnclaimed(db, campaignId, accountIds, why);
  },

  /**
   * The rows of a campaign contact held for a human (`defer_reason` `out_of_office` or `paused`,
   * not yet claimed) are due at `now` again: the person un-paused the sequence. The claim judges
   * them as any other row (window, caps, eligibility). Returns how many rows moved.
   */
  async releaseHeldRows(db: DbOrTrx, campaignContactId: string, now: Date): Promise<number> {
    const rows = await db
      .updateTable("send_queue")
      .set({ scheduled_for: now, defer_reason: null })
      .where("campaign_contact_id", "=", campaignContactId)
      .where("status", "in", ["pending", "scheduled"])
      .where("defer_reason", "in", ["out_of_office", "paused"])
      .returning("id")
      .execute();
    return rows.length;
  },

  /**
   * Rows of a campaign waiting for its window to open (`defer_reason` `window_closed`, not yet
   * claimed) are due at `now` again, so the claim judges them by the campaign's current window
   * (and defers them to its next opening, jittered, when it is still closed). Run it in the
   * transaction that changes the window. `reasons`: the deferrals to judge again (default the
   * window's; a changed daily cap adds `campaign_daily_cap`). Returns how many rows moved.
   */
  async rejudgeWindow(
    db: DbOrTrx,
    campaignId: string,
    now: Date,
    reasons: readonly ("window_closed" | "campaign_daily_cap")[] = ["window_closed"],
  ): Promise<number> {
    if (reasons.length === 0) return 0;
    const rows = await db
      .updateTable("send_queue")
      .set({ scheduled_for: now })
      .where("campaign_id", "=", campaignId)
      .where("status", "in", ["pending", "scheduled"])
      .where("defer_reason", "in", [...reasons])
      .where("scheduled_for", ">", now)
      .returning("id")
      .execute();
    return rows.length;
  },
};

/** Cancels a campaign's rows not yet claimed (of `accountIds` only, when given); see `sendQueue.cancelCampaign`. */
async function cancelUnclaimed(
  db: DbOrTrx,
  campaignId: string,
  accountIds: readonly string[] | null,
  why: { reason: string; detail: string; at: Date },
): Promise<number> {
  let q = db
    .updateTable("send_queue")
    .set({ status: "cancelled", defer_reason: why.reason, last_error: why.detail, ended_at: why.at })
    .where("campaign_id", "=", campaignId)
    .where("status", "in", ["pending", "scheduled"]);
  if (accountIds) q = q.where("account_id", "in", [...accountIds]);
  const rows = await q.returning(["id", "contact_id", "account_id"]).execute();
  if (rows.length === 0) return 0;
  await db
    .updateTable("messages")
    .set({ status: "failed", error_message: `not sent: ${why.detail}` })
    .where(
      "send_queue_id",
      "in",
      rows.map((r) => r.id),
    )
    .where("status", "in", ["pending", "queued"])
    .execute();
  for (const part of chunks(rows)) {
    await db
      .insertInto("message_events")
      .values(
        part.map((r) => ({
          send_queue_id: r.id,
          contact_id: r.contact_id,
          campaign_id: campaignId,
          account_id: r.account_id,
          event_type: "skipped" as const,
          event_data:
            sql`CAST(CAST(${JSON.stringify({ reason: why.reason, detail: why.detail, at: why.at.toISOString() })} AS text) AS jsonb)` as never,
          created_at: why.at,
        })),
      )
      .execute();
  }
  return rows.length;
}
