/**
 * Record what happened after the outreach: a meeting booked, held or missed, a conversion, a
 * refusal. The outcome is attributed to the last touch of the person (any offer) before it, within
 * a window (30 days by default), unless a campaign is named; a booked meeting counts once for
 * that campaign and its offer, and the person moves to `meeting` / `converted` and their company to
 * `meeting` / `converted` / `rejected` where their lifecycle allows (`companyStatusAdvance`). A redelivery (same source and external id) returns the outcome
 * already recorded and changes nothing.
 */
import {
  assertNever,
  attributeOutcome,
  companyStatusAfterOutcome,
  contactStatusAfterOutcome,
  DEFAULT_ATTRIBUTION_WINDOW_DAYS,
  isUuid,
  normalizeEmail,
  normalizeLinkedInUrl,
  OfferlabError,
  OutcomeKind,
  OutcomeSource,
  ValidationError,
  type FieldIssue,
  type Touch,
} from "@offerlab/core";
import { campaignContacts, companies, outcomes, resolve, type DbOrTrx, type Outcome, type PersonContact } from "@offerlab/db";
import { cancelPersonSends } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

const DAY_MS = 86_400_000;

export interface RecordOutcomeInput {
  /** The person: a contact id, an email, or a LinkedIn URL (matched normalised, across offers). */
  person: string;
  /** One of `OutcomeKind`. */
  kind: string;
  /** When it happened (for `meeting_booked`, when it was booked). Default: now. */
  at?: Date | string;
  /** When the meeting takes place (`meeting_booked` only). */
  meetingAt?: Date | string;
  /** Attribute to this campaign (id, slug or name) instead of the last touch. */
  campaign?: string;
  /** The deal's value (`converted` only), ≥ 0. */
  value?: number | string;
  /** ISO 4217 code of `value`, e.g. EUR. */
  currency?: string;
  note?: string;
  /** The delivering system's id: a second delivery with the same source and id changes nothing. */
  externalId?: string;
  /** Where it came from. Default: `manual`. */
  source?: string;
  /** The attribution window in days. Default: {@link DEFAULT_ATTRIBUTION_WINDOW_DAYS}. */
  windowDays?: number;
}

export interface RecordOutcomeResult {
  outcome: Outcome;
  /** False when the external id had been recorded before (nothing changed). */
  created: boolean;
  /** The attributed campaign's slug (null when unattributed). */
  campaignSlug: string | null;
  /** How the campaign was chosen. */
  attribution: "last_touch" | "explicit" | "unattributed";
  /** Whether the campaign's and offer's meeting counters moved. */
  countedMeeting: boolean;
  /** Sequences of the person this outcome stopped ({@link sequenceStopAfterOutcome}), and their sends cancelled. */
  sequencesStopped: number;
  sendsCancelled: number;
  /** The contact's status change, if any. */
  contactStatus: { from: string; to: string } | null;
  companyStatus: { from: string; to: string } | null;
}

/** The input checked and normalised, before any database read. */
export interface CheckedOutcome {
  person: { contactId?: string; email?: string; linkedinUrl?: string };
  kind: OutcomeKind;
  occurredAt: Date;
  meetingAt: Date | null;
  value: number | null;
  currency: string | null;
  note: string | null;
  externalId: string | null;
  source: OutcomeSource;
  campaign: string | null;
  windowDays: number;
  /** When it is recorded (the operation's clock): the time sequences it stops end at. */
  recordedAt: Date;
}

/**
 * How an outcome ends the person's running sequences (joined at or before it): a meeting or a
 * conversion stops them as `meeting`, a rejection, "not interested" or "wrong person" as
 * `completed`; a no-show or a cancelled meeting stops nothing (a follow-up may still be right).
 */
export function sequenceStopAfterOutcome(
  kind: OutcomeKind,
): { status: "meeting" | "completed"; reason: "meeting" | "outcome_recorded" } | null {
  switch (kind) {
    case "meeting_booked":
    case "meeting_held":
    case "converted":
      return { status: "meeting", reason: "meeting" };
    case "rejected":
    case "not_interested":
    case "wrong_person":
      return { status: "completed", reason: "outcome_recorded" };
    case "no_show":
    case "meeting_cancelled":
      return null;
    default:
      return assertNever(kind);
  }
}

function toDate(v: Date | string | undefined, field: string, issues: FieldIssue[]): Date | null {
  if (v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    issues.push({ field, message: `"${String(v)}" is not a time (use ISO 8601, e.g. 2026-12-03T14:00:00Z)` });
    return null;
  }
  return d;
}

/** Validates the input (a `ValidationError` names each wrong field). Pure. */
export function checkOutcome(input: RecordOutcomeInput, now: Date): CheckedOutcome {
  const issues: FieldIssue[] = [];
  const ref = input.person.trim();
  let person: CheckedOutcome["person"] = {};
  if (isUuid(ref)) person = { contactId: ref.toLowerCase() };
  else if (ref.includes("@")) {
    const email = normalizeEmail(ref);
    if (email) person = { email };
  } else if (/linkedin\.com/i.test(ref)) {
    const url = normalizeLinkedInUrl(ref);
    if (url) person = { linkedinUrl: url };
  }
  if (!person.contactId && !person.email && !person.linkedinUrl) {
    issues.push({ field: "person", message: `"${input.person}" is not a contact id, an email or a LinkedIn URL` });
  }
  const kind = OutcomeKind.safeParse(input.kind);
  if (!kind.success) issues.push({ field: "kind", message: `must be one of ${OutcomeKind.options.join(", ")} (got "${input.kind}")` });
  const source = OutcomeSource.safeParse(input.source ?? "manual");
  if (!source.success) issues.push({ field: "source", message: `must be one of ${OutcomeSource.options.join(", ")}` });
  const occurredAt = toDate(input.at, "at", issues) ?? now;
  const meetingAt = toDate(input.meetingAt, "meeting_at", issues);
  if (meetingAt && kind.success && kind.data !== "meeting_booked") {
    issues.push({ field: "meeting_at", message: "only a meeting_booked outcome has a meeting time" });
  }
  let value: number | null = null;
  if (input.value !== undefined && input.value !== "") {
    value = typeof input.value === "number" ? input.value : Number(input.value);
    if (!Number.isFinite(value) || value < 0) issues.push({ field: "value", message: `must be a number ≥ 0 (got "${input.value}")` });
    else if (kind.success && kind.data !== "converted") issues.push({ field: "value", message: "only a converted outcome has a value" });
  }
  const currency = input.currency ? input.currency.trim().toUpperCase() : null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency))
    issues.push({ field: "currency", message: `must be an ISO 4217 code such as EUR (got "${input.currency}")` });
  if (currency !== null && value === null) issues.push({ field: "currency", message: "a currency needs a value" });
  const windowDays = input.windowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS;
  if (!Number.isFinite(windowDays) || windowDays < 0)
    issues.push({ field: "window_days", message: `must be a number of days ≥ 0 (got ${windowDays})` });
  if (issues.length > 0) throw new ValidationError("outcome", issues);
  return {
    person,
    kind: kind.data!,
    occurredAt,
    meetingAt,
    value,
    currency,
    note: input.note?.trim() || null,
    externalId: input.externalId?.trim() || null,
    source: source.data!,
    campaign: input.campaign?.trim() || null,
    windowDays,
    recordedAt: now,
  };
}

export async function recordOutcome(ctx: OperationContext, input: RecordOutcomeInput): Promise<RecordOutcomeResult> {
  const checked = checkOutcome(input, nowOf(ctx));
  return inTransaction(ctx.db, (trx) => recordChecked(trx, checked, input.person));
}

/** Records a checked outcome inside the caller's transaction (the import reuses it). */
export async function recordChecked(trx: DbOrTrx, c: CheckedOutcome, personRef: string): Promise<RecordOutcomeResult> {
  const people = await outcomes.findPerson(trx, c.person);
  if (people.length === 0) {
    throw new OfferlabError(
      "not_found",
      `person "${personRef}" not found: no contact has that id, email or LinkedIn URL (see offerlab why)`,
    );
  }

  let touch: Touch | null = null;
  let attribution: RecordOutcomeResult["attribution"];
  let contact: PersonContact;
  if (c.campaign) {
    const campaign = await resolve.campaign(trx, c.campaign);
    touch = { sentAt: c.occurredAt, campaignId: campaign.id, offerId: campaign.offer_id, accountId: null, sequenceStep: null };
    attribution = "explicit";
    contact = people.find((p) => p.offer_id === campaign.offer_id) ?? people[people.length - 1]!;
  } else {
    const since = new Date(c.occurredAt.getTime() - c.windowDays * DAY_MS);
    const touches = (await Promise.all(people.map((p) => outcomes.touches(trx, p.id, since, c.occurredAt)))).flat();
    touch = attributeOutcome(touches, c.occurredAt, c.windowDays);
    attribution = touch ? "last_touch" : "unattributed";
    contact = (touch?.offerId && people.find((p) => p.offer_id === touch!.offerId)) || people[people.length - 1]!;
  }

  // A meeting, a conversion or a refusal ends the person's running sequences (every row of the
  // person, any offer, joined at or before the outcome), in this transaction. The send path's
  // locks come first, before this transaction writes anything (as an opt-out takes them); a
  // redelivery finds nothing running and changes nothing.
  const stop = sequenceStopAfterOutcome(c.kind);
  let sequencesStopped = 0;
  let sendsCancelled = 0;
  if (stop) {
    const running = await campaignContacts.runningContactIds(
      trx,
      people.map((p) => p.id),
      c.occurredAt,
    );
    if (running.length > 0) {
      const { cancelled } = await cancelPersonSends(trx, {
        contactIds: running,
        reason: stop.reason,
        note: `outcome ${c.kind} recorded`,
        at: c.recordedAt,
      });
      sendsCancelled = cancelled.length;
      sequencesStopped = await campaignContacts.stopByHand(trx, running, {
        status: stop.status,
        stopReason: stop.reason,
        at: c.recordedAt,
      });
    }
  }

  const { outcome, created } = await outcomes.record(trx, {
    contact_id: contact.id,
    company_id: contact.company_id,
    kind: c.kind,
    occurred_at: c.occurredAt,
    meeting_at: c.meetingAt,
    value: c.value,
    currency: c.currency,
    source: c.source,
    external_id: c.externalId,
    campaign_id: touch?.campaignId ?? null,
    offer_id: touch?.offerId ?? null,
    sequence_step: touch?.sequenceStep ?? null,
    variant: touch?.variant ?? null,
    account_id: touch?.accountId ?? null,
    attributed_touch_at: attribution === "last_touch" ? touch!.sentAt : null,
    note: c.note,
  });
  const campaignSlug = outcome.campaign_id ? ((await resolve.campaign(trx, outcome.campaign_id)).campaign_slug ?? null) : null;
  if (!created) {
    // The first delivery decided the attribution; report that one.
    attribution = outcome.campaign_id ? (outcome.attributed_touch_at ? "last_touch" : "explicit") : "unattributed";
    return {
      outcome,
      created,
      campaignSlug,
      attribution,
      countedMeeting: false,
      sequencesStopped,
      sendsCancelled,
      contactStatus: null,
      companyStatus: null,
    };
  }

  const countedMeeting = await outcomes.countMeeting(trx, outcome);
  let contactStatus: RecordOutcomeResult["contactStatus"] = null;
  const nextContact = contactStatusAfterOutcome(contact.status, c.kind);
  if (nextContact) {
    await outcomes.setContactStatus(trx, contact.id, contact.status, nextContact);
    contactStatus = { from: contact.status, to: nextContact };
  }
  let companyStatus: RecordOutcomeResult["companyStatus"] = null;
  const nextCompany = contact.company_id && contact.company_status ? companyStatusAfterOutcome(contact.company_status, c.kind) : null;
  // The company's one forward-only transition decides again under its row lock.
  if (nextCompany && contact.company_id) companyStatus = await companies.advanceStatus(trx, contact.company_id, nextCompany);
  return { outcome, created, campaignSlug, attribution, countedMeeting, sequencesStopped, sendsCancelled, contactStatus, companyStatus };
}

/** The most contacts one {@link recordOutcomes} call may name. */
export const MAX_OUTCOME_SELECTION = 1000;

export interface RecordOutcomesInput {
  /** The contacts (ids), each one person. */
  contactIds: readonly string[];
  /** One of `OutcomeKind`, the same for each. */
  kind: string;
  note?: string;
}

export interface RecordOutcomesResult {
  /** Outcomes recorded (one per distinct contact id). */
  recorded: number;
  /** Of them, attributed to a campaign (its last touch). */
  attributed: number;
  sequencesStopped: number;
  sendsCancelled: number;
}

/**
 * Everything {@link recordOutcomes} checks before it writes (the number of contacts, their ids,
 * the kind and the note, for each contact), without touching the database: a caller that asks
 * for a confirmation first (the dashboard) refuses bad input before asking. Throws the same
 * `ValidationError`; returns the distinct ids and each one's checked outcome.
 */
export function checkOutcomes(input: RecordOutcomesInput, now: Date): { ids: string[]; checked: CheckedOutcome[] } {
  const ids = [...new Set(input.contactIds)];
  if (ids.length === 0) throw new ValidationError("outcomes", [{ field: "contactIds", message: "is empty: select at least one contact" }]);
  if (ids.length > MAX_OUTCOME_SELECTION)
    throw new ValidationError("outcomes", [
      {
        field: "contactIds",
        message: `names ${ids.length} contacts; record one outcome for at most ${MAX_OUTCOME_SELECTION} at once (narrow the filter)`,
      },
    ]);
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined) throw new ValidationError("outcomes", [{ field: "contactIds", message: `"${bad}" is not a contact id` }]);
  const checked = ids.map((id) => checkOutcome({ person: id, kind: input.kind, ...(input.note ? { note: input.note } : {}) }, now));
  return { ids, checked };
}

/**
 * Records the same outcome for several contacts (a selection in the dashboard's leads table), each
 * as {@link recordOutcome} would, in one transaction: every one is checked first, and when one is
 * refused nothing is recorded.
 */
export async function recordOutcomes(ctx: OperationContext, input: RecordOutcomesInput): Promise<RecordOutcomesResult> {
  const { ids, checked } = checkOutcomes(input, nowOf(ctx));
  return inTransaction(ctx.db, async (trx) => {
    const out: RecordOutcomesResult = { recorded: 0, attributed: 0, sequencesStopped: 0, sendsCancelled: 0 };
    for (const [i, c] of checked.entries()) {
      const r = await recordChecked(trx, c, ids[i]!);
      out.recorded += r.created ? 1 : 0;
      out.attributed += r.attribution === "unattributed" ? 0 : 1;
      out.sequencesStopped += r.sequencesStopped;
      out.sendsCancelled += r.sendsCancelled;
    }
    return out;
  });
}
