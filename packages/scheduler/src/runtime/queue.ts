/**
 * The state machine of a queue row (`send_queue`), and the only module of the runtime that writes
 * that table (a test greps the runtime for any other writer). Callers name the transition; they
 * never write the column. Every time a transition writes is passed in, from the runner's clock.
 *
 *   pending ──claim──▶ processing ──sent──▶ sent ──bounced──▶ bounced
 *      ▲  │                 ├──retry (a passing refusal) ──▶ pending
 *      │  │                 ├──requeue (claim expired, reconciled "not sent") ──▶ pending
 *      │  │                 ├──fail (final refusal, max attempts, outcome undetermined) ──▶ failed
 *      │  │                 ├──skip (nothing to do: already connected) ──▶ skipped
 *      │  │                 └──cancel (a reply, an opt-out, a bounce before the call) ──▶ cancelled
 *      │  ├──defer (waits, with its reason) ──▶ pending
 *      │  ├──skip / cancel (never to be sent, with its reason) ──▶ skipped | cancelled
 *      └──┘
 */
import { jsonb, type Database } from "@offerlab/db";
import { sql, type Insertable, type Kysely, type Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import type { SendContext } from "./context.js";

type Q = Kysely<Database> | Transaction<Database>;

/** Plans a send (the planner): a new `pending` row, unless the step is already queued. Returns its id, or undefined. */
export async function enqueue(trx: Transaction<Database>, values: Insertable<Database["send_queue"]>): Promise<string | undefined> {
  const queued = await trx
    .insertInto("send_queue")
    .values(values)
    .onConflict((oc) => oc.columns(["campaign_contact_id", "sequence_step"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return queued?.id;
}

/**
 * Plans many sends at once (the planner's batch): one multi-row INSERT with the same unique key
 * and `ON CONFLICT DO NOTHING` as {@link enqueue}. Returns the ids of the rows inserted by
 * `campaign_contact_id|sequence_step`; a step already queued is absent.
 */
export async function enqueueMany(
  trx: Transaction<Database>,
  rows: readonly Insertable<Database["send_queue"]>[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (rows.length === 0) return out;
  const inserted = await trx
    .insertInto("send_queue")
    .values([...rows])
    .onConflict((oc) => oc.columns(["campaign_contact_id", "sequence_step"]).doNothing())
    .returning(["id", "campaign_contact_id", "sequence_step"])
    .execute();
  for (const r of inserted) out.set(`${r.campaign_contact_id}|${r.sequence_step ?? 0}`, r.id);
  return out;
}

/** The row waits until `until`, for `reason`. Only a row still waiting to be claimed moves. */
export async function deferRow(trx: Transaction<Database>, queueId: string, reason: ReasonCode, until: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ scheduled_for: until, defer_reason: reason })
    .where("id", "=", queueId)
    .where("status", "in", ["pending", "scheduled"])
    .execute();
}

/**
 * The person's waiting rows in a campaign wait at least until `until` (an out-of-office reply);
 * the window check runs again then.
 */
export async function holdRowsOfCampaignContact(
  trx: Transaction<Database>,
  campaignContactId: string,
  hold: { until: Date; reason: ReasonCode },
): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ scheduled_for: sql<Date>`GREATEST(scheduled_for, ${hold.until}::timestamptz)`, defer_reason: hold.reason })
    .where("campaign_contact_id", "=", campaignContactId)
    .where("status", "in", ["pending", "scheduled"])
    .execute();
}

/**
 * The row will never be sent: it ends `skipped` or `cancelled` with its reason, at `now`, its
 * planned message failed and a `skipped` event written. With `releaseAttempt`, it also lets go of
 * its attempt (a skip found by the provider call, after the claim).
 */
export async function skipRow(
  trx: Transaction<Database>,
  ctx: SendContext,
  reason: ReasonCode,
  status: "skipped" | "cancelled",
  now: Date,
  options: { releaseAttempt?: boolean } = {},
): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({
      status,
      defer_reason: reason,
      last_error: reason,
      ended_at: now,
      ...(options.releaseAttempt ? { current_attempt_id: null } : {}),
    })
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

/** Claimed: an attempt is open for the row (`processing`), counted, at `now`. */
export async function markProcessing(trx: Transaction<Database>, queueId: string, attemptId: string, now: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set((eb) => ({
      status: "processing",
      current_attempt_id: attemptId,
      attempts: eb("attempts", "+", 1),
      last_attempt_at: now,
      defer_reason: null,
    }))
    .where("id", "=", queueId)
    .execute();
}

/** Sent, by the attempt `attemptId`, at `now`. */
export async function markSent(
  trx: Transaction<Database>,
  queueId: string,
  input: { attemptId: string; externalId: string | null; now: Date },
): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({
      status: "sent",
      sent_at: input.now,
      external_message_id: input.externalId,
      defer_reason: null,
      last_error: null,
      current_attempt_id: input.attemptId,
    })
    .where("id", "=", queueId)
    .execute();
}

/** The attempt's outcome is unknown: the row stays `processing` (never re-queued directly); its last error says why. */
export async function noteUnknownOutcome(q: Q, queueId: string, reason: string): Promise<void> {
  await q
    .updateTable("send_queue")
    .set({ last_error: `unknown outcome: ${reason}` })
    .where("id", "=", queueId)
    .execute();
}

/** A passing refusal: the row is tried again at `at`. `reason` is the provider's. */
export async function retryRow(
  trx: Transaction<Database>,
  queueId: string,
  input: { reason: string; error: string; at: Date },
): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ status: "pending", scheduled_for: input.at, last_error: input.error, defer_reason: input.reason, current_attempt_id: null })
    .where("id", "=", queueId)
    .execute();
}

/**
 * Back to the queue with nothing sent (a claim whose lease lapsed before the call, a send the
 * reconciler proved never happened), only from `processing`.
 */
export async function requeueRow(
  trx: Transaction<Database>,
  queueId: string,
  input: { reason: ReasonCode; error?: string },
): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({
      status: "pending",
      current_attempt_id: null,
      defer_reason: input.reason,
      ...(input.error !== undefined ? { last_error: input.error, ended_at: null } : {}),
    })
    .where("id", "=", queueId)
    .where("status", "=", "processing")
    .execute();
}

/**
 * Failed for good at `now`: a final refusal (`reason` is then the provider's), every attempt used,
 * or an outcome the provider could not tell. With `onlyIfProcessing`, only from `processing`.
 */
export async function failRow(
  trx: Transaction<Database>,
  queueId: string,
  input: { reason: string; error: string; now: Date; onlyIfProcessing?: boolean },
): Promise<void> {
  let update = trx
    .updateTable("send_queue")
    .set({ status: "failed", defer_reason: input.reason, last_error: input.error, current_attempt_id: null, ended_at: input.now })
    .where("id", "=", queueId);
  if (input.onlyIfProcessing) update = update.where("status", "=", "processing");
  await update.execute();
}

/**
 * Cancels the person's rows not yet claimed (`pending`, `scheduled`), in one campaign or (null)
 * every campaign, for `reason`, at `at`. Returns their ids.
 */
export async function cancelWaitingRows(
  trx: Transaction<Database>,
  scope: { contactIds: string[]; campaignId: string | null; reason: ReasonCode; at: Date },
): Promise<string[]> {
  let update = trx
    .updateTable("send_queue")
    .set({ status: "cancelled", defer_reason: scope.reason, ended_at: scope.at })
    .where("contact_id", "in", scope.contactIds)
    .where("status", "in", ["pending", "scheduled"]);
  if (scope.campaignId) update = update.where("campaign_id", "=", scope.campaignId);
  return (await update.returning("id").execute()).map((r) => r.id);
}

/** Cancels a claimed row whose attempt was cancelled before its call, for `reason`, at `at`. */
export async function cancelClaimedRow(trx: Transaction<Database>, queueId: string, reason: ReasonCode, at: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ status: "cancelled", defer_reason: reason, current_attempt_id: null, ended_at: at })
    .where("id", "=", queueId)
    .execute();
}

/** A sent (or delivered) row whose email bounced. */
export async function markBounced(trx: Transaction<Database>, queueId: string): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ status: "bounced" })
    .where("id", "=", queueId)
    .where("status", "in", ["sent", "delivered"])
    .execute();
}
