/**
 * The send path's names for the transitions of a queue row (`send_queue`), typed with the reason
 * catalogue. It writes nothing itself: `send_queue` has one writer, the db queue aggregate
 * (`sendQueue` in `@offerlab/db`, whose module note draws the state machine); a test greps the
 * repository for any other. Every time a transition writes is passed in, from the runner's clock.
 */
import { sendQueue, type Database } from "@offerlab/db";
import type { Insertable, Kysely, Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import type { SendContext } from "./context.js";

type Q = Kysely<Database> | Transaction<Database>;

/**
 * Plans many sends at once (the planner's batch): one multi-row INSERT with the same unique key
 * and `ON CONFLICT DO NOTHING` on the unique key (campaign_contact_id, sequence_step). Returns the ids of the rows inserted by
 * `campaign_contact_id|sequence_step`; a step already queued is absent.
 */
export function enqueueMany(trx: Transaction<Database>, rows: readonly Insertable<Database["send_queue"]>[]): Promise<Map<string, string>> {
  return sendQueue.enqueueMany(trx, rows);
}

/** The row waits until `until`, for `reason`. Only a row still waiting to be claimed moves. */
export function deferRow(trx: Transaction<Database>, queueId: string, reason: ReasonCode, until: Date): Promise<void> {
  return sendQueue.defer(trx, queueId, reason, until);
}

/**
 * The row waits until `until`, for a reason that holds the account's other due rows of the same
 * campaign alike (a closed send window): they wait too, in the same statement (db's
 * `sendQueue.deferWithDueSiblings`). Returns how many rows moved.
 */
export function deferRowAndSiblings(
  trx: Transaction<Database>,
  row: Pick<SendContext["row"], "id" | "campaign_id" | "account_id">,
  hold: { reason: ReasonCode; until: Date; now: Date },
): Promise<number> {
  return sendQueue.deferWithDueSiblings(trx, row, hold);
}

/** The person's waiting rows in a campaign wait at least until `until` (an out-of-office reply). */
export function holdRowsOfCampaignContact(
  trx: Transaction<Database>,
  campaignContactId: string,
  hold: { until: Date; reason: ReasonCode },
): Promise<void> {
  return sendQueue.holdRowsOfCampaignContact(trx, campaignContactId, hold);
}

/**
 * The row will never be sent: `skipped` or `cancelled` with its reason, its planned message failed
 * and a `skipped` event written. With `releaseAttempt`, it also lets go of its attempt.
 */
export function skipRow(
  trx: Transaction<Database>,
  ctx: SendContext,
  reason: ReasonCode,
  status: "skipped" | "cancelled",
  now: Date,
  options: { releaseAttempt?: boolean } = {},
): Promise<void> {
  return sendQueue.skip(trx, ctx.row, reason, status, now, options);
}

/** Claimed: an attempt is open for the row (`processing`), counted, at `now`. */
export function markProcessing(trx: Transaction<Database>, queueId: string, attemptId: string, now: Date): Promise<void> {
  return sendQueue.markProcessing(trx, queueId, attemptId, now);
}

/** Sent, by the attempt `attemptId`, at `now`. */
export function markSent(
  trx: Transaction<Database>,
  queueId: string,
  input: { attemptId: string; externalId: string | null; now: Date },
): Promise<void> {
  return sendQueue.markSent(trx, queueId, input);
}

/** The attempt's outcome is unknown: the row stays `processing`; its last error says why. */
export function noteUnknownOutcome(q: Q, queueId: string, reason: string): Promise<void> {
  return sendQueue.noteUnknownOutcome(q, queueId, reason);
}

/** A passing refusal: the row is tried again at `at`. `reason` is the provider's. */
export function retryRow(trx: Transaction<Database>, queueId: string, input: { reason: string; error: string; at: Date }): Promise<void> {
  return sendQueue.retry(trx, queueId, input);
}

/** Back to the queue with nothing sent (an expired claim, a reconciled "not sent"), only from `processing`. */
export function requeueRow(trx: Transaction<Database>, queueId: string, input: { reason: ReasonCode; error?: string }): Promise<void> {
  return sendQueue.requeue(trx, queueId, input);
}

/** Failed for good at `now`; with `onlyIfProcessing`, only from `processing`. */
export function failRow(
  trx: Transaction<Database>,
  queueId: string,
  input: { reason: string; error: string; now: Date; onlyIfProcessing?: boolean },
): Promise<void> {
  return sendQueue.fail(trx, queueId, input);
}

/** Cancels the person's rows not yet claimed, in one campaign or (null) every campaign. Returns their ids. */
export function cancelWaitingRows(
  trx: Transaction<Database>,
  scope: { contactIds: string[]; campaignId: string | null; reason: ReasonCode; at: Date },
): Promise<string[]> {
  return sendQueue.cancelWaitingRows(trx, scope);
}

/** Cancels a claimed row whose attempt was cancelled before its call, for `reason`, at `at`. */
export function cancelClaimedRow(trx: Transaction<Database>, queueId: string, reason: ReasonCode, at: Date): Promise<void> {
  return sendQueue.cancelClaimedRow(trx, queueId, reason, at);
}

/** A sent (or delivered) row whose email bounced. */
export function markBounced(trx: Transaction<Database>, queueId: string): Promise<void> {
  return sendQueue.markBounced(trx, queueId);
}
