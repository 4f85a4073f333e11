/**
 * Step 5 of the send path: the provider call of one attempt, through the kit's capability
 * interfaces only. Runs outside any transaction. Never retries: a send that may have reached the
 * vendor is an unknown outcome. Which call a channel makes is one exhaustive `switch`: a new
 * channel fails to compile here instead of going out as something else.
 */
import { assertNever, type MessageChannel } from "@offerlab/core";
import type { LinkedInSender } from "@offerlab/provider-kit";
import { campaignContacts } from "@offerlab/db";
import { ProviderError } from "@offerlab/provider-kit";
import type { ReasonCode } from "../engine/reasons.js";
import { noteAttemptIds } from "./attempts.js";
import type { SendContext } from "./context.js";
import type { Resolved } from "./options.js";

export type ProviderResult =
  | { kind: "sent"; providerIds: Record<string, string | null> }
  /** The provider showed there is nothing to send (already connected). */
  | { kind: "skipped"; reason: ReasonCode }
  | {
      kind: "refused";
      /** The provider's own precise reason (`already_invited_recently`, `http_422` …), not a catalogue code. */
      reason: string;
      errorKind: string;
      message: string;
      /** The account must cool down this long (a provider rate limit). */
      cooldownMs?: number;
      /** The account itself is the problem (credentials, disconnected). */
      accountProblem?: boolean;
      /** Retrying the same send will not help. */
      permanent?: boolean;
    }
  | { kind: "unknown"; reason: string };

function missing(what: string): ProviderError {
  return new ProviderError({ kind: "invalid", provider: "scheduler", message: `cannot send: ${what}`, reason: "missing_data" });
}

/**
 * The thread an email follow-up continues: the vendor id of the campaign contact's first email
 * (stored when known; otherwise found with the reconciler's safe read by our send id header) and
 * its subject. No first email → a new thread.
 */
async function emailThread(
  o: Resolved,
  ctx: SendContext,
  vendorAccount: string,
): Promise<{ replyTo: string | null; subject: string | null }> {
  const cc = ctx.campaignContact;
  if (!cc) return { replyTo: null, subject: null };
  // The claim read it with the rest of the row's context (one statement, issue 19); else read here.
  const first =
    ctx.firstEmail !== undefined
      ? ctx.firstEmail
      : await o.db
          .selectFrom("send_attempts")
          .innerJoin("send_queue", "send_queue.id", "send_attempts.send_queue_id")
          .select(["send_attempts.id", "send_attempts.started_at", "send_attempts.provider_ids", "send_queue.subject"])
          .where("send_queue.campaign_contact_id", "=", cc.id)
          .where("send_queue.channel", "=", "email")
          .where("send_attempts.status", "=", "sent")
          .orderBy("send_attempts.started_at")
          .limit(1)
          .executeTakeFirst();
  if (!first) return { replyTo: null, subject: null };
  const known = cc.email_thread_ref ?? (first.provider_ids as Record<string, string | null>).email_id ?? null;
  if (known) return { replyTo: known, subject: first.subject };
  // Unipile answers a send with a tracking id only; the email id arrives with the mail_sent
  // webhook. When that was missed, look the first email up by our send id (a safe read).
  const reconciler = o.senders.reconciler;
  if (reconciler) {
    const found = await reconciler.reconcile({ kind: "email", accountId: vendorAccount, sendId: first.id, attemptedAt: first.started_at });
    const emailId = found.outcome === "sent" ? (found.providerIds?.emailId ?? null) : null;
    if (emailId) {
      await campaignContacts.noteEmailThread(o.db, cc.id, emailId);
      return { replyTo: emailId, subject: first.subject };
    }
  }
  // The first email cannot be found: continue with its subject in a new thread rather than not at all.
  return { replyTo: null, subject: first.subject };
}

/**
 * Writes on the attempt, just before the call, what the call addresses (the recipient's LinkedIn
 * member id, the chat): when the outcome is then lost (the vendor acted and answered 5xx, the
 * connection dropped, the runner died), the reconciler needs them to look the send up, and the
 * member id was resolved for this call only. Fenced on `sending`: false when the reaper has taken
 * the attempt meanwhile (this runner stalled past its lease), and then the call must not start.
 */
function noteCallTarget(o: Resolved, attemptId: string, ids: Record<string, string | null>): Promise<boolean> {
  return noteAttemptIds(o.db, attemptId, ids, "sending");
}

/** The answer when the attempt was taken from this runner before its call started: nothing was sent. */
const takenBeforeCall: ProviderResult = {
  kind: "unknown",
  reason: "the attempt's lease lapsed before the call; nothing was sent (the reconciler settles it)",
};

type CallInfo = { queueId: string; attemptId: string };
type CallOptions = { signal: AbortSignal; usageContext: { offerId: string; campaignId: string; contactId: string } };

export async function callProvider(o: Resolved, ctx: SendContext, attemptId: string, info: CallInfo): Promise<ProviderResult> {
  const { row, account, contact } = ctx;
  const vendorAccount = account?.unipile_account_id;
  if (!vendorAccount) throw missing(`account ${account?.name ?? row.account_id} has no unipile_account_id (run accounts sync)`);
  const signal = AbortSignal.timeout(o.providerTimeoutMs);
  const call: CallOptions = {
    signal,
    usageContext: { offerId: ctx.campaign.offer_id, campaignId: ctx.campaign.id, contactId: contact.id },
  };
  const channel: MessageChannel = row.channel;
  switch (channel) {
    case "email":
      return sendEmail(o, ctx, vendorAccount, attemptId, info, call);
    case "linkedin_connect":
    case "linkedin_dm":
    case "linkedin_inmail":
      return sendLinkedIn(o, ctx, channel, vendorAccount, attemptId, info, call);
    default:
      return assertNever(channel, "message channel");
  }
}

async function sendEmail(
  o: Resolved,
  ctx: SendContext,
  vendorAccount: string,
  attemptId: string,
  info: CallInfo,
  call: CallOptions,
): Promise<ProviderResult> {
  const { row, contact } = ctx;
  const sender = o.senders.email;
  if (!sender) throw missing("no email sender configured");
  if (!contact.email) throw missing("the contact has no email address");
  const thread = await emailThread(o, ctx, vendorAccount);
  const subject = row.subject?.trim() ? row.subject : thread.subject ? `Re: ${thread.subject.replace(/^re:\s*/i, "")}` : "";
  if (!subject && !thread.replyTo) throw missing("an email without a subject that cannot reply in a thread");
  await o.crashAt?.("during_call", info);
  const sent = await sender.sendEmail(
    {
      accountId: vendorAccount,
      to: [{ email: contact.email, ...(contact.full_name ? { name: contact.full_name } : {}) }],
      subject,
      text: row.body,
      ...(thread.replyTo ? { replyToEmailId: thread.replyTo } : {}),
      sendId: attemptId,
      tracking: { opens: true, links: true, label: row.campaign_id },
    },
    call,
  );
  return { kind: "sent", providerIds: { tracking_id: sent.trackingId, email_id: sent.emailId ?? null } };
}

async function sendLinkedIn(
  o: Resolved,
  ctx: SendContext,
  channel: Exclude<MessageChannel, "email">,
  vendorAccount: string,
  attemptId: string,
  info: CallInfo,
  call: CallOptions,
): Promise<ProviderResult> {
  const { row, contact, campaignContact: cc } = ctx;
  const sender: LinkedInSender | undefined = o.senders.linkedin;
  if (!sender) throw missing("no LinkedIn sender configured");
  let providerId = cc?.linkedin_provider_id ?? null;
  if (!providerId || channel === "linkedin_connect") {
    if (!contact.linkedin_url && !providerId) throw missing("the contact has no LinkedIn URL");
    // A safe read, resolved with the account that will act (LinkedIn ids are viewer-scoped).
    const profile = await sender.resolveProfile(vendorAccount, providerId ?? contact.linkedin_url!, call);
    providerId = profile.providerId;
    if (channel === "linkedin_connect") {
      if (profile.isConnection || profile.connectionDegree === 1) return { kind: "skipped", reason: "already_connected" };
      if (profile.pendingInvitation === "sent") {
        // Our invitation is already there (an earlier attempt, or sent by hand): the world is as
        // this step wants it, and sending again is what must never happen.
        return { kind: "sent", providerIds: { provider_id: providerId, invitation_id: null, note: "already pending" } };
      }
    }
  }

  // Email needs nothing of the kind: the reconciler finds it by our send id header (the attempt id).
  const chatId = channel === "linkedin_dm" ? (cc?.linkedin_chat_id ?? null) : null;
  if (!(await noteCallTarget(o, attemptId, { provider_id: providerId, ...(chatId ? { chat_id: chatId } : {}) }))) {
    return takenBeforeCall;
  }
  await o.crashAt?.("during_call", info);
  switch (channel) {
    case "linkedin_connect": {
      const res = await sender.sendInvitation({ accountId: vendorAccount, providerId, ...(row.body ? { note: row.body } : {}) }, call);
      return { kind: "sent", providerIds: { provider_id: providerId, invitation_id: res.invitationId } };
    }
    case "linkedin_dm": {
      if (chatId) {
        const res = await sender.sendChatMessage({ accountId: vendorAccount, chatId, text: row.body }, call);
        return { kind: "sent", providerIds: { provider_id: providerId, chat_id: res.chatId ?? chatId, message_id: res.messageId } };
      }
      // No chat with this person yet: the DM opens one.
      const res = await sender.startChat({ accountId: vendorAccount, recipientProviderIds: [providerId], text: row.body }, call);
      return { kind: "sent", providerIds: { provider_id: providerId, chat_id: res.chatId, message_id: res.messageId } };
    }
    case "linkedin_inmail": {
      const res = await sender.startChat(
        {
          accountId: vendorAccount,
          recipientProviderIds: [providerId],
          text: row.body,
          inmail: true,
          ...(row.subject ? { subject: row.subject } : {}),
        },
        call,
      );
      return { kind: "sent", providerIds: { provider_id: providerId, chat_id: res.chatId, message_id: res.messageId } };
    }
    default:
      return assertNever(channel, "LinkedIn channel");
  }
}

/** Maps a provider failure onto the state machine of SEND-PATH.md 2.2. Fails closed: anything
 * that is not a definite refusal is an unknown outcome. */
export function classifyError(error: unknown, o: Pick<Resolved, "defaultCooldownMs">): ProviderResult {
  if (!ProviderError.isInstance(error)) {
    return { kind: "unknown", reason: error instanceof Error ? error.message : String(error) };
  }
  const reason = error.reason ?? error.vendorCode ?? error.kind;
  switch (error.kind) {
    case "rate_limited":
      return {
        kind: "refused",
        reason,
        errorKind: error.kind,
        message: error.message,
        cooldownMs: error.retryAfterMs ?? o.defaultCooldownMs,
      };
    case "auth":
      return { kind: "refused", reason, errorKind: error.kind, message: error.message, accountProblem: true };
    case "invalid":
    case "not_found":
    case "credits":
      return { kind: "refused", reason, errorKind: error.kind, message: error.message, permanent: true };
    case "transient":
      // The kit reports transient only when the request did not leave (never for a send that
      // may have reached the vendor), so nothing happened: retry later.
      return { kind: "refused", reason, errorKind: error.kind, message: error.message };
    default:
      return { kind: "unknown", reason: `${reason}: ${error.message}` };
  }
}
