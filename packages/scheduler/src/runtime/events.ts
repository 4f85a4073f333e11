/**
 * Provider events (webhooks, and the inbox sync's copies of the same messages): stored raw in
 * `webhook_inbox` under a unique key from the provider's ids, then applied by any number of
 * workers. Every handler is keyed by provider ids and guarded by the state it changes, so applying
 * an event twice has one effect; an event that refers to something we have not recorded yet (a
 * reply that arrives before our own `sent`) goes back to the inbox with a delay and is retried.
 */
import { classifyReply, type ReplyClassification } from "@offerlab/copy";
import { normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import {
  accounts,
  campaignContacts,
  campaignMetrics,
  campaigns,
  contacts,
  outreachHistory,
  sendQueue,
  webhookInbox,
  type Database,
} from "@offerlab/db";
import type { InboxMessage, ProviderEvent } from "@offerlab/provider-kit";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import { HEALTH_DEFAULTS } from "./books.js";
import { loadPerson, lockPersonRows } from "./context.js";
import { noteAttemptIds } from "./attempts.js";
import { holdRowsOfCampaignContact, markBounced } from "./queue.js";
import { cancelUnsentSends, lockStopScope, recordReplyIn } from "./stop-on-reply.js";
import type { Db } from "./types.js";

type Q = Kysely<Database> | Transaction<Database>;
type Cc = Selectable<Database["campaign_contacts"]>;
type Message = Selectable<Database["messages"]>;
type Account = Selectable<Database["accounts"]>;

// ---------------------------------------------------------------------------------------------
// Storing

export interface StoreWebhookEventInput {
  /** `unipile`, … (one decoder per provider in `processWebhookInbox`). */
  provider: string;
  /** Unique per provider: built from the provider's ids (see the receiver's route module). */
  dedupeKey: string;
  eventType: string;
  /** The body as received (already parsed JSON). */
  payload: unknown;
  receivedAt?: Date;
}

/**
 * The inbox key of a normalised event: the provider's event id, which for messages and emails is
 * the message's own id, so a webhook and the inbox sync's copy of the same message share it. An
 * account status change carries no id or time: a minute bucket of its arrival keeps a later
 * change back to the same status from being dropped as a duplicate.
 */
export function providerEventKey(event: ProviderEvent, receivedAt: Date = new Date()): string {
  if (event.type === "account_status") return `${event.eventId}:${receivedAt.toISOString().slice(0, 16)}`;
  return event.eventId;
}

/** The stored form of an already normalised event (the inbox sync's), which needs no decoder. */
export interface NormalizedPayload {
  offerlab_event: ProviderEvent;
}

function isNormalized(payload: unknown): payload is NormalizedPayload {
  return typeof payload === "object" && payload !== null && "offerlab_event" in payload;
}

/**
 * Stores one event (`INSERT … ON CONFLICT DO NOTHING`). Returns `stored: false` when the same
 * key was already there: a redelivery, nothing to do. With `supersedeUndecided`, a row that was
 * closed as `ignored` because its direction could not be told (a webhook without the sender's
 * id) is replaced by this copy and processed again: the inbox sync knows the direction.
 */
export async function storeWebhookEvent(
  db: Db,
  input: StoreWebhookEventInput & { supersedeUndecided?: boolean },
): Promise<{ stored: boolean; id: string | null }> {
  return webhookInbox.store(db, input);
}

// ---------------------------------------------------------------------------------------------
// Applying

/** What applying one event did. `retry` asks the inbox to try again later (order tolerance). */
export type ApplyResult =
  | { status: "processed"; outcome: string }
  | { status: "ignored"; outcome: string }
  | { status: "unmatched"; outcome: string }
  | { status: "retry"; outcome: string };

export type ReplyClassifier = (
  text: string,
  context: { subject: string | null; receivedAt: Date },
) => Promise<ReplyClassification> | ReplyClassification;

export interface ApplyOptions {
  /** The clock. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Classifies reply text. Default: `@offerlab/copy`'s `classifyReply` (rules first; the LLM only
   * when `OFFERLAB_LLM` is configured).
   */
  classify?: ReplyClassifier;
  /**
   * Apply a reply even when the campaign contact's send is still in flight and nothing has been
   * recorded as sent (the inbox sets this on the last attempt). Default false: such a reply asks
   * for a retry, so it is recorded against the message it answers.
   */
  force?: boolean;
  /** How long an out-of-office pauses the contact when it names no return date. Default 7 days. */
  oooDefaultPauseMs?: number;
  /**
   * Auto-pause of an email account on bounces: paused when, over the last `windowDays`, it sent at
   * least `minSample` emails and more than `bounceRate` percent bounced. Defaults: the account
   * health defaults of the books (30 days, 20 sends, 5 %).
   */
  autoPause?: { windowDays?: number; minSample?: number; bounceRate?: number };
}

const DAY = 86_400_000;

function when(iso: string | null | undefined, fallback: Date): Date {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d : fallback;
}

const defaultClassify: ReplyClassifier = (text, context) =>
  classifyReply(text, { receivedAt: context.receivedAt, subject: context.subject });

async function accountOf(db: Q, vendorAccountId: string): Promise<Account | undefined> {
  return db.selectFrom("accounts").selectAll().where("unipile_account_id", "=", vendorAccountId).executeTakeFirst();
}

/** The campaign contact an inbound message answers, found by the ids we recorded. */
interface ReplyTarget {
  cc: Cc;
  /** The message it answers (our last sent one on that channel), null when none was recorded yet. */
  message: Message | null;
  how: string;
}

/**
 * Orders candidate campaign contacts: the receiving account's first, then the latest touched, then
 * by campaign (natural key: its slug), never by row id.
 */
async function pickCc(db: Q, ids: string[], account: Account | undefined, channel: "email" | "linkedin"): Promise<Cc | undefined> {
  if (ids.length === 0) return undefined;
  const rows = await db
    .selectFrom("campaign_contacts as cc")
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .selectAll("cc")
    .select(["c.campaign_slug", "c.name as campaign_name"])
    .where("cc.id", "in", ids)
    .execute();
  const mine = (c: Cc) => (account ? (channel === "email" ? c.email_account_id : c.linkedin_account_id) === account.id : false);
  const key = (c: (typeof rows)[number]) => `${c.campaign_slug ?? ""}|${c.campaign_name}|${c.id}`;
  rows.sort(
    (a, b) =>
      Number(mine(b)) - Number(mine(a)) ||
      (b.last_step_at?.getTime() ?? 0) - (a.last_step_at?.getTime() ?? 0) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
  const best = rows[0];
  if (!best) return undefined;
  const { campaign_slug: _slug, campaign_name: _name, ...cc } = best;
  return cc;
}

async function lastSentMessage(db: Q, ccId: string, channel: "email" | "linkedin"): Promise<Message | null> {
  const channels = channel === "email" ? (["email"] as const) : (["linkedin_connect", "linkedin_dm", "linkedin_inmail"] as const);
  return (
    (await db
      .selectFrom("messages")
      .selectAll()
      .where("campaign_contact_id", "=", ccId)
      .where("channel", "in", [...channels])
      .where("sent_at", "is not", null)
      .orderBy("sent_at", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

/** Messages whose recorded provider ids (attempt ids, external id, thread) include `id`. */
async function messagesByProviderId(db: Q, id: string): Promise<Message[]> {
  return db
    .selectFrom("messages")
    .selectAll("messages")
    .where((eb) =>
      eb.or([
        eb("messages.external_id", "=", id),
        eb("messages.thread_id", "=", id),
        eb.exists(
          eb
            .selectFrom("send_attempts")
            .select("send_attempts.id")
            .whereRef("send_attempts.send_queue_id", "=", "messages.send_queue_id")
            .where("send_attempts.status", "=", "sent")
            .where(
              sql<boolean>`(send_attempts.provider_ids->>'tracking_id' = ${id} OR send_attempts.provider_ids->>'email_id' = ${id} OR send_attempts.provider_ids->>'thread_id' = ${id} OR send_attempts.provider_ids->>'message_id' = ${id})`,
            ),
        ),
      ]),
    )
    .orderBy("messages.sent_at", (ob) => ob.desc().nullsLast())
    .execute();
}

async function findReplyTarget(db: Q, m: InboxMessage, account: Account | undefined): Promise<ReplyTarget | null> {
  const channel = m.channel;
  const found = async (ids: string[], how: string, message: Message | null = null): Promise<ReplyTarget | null> => {
    const cc = await pickCc(db, ids, account, channel);
    if (!cc) return null;
    return { cc, message: message && message.campaign_contact_id === cc.id ? message : await lastSentMessage(db, cc.id, channel), how };
  };
  if (channel === "email") {
    for (const [id, how] of [
      [m.inReplyTo?.id, "in_reply_to"],
      [m.threadId, "thread"],
      [m.trackingId, "tracking_id"],
    ] as const) {
      if (!id) continue;
      const hits = await messagesByProviderId(db, id);
      if (hits[0]) return found([hits[0].campaign_contact_id], how, hits[0]);
      const byRef = await db.selectFrom("campaign_contacts").select("id").where("email_thread_ref", "=", id).execute();
      if (byRef.length)
        return found(
          byRef.map((r) => r.id),
          `${how}_thread_ref`,
        );
    }
    const from = normalizeEmail(m.from);
    if (from) {
      const ccs = await db
        .selectFrom("campaign_contacts as cc")
        .innerJoin("contacts as c", "c.id", "cc.contact_id")
        .select("cc.id")
        .where("c.email", "=", from)
        .execute();
      if (ccs.length)
        return found(
          ccs.map((r) => r.id),
          "from_address",
        );
    }
    return null;
  }
  if (m.threadId) {
    const byChat = await db.selectFrom("campaign_contacts").select("id").where("linkedin_chat_id", "=", m.threadId).execute();
    if (byChat.length)
      return found(
        byChat.map((r) => r.id),
        "chat_id",
      );
    const hits = await messagesByProviderId(db, m.threadId);
    if (hits[0]) return found([hits[0].campaign_contact_id], "chat_id", hits[0]);
  }
  if (m.from) {
    const ccs = await db
      .selectFrom("campaign_contacts as cc")
      .innerJoin("contacts as c", "c.id", "cc.contact_id")
      .select("cc.id")
      .where((eb) => eb.or([eb("cc.linkedin_provider_id", "=", m.from), eb("c.linkedin_id", "=", m.from)]))
      .execute();
    if (ccs.length)
      return found(
        ccs.map((r) => r.id),
        "provider_id",
      );
  }
  return null;
}

/**
 * True while a send of this campaign contact may have reached the provider without being recorded
 * (`sending`, or `unknown` until the reconciler decides). A merely `claimed` send has not started
 * its call: the reply cancels it (its fence stops the runner) instead of waiting for it.
 */
async function hasSendInFlight(db: Q, ccId: string): Promise<boolean> {
  const row = await db
    .selectFrom("send_attempts")
    .innerJoin("send_queue", "send_queue.id", "send_attempts.send_queue_id")
    .select("send_attempts.id")
    .where("send_queue.campaign_contact_id", "=", ccId)
    .where("send_attempts.status", "in", ["sending", "unknown"])
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** The queue row message_events hang off for this campaign contact (its message's, else the latest). */
async function eventQueueId(db: Q, cc: Cc, message: Message | null): Promise<string | null> {
  if (message?.send_queue_id) return message.send_queue_id;
  const row = await db
    .selectFrom("send_queue")
    .select("id")
    .where("campaign_contact_id", "=", cc.id)
    .orderBy("sequence_step", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

const BOUNCE_FROM = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?)@/i;
const BOUNCE_SUBJECT =
  /\b(undeliverable|undelivered mail|delivery status notification \(failure\)|delivery (has )?failed|delivery failure|mail delivery (failed|subsystem)|returned mail|failure notice|message not delivered|address not found)\b/i;

/** A delivery failure notice (DSN) rather than a reply: from the mailer daemon, or its subject. */
export function isBounceNotice(m: Pick<InboxMessage, "channel" | "from" | "subject">): boolean {
  if (m.channel !== "email") return false;
  return BOUNCE_FROM.test(m.from ?? "") || BOUNCE_SUBJECT.test(m.subject ?? "");
}

async function applyReply(
  db: Db,
  event: Extract<ProviderEvent, { type: "message_received" | "email_received" }>,
  o: Required<Pick<ApplyOptions, "now" | "classify">> & ApplyOptions,
): Promise<ApplyResult> {
  const m = event.message;
  if (m.direction !== "inbound") return { status: "ignored", outcome: "our own message echoed back" };
  const account = await accountOf(db, m.accountId);
  if (isBounceNotice(m)) return applyBounce(db, m, account, o);
  const target = await findReplyTarget(db, m, account);
  if (!target) return { status: "unmatched", outcome: `no campaign contact for this ${m.channel} message` };
  const { cc } = target;
  if (!target.message && !o.force && (await hasSendInFlight(db, cc.id))) {
    return { status: "retry", outcome: "reply arrived before our send was recorded" };
  }
  const at = when(m.sentAt, o.now());
  const text = m.text ?? "";
  // Classified before the transaction: the model (when configured) is a network call, and no
  // lock may be held across one.
  const verdict = await o.classify(text, { subject: m.subject ?? null, receivedAt: at });
  const ooo = verdict.sentiment === "ooo";
  const message = target.message;
  // An opt-out stops the person in every campaign: its locks cover all of them.
  const optOut = verdict.unsubscribe && !ooo;
  const stopIds = optOut ? await personIds(db, cc.contact_id) : [cc.contact_id];

  // One transaction: the reply, its event, stop-on-reply and an opt-out commit together or not at all.
  const applied = await db.transaction().execute(async (trx): Promise<ApplyResult> => {
    // The send path's lock order: the accounts of open attempts (and of the answered message, whose
    // reply count changes), then the campaign contact(s), then their rows.
    await lockStopScope(trx, {
      contactIds: stopIds,
      campaignId: optOut ? null : cc.campaign_id,
      alsoAccounts: [message?.account_id ?? null],
    });
    // Checked again under the locks: a claim may have started its call since the first look.
    if (!message && !o.force && (await hasSendInFlight(trx, cc.id))) {
      return { status: "retry", outcome: "reply arrived before our send was recorded" };
    }
    if (m.channel === "linkedin" && m.threadId) {
      await campaignContacts.noteLinkedInChat(trx, cc.id, m.threadId);
    }
    const queueId = await eventQueueId(trx, cc, message);
    if (queueId) {
      await sendQueue.recordEventOnce(
        trx,
        {
          queueId,
          contactId: cc.contact_id,
          campaignId: cc.campaign_id,
          accountId: account?.id ?? message?.account_id ?? null,
          type: "replied",
          data: {
            provider_message_id: m.id,
            channel: m.channel,
            thread_id: m.threadId,
            matched_by: target.how,
            auto_reply: ooo,
            classified_by: verdict.source,
            rules: verdict.matched,
          },
          reply: { text, sentiment: verdict.sentiment },
          at,
        },
        { key: "provider_message_id", value: m.id },
      );
    }
    if (ooo) {
      const until = verdict.oooReturnDate
        ? new Date(`${verdict.oooReturnDate}T00:00:00Z`)
        : new Date(at.getTime() + (o.oooDefaultPauseMs ?? 7 * DAY));
      const next = until > at ? until : new Date(at.getTime() + DAY);
      await campaignContacts.pauseForOutOfOffice(trx, cc.id, next);
      // Sends already queued wait too (the window check runs again at the new time).
      await holdRowsOfCampaignContact(trx, cc.id, { until: next, reason: "out_of_office" });
      return { status: "processed", outcome: `out of office: paused${verdict.oooReturnDate ? ` until ${verdict.oooReturnDate}` : ""}` };
    }
    if (message) {
      const first = await sendQueue.messageReplied(trx, message.id, { at, text, sentiment: verdict.sentiment });
      if (first) await accounts.countReply(trx, first.account_id);
    }
    await recordReplyIn(trx, { campaignContactId: cc.id, text, sentiment: verdict.sentiment, at }, { locksHeld: true });
    if (optOut) await applyUnsubscribe(trx, cc, message, m.id, at);
    return {
      status: "processed",
      outcome: `reply (${verdict.sentiment}${verdict.unsubscribe ? ", unsubscribe" : ""}) matched by ${target.how}`,
    };
  });
  return applied;
}

/** Every contact row of the person of `contactId` (any offer), read before a transaction locks them. */
async function personIds(db: Q, contactId: string): Promise<string[]> {
  const contact = await db.selectFrom("contacts").selectAll().where("id", "=", contactId).executeTakeFirstOrThrow();
  return (await loadPerson(db, contact)).map((p) => p.id);
}

/**
 * Opt-out language: do_not_contact on every row of the person, every campaign of theirs stopped,
 * and every send of theirs that has not reached the provider cancelled, a `claimed` one included
 * (invariant 4). A send already `sending` may have left and is recorded as the provider answers.
 * The caller holds `lockStopScope` over the whole person.
 */
async function applyUnsubscribe(
  trx: Transaction<Database>,
  cc: Cc,
  message: Message | null,
  providerMessageId: string,
  at: Date,
): Promise<void> {
  const contact = await trx.selectFrom("contacts").selectAll().where("id", "=", cc.contact_id).executeTakeFirstOrThrow();
  const person = (await loadPerson(trx, contact)).map((p) => p.id);
  await lockPersonRows(trx, person);
  await contacts.markDoNotContact(trx, person, { contactId: contact.id });
  // Their rows in other offers are not ready any more (do_not_contact).
  await contacts.refreshReadiness(trx, person);
  const ended = await campaignContacts.markUnsubscribed(trx, person, at);
  await cancelUnsentSends(trx, {
    contactIds: person,
    campaignId: null,
    reason: "unsubscribed",
    note: "the person opted out before the call",
    at,
  });
  await campaigns.completeIfFinished(trx, ended);
  const queueId = await eventQueueId(trx, cc, message);
  if (queueId) {
    await sendQueue.recordEventOnce(
      trx,
      {
        queueId,
        contactId: cc.contact_id,
        campaignId: cc.campaign_id,
        accountId: message?.account_id ?? null,
        type: "unsubscribed",
        data: { provider_message_id: providerMessageId },
        at,
      },
      { key: "provider_message_id", value: providerMessageId },
    );
  }
}

/** Percent of bounces over the window above which an email account is paused (see ApplyOptions). */
async function applyBounce(
  db: Db,
  m: InboxMessage,
  account: Account | undefined,
  o: ApplyOptions & { now: () => Date },
): Promise<ApplyResult> {
  let message: Message | null = null;
  for (const id of [m.inReplyTo?.id, m.threadId, m.trackingId]) {
    if (!id) continue;
    const hits = await messagesByProviderId(db, id);
    if (hits[0]) {
      message = hits[0];
      break;
    }
  }
  if (!message && account) {
    // A DSN that does not thread: find the address it names among the emails this account sent.
    const addresses = [...new Set((m.text ?? "").match(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi) ?? [])]
      .map((a) => normalizeEmail(a))
      .filter((a): a is string => Boolean(a));
    if (addresses.length) {
      message =
        (await db
          .selectFrom("messages as msg")
          .innerJoin("contacts as c", "c.id", "msg.contact_id")
          .selectAll("msg")
          .where("msg.account_id", "=", account.id)
          .where("msg.channel", "=", "email")
          .where("msg.sent_at", "is not", null)
          .where("c.email", "in", addresses)
          .orderBy("msg.sent_at", "desc")
          .limit(1)
          .executeTakeFirst()) ?? null;
    }
  }
  if (!message) return { status: "unmatched", outcome: "bounce notice for no email we recorded" };
  const at = when(m.sentAt, o.now());
  const windowDays = o.autoPause?.windowDays ?? HEALTH_DEFAULTS.windowDays;
  const minSample = o.autoPause?.minSample ?? HEALTH_DEFAULTS.minSample;
  const threshold = o.autoPause?.bounceRate ?? HEALTH_DEFAULTS.autoPauseBounceRate;
  const found = message;
  // A bounce means "never again" for the person (the claim refuses anyone bounced): every campaign
  // of theirs is in scope.
  const person = await personIds(db, found.contact_id);
  const paused = await db.transaction().execute(async (trx) => {
    // The send path's lock order: the accounts, then the campaign contacts, then their rows.
    await lockStopScope(trx, { contactIds: person, campaignId: null, alsoAccounts: [found.account_id] });
    if (!(await sendQueue.messageBounced(trx, found.id, m.subject ?? ""))) return false;
    // A bounced message was sent but not delivered.
    if (found.sent_at && found.campaign_id) await campaignMetrics.countBounce(trx, found.campaign_id);
    if (found.send_queue_id) {
      await markBounced(trx, found.send_queue_id);
      await outreachHistory.markBounced(trx, found.send_queue_id);
      await sendQueue.recordEvent(trx, {
        queueId: found.send_queue_id,
        contactId: found.contact_id,
        campaignId: found.campaign_id ?? "",
        accountId: found.account_id,
        type: "bounced",
        data: { provider_message_id: m.id, from: m.from, subject: m.subject ?? null },
        at,
      });
    }
    const contact = await trx.selectFrom("contacts").selectAll().where("id", "=", found.contact_id).executeTakeFirstOrThrow();
    await lockPersonRows(trx, person);
    await contacts.markBounced(trx, contact);
    const ended = await campaignContacts.markBounced(trx, found.campaign_contact_id, at);
    // Whatever has not reached the provider, in every campaign of the person, a claimed send
    // included; a send already `sending` may have left and is recorded as the provider answers.
    await cancelUnsentSends(trx, {
      contactIds: person,
      campaignId: null,
      reason: "bounced",
      note: "the address bounced before the call",
      at,
    });
    await campaigns.completeIfFinished(trx, ended);
    const since = new Date(at.getTime() - windowDays * DAY);
    const { sent, rate } = await outreachHistory.bounceStats(trx, found.account_id, since);
    const pause = sent >= minSample && (rate ?? 0) > threshold;
    const status = await accounts.countBounce(trx, found.account_id, { wasSent: Boolean(found.sent_at), bounceRate: rate, pause });
    return pause && status === "paused";
  });
  return { status: "processed", outcome: paused ? "bounce recorded; account auto-paused (bounce rate over threshold)" : "bounce recorded" };
}

async function applyInvitationAccepted(
  db: Db,
  event: Extract<ProviderEvent, { type: "invitation_accepted" }>,
  now: Date,
): Promise<ApplyResult> {
  const account = await accountOf(db, event.accountId);
  const url = event.publicId ? normalizeLinkedInUrl(`https://www.linkedin.com/in/${event.publicId}`) : null;
  const matched = await db
    .selectFrom("contacts")
    .select("id")
    .where((eb) =>
      eb.or([
        eb("linkedin_id", "=", event.providerId),
        ...(url ? [eb("linkedin_url", "=", url)] : []),
        eb("id", "in", eb.selectFrom("campaign_contacts").select("contact_id").where("linkedin_provider_id", "=", event.providerId)),
      ]),
    )
    .execute();
  if (matched.length === 0) return { status: "unmatched", outcome: "no contact with this LinkedIn member" };
  const ids = matched.map((c) => c.id);
  const updated = await db.transaction().execute(async (trx) => {
    // Campaign contacts before contacts, the order a reply takes them in.
    // The DM comes from the account whose invitation was accepted; the `connected` step is due now.
    const moved = await campaignContacts.markConnected(trx, {
      contactIds: ids,
      providerId: event.providerId,
      accountId: account?.id ?? null,
      at: now,
    });
    await contacts.markConnected(trx, ids);
    await contacts.noteLinkedInId(trx, ids, event.providerId);
    return moved;
  });
  return { status: "processed", outcome: `connected: ${ids.length} contact row(s), ${updated} campaign contact(s)` };
}

async function applyEmailSent(db: Db, event: Extract<ProviderEvent, { type: "email_sent" }>): Promise<ApplyResult> {
  const m = event.message;
  const trackingId = m.trackingId ?? null;
  if (!trackingId) return { status: "ignored", outcome: "an email sent without our tracking (not sent by offerlab)" };
  const attempt = await db
    .selectFrom("send_attempts")
    .select(["id", "send_queue_id"])
    .where("status", "=", "sent")
    .where(sql<boolean>`provider_ids->>'tracking_id' = ${trackingId}`)
    .executeTakeFirst();
  if (!attempt) return { status: "unmatched", outcome: "no recorded send with this tracking id (yet)" };
  await db.transaction().execute(async (trx) => {
    // Lock order of every event handler: the campaign contact before its messages.
    await trx
      .selectFrom("campaign_contacts")
      .select("id")
      .where("id", "in", trx.selectFrom("messages").select("campaign_contact_id").where("send_queue_id", "=", attempt.send_queue_id))
      .forUpdate()
      .execute();
    const ids = { email_id: m.id, thread_id: m.threadId, rfc_message_id: m.messageId ?? null };
    await noteAttemptIds(trx, attempt.id, ids);
    const msg = await sendQueue.messageThreaded(trx, attempt.send_queue_id, m.threadId ?? m.id);
    // The thread a follow-up continues is the campaign contact's first email.
    if (msg) await campaignContacts.noteFirstEmailThread(trx, msg.campaign_contact_id, m.id, msg.sent_at);
  });
  return { status: "processed", outcome: "tracking id reconciled with the email and thread ids" };
}

async function applyTracking(
  db: Db,
  event: Extract<ProviderEvent, { type: "email_opened" | "email_clicked" }>,
  now: Date,
): Promise<ApplyResult> {
  const id = event.trackingId ?? event.emailId;
  if (!id) return { status: "ignored", outcome: "tracking event without ids" };
  const hits = [
    ...(event.trackingId ? await messagesByProviderId(db, event.trackingId) : []),
    ...(event.emailId ? await messagesByProviderId(db, event.emailId) : []),
  ];
  const message = hits[0];
  if (!message?.send_queue_id) return { status: "unmatched", outcome: "no recorded email with this tracking id (yet)" };
  const opened = event.type === "email_opened";
  const at = when(event.at, now);
  const queueId = message.send_queue_id;
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom("campaign_contacts").select("id").where("id", "=", message.campaign_contact_id).forUpdate().execute();
    const type = opened ? "opened" : "clicked";
    await sendQueue.recordEventOnce(
      trx,
      {
        queueId,
        contactId: message.contact_id,
        campaignId: message.campaign_id ?? "",
        accountId: message.account_id,
        type,
        data: { provider_event_id: event.eventId, tracking_id: event.trackingId, url: event.url ?? null },
        at,
      },
      { key: "provider_event_id", value: event.eventId },
    );
    // A click implies an open (images may be blocked).
    await sendQueue.messageEngaged(trx, message.id, { at, clicked: !opened });
    // The person's first open / click moves the campaign's counters (once, however many events).
    await campaignMetrics.countEmailEngagement(trx, { campaignContactId: message.campaign_contact_id, clicked: !opened });
  });
  return { status: "processed", outcome: `${opened ? "open" : "click"} recorded` };
}

async function applyAccountStatus(db: Db, event: Extract<ProviderEvent, { type: "account_status" }>): Promise<ApplyResult> {
  // "OK" from the provider ends only a provider-side problem; a pause of ours (bounces, a human)
  // and a rate-limit cooldown stay as they are.
  const rows = await accounts.applyProviderStatus(db, event.accountId, event.status);
  const known = rows.length > 0 || Boolean(await accountOf(db, event.accountId));
  if (!known) return { status: "ignored", outcome: `no account ${event.accountId}` };
  return {
    status: "processed",
    outcome: rows.length ? `account status ${event.status} (${event.vendorStatus})` : `account status unchanged (${event.vendorStatus})`,
  };
}

/**
 * Applies one normalised provider event to the database. Idempotent (keyed by provider ids and
 * guarded by the state it changes) and order-tolerant (`retry` / `unmatched` when the event refers
 * to something not recorded yet; the inbox tries again later).
 */
export async function applyProviderEvent(db: Db, event: ProviderEvent, options: ApplyOptions = {}): Promise<ApplyResult> {
  const o = { ...options, now: options.now ?? (() => new Date()), classify: options.classify ?? defaultClassify };
  switch (event.type) {
    case "message_received":
    case "email_received":
      return applyReply(db, event, o);
    case "invitation_accepted":
      return applyInvitationAccepted(db, event, o.now());
    case "email_sent":
      return applyEmailSent(db, event);
    case "email_opened":
    case "email_clicked":
      return applyTracking(db, event, o.now());
    case "account_status":
      return applyAccountStatus(db, event);
    case "ignored":
      return { status: "ignored", outcome: event.reason };
  }
}

// ---------------------------------------------------------------------------------------------
// Draining the inbox

/** What a decoder may ask about our own accounts to tell our messages from theirs. */
export interface DecodeContext {
  /** LinkedIn member id of a connected account (by the provider's account id), when known. */
  selfProviderId(accountId: string): string | null;
  /** Mailbox address of a connected account, when known. */
  selfEmail(accountId: string): string | null;
}

/** Turns a stored payload into a ProviderEvent (the vendor package's parser, wired by the app). */
export type ProviderEventDecoder = (payload: unknown, context: DecodeContext) => ProviderEvent;

export interface ProcessInboxOptions extends ApplyOptions {
  db: Db;
  /** One decoder per provider name of the stored raw rows, e.g. `{ unipile: (p, c) => toProviderEvent(parseUnipileWebhook(p), c) }`. */
  decoders?: Record<string, ProviderEventDecoder>;
  /** Rows to handle in this call at most. Default 500. */
  limit?: number;
  /** Rows claimed per statement. Default 20. */
  batchSize?: number;
  /** How long a claimed row is owned before another worker may take it. Default 120 000 ms. */
  leaseMs?: number;
  /** Attempts before an unmatched row is closed as `unmatched` and an erroring one as `failed`. Default 8. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt up to 1 h. Default 30 000 ms. */
  retryBaseMs?: number;
  /** Stop claiming when aborted (the row in hand is finished). */
  signal?: AbortSignal;
  /** Called with each row's result, for logs. */
  onEvent?: (info: { id: string; provider: string; eventType: string; status: string; outcome: string; attempts: number }) => void;
}

export interface InboxSummary {
  claimed: number;
  processed: number;
  ignored: number;
  unmatched: number;
  retried: number;
  failed: number;
}

async function decodeContext(db: Db): Promise<DecodeContext> {
  const rows = await db
    .selectFrom("accounts")
    .select(["unipile_account_id", "email_address", "type"])
    .where("unipile_account_id", "is not", null)
    .execute();
  const emails = new Map(rows.filter((r) => r.type === "email").map((r) => [r.unipile_account_id!, r.email_address]));
  return { selfProviderId: () => null, selfEmail: (id) => emails.get(id) ?? null };
}

/**
 * Drains `webhook_inbox`: claims due rows (`FOR UPDATE SKIP LOCKED`, then a lease, so any number
 * of workers can run), decodes and applies each, and closes it — or puts it back with a growing
 * delay when it refers to something not recorded yet or failed. Safe to run anywhere, any time.
 */
export async function processWebhookInbox(options: ProcessInboxOptions): Promise<InboxSummary> {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.limit ?? 500;
  const batchSize = options.batchSize ?? 20;
  const leaseMs = options.leaseMs ?? 120_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.retryBaseMs ?? 30_000;
  const summary: InboxSummary = { claimed: 0, processed: 0, ignored: 0, unmatched: 0, retried: 0, failed: 0 };
  const context = await decodeContext(db);
  while (summary.claimed < limit && !options.signal?.aborted) {
    // Events that arrived at the same instant (the inbox sync stores a batch at its tick's time)
    // go by their key, made of the provider's ids: an order that does not depend on our row ids.
    const rows = await webhookInbox.claimDue(db, { now: now(), leaseMs, limit: Math.min(batchSize, limit - summary.claimed) });
    if (rows.length === 0) break;
    for (const row of rows) {
      summary.claimed++;
      const last = row.attempts >= maxAttempts;
      let result: ApplyResult | { status: "failed"; outcome: string };
      let error: string | null = null;
      try {
        let event: ProviderEvent;
        if (isNormalized(row.payload)) event = row.payload.offerlab_event;
        else {
          const decode = options.decoders?.[row.provider];
          if (!decode) throw new Error(`no decoder for provider "${row.provider}"`);
          event = decode(row.payload, context);
        }
        result = await applyProviderEvent(db, event, { ...options, now, force: options.force ?? last });
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        result = { status: "failed", outcome: "error while applying" };
      }
      const retryAt = new Date(now().getTime() + Math.min(base * 2 ** Math.max(0, row.attempts - 1), 3_600_000));
      let status: "pending" | "processed" | "ignored" | "unmatched" | "failed";
      if (result.status === "processed" || result.status === "ignored") status = result.status;
      else if (last) status = result.status === "retry" ? "unmatched" : result.status;
      else status = "pending";
      await webhookInbox.close(db, row.id, status === "pending" ? { status, retryAt } : { status, at: now() }, {
        outcome: result.outcome,
        error,
      });
      if (status === "processed") summary.processed++;
      else if (status === "ignored") summary.ignored++;
      else if (status === "unmatched") summary.unmatched++;
      else if (status === "failed") summary.failed++;
      else summary.retried++;
      options.onEvent?.({
        id: row.id,
        provider: row.provider,
        eventType: row.event_type,
        status,
        outcome: error ? `${result.outcome}: ${error}` : result.outcome,
        attempts: row.attempts,
      });
    }
  }
  return summary;
}
