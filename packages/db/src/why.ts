/**
 * Everything offerlab did, and did not do, for one person: the facts behind `offerlab why`. A
 * person is every contact row matched by normalised email or LinkedIn URL, across every offer
 * (the rows the 60-day rule and do-not-contact read); history rows that outlived a deleted contact
 * are found by the email and LinkedIn URL they copied.
 */
import { normalizeEmail, normalizeLinkedInUrl, type GlobalContactStatus } from "@offerlab/core";
import { settings } from "./aggregates/settings.js";
import type { DbOrTrx } from "./transaction.js";

/** One thing that happened to the person, for the time-ordered story. */
export interface PersonEvent {
  at: Date;
  kind:
    | "contact_added"
    | "enrolled"
    | "sequence_ended"
    | "queued"
    | "waiting"
    | "attempt"
    | "sent"
    | "not_sent"
    | "event"
    | "outreach"
    | "replied";
  campaign: string | null;
  step: number | null;
  channel: string | null;
  /** A status word: the queue row's, the attempt's, the event's type … */
  status: string | null;
  /** A reason code (`daily_cap`, `cooling_off` …) when there is one; describe it with the scheduler's `describeReason`. */
  reason: string | null;
  /** Anything else worth a line (an error, a reply's first words, an account). */
  detail: string | null;
}

export interface PersonHistory {
  /** The keys searched for. */
  email: string | null;
  linkedinUrl: string | null;
  contacts: {
    id: string;
    offer: string;
    offer_slug: string | null;
    full_name: string | null;
    company: string | null;
    email: string | null;
    linkedin_url: string | null;
    status: string;
    global_status: GlobalContactStatus;
    eligible_for_outreach: boolean;
    skip_reason: string | null;
    created_at: Date;
  }[];
  campaigns: {
    campaign_contact_id: string;
    campaign_id: string;
    campaign: string;
    campaign_slug: string | null;
    campaign_status: string;
    contact_id: string;
    status: string;
    current_step: number;
    max_step: number | null;
    touches: number;
    replied: boolean;
    reply_sentiment: string | null;
    added_at: Date;
    started_at: Date | null;
    next_step_at: Date | null;
    completed_at: Date | null;
    paused_until: Date | null;
    stop_reason: string | null;
  }[];
  sends: {
    id: string;
    campaign: string;
    step: number | null;
    channel: string;
    action_type: string | null;
    status: string;
    scheduled_for: Date;
    sent_at: Date | null;
    defer_reason: string | null;
    last_error: string | null;
    attempts: number;
    account: string | null;
    created_at: Date;
    updated_at: Date;
  }[];
  attempts: {
    id: string;
    send_queue_id: string;
    campaign: string;
    step: number | null;
    account: string | null;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    error_kind: string | null;
    error_message: string | null;
    reconcile_note: string | null;
    /** How often the reconciler asked the provider about this attempt. */
    reconcile_checks: number;
    /** While the outcome is `unknown`: when the reconciler asks again (null: at its next pass). */
    next_check_at: Date | null;
  }[];
  messages: {
    id: string;
    campaign: string | null;
    step: number;
    channel: string;
    status: string;
    subject: string | null;
    account: string | null;
    scheduled_at: Date | null;
    sent_at: Date | null;
    replied_at: Date | null;
    reply_text: string | null;
    reply_sentiment: string | null;
    error_message: string | null;
    created_at: Date;
  }[];
  events: {
    id: string;
    send_queue_id: string;
    campaign: string | null;
    event_type: string;
    reason: string | null;
    event_data: unknown;
    reply_text: string | null;
    reply_sentiment: string | null;
    created_at: Date;
  }[];
  outreach: {
    id: string;
    campaign: string | null;
    offer: string | null;
    channel: string;
    status: string;
    subject: string | null;
    account: string | null;
    sent_at: Date;
    replied_at: Date | null;
    reply_sentiment: string | null;
  }[];
  replies: { at: Date; campaign: string | null; channel: string | null; sentiment: string | null; text: string | null }[];
  /** Our last touch of the person across every offer (what the 60-day rule reads), or null. */
  lastTouchAt: Date | null;
  /** The cooling-off window in days the 60-day rule uses (`offerlab_settings`, default 60). */
  coolingOffDays: number;
  /** Everything above as one story, oldest first. */
  timeline: PersonEvent[];
}

function firstWords(text: string | null, max = 80): string | null {
  if (!text) return null;
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * The person's history (see {@link PersonHistory}), or null when no contact row and no history
 * row matches. `email` and `linkedinUrl` are normalised here; pass either or both.
 */
export async function personHistory(
  db: DbOrTrx,
  person: { email?: string | null; linkedinUrl?: string | null },
): Promise<PersonHistory | null> {
  const email = person.email ? normalizeEmail(person.email) : null;
  const linkedinUrl = person.linkedinUrl ? normalizeLinkedInUrl(person.linkedinUrl) : null;
  if (!email && !linkedinUrl) return null;

  const contacts = await db
    .selectFrom("contacts as ct")
    .innerJoin("offers as o", "o.id", "ct.offer_id")
    .leftJoin("companies as co", "co.id", "ct.company_id")
    .select([
      "ct.id",
      "o.name as offer",
      "o.slug as offer_slug",
      "ct.full_name",
      "co.name as company",
      "ct.email",
      "ct.linkedin_url",
      "ct.status",
      "ct.global_status",
      "ct.eligible_for_outreach",
      "ct.skip_reason",
      "ct.created_at",
    ])
    .where((eb) =>
      eb.or([...(email ? [eb("ct.email", "=", email)] : []), ...(linkedinUrl ? [eb("ct.linkedin_url", "=", linkedinUrl)] : [])]),
    )
    .orderBy("ct.created_at")
    .execute();
  const ids = contacts.map((c) => c.id);
  const none = ["00000000-0000-0000-0000-000000000000"];
  const contactIds = ids.length ? ids : none;

  const outreach = await db
    .selectFrom("outreach_history as h")
    .leftJoin("campaigns as c", "c.id", "h.campaign_id")
    .leftJoin("offers as o", "o.id", "h.offer_id")
    .leftJoin("accounts as a", "a.id", "h.account_id")
    .select([
      "h.id",
      "c.name as campaign",
      "o.name as offer",
      "h.channel",
      "h.status",
      "h.message_subject as subject",
      "a.name as account",
      "h.sent_at",
      "h.replied_at",
      "h.reply_sentiment",
    ])
    .where((eb) =>
      eb.or([
        eb("h.contact_id", "in", contactIds),
        ...(email ? [eb("h.contact_email", "=", email)] : []),
        ...(linkedinUrl ? [eb("h.contact_linkedin_url", "=", linkedinUrl)] : []),
      ]),
    )
    .orderBy("h.sent_at")
    .execute();
  if (contacts.length === 0 && outreach.length === 0) return null;

  const campaigns = await db
    .selectFrom("campaign_contacts as cc")
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .select([
      "cc.id as campaign_contact_id",
      "c.id as campaign_id",
      "c.name as campaign",
      "c.campaign_slug",
      "c.status as campaign_status",
      "cc.contact_id",
      "cc.status",
      "cc.current_step",
      "cc.max_step",
      "cc.touches",
      "cc.replied",
      "cc.reply_sentiment",
      "cc.added_at",
      "cc.started_at",
      "cc.next_step_at",
      "cc.completed_at",
      "cc.paused_until",
      "cc.stop_reason",
    ])
    .where("cc.contact_id", "in", contactIds)
    .orderBy("cc.added_at")
    .execute();

  const sends = await db
    .selectFrom("send_queue as sq")
    .innerJoin("campaigns as c", "c.id", "sq.campaign_id")
    .leftJoin("accounts as a", "a.id", "sq.account_id")
    .select([
      "sq.id",
      "c.name as campaign",
      "sq.sequence_step as step",
      "sq.channel",
      "sq.action_type",
      "sq.status",
      "sq.scheduled_for",
      "sq.sent_at",
      "sq.defer_reason",
      "sq.last_error",
      "sq.attempts",
      "a.name as account",
      "sq.created_at",
      "sq.updated_at",
    ])
    .where("sq.contact_id", "in", contactIds)
    .orderBy("sq.created_at")
    .execute();
  const queueIds = sends.length ? sends.map((s) => s.id) : none;

  const attempts = await db
    .selectFrom("send_attempts as t")
    .innerJoin("send_queue as sq", "sq.id", "t.send_queue_id")
    .innerJoin("campaigns as c", "c.id", "sq.campaign_id")
    .leftJoin("accounts as a", "a.id", "t.account_id")
    .select([
      "t.id",
      "t.send_queue_id",
      "c.name as campaign",
      "sq.sequence_step as step",
      "a.name as account",
      "t.status",
      "t.started_at",
      "t.finished_at",
      "t.error_kind",
      "t.error_message",
      "t.reconcile_note",
      "t.reconcile_checks",
      "t.next_check_at",
    ])
    .where("t.send_queue_id", "in", queueIds)
    .orderBy("t.started_at")
    .execute();

  const messages = await db
    .selectFrom("messages as m")
    .leftJoin("campaigns as c", "c.id", "m.campaign_id")
    .leftJoin("accounts as a", "a.id", "m.account_id")
    .select([
      "m.id",
      "c.name as campaign",
      "m.sequence_step as step",
      "m.channel",
      "m.status",
      "m.subject",
      "a.name as account",
      "m.scheduled_at",
      "m.sent_at",
      "m.replied_at",
      "m.reply_text",
      "m.reply_sentiment",
      "m.error_message",
      "m.created_at",
    ])
    .where("m.contact_id", "in", contactIds)
    .orderBy("m.created_at")
    .execute();

  const eventRows = await db
    .selectFrom("message_events as e")
    .leftJoin("campaigns as c", "c.id", "e.campaign_id")
    .select([
      "e.id",
      "e.send_queue_id",
      "c.name as campaign",
      "e.event_type",
      "e.event_data",
      "e.reply_text",
      "e.reply_sentiment",
      "e.created_at",
    ])
    .where((eb) => eb.or([eb("e.contact_id", "in", contactIds), eb("e.send_queue_id", "in", queueIds)]))
    .orderBy("e.created_at")
    .execute();
  const events = eventRows.map((e) => {
    const data = e.event_data as Record<string, unknown> | null;
    return { ...e, reason: typeof data?.reason === "string" ? data.reason : null };
  });

  const replies: PersonHistory["replies"] = [];
  for (const e of events.filter((x) => x.event_type === "replied")) {
    const send = sends.find((s) => s.id === e.send_queue_id);
    replies.push({
      at: e.created_at,
      campaign: e.campaign,
      channel: send?.channel ?? null,
      sentiment: e.reply_sentiment,
      text: e.reply_text,
    });
  }
  for (const m of messages) {
    if (m.replied_at && !replies.some((r) => r.campaign === m.campaign && Math.abs(r.at.getTime() - m.replied_at!.getTime()) < 60_000)) {
      replies.push({ at: m.replied_at, campaign: m.campaign, channel: m.channel, sentiment: m.reply_sentiment, text: m.reply_text });
    }
  }
  replies.sort((a, b) => a.at.getTime() - b.at.getTime());

  const lastTouchAt = outreach.reduce<Date | null>((last, h) => (last === null || h.sent_at > last ? h.sent_at : last), null);

  const timeline: PersonEvent[] = [];
  const push = (e: Omit<PersonEvent, "campaign" | "step" | "channel" | "status" | "reason" | "detail"> & Partial<PersonEvent>) =>
    timeline.push({ campaign: null, step: null, channel: null, status: null, reason: null, detail: null, ...e });
  for (const c of contacts) {
    push({
      at: c.created_at,
      kind: "contact_added",
      status: c.status,
      detail: `contact in offer ${c.offer}${c.company ? ` (${c.company})` : ""}`,
    });
  }
  for (const cc of campaigns) {
    push({ at: cc.added_at, kind: "enrolled", campaign: cc.campaign, status: cc.status });
    if (cc.completed_at || cc.stop_reason) {
      push({
        at: cc.completed_at ?? cc.added_at,
        kind: "sequence_ended",
        campaign: cc.campaign,
        status: cc.status,
        reason: cc.stop_reason,
        step: cc.current_step,
      });
    }
  }
  for (const s of sends) {
    push({
      at: s.created_at,
      kind: "queued",
      campaign: s.campaign,
      step: s.step,
      channel: s.channel,
      status: "queued",
      detail: `for ${s.scheduled_for.toISOString()}${s.account ? ` from ${s.account}` : ""}`,
    });
    if (s.status === "pending" || s.status === "scheduled" || s.status === "processing") {
      if (s.defer_reason)
        push({
          at: s.updated_at,
          kind: "waiting",
          campaign: s.campaign,
          step: s.step,
          channel: s.channel,
          status: s.status,
          reason: s.defer_reason,
          detail: `next try ${s.scheduled_for.toISOString()}`,
        });
    }
  }
  for (const t of attempts) {
    if (t.status === "sent") continue;
    // An outcome being (or that could not be) settled: how often the provider was asked, and when next.
    const checks = t.reconcile_checks > 0 ? `asked the provider ${t.reconcile_checks} time${t.reconcile_checks === 1 ? "" : "s"}` : null;
    const next = t.status === "unknown" && t.next_check_at ? `next check ${t.next_check_at.toISOString()}` : null;
    const tail = [checks, next].filter(Boolean).join(", ");
    const detail = [t.account ? `from ${t.account}` : null, t.error_kind, t.error_message, t.reconcile_note].filter(Boolean).join(": ");
    push({
      at: t.finished_at ?? t.started_at,
      kind: "attempt",
      campaign: t.campaign,
      step: t.step,
      status: t.status,
      reason: t.status === "undetermined" ? "outcome_unknown" : null,
      detail: [detail, tail].filter(Boolean).join("; ") || null,
    });
  }
  for (const m of messages) {
    if (m.sent_at)
      push({
        at: m.sent_at,
        kind: "sent",
        campaign: m.campaign,
        step: m.step,
        channel: m.channel,
        status: m.status,
        detail: [m.subject, m.account ? `from ${m.account}` : null].filter(Boolean).join(" — ") || null,
      });
  }
  for (const e of events) {
    if (e.event_type === "sent" || e.event_type === "replied" || e.event_type === "queued" || e.event_type === "scheduled") continue;
    const send = sends.find((s) => s.id === e.send_queue_id);
    push({
      at: e.created_at,
      kind: e.event_type === "skipped" || e.event_type === "failed" ? "not_sent" : "event",
      campaign: e.campaign,
      step: send?.step ?? null,
      channel: send?.channel ?? null,
      status: e.event_type,
      reason: e.reason,
      detail:
        typeof (e.event_data as Record<string, unknown> | null)?.message === "string"
          ? ((e.event_data as Record<string, string>).message ?? null)
          : null,
    });
  }
  for (const h of outreach) {
    // Sends recorded in messages are already in the story; history also holds older touches (other offers, deleted rows).
    if (messages.some((m) => m.sent_at && Math.abs(m.sent_at.getTime() - h.sent_at.getTime()) < 1000 && m.channel === h.channel)) continue;
    push({
      at: h.sent_at,
      kind: "outreach",
      campaign: h.campaign,
      channel: h.channel,
      status: h.status,
      detail: [h.offer ? `offer ${h.offer}` : null, h.subject].filter(Boolean).join(" — ") || null,
    });
  }
  for (const r of replies)
    push({ at: r.at, kind: "replied", campaign: r.campaign, channel: r.channel, status: r.sentiment, detail: firstWords(r.text) });
  timeline.sort((a, b) => a.at.getTime() - b.at.getTime());

  const { coolingOffDays } = await settings.get(db);
  return {
    email,
    linkedinUrl,
    contacts,
    campaigns,
    sends,
    attempts,
    messages,
    events,
    outreach,
    replies,
    lastTouchAt,
    coolingOffDays,
    timeline,
  };
}
