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
  /**
   * For an email step of a campaign contact: the first email of that campaign contact that was
   * sent (its attempt and subject), the thread a follow-up continues; null when none. Absent: not
   * read with the context (the call reads it).
   */
  firstEmail?: FirstEmail | null;
}

/** The first sent email of a campaign contact: its attempt (id, start, provider ids) and subject. */
export interface FirstEmail {
  id: string;
  started_at: Date;
  provider_ids: unknown;
  subject: string | null;
}

/** What the send path reads once per tick rather than once per claimed row. */
export interface TickSettings {
  /** The cooling-off window in days (`offerlab_settings`). */
  coolingOffDays: number;
  /** The columns of the tables the claim reads beside others in one row (absent: read per claim). */
  columns?: TableColumns;
}

/** The settings a tick runs with, and the columns its claims read (two statements per tick). */
export async function readTickSettings(db: Q): Promise<TickSettings> {
  const { coolingOffDays } = await settings.get(db);
  return { coolingOffDays, columns: await readTableColumns(db) };
}

/**
 * The columns of the tables whose rows the claim reads beside other tables' in one statement, in
 * table order. Each is selected as `"<prefix>:<column>"` ({@link aliasedColumns}) and taken apart
 * again ({@link prefixed}), so every value keeps the type the driver gives that column (a
 * timestamp stays a Date), which a JSON of the row would not.
 */
export type TableColumns = Record<"accounts" | "campaigns" | "campaign_contacts", readonly string[]>;

/** {@link TableColumns} from the catalog (one statement). */
export async function readTableColumns(db: Q): Promise<TableColumns> {
  const { rows } = await sql<{ t: keyof TableColumns; c: string }>`
    SELECT c.relname::text AS t, a.attname::text AS c FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.attrelid IN ('accounts'::regclass, 'campaigns'::regclass, 'campaign_contacts'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`.execute(db);
  const out: Record<keyof TableColumns, string[]> = { accounts: [], campaigns: [], campaign_contacts: [] };
  for (const r of rows) out[r.t].push(r.c);
  return out;
}

/** `alias.column AS "prefix:column"` for each column (a list for a select). */
export function aliasedColumns(alias: string, prefix: string, columns: readonly string[]) {
  return columns.map((c) => sql`${sql.ref(`${alias}.${c}`)}`.as(`${prefix}:${c}`));
}

/** The `"prefix:column"` values of a row as a row of their own; undefined when its `id` is null (a left join that matched nothing). */
export function prefixed<T>(row: Record<string, unknown>, prefix: string): T | undefined {
  const out: Record<string, unknown> = {};
  const p = `${prefix}:`;
  for (const [k, v] of Object.entries(row)) if (k.startsWith(p)) out[k.slice(p.length)] = v;
  return out.id === null || out.id === undefined ? undefined : (out as T);
}

/** The row without its `"prefix:column"` values. */
function unprefixed(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !k.includes(":")));
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
  const cc = options.campaignContactId ?? null;
  if (!cc && ids.length === 0) return;
  // The campaign contact first (every writer's order: account, campaign contact, the person's
  // rows), in one statement: the locking CTEs of the send path's recording, without the account.
  await sql`WITH ${recordLocks({ accountId: null, campaignContactId: cc, personIds: ids })}
    SELECT count(*) FROM record_person`.execute(trx);
}

/**
 * {@link lockPersonRows} with the account's lock before it, as CTEs of one statement (the send
 * path's recording, record.ts): `record_account`, then `record_cc` (the campaign contact), then
 * `record_person` (the person's rows, lowest id first). Each waits for the one before it through a
 * filter on its count that reads no column of its own rows: PostgreSQL evaluates such a filter
 * once, before the first row is read (a one-time filter), so no row of a later lock is read, let
 * alone locked, before the earlier lock is held. The statement's first write gates on
 * {@link afterRecordLocks} the same way. Null ids lock nothing (the CTE is empty).
 */
export function recordLocks(input: { accountId: string | null; campaignContactId: string | null; personIds: string[] }) {
  const ids = input.personIds.length ? input.personIds.map((id) => sql`${id}::uuid`) : [sql`NULL::uuid`];
  return sql`record_account AS MATERIALIZED (
      SELECT id FROM accounts WHERE id = ${input.accountId}::uuid FOR NO KEY UPDATE),
    record_cc AS MATERIALIZED (
      SELECT id FROM campaign_contacts WHERE id = ${input.campaignContactId}::uuid AND (SELECT count(*) FROM record_account) >= 0
      FOR NO KEY UPDATE),
    record_person AS MATERIALIZED (
      SELECT c.id FROM contacts c WHERE c.id IN (${sql.join(ids)}) AND (SELECT count(*) FROM record_cc) >= 0
      ORDER BY c.id FOR NO KEY UPDATE OF c)`;
}

/** The filter that makes a statement's first write wait for {@link recordLocks}' locks. */
export const afterRecordLocks = sql<boolean>`(SELECT count(*) FROM record_person) >= 0`;

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
 * the caller has just read it (under its lock). `known.thread`: also read, for an email step of a
 * campaign contact, the first email the call's follow-up continues (`firstEmail`; the claim does).
 */
export async function loadContext(
  db: Q,
  row: QueueRow,
  tick?: TickSettings,
  known: { account?: AccountRow; thread?: boolean } = {},
): Promise<SendContext> {
  const columns = tick?.columns ?? (await readTableColumns(db));
  const read = await readDecisionFacts(db, row, columns, known.thread === true);
  if (!read) return loadContextByParts(db, row, tick, known);
  // The claim reads the account with its lock (claim.ts `claimDueRow`); other callers read it here.
  const account =
    known.account ??
    (row.account_id ? await db.selectFrom("accounts").selectAll().where("id", "=", row.account_id).executeTakeFirst() : undefined);
  const { coolingOffDays } = tick ?? (await readTickSettings(db));
  return { row, ...read, account, coolingOffDays };
}

/**
 * Everything the decision reads about a row but its account, in one statement (issue 19): the
 * campaign and its offer's status, the campaign contact, the person's rows (by the contact's stored
 * email and LinkedIn URL, which its aggregate writes normalised) with their suppression entry, our
 * last touch of the person, and for an email step the campaign contact's first sent email. Each
 * row of the answer is one of the person's rows, the rest repeated on each. Undefined when the
 * contact or campaign is gone, or the contact's stored keys are not normalised (the caller then
 * reads the parts one by one, as before).
 */
async function readDecisionFacts(
  db: Q,
  row: QueueRow,
  columns: TableColumns,
  thread: boolean,
): Promise<Omit<SendContext, "row" | "account" | "coolingOffDays"> | undefined> {
  const stored = (col: "email" | "linkedin_url") =>
    sql<string | null>`(SELECT ${sql.ref(col)} FROM contacts WHERE id = ${row.contact_id}::uuid)`;
  const email = stored("email");
  const linkedin = stored("linkedin_url");
  const threadWanted = thread && row.channel === "email" && row.campaign_contact_id !== null;
  const read = suppressions
    .ofPersonQuery(db, { id: row.contact_id, email, linkedin })
    .innerJoin("campaigns as cp", (join) => join.on(sql<boolean>`cp.id = ${row.campaign_id}::uuid`))
    .innerJoin("offers as ofr", "ofr.id", "cp.offer_id")
    .leftJoin("campaign_contacts as cc", (join) => join.on(sql<boolean>`cc.id = ${row.campaign_contact_id}::uuid`))
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("send_attempts as fa")
          .innerJoin("send_queue as fq", "fq.id", "fa.send_queue_id")
          .select(["fa.id", "fa.started_at", "fa.provider_ids", "fq.subject"])
          .where(sql<boolean>`${threadWanted}`)
          .where(sql<boolean>`fq.campaign_contact_id = ${row.campaign_contact_id}::uuid`)
          .where("fq.channel", "=", "email")
          .where("fa.status", "=", "sent")
          .orderBy("fa.started_at")
          .limit(1)
          .as("fe"),
      (join) => join.onTrue(),
    )
    .select([
      ...aliasedColumns("cp", "c", columns.campaigns),
      ...aliasedColumns("cc", "cc", columns.campaign_contacts),
      "ofr.status as x:offer_status",
      sql<Date | null>`(SELECT max(h.sent_at) FROM outreach_history h
        WHERE h.contact_id = ${row.contact_id}::uuid OR h.contact_email = ${email} OR h.contact_linkedin_url = ${linkedin})`.as(
        "x:last_touch",
      ),
      "fe.id as fe:id",
      "fe.started_at as fe:started_at",
      "fe.provider_ids as fe:provider_ids",
      "fe.subject as fe:subject",
    ])
    .compile();
  // Marked as the send path's, so a PostgreSQL connection plans it once (db's `PREPARED_STATEMENT_MARK`).
  const { rows } = (await db.executeQuery({ ...read, sql: `/* send-path:check */ ${read.sql}` })) as { rows: Record<string, unknown>[] };
  const first = rows[0];
  if (!first) return undefined;
  const { person, suppression } = suppressions.personFromRows(
    rows.map(unprefixed) as unknown as Parameters<typeof suppressions.personFromRows>[0],
  );
  const contact = person.find((p) => p.id === row.contact_id);
  if (!contact) return undefined;
  // The person was matched on the stored keys: right only when they are the normalised ones.
  const keys = personKeys(contact);
  if (keys.email !== contact.email || keys.linkedin !== contact.linkedin_url) return undefined;
  return {
    campaign: prefixed<CampaignRow>(first, "c")!,
    offerStatus: first["x:offer_status"] as string,
    campaignContact: prefixed<CampaignContactRow>(first, "cc"),
    contact,
    person,
    lastTouchAt: (first["x:last_touch"] as Date | null) ?? null,
    suppression,
    ...(threadWanted ? { firstEmail: prefixed<FirstEmail>(first, "fe") ?? null } : {}),
  };
}

/** {@link loadContext} one read at a time (a contact whose stored keys are not normalised, or a row whose campaign or contact is gone). */
async function loadContextByParts(db: Q, row: QueueRow, tick?: TickSettings, known: { account?: AccountRow } = {}): Promise<SendContext> {
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
