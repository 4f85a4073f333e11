import { normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import { settings, suppressions, type Database, type Suppression } from "@offerlab/db";
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
  /** The cooling-off window in days (`offerlab_settings`; default 60 when absent). */
  coolingOffDays?: number;
  /** The suppression-list entry that matches any row of the person, or null (absent: not looked up). */
  suppression?: Suppression | null;
}

/** What the send path reads once per tick rather than once per claimed row. */
export interface TickSettings {
  /** The cooling-off window in days (`offerlab_settings`). */
  coolingOffDays: number;
}

/** The settings a tick runs with (one statement). */
export async function readTickSettings(db: Q): Promise<TickSettings> {
  const { coolingOffDays } = await settings.get(db);
  return { coolingOffDays };
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
export function sendKey(
  campaign: Pick<CampaignRow, "campaign_slug" | "name">,
  contact: Parameters<typeof contactKey>[0],
  step: number | null,
): string {
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
export async function lockPersonRows(
  trx: Transaction<Database>,
  ids: string[],
  options: { campaignContactId?: string | null } = {},
): Promise<void> {
  const cc = options.campaignContactId;
  if (cc) {
    // The campaign contact first (every writer's order: account, campaign contact, the person's
    // rows), in the same statement: the contact rows' filter needs the CTE's result, so no contact
    // row reaches the lock (LockRows, above the sort by id) before the campaign contact is held.
    await sql`WITH cc AS (SELECT id FROM campaign_contacts WHERE id = ${cc}::uuid FOR NO KEY UPDATE)
      SELECT c.id FROM contacts c
      WHERE c.id IN (${sql.join(ids.length ? ids.map((id) => sql`${id}::uuid`) : [sql`NULL::uuid`])})
        AND (SELECT count(*) FROM cc) >= 0
      ORDER BY c.id
      FOR NO KEY UPDATE OF c`.execute(trx);
    return;
  }
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

/**
 * Loads the row's context. `settings` are what the caller read once for its whole tick (the
 * cooling-off window); without them they are read here. `known.account`: the row's account, when
 * the caller has just read it (under its lock).
 */
export async function loadContext(db: Q, row: QueueRow, tick?: TickSettings, known: { account?: AccountRow } = {}): Promise<SendContext> {
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
  // The person's rows and whether any of them is on the suppression list: one statement.
  const { person, suppression } = await suppressions.ofPerson(db, contact);
  const lastTouchAt = await lastTouch(db, contact);
  // The claim reads the account with its lock (claim.ts `loadClaimed`); other callers read it here.
  const account =
    known.account ??
    (row.account_id ? await db.selectFrom("accounts").selectAll().where("id", "=", row.account_id).executeTakeFirst() : undefined);
  const { coolingOffDays } = tick ?? (await readTickSettings(db));
  return { row, campaign, offerStatus, campaignContact, contact, person, lastTouchAt, account, suppression, coolingOffDays };
}

/** The suppression entry of the first of `person`'s rows that has one, or null. */
function firstOf(found: Map<string, Suppression>, person: readonly ContactRow[]): Suppression | null {
  for (const p of person) {
    const s = found.get(p.id);
    if (s) return s;
  }
  return null;
}

function chunked<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const distinct = <T>(items: readonly (T | null | undefined)[]): T[] => [
  ...new Set(items.filter((x): x is T => x !== null && x !== undefined)),
];

/**
 * {@link loadContext} for many rows at once (what a dashboard replaying the send path reads): the
 * same rows and values, in a fixed number of queries whatever the number of rows. Rows whose
 * campaign or contact is gone are left out.
 */
export async function loadContexts(db: Q, rows: readonly QueueRow[]): Promise<Map<string, SendContext>> {
  const { coolingOffDays } = await settings.get(db);
  const campaigns = new Map<string, CampaignRow>();
  const offerStatuses = new Map<string, string>();
  for (const part of chunked(distinct(rows.map((r) => r.campaign_id)))) {
    const found = await db
      .selectFrom("campaigns")
      .innerJoin("offers", "offers.id", "campaigns.offer_id")
      .selectAll("campaigns")
      .select("offers.status as offer_status")
      .where("campaigns.id", "in", part)
      .execute();
    for (const { offer_status, ...c } of found) {
      campaigns.set(c.id, c);
      offerStatuses.set(c.id, offer_status);
    }
  }
  const ccs = new Map<string, CampaignContactRow>();
  for (const part of chunked(distinct(rows.map((r) => r.campaign_contact_id)))) {
    for (const c of await db.selectFrom("campaign_contacts").selectAll().where("id", "in", part).execute()) ccs.set(c.id, c);
  }
  const contacts = new Map<string, ContactRow>();
  for (const part of chunked(distinct(rows.map((r) => r.contact_id)))) {
    for (const c of await db.selectFrom("contacts").selectAll().where("id", "in", part).execute()) contacts.set(c.id, c);
  }
  const accounts = new Map<string, AccountRow>();
  for (const part of chunked(distinct(rows.map((r) => r.account_id)))) {
    for (const a of await db.selectFrom("accounts").selectAll().where("id", "in", part).execute()) accounts.set(a.id, a);
  }

  // The person: every contact row with the same normalised email or LinkedIn URL (loadPerson).
  const keys = new Map([...contacts.values()].map((c) => [c.id, personKeys(c)]));
  const emails = distinct([...keys.values()].map((k) => k.email));
  const links = distinct([...keys.values()].map((k) => k.linkedin));
  const byEmail = new Map<string, ContactRow[]>();
  const byLink = new Map<string, ContactRow[]>();
  const add = (map: Map<string, ContactRow[]>, key: string | null, row: ContactRow) => {
    if (key) map.set(key, [...(map.get(key) ?? []), row]);
  };
  for (const part of chunked(emails)) {
    for (const c of await db.selectFrom("contacts").selectAll().where("email", "in", part).execute()) add(byEmail, c.email, c);
  }
  for (const part of chunked(links)) {
    for (const c of await db.selectFrom("contacts").selectAll().where("linkedin_url", "in", part).execute()) add(byLink, c.linkedin_url, c);
  }

  // Our last touch, by the contact's id, email and LinkedIn URL (lastTouch).
  const touchById = new Map<string, Date>();
  const touchByEmail = new Map<string, Date>();
  const touchByLink = new Map<string, Date>();
  for (const part of chunked([...contacts.keys()])) {
    const found = await db
      .selectFrom("outreach_history")
      .select(["contact_id", sql<Date>`max(sent_at)`.as("last")])
      .where("contact_id", "in", part)
      .groupBy("contact_id")
      .execute();
    for (const r of found) if (r.contact_id) touchById.set(r.contact_id, r.last);
  }
  for (const part of chunked(emails)) {
    const found = await db
      .selectFrom("outreach_history")
      .select(["contact_email", sql<Date>`max(sent_at)`.as("last")])
      .where("contact_email", "in", part)
      .groupBy("contact_email")
      .execute();
    for (const r of found) if (r.contact_email) touchByEmail.set(r.contact_email, r.last);
  }
  for (const part of chunked(links)) {
    const found = await db
      .selectFrom("outreach_history")
      .select(["contact_linkedin_url", sql<Date>`max(sent_at)`.as("last")])
      .where("contact_linkedin_url", "in", part)
      .groupBy("contact_linkedin_url")
      .execute();
    for (const r of found) if (r.contact_linkedin_url) touchByLink.set(r.contact_linkedin_url, r.last);
  }

  const everyone = new Set<string>(contacts.keys());
  for (const list of [...byEmail.values(), ...byLink.values()]) for (const c of list) everyone.add(c.id);
  const suppressed = await suppressions.forContacts(db, [...everyone]);

  const out = new Map<string, SendContext>();
  for (const row of rows) {
    const campaign = campaigns.get(row.campaign_id);
    const contact = contacts.get(row.contact_id);
    if (!campaign || !contact) continue;
    const k = keys.get(contact.id)!;
    const person = new Map<string, ContactRow>([[contact.id, contact]]);
    for (const c of [...(k.email ? (byEmail.get(k.email) ?? []) : []), ...(k.linkedin ? (byLink.get(k.linkedin) ?? []) : [])])
      person.set(c.id, c);
    const touches = [
      touchById.get(contact.id),
      k.email ? touchByEmail.get(k.email) : undefined,
      k.linkedin ? touchByLink.get(k.linkedin) : undefined,
    ].filter((d): d is Date => d !== undefined);
    out.set(row.id, {
      row,
      campaign,
      offerStatus: offerStatuses.get(campaign.id)!,
      campaignContact: row.campaign_contact_id ? ccs.get(row.campaign_contact_id) : undefined,
      contact,
      person: [...person.values()],
      lastTouchAt: touches.length ? new Date(Math.max(...touches.map((d) => d.getTime()))) : null,
      account: row.account_id ? accounts.get(row.account_id) : undefined,
      coolingOffDays,
      suppression: firstOf(suppressed, [...person.values()]),
    });
  }
  return out;
}
