/**
 * Writes of a queue row's outcome that several steps share: a row that waits (deferred, with its
 * reason and next time) and a row that will never be sent (skipped or cancelled, with its reason,
 * its planned message failed and a `skipped` event), so that "why didn't this go out?" always
 * has an answer.
 */
import { jsonb, type Database } from "@offerlab/db";
import type { Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import type { SendContext } from "./context.js";

/** The row waits until `until`, for `reason`. Only a row still waiting to be claimed moves. */
export async function deferRow(trx: Transaction<Database>, queueId: string, reason: ReasonCode, until: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ scheduled_for: until, defer_reason: reason })
    .where("id", "=", queueId)
    .where("status", "in", ["pending", "scheduled"])
    .execute();
}

/** The row will never be sent: it ends `skipped` or `cancelled` with its reason, at `now`. */
export async function skipRow(trx: Transaction<Database>, ctx: SendContext, reason: ReasonCode, status: "skipped" | "cancelled", now: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ status, defer_reason: reason, last_error: reason, ended_at: now })
    .where("id", "=", ctx.row.id)
    .execute();
  // `sending` too: a skip the provider call found (already connected) comes after the claim
  // marked the message sending, and must not leave it there.
  await trx
    .updateTable("messages")
    .set({ status: "failed", error_message: `not sent: ${reason}` })
    .where("send_queue_id", "=", ctx.row.id)
    .where("status", "in", ["pending", "queued", "sending"])
    .execute();
  await trx
    .insertInto("message_events")
    .values({
      send_queue_id: ctx.row.id,
      contact_id: ctx.row.contact_id,
      campaign_id: ctx.row.campaign_id,
      account_id: ctx.row.account_id,
      event_type: "skipped",
      event_data: jsonb({ reason, at: now.toISOString() }),
      created_at: now,
    })
    .execute();
}
