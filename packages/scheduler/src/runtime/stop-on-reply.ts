/**
 * Stop-on-reply: a reply (and, through the same two functions, an opt-out or a bounce) stops the
 * person's sends in the same transaction that records it. Locks are taken in the send path's order.
 */
import type { MessageActionType } from "@offerlab/core";
import { campaignContacts, campaigns, companies, contacts, outreachHistory, sendQueue, type Database } from "@offerlab/db";
import type { Kysely, Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import { attemptCancelled, moveAttempt } from "./attempts.js";
import { replyStops } from "./check.js";
import { loadPerson, lockPersonRows, personKeys } from "./context.js";
import { lockAccount, releaseQuota } from "./quota.js";
import { cancelClaimedRow, cancelWaitingRows, holdRowsOfCampaignContact } from "./queue.js";

/** How long an out-of-office without a return date pauses a sequence (as the inbox job does by default). */
const OOO_PAUSE_MS = 7 * 86_400_000;
import type { SendPathOptions } from "./types.js";

/**
 * Records a reply and applies stop-on-reply in one transaction: the campaign contact is marked
 * replied, every pending send of that person in the campaign is cancelled, a claimed attempt that
 * has not started its call is cancelled (its fence then stops the runner), the person's rows are
 * marked replied everywhere, and outreach history notes the reply. With the campaign's
 * `stop_on_reply: false` a reply that is not negative is recorded the same way but stops nothing:
 * the sequence goes on (`replyStops`). An out-of-office (`sentiment: "ooo"`) is not a reply: it
 * pauses the sequence for a week and marks nothing replied. Locks are taken in the send
 * path's order (see `lockStopScope`), so it waits for a send being recorded instead of
 * deadlocking with it.
 */
export async function recordReply(options: Pick<SendPathOptions, "db" | "now">, input: ReplyInput): Promise<{ cancelled: number }> {
  const now = input.at ?? options.now?.() ?? new Date();
  return options.db.transaction().execute((trx) => recordReplyIn(trx, { ...input, at: now }));
}

export interface ReplyInput {
  campaignContactId: string;
  text?: string | null;
  sentiment?: "positive" | "negative" | "neutral" | "question" | "ooo" | null;
  at?: Date;
}

/**
 * Takes the locks of anything that stops a person's sends (a reply, an opt-out, a bounce) in the
 * send path's order: first the accounts of the person's open attempts (`claimed`, `sending`,
 * `unknown`), lowest id first, as the claim and the recording of a send hold the account before
 * anything else; then the person's campaign contacts, lowest id first. A send being recorded for
 * this person therefore finishes before we go on, and no claim starts on those accounts meanwhile.
 * `campaignId` null means every campaign of the person (an opt-out, a bounce). Call it once, before
 * anything else in the transaction: an attempt that opens later waits for us at the campaign
 * contact when it records, and waiting for its account from then on could deadlock with it.
 */
export async function lockStopScope(
  trx: Transaction<Database>,
  scope: { contactIds: string[]; campaignId: string | null; alsoAccounts?: (string | null)[] },
): Promise<void> {
  if (scope.contactIds.length === 0) return;
  let open = trx
    .selectFrom("send_attempts")
    .innerJoin("send_queue", "send_queue.id", "send_attempts.send_queue_id")
    .select("send_attempts.account_id")
    .distinct()
    .where("send_queue.contact_id", "in", scope.contactIds)
    .where("send_attempts.status", "in", ["claimed", "sending", "unknown"]);
  if (scope.campaignId) open = open.where("send_queue.campaign_id", "=", scope.campaignId);
  const accounts = await open.execute();
  const ids = [
    ...new Set([...accounts.map((a) => a.account_id), ...(scope.alsoAccounts ?? []).filter((a): a is string => Boolean(a))]),
  ].sort();
  for (const id of ids) await lockAccount(trx, id);
  let ccs = trx.selectFrom("campaign_contacts").select("id").where("contact_id", "in", scope.contactIds);
  if (scope.campaignId) ccs = ccs.where("campaign_id", "=", scope.campaignId);
  await ccs.orderBy("id").forUpdate().execute();
}

/**
 * Cancels the sends of a person that have not reached the provider: pending rows, and attempts
 * still `claimed` (their runner's fenced "mark sending" then finds them cancelled and makes no
 * call; the quota they reserved is given back). `campaignId` null means every campaign of the
 * person. A `sending` attempt cannot be stopped: its call may already have left; it is recorded as
 * whatever the provider did. The caller holds the locks of `lockStopScope` for the same scope.
 */
export async function cancelUnsentSends(
  trx: Transaction<Database>,
  scope: { contactIds: string[]; campaignId: string | null; reason: ReasonCode; note: string; at: Date },
): Promise<{ cancelled: string[] }> {
  if (scope.contactIds.length === 0) return { cancelled: [] };
  // Pending rows first: a claim in progress holds its row, so this waits for it to commit, and the
  // look for claimed attempts below (a new statement, a new snapshot) then sees its attempt.
  const pending = await cancelWaitingRows(trx, scope);
  let claimedQ = trx
    .selectFrom("send_attempts")
    .innerJoin("send_queue", "send_queue.id", "send_attempts.send_queue_id")
    .select([
      "send_attempts.id",
      "send_attempts.send_queue_id",
      "send_attempts.account_id",
      "send_attempts.action_type",
      "send_attempts.usage_day",
      "send_attempts.usage_hour",
      "send_attempts.campaign_day",
    ])
    .where("send_queue.contact_id", "in", scope.contactIds)
    .where("send_attempts.status", "=", "claimed");
  if (scope.campaignId) claimedQ = claimedQ.where("send_queue.campaign_id", "=", scope.campaignId);
  const claimed = await claimedQ.orderBy("send_attempts.account_id").execute();
  const cancelled = [...pending];
  for (const a of claimed) {
    // Usually held already (lockStopScope). A claim made since is the account's only send in
    // flight and its runner holds nothing until its fenced "mark sending", so waiting here is safe.
    await lockAccount(trx, a.account_id);
    if (await moveAttempt(trx, a.id, attemptCancelled(scope.at, scope.reason, scope.note))) {
      await releaseQuota(trx, {
        accountId: a.account_id,
        action: a.action_type as MessageActionType,
        usageDay: a.usage_day,
        usageHour: a.usage_hour,
        queueId: a.send_queue_id,
        campaignDay: a.campaign_day,
      });
      await cancelClaimedRow(trx, a.send_queue_id, scope.reason, scope.at);
      cancelled.push(a.send_queue_id);
    }
  }
  await sendQueue.messagesFailed(trx, cancelled, { error: `not sent: ${scope.reason}`, from: ["pending", "queued", "sending"] });
  return { cancelled };
}

/**
 * `recordReply` inside a transaction the caller holds, so a reply, its event and the stop-on-reply
 * commit together. It takes its locks in the send path's order (`lockStopScope`) as its first
 * statements, so call it before the transaction writes anything else: locking accounts after
 * other rows could deadlock with a runner recording a send. (The event handlers of this package
 * take the locks first themselves and pass `locksHeld`.)
 */
export async function recordReplyIn(
  trx: Transaction<Database>,
  input: ReplyInput & { at: Date },
  options: {
    /** The caller already holds `lockStopScope` over (at least) this campaign contact. Default false. */
    locksHeld?: boolean;
  } = {},
): Promise<{ cancelled: number }> {
  const now = input.at;
  const cc = await trx.selectFrom("campaign_contacts").selectAll().where("id", "=", input.campaignContactId).executeTakeFirstOrThrow();
  if (!options.locksHeld) await lockStopScope(trx, { contactIds: [cc.contact_id], campaignId: cc.campaign_id });
  if (input.sentiment === "ooo") {
    // An out-of-office is not an answer (docs/contact-status.md): it pauses the sequence, it does not
    // end it, and the person stays as they were (cooling off from our touch, not `replied`). The
    // inbox's classifier pauses until the return date it read; here there is none, so a week.
    const until = new Date(now.getTime() + OOO_PAUSE_MS);
    await campaignContacts.pauseForOutOfOffice(trx, cc.id, until);
    await holdRowsOfCampaignContact(trx, cc.id, { until, reason: "out_of_office" });
    return { cancelled: 0 };
  }
  const campaign = await trx.selectFrom("campaigns").select("scheduling_config").where("id", "=", cc.campaign_id).executeTakeFirstOrThrow();
  let cancelled: string[] = [];
  if (replyStops(campaign.scheduling_config, input.sentiment)) {
    await campaignContacts.markReplied(trx, cc.id, { sentiment: input.sentiment ?? null, at: now, stops: true });
    ({ cancelled } = await cancelUnsentSends(trx, {
      contactIds: [cc.contact_id],
      campaignId: cc.campaign_id,
      reason: "replied",
      note: "a reply arrived before the call",
      at: now,
    }));
    await campaigns.completeIfFinished(trx, [cc.campaign_id]);
  } else {
    // `stop_on_reply: false`: the reply is recorded everywhere, and the sequence goes on.
    await campaignContacts.markReplied(trx, cc.id, { sentiment: input.sentiment ?? null, at: now, stops: false });
  }
  const contact = await trx.selectFrom("contacts").selectAll().where("id", "=", cc.contact_id).executeTakeFirstOrThrow();
  const person = await loadPerson(trx, contact);
  await lockPersonRows(
    trx,
    person.map((p) => p.id),
  );
  await contacts.markReplied(trx, { contactId: contact.id, personIds: person.map((p) => p.id), at: now });
  // The person's rows in other offers that were ready are held now (`replied`): back to enriched.
  await contacts.refreshReadiness(
    trx,
    person.map((p) => p.id),
  );
  // The company's lifecycle: someone there answered (an out-of-office returned above).
  if (contact.company_id) await companies.markResponded(trx, contact.company_id);
  const keys = personKeys(contact);
  await outreachHistory.markReplied(trx, {
    campaignId: cc.campaign_id,
    contactId: contact.id,
    email: keys.email,
    linkedin: keys.linkedin,
    sentiment: input.sentiment ?? null,
    at: now,
  });
  return { cancelled: cancelled.length };
}

/**
 * Stops every send of the people in `contactIds` that has not reached the provider, in every
 * campaign, because they were put on the suppression list: the same transition as an opt-out
 * (`lockStopScope` then `cancelUnsentSends`), with reason `suppressed`. Call it first in the
 * caller's transaction (before other writes), for the lock order of `lockStopScope`.
 */
export async function cancelSuppressedSends(
  db: Transaction<Database> | Kysely<Database>,
  input: { contactIds: string[]; note: string; at: Date },
): Promise<{ cancelled: string[] }> {
  return cancelPersonSends(db, { ...input, reason: "suppressed" });
}

/**
 * Stops every send of the contacts in `contactIds` that has not reached the provider, in every
 * campaign, because a person decided so by hand (do-not-contact, an opt-out heard elsewhere, a
 * disqualified company) or put them on the suppression list: `lockStopScope` then
 * `cancelUnsentSends`, with `reason`. A `sending` attempt cannot be stopped (its call may have
 * left). Call it first in the caller's transaction (before other writes), for the lock order of
 * `lockStopScope`.
 */
export async function cancelPersonSends(
  db: Transaction<Database> | Kysely<Database>,
  input: {
    contactIds: string[];
    reason: Extract<ReasonCode, "suppressed" | "do_not_contact" | "unsubscribed" | "company_disqualified" | "meeting" | "outcome_recorded">;
    note: string;
    at: Date;
  },
): Promise<{ cancelled: string[] }> {
  // The caller's transaction (an operation's `inTransaction`), typed as db's `DbOrTrx`.
  const trx = db as Transaction<Database>;
  const contactIds = [...new Set(input.contactIds)].sort();
  await lockStopScope(trx, { contactIds, campaignId: null });
  return cancelUnsentSends(trx, { contactIds, campaignId: null, reason: input.reason, note: input.note, at: input.at });
}
