/**
 * The outcomes aggregate: the `outcomes` log (meetings, conversions, refusals after the outreach),
 * the touches attribution reads, and the counters and statuses an outcome moves.
 *
 * Rules live in `@offerlab/core` (`attributeOutcome`, `contactStatusAfterOutcome`,
 * `companyStatusAfterOutcome`); these functions read and write. `record` is idempotent on
 * `(source, external_id)`: a redelivery returns the row already recorded and writes nothing.
 */
import type { OutcomeKind, OutcomeSource } from "@offerlab/core";
import { ValidationError, type CompanyStatus, type ContactStatus, type Touch } from "@offerlab/core";
import type { Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import type { DbOrTrx } from "../transaction.js";
import { campaignMetrics } from "./metrics.js";

export type Outcome = Selectable<Database["outcomes"]>;

/** What `outcomes.record` writes; the attribution is decided by the caller. */
export interface OutcomeRecordInput {
  contact_id: string | null;
  company_id: string | null;
  kind: OutcomeKind;
  occurred_at: Date;
  meeting_at?: Date | null;
  value?: number | null;
  currency?: string | null;
  source: OutcomeSource;
  external_id?: string | null;
  campaign_id?: string | null;
  offer_id?: string | null;
  sequence_step?: number | null;
  variant?: string | null;
  account_id?: string | null;
  attributed_touch_at?: Date | null;
  note?: string | null;
}

/** An outcome as listed: the row, its campaign's slug and the person's email / LinkedIn URL. */
export type OutcomeListRow = Outcome & {
  campaign_slug: string | null;
  contact_email: string | null;
  contact_linkedin_url: string | null;
};

export interface OutcomeFilter {
  campaignId?: string;
  kind?: OutcomeKind;
  contactIds?: readonly string[];
  limit?: number;
}

/** A contact row a person reference names, with what attribution and the status moves need. */
export interface PersonContact {
  id: string;
  offer_id: string;
  company_id: string | null;
  status: ContactStatus;
  company_status: CompanyStatus | null;
  email: string | null;
  linkedin_url: string | null;
  full_name: string | null;
}

export const outcomes = {
  /**
   * Every contact row a person reference names: a contact id, or a normalised email or LinkedIn
   * URL (one person may be a contact of several offers). Oldest first; empty when none.
   */
  async findPerson(db: DbOrTrx, ref: { contactId?: string; email?: string; linkedinUrl?: string }): Promise<PersonContact[]> {
    if (!ref.contactId && !ref.email && !ref.linkedinUrl) return [];
    const rows = await db
      .selectFrom("contacts as ct")
      .leftJoin("companies as co", "co.id", "ct.company_id")
      .select([
        "ct.id",
        "ct.offer_id",
        "ct.company_id",
        "ct.status",
        "co.status as company_status",
        "ct.email",
        "ct.linkedin_url",
        "ct.full_name",
      ])
      .where((eb) =>
        eb.or([
          ...(ref.contactId ? [eb("ct.id", "=", ref.contactId)] : []),
          ...(ref.email ? [eb("ct.email", "=", ref.email)] : []),
          ...(ref.linkedinUrl ? [eb("ct.linkedin_url", "=", ref.linkedinUrl)] : []),
        ]),
      )
      .orderBy("ct.created_at")
      .orderBy("ct.id")
      .execute();
    return rows as PersonContact[];
  },

  /**
   * Inserts the outcome, or returns the row already recorded with the same source and external
   * id (`created: false`; nothing is written).
   */
  async record(db: DbOrTrx, input: OutcomeRecordInput): Promise<{ outcome: Outcome; created: boolean }> {
    if (input.external_id) {
      const existing = await findExternal(db, input.source, input.external_id);
      if (existing) return { outcome: existing, created: false };
    }
    const inserted = await db
      .insertInto("outcomes")
      .values({ ...input, value: input.value === undefined || input.value === null ? null : String(input.value) } as never)
      .onConflict((oc) => oc.columns(["source", "external_id"]).where("external_id", "is not", null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { outcome: inserted, created: true };
    // A concurrent delivery of the same external id won the insert.
    const winner = await findExternal(db, input.source, input.external_id!);
    if (!winner) throw new ValidationError("outcome", [{ field: "external_id", message: "conflicting insert vanished" }]);
    return { outcome: winner, created: false };
  },

  /** Outcomes, most recent first, filtered by campaign, kind or contacts, with the campaign's slug. */
  async list(db: DbOrTrx, filter: OutcomeFilter = {}): Promise<OutcomeListRow[]> {
    let q = db
      .selectFrom("outcomes as o")
      .leftJoin("campaigns as c", "c.id", "o.campaign_id")
      .leftJoin("contacts as ct", "ct.id", "o.contact_id")
      .selectAll("o")
      .select(["c.campaign_slug", "ct.email as contact_email", "ct.linkedin_url as contact_linkedin_url"]);
    if (filter.campaignId) q = q.where("o.campaign_id", "=", filter.campaignId);
    if (filter.kind) q = q.where("o.kind", "=", filter.kind);
    if (filter.contactIds) {
      if (filter.contactIds.length === 0) return [];
      q = q.where("o.contact_id", "in", filter.contactIds);
    }
    return q
      .orderBy("o.occurred_at", "desc")
      .orderBy("o.created_at", "desc")
      .limit(filter.limit ?? 1000)
      .execute();
  },

  /**
   * The person's touches (`outreach_history`) between `since` and `until`, oldest first: every
   * row of the contact, and of any contact sharing its normalised email or LinkedIn URL, across
   * offers. The step comes from the send's queue row, the variant from the history row (the copy
   * the send used; NULL for sends recorded before sends recorded it).
   */
  async touches(db: DbOrTrx, contactId: string, since: Date, until: Date): Promise<Touch[]> {
    const rows = await db
      .selectFrom("outreach_history as oh")
      .leftJoin("send_queue as sq", "sq.id", "oh.send_queue_id")
      .where("oh.sent_at", ">=", since)
      .where("oh.sent_at", "<=", until)
      .where("oh.status", "!=", "failed")
      .where((eb) =>
        eb.or([
          eb("oh.contact_id", "=", contactId),
          eb(
            "oh.contact_email",
            "in",
            eb.selectFrom("contacts").select("email").where("id", "=", contactId).where("email", "is not", null),
          ),
          eb(
            "oh.contact_linkedin_url",
            "in",
            eb.selectFrom("contacts").select("linkedin_url").where("id", "=", contactId).where("linkedin_url", "is not", null),
          ),
        ]),
      )
      .select(["oh.sent_at", "oh.campaign_id", "oh.offer_id", "oh.account_id", "oh.variant", "sq.sequence_step"])
      .orderBy("oh.sent_at", "asc")
      .orderBy("oh.id", "asc")
      .execute();
    return rows.map((r) => ({
      sentAt: new Date(r.sent_at),
      campaignId: r.campaign_id,
      offerId: r.offer_id,
      accountId: r.account_id,
      sequenceStep: r.sequence_step,
      variant: r.variant,
    }));
  },

  /**
   * Counts a booked meeting for its campaign and offer (`campaignMetrics.countMeeting`):
   * `total_meetings` counts people (the person's campaign row is marked `meeting_booked` once; a
   * second meeting of the same person in the campaign does not count again), and `meeting_rate`
   * is meetings per person contacted (`contacts_sent`), in percent. Returns whether the counters
   * moved (false also when the person is not in the attributed campaign).
   */
  async countMeeting(db: DbOrTrx, outcome: Outcome): Promise<boolean> {
    if (outcome.kind !== "meeting_booked" || !outcome.campaign_id || !outcome.contact_id) return false;
    return campaignMetrics.countMeeting(db, { campaignId: outcome.campaign_id, contactId: outcome.contact_id, offerId: outcome.offer_id });
  },

  /** Moves the contact's status (guarded: only from the status the caller decided on). */
  async setContactStatus(db: DbOrTrx, contactId: string, from: ContactStatus, to: ContactStatus): Promise<void> {
    await db
      .updateTable("contacts")
      .set({ status: to } as never)
      .where("id", "=", contactId)
      .where("status", "=", from)
      .execute();
  },
};

function findExternal(db: DbOrTrx, source: OutcomeSource, externalId: string): Promise<Outcome | undefined> {
  return db.selectFrom("outcomes").selectAll().where("source", "=", source).where("external_id", "=", externalId).executeTakeFirst();
}
