import { normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import type { Database } from "@offerlab/db";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";

type Q = Transaction<Database> | Kysely<Database>;

export type QueueRow = Selectable<Database["send_queue"]>;
export type CampaignRow = Selectable<Database["campaigns"]>;
export type CampaignContactRow = Selectable<Database["campaign_contacts"]>;
export type ContactRow = Selectable<Database["contacts"]>;
export type AccountRow = Selectable<Database["accounts"]>;

/** Everything a decision about one queue row reads, loaded inside the claim's transaction. */
export interface SendContext {
  row: QueueRow;
  campaign: CampaignRow;
  /** The status of the campaign's offer: a paused, completed or killed offer sends nothing. */
  offerStatus: string;
  campaignContact: CampaignContactRow | undefined;
  contact: ContactRow;
  /** Every contact row of the same person, across all offers (matched by email or LinkedIn URL). */
  person: ContactRow[];
  /** Our last touch of this person, across every offer and campaign. */
  lastTouchAt: Date | null;
  account: AccountRow | undefined;
}

/** The person's matching keys: normalised email and LinkedIn URL. */
export function personKeys(contact: Pick<ContactRow, "email" | "linkedin_url">): { email: string | null; linkedin: string | null } {
  return {
    email: contact.email ? normalizeEmail(contact.email) : null,
    linkedin: contact.linkedin_url ? normalizeLinkedInUrl(contact.linkedin_url) : null,
  };
}

/**
 * Natural keys: what a row is, independent of its database-generated id. Random draws are named
 * by them and ties in the send path's orderings are broken by them, so that two runs of one
 * sandbox seed — whose ids differ — take the same decisions in the same order.
 */

/** The person's natural key: email and LinkedIn URL (normalised), else the name, else the row id. */
export function contactKey(contact: Pick<ContactRow, "id" | "email" | "linkedin_url" | "first_name" | "last_name">): string {
  const { email, linkedin } = personKeys(contact);
  return [email, linkedin].filter(Boolean).join(" ") || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.id;
}

/** An account's natural key: its Unipile id, else its mailbox, else its name. */
export function accountKey(account: Pick<AccountRow, "unipile_account_id" | "email_address" | "name">): string {
  return account.unipile_account_id ?? account.email_address ?? account.name;
}

/** A campaign's natural key: its slug, else its name. */
export function campaignKey(campaign: Pick<CampaignRow, "campaign_slug" | "name">): string {
  return campaign.campaign_slug ?? campaign.name;
}

/** A send's natural key (`send_queue.natural_key`): campaign, person and step. */
export function sendKey(campaign: Pick<CampaignRow, "campaign_slug" | "name">, contact: Parameters<typeof contactKey>[0], step: number | null): string {
  return `${campaignKey(campaign)}|${contactKey(contact)}|${step ?? 0}`;
}

/** All contact rows of the person (any offer). */
export async function loadPerson(db: Q, contact: ContactRow): Promise<ContactRow[]> {
  const { email, linkedin } = personKeys(contact);
  const rows = await db
    .selectFrom("contacts")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("id", "=", contact.id),
        ...(email ? [eb("email", "=", email)] : []),
        ...(linkedin ? [eb("linkedin_url", "=", linkedin)] : []),
      ]),
    )
    .execute();
  return rows;
}

/**
 * Locks the person's contact rows, lowest id first, before they are updated: a send recording in
 * one offer and a reply in another update the same rows, and unordered multi-row updates could
 * deadlock each other.
 */
export async function lockPersonRows(trx: Transaction<Database>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.selectFrom("contacts").select("id").where("id", "in", ids).orderBy("id").forNoKeyUpdate().execute();
}

/** Our last touch of the person across every offer, from outreach_history. */
export async function lastTouch(db: Q, contact: ContactRow): Promise<Date | null> {
  const { email, linkedin } = personKeys(contact);
  const { rows } = await sql<{ last: Date | null }>`
    SELECT max(sent_at) AS last FROM outreach_history
    WHERE contact_id = ${contact.id}::uuid
       ${email ? sql`OR contact_email = ${email}` : sql``}
       ${linkedin ? sql`OR contact_linkedin_url = ${linkedin}` : sql``}`.execute(db);
  return rows[0]?.last ?? null;
}

export async function loadContext(db: Q, row: QueueRow): Promise<SendContext> {
  const { offer_status: offerStatus, ...campaign } = await db
    .selectFrom("campaigns")
    .innerJoin("offers", "offers.id", "campaigns.offer_id")
    .selectAll("campaigns")
    .select("offers.status as offer_status")
    .where("campaigns.id", "=", row.campaign_id)
    .executeTakeFirstOrThrow();
  const campaignContact = row.campaign_contact_id
    ? await db.selectFrom("campaign_contacts").selectAll().where("id", "=", row.campaign_contact_id).executeTakeFirst()
    : undefined;
  const contact = await db.selectFrom("contacts").selectAll().where("id", "=", row.contact_id).executeTakeFirstOrThrow();
  const person = await loadPerson(db, contact);
  const lastTouchAt = await lastTouch(db, contact);
  const account = row.account_id
    ? await db.selectFrom("accounts").selectAll().where("id", "=", row.account_id).executeTakeFirst()
    : undefined;
  return { row, campaign, offerStatus, campaignContact, contact, person, lastTouchAt, account };
}
