/**
 * Recovery: the reaper takes lapsed leases, the reconciler settles unknown outcomes with the
 * provider's safe reads, and replies stop sequences. Each is safe with any number of runners.
 */
import type { MessageActionType } from "@offerlab/core";
import type { UncertainSend } from "@offerlab/provider-kit";
import type { Database } from "@offerlab/db";
import { sql, type Transaction } from "kysely";
import { loadContext, loadPerson, lockPersonRows, personKeys } from "./context.js";
import { closeAttempt, replyStops, resolveOptions } from "./dispatch.js";
import { lockAccount, releaseQuota } from "./quota.js";
import { recordSent } from "./record.js";
import { RunnerCrash, type SendPathOptions } from "./types.js";

/**
 * Lapsed leases. A `claimed` attempt past its lease never reached the provider: its quota is
 * released and its row returns to the queue. A `sending` attempt past its lease may have reached
 * it: it becomes `unknown` and waits for the reconciler; its row is never re-queued directly.
 */
export async function reapExpired(options: SendPathOptions): Promise<{ requeued: number; unknown: number }> {
  const o = resolveOptions(options);
  const now = o.now();
  return o.db.transaction().execute(async (trx) => {
    const candidates = await trx
      .selectFrom("send_attempts")
      .select(["account_id"])
      .distinct()
      .where("status", "in", ["claimed", "sending"])
      .where("lease_until", "<", now)
      .orderBy("account_id")
      .execute();
    // Same lock order as every other writer: accounts first, then their attempts.
    for (const c of candidates) await lockAccount(trx, c.account_id);
    const lapsed = await trx
      .selectFrom("send_attempts")
      .select(["id", "send_queue_id", "account_id", "action_type", "status", "usage_day", "usage_hour"])
      .where("status", "in", ["claimed", "sending"])
      .where("lease_until", "<", now)
      .forUpdate()
      .skipLocked()
      .execute();
    let requeued = 0;
    let unknown = 0;
    for (const a of lapsed) {
      if (a.status === "claimed") {
        await trx.updateTable("send_attempts").set({ status: "expired", finished_at: now, error_message: "lease lapsed before the call" }).where("id", "=", a.id).execute();
        await releaseQuota(trx, { accountId: a.account_id, action: a.action_type as MessageActionType, usageDay: a.usage_day, usageHour: a.usage_hour });
        await trx
          .updateTable("send_queue")
          .set({ status: "pending", current_attempt_id: null, defer_reason: "claim_expired" })
          .where("id", "=", a.send_queue_id)
          .where("status", "=", "processing")
          .execute();
        await trx.updateTable("messages").set({ status: "queued" }).where("send_queue_id", "=", a.send_queue_id).where("status", "=", "sending").execute();
        requeued++;
      } else {
        await trx
          .updateTable("send_attempts")
          .set({ status: "unknown", error_kind: "unknown_outcome", error_message: "lease lapsed during the call (runner died or hung)" })
          .where("id", "=", a.id)
          .execute();
        unknown++;
      }
    }
    return { requeued, unknown };
  });
}

function uncertainSendOf(
  channel: string,
  input: { vendorAccount: string; providerId: string | null; chatId: string | null; text: string; attemptId: string; at: Date; to: string | null; subject: string | null },
): UncertainSend | null {
  if (channel === "email") {
    return { kind: "email", accountId: input.vendorAccount, sendId: input.attemptId, attemptedAt: input.at, ...(input.to ? { to: input.to } : {}), ...(input.subject ? { subject: input.subject } : {}) };
  }
  if (channel === "linkedin_connect") {
    return input.providerId ? { kind: "linkedin_invitation", accountId: input.vendorAccount, providerId: input.providerId, attemptedAt: input.at } : null;
  }
  if (!input.chatId && !input.providerId) return null;
  return {
    kind: "linkedin_message",
    accountId: input.vendorAccount,
    ...(input.chatId ? { chatId: input.chatId } : {}),
    ...(input.providerId ? { recipientProviderId: input.providerId } : {}),
    text: input.text,
    attemptedAt: input.at,
  };
}

/**
 * The reconciler's ids under the keys a send records (`tracking_id`, `email_id`, `chat_id`, …),
 * so replies, tracking events and follow-up threads find a reconciled send like any other. An
 * email's `messageId` is its RFC Message-ID, kept apart from a LinkedIn message id.
 */
function recordedProviderIds(channel: string, ids: Record<string, string | null> | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(ids ?? {})) {
    const snake = key === "messageId" && channel === "email" ? "rfc_message_id" : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[snake] = value;
  }
  return out;
}

export interface ReconcileSummary {
  sent: number;
  notSent: number;
  cannotTell: number;
}

/**
 * Settles `unknown` attempts by asking the provider (safe reads only). "sent" records the send as
 * if the runner had; "not sent" releases the quota and returns the row to the queue (or fails it
 * after max_attempts); "cannot tell" leaves it unknown — nothing is ever resent on a guess.
 */
export async function reconcileUnknown(options: SendPathOptions & { limit?: number }): Promise<ReconcileSummary> {
  const o = resolveOptions(options);
  const summary: ReconcileSummary = { sent: 0, notSent: 0, cannotTell: 0 };
  const reconciler = o.senders.reconciler;
  const attempts = await o.db
    .selectFrom("send_attempts")
    .selectAll()
    .where("status", "=", "unknown")
    .orderBy("started_at")
    .limit(options.limit ?? 100)
    .execute();
  for (const a of attempts) {
    const row = await o.db.selectFrom("send_queue").selectAll().where("id", "=", a.send_queue_id).executeTakeFirst();
    if (!row) continue;
    const ctx = await loadContext(o.db, row);
    const vendorAccount = ctx.account?.unipile_account_id;
    const send =
      reconciler && vendorAccount
        ? uncertainSendOf(row.channel, {
            vendorAccount,
            providerId: ctx.campaignContact?.linkedin_provider_id ?? (a.provider_ids as Record<string, string | null>).provider_id ?? null,
            chatId: ctx.campaignContact?.linkedin_chat_id ?? null,
            text: row.body,
            attemptId: a.id,
            at: a.started_at,
            to: ctx.contact.email,
            subject: row.subject,
          })
        : null;
    let result;
    if (!send) {
      result = { outcome: "cannot_tell" as const, reason: reconciler ? "not enough identifiers to look the send up" : "no reconciler configured" };
    } else {
      try {
        result = await reconciler!.reconcile(send, { signal: AbortSignal.timeout(o.providerTimeoutMs) });
      } catch (error) {
        if (error instanceof RunnerCrash) throw error;
        result = { outcome: "cannot_tell" as const, reason: error instanceof Error ? error.message : String(error) };
      }
    }
    const now = o.now();
    if (result.outcome === "sent") {
      const ok = await recordSent(o, {
        ctx,
        attemptId: a.id,
        action: a.action_type as MessageActionType,
        providerIds: recordedProviderIds(row.channel, result.providerIds),
        now,
        info: { queueId: row.id, attemptId: a.id },
        evidence: result.evidence,
      });
      if (ok) summary.sent++;
    } else if (result.outcome === "not_sent") {
      const done = await o.db.transaction().execute(async (trx) => {
        await lockAccount(trx, a.account_id);
        if (!(await closeAttempt(trx, a.id, "not_sent", "reconciled", result.evidence))) return false;
        await releaseQuota(trx, { accountId: a.account_id, action: a.action_type as MessageActionType, usageDay: a.usage_day, usageHour: a.usage_hour });
        const exhausted = row.attempts >= row.max_attempts;
        await trx
          .updateTable("send_queue")
          .set({
            status: exhausted ? "failed" : "pending",
            current_attempt_id: null,
            defer_reason: exhausted ? "max_attempts" : "reconciled_not_sent",
            last_error: `reconciled: not sent (${result.evidence})`,
          })
          .where("id", "=", row.id)
          .where("status", "=", "processing")
          .execute();
        await trx.updateTable("messages").set({ status: exhausted ? "failed" : "queued" }).where("send_queue_id", "=", row.id).where("status", "=", "sending").execute();
        return true;
      });
      if (done) summary.notSent++;
    } else {
      await o.db
        .updateTable("send_attempts")
        .set((eb) => ({ reconcile_checks: eb("reconcile_checks", "+", 1), reconcile_note: result.reason }))
        .where("id", "=", a.id)
        .execute();
      summary.cannotTell++;
    }
  }
  return summary;
}

/**
 * Records a reply and applies stop-on-reply in one transaction: the campaign contact is marked
 * replied, every pending send of that person in the campaign is cancelled, a claimed attempt that
 * has not started its call is cancelled (its fence then stops the runner), the person's rows are
 * marked replied everywhere, and outreach history notes the reply. With the campaign's
 * `stop_on_reply: false` a reply that is not negative is recorded the same way but stops nothing:
 * the sequence goes on (`replyStops`). Locks are taken in the send
 * path's order (see `lockStopScope`), so it waits for a send being recorded instead of
 * deadlocking with it.
 */
export async function recordReply(
  options: Pick<SendPathOptions, "db" | "now">,
  input: ReplyInput,
): Promise<{ cancelled: number }> {
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
  const ids = [...new Set([...accounts.map((a) => a.account_id), ...(scope.alsoAccounts ?? []).filter((a): a is string => Boolean(a))])].sort();
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
  scope: { contactIds: string[]; campaignId: string | null; reason: string; note: string },
): Promise<{ cancelled: string[] }> {
  if (scope.contactIds.length === 0) return { cancelled: [] };
  // Pending rows first: a claim in progress holds its row, so this waits for it to commit, and the
  // look for claimed attempts below (a new statement, a new snapshot) then sees its attempt.
  let pendingQ = trx
    .updateTable("send_queue")
    .set({ status: "cancelled", defer_reason: scope.reason })
    .where("contact_id", "in", scope.contactIds)
    .where("status", "in", ["pending", "scheduled"]);
  if (scope.campaignId) pendingQ = pendingQ.where("campaign_id", "=", scope.campaignId);
  const pending = await pendingQ.returning("id").execute();
  let claimedQ = trx
    .selectFrom("send_attempts")
    .innerJoin("send_queue", "send_queue.id", "send_attempts.send_queue_id")
    .select(["send_attempts.id", "send_attempts.send_queue_id", "send_attempts.account_id", "send_attempts.action_type", "send_attempts.usage_day", "send_attempts.usage_hour"])
    .where("send_queue.contact_id", "in", scope.contactIds)
    .where("send_attempts.status", "=", "claimed");
  if (scope.campaignId) claimedQ = claimedQ.where("send_queue.campaign_id", "=", scope.campaignId);
  const claimed = await claimedQ.orderBy("send_attempts.account_id").execute();
  const cancelled = pending.map((p) => p.id);
  for (const a of claimed) {
    // Usually held already (lockStopScope). A claim made since is the account's only send in
    // flight and its runner holds nothing until its fenced "mark sending", so waiting here is safe.
    await lockAccount(trx, a.account_id);
    if (await closeAttempt(trx, a.id, "cancelled", scope.reason, scope.note)) {
      await releaseQuota(trx, { accountId: a.account_id, action: a.action_type as MessageActionType, usageDay: a.usage_day, usageHour: a.usage_hour });
      await trx.updateTable("send_queue").set({ status: "cancelled", defer_reason: scope.reason, current_attempt_id: null }).where("id", "=", a.send_queue_id).execute();
      cancelled.push(a.send_queue_id);
    }
  }
  if (cancelled.length) {
    await trx
      .updateTable("messages")
      .set({ status: "failed", error_message: `not sent: ${scope.reason}` })
      .where("send_queue_id", "in", cancelled)
      .where("status", "in", ["pending", "queued", "sending"])
      .execute();
  }
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
  const campaign = await trx.selectFrom("campaigns").select("scheduling_config").where("id", "=", cc.campaign_id).executeTakeFirstOrThrow();
  let cancelled: string[] = [];
  if (replyStops(campaign.scheduling_config, input.sentiment)) {
    await trx
      .updateTable("campaign_contacts")
      .set({ replied: true, status: "replied", reply_sentiment: input.sentiment ?? null, completed_at: now, next_step_at: null, stop_reason: "replied" })
      .where("id", "=", cc.id)
      .execute();
    ({ cancelled } = await cancelUnsentSends(trx, { contactIds: [cc.contact_id], campaignId: cc.campaign_id, reason: "replied", note: "a reply arrived before the call" }));
  } else {
    // `stop_on_reply: false`: the reply is recorded everywhere, and the sequence goes on.
    await trx.updateTable("campaign_contacts").set({ replied: true, reply_sentiment: input.sentiment ?? null }).where("id", "=", cc.id).execute();
  }
  const contact = await trx.selectFrom("contacts").selectAll().where("id", "=", cc.contact_id).executeTakeFirstOrThrow();
  const person = await loadPerson(trx, contact);
  await lockPersonRows(trx, person.map((p) => p.id));
  await trx
    .updateTable("contacts")
    .set({
      global_last_reply_at: now,
      global_status: sql<"replied">`CASE WHEN global_status = 'do_not_contact' THEN global_status ELSE 'replied' END`,
    })
    .where("id", "in", person.map((p) => p.id))
    .execute();
  await trx
    .updateTable("contacts")
    .set({ status: sql<"replied">`CASE WHEN status IN ('unsubscribed', 'bounced', 'meeting', 'converted') THEN status ELSE 'replied' END` })
    .where("id", "=", contact.id)
    .execute();
  const keys = personKeys(contact);
  await trx
    .updateTable("outreach_history")
    .set({ status: "replied", replied_at: now, reply_sentiment: input.sentiment ?? null })
    .where("campaign_id", "=", cc.campaign_id)
    .where((eb) =>
      eb.or([eb("contact_id", "=", contact.id), ...(keys.email ? [eb("contact_email", "=", keys.email)] : []), ...(keys.linkedin ? [eb("contact_linkedin_url", "=", keys.linkedin)] : [])]),
    )
    .where("replied_at", "is", null)
    .execute();
  return { cancelled: cancelled.length };
}
