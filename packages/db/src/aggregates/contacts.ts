/**
 * The contact aggregate: every write of `contacts` in this package, the pipeline and the
 * scheduler's runtime (its event handlers and send path name the transitions below; the planner's
 * batch update in `runtime/plan.ts` aside for now).
 *
 * Merge rule (one rule, for one row and for a batch): a contact is keyed by its offer and its
 * normalised email or LinkedIn URL (the spec's two unique keys), the email winning when they name
 * two contacts; a new non-null value fills a null, an existing value is never blanked or replaced,
 * and a key that belongs to another contact is not copied. `status`, `source_tool`, `company_id`
 * and the outreach columns keep their first value.
 */
import { randomUUID } from "node:crypto";
import {
  ContactInsert,
  ValidationError,
  contactStatuses,
  emailStatuses,
  globalContactStatuses,
  normalizeEmail,
  normalizeLinkedInUrl,
  parseOrThrow,
  priorities,
  seniorities,
  textLimits,
  type EmailStatus,
  type FieldIssue,
} from "@offerlab/core";
import { sql, type Expression, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import { inTransaction, isInTransaction, type DbOrTrx } from "../transaction.js";
import { encode, insertStaged, isUniqueViolation } from "./shared.js";
import { suppressionMatchesContact } from "./suppressions.js";

export type Contact = Selectable<Database["contacts"]>;

/** Columns a later write may fill on a stored contact (when they are null there). */
const CONTACT_FILL = [
  "first_name",
  "last_name",
  "full_name",
  "title",
  "title_normalized",
  "department",
  "seniority",
  "email",
  "email_status",
  "email_verification_source",
  "phone",
  "linkedin_url",
  "linkedin_id",
  "connection_degree",
  "buyer_fit_score",
  "priority",
  "source_raw",
  "notes",
] as const;

function normalizeContactKeys(data: { email?: string | null; linkedin_url?: string | null }, subject: string) {
  const issues: { field: string; message: string }[] = [];
  const email = data.email == null ? null : normalizeEmail(data.email);
  if (data.email != null && email === null) {
    issues.push({ field: "email", message: `"${data.email}" is not an email address` });
  }
  const linkedin = data.linkedin_url == null ? null : normalizeLinkedInUrl(data.linkedin_url);
  if (data.linkedin_url != null && linkedin === null) {
    issues.push({
      field: "linkedin_url",
      message: `"${data.linkedin_url}" is not a LinkedIn profile URL; expected https://www.linkedin.com/in/<id>`,
    });
  }
  if (issues.length) throw new ValidationError(subject, issues);
  return { email, linkedin_url: linkedin };
}

type Values = ReturnType<typeof ContactInsert.parse> & { email: string | null; linkedin_url: string | null };

function parseContact(input: unknown, subject: string): Values {
  const data = parseOrThrow(ContactInsert, input, subject);
  return { ...data, ...normalizeContactKeys(data, subject) };
}

/**
 * Runs `work` in the caller's transaction, or in a new one retried (twice) when a concurrent
 * insert of the same person between our read and our insert violates a unique key: the next
 * attempt reads that row and merges into it.
 */
async function withMergeRetry<T>(db: DbOrTrx, work: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  if (isInTransaction(db)) return work(db);
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(db, work);
    } catch (error) {
      if (attempt < 2 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

/**
 * A contact already checked by {@link contacts.prepare} (and placed at its company by
 * {@link contacts.atCompany}): `upsertMany` takes it as it is instead of validating it again. Only
 * objects this module made are recognised (a copy or a look-alike is validated like any input).
 */
export interface PreparedContact {
  readonly __preparedContact: true;
}

/**
 * The mark of a prepared contact: a property keyed by a symbol of this module, not enumerable, so
 * a copy (`{ ...contact }`), a look-alike or the row written (JSON, `Object.keys`) never carries it.
 * (A mark on the object rather than a WeakSet entry: an import makes two per row.)
 */
const PREPARED = Symbol("offerlab.preparedContact");
const prepared = { has: (v: object): boolean => Object.prototype.hasOwnProperty.call(v, PREPARED) };

function asPrepared(v: Values): PreparedContact {
  Object.defineProperty(v, PREPARED, { value: true });
  return v as unknown as PreparedContact;
}

/** A placeholder company id: `prepare` checks a contact before its company is known. */
const NO_COMPANY_YET = "00000000-0000-4000-8000-000000000000";

// The fast path of `prepare`: the checks `ContactInsert` makes of the fields a contact usually
// brings, written out (from the same limits and value sets), so the common valid row is checked
// without building the schema's parse context. Anything else (another field, a value of another
// type, one over its limit, a key that does not normalise) goes to the schema, which decides and
// words the issues: the fast path only ever says "valid", and only when the schema would.
const TEXT_LIMITS: ReadonlyMap<string, number> = new Map(Object.entries(textLimits.contacts));
const ENUM_VALUES: ReadonlyMap<string, { values: ReadonlySet<unknown>; nullable: boolean }> = new Map([
  ["seniority", { values: new Set<unknown>(seniorities), nullable: true }],
  ["email_status", { values: new Set<unknown>(emailStatuses), nullable: true }],
  ["priority", { values: new Set<unknown>(priorities), nullable: true }],
  ["status", { values: new Set<unknown>(contactStatuses), nullable: false }],
  ["global_status", { values: new Set<unknown>(globalContactStatuses), nullable: false }],
]);
/** The last offer id the schema accepted (an import's rows all name one offer). */
let checkedOfferId: string | null = null;

/** The row as `ContactInsert` would return it when the fast checks pass, else null (ask the schema). */
function quickParse(input: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (key === "company_id") continue; // replaced by the placeholder
    const limit = TEXT_LIMITS.get(key);
    if (limit !== undefined) {
      if (typeof value === "string" ? value.length > limit : value !== null || key === "source_tool") return null;
    } else if (key === "offer_id") {
      if (typeof value !== "string") return null;
      if (value !== checkedOfferId) {
        if (!ContactInsert.shape.offer_id.safeParse(value).success) return null;
        checkedOfferId = value;
      }
    } else if (key === "connection_degree") {
      if (value !== null && value !== 1 && value !== 2 && value !== 3) return null;
    } else if (key === "buyer_fit_score") {
      if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 10)) return null;
    } else {
      const e = ENUM_VALUES.get(key);
      if (e === undefined || !(e.values.has(value) || (value === null && e.nullable))) return null;
    }
    out[key] = value;
  }
  if (typeof out.offer_id !== "string" || typeof out.source_tool !== "string") return null;
  out.company_id = NO_COMPANY_YET;
  for (const key of ["email", "linkedin_url"] as const) {
    const value = out[key] as string | null | undefined;
    if (value == null) {
      out[key] = null;
      continue;
    }
    const normalized = key === "email" ? normalizeEmail(value) : normalizeLinkedInUrl(value);
    if (normalized === null) return null;
    out[key] = normalized;
  }
  return out;
}

/** Options of {@link contacts.upsertMany}. */
export interface ContactUpsertManyOptions {
  /**
   * A row with neither email nor LinkedIn URL merges into the offer's contact at the same company
   * with the same full name, compared case-insensitively (the oldest, if several), when there is
   * one. Default false: like {@link contacts.upsert}, such a row is always a new contact.
   */
  matchNameWithoutKeys?: boolean;
}

/** One contact as a batch upsert sees it: stored before the batch, or created by it. */
interface Slot {
  row: Record<string, unknown>;
  stored: boolean;
  /** Columns the batch filled (stored rows only). */
  changed: Set<string>;
}

export const contacts = {
  /** The planner queued a first send: a contact not yet contacted becomes `queued` (never backwards). */
  async markQueued(db: DbOrTrx, contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await db
      .updateTable("contacts")
      .set({ status: "queued" })
      .where("id", "in", [...new Set(contactIds)])
      .where("status", "in", ["new", "enriched", "ready"])
      .execute();
  },

  /**
   * A reply from the person at `at`: every row of the person (`personIds`, across offers) gets
   * `global_last_reply_at` and `global_status` `replied` (do-not-contact stays); the row replied
   * through (`contactId`) becomes `replied` unless it is already further on (unsubscribed,
   * bounced, meeting, converted). The caller refreshes readiness.
   */
  async markReplied(db: DbOrTrx, input: { contactId: string; personIds: readonly string[]; at: Date }): Promise<void> {
    await db
      .updateTable("contacts")
      .set({
        global_last_reply_at: input.at,
        global_status: sql<"replied">`CASE WHEN global_status = 'do_not_contact' THEN global_status ELSE 'replied' END`,
      })
      .where("id", "in", [...input.personIds])
      .execute();
    await db
      .updateTable("contacts")
      .set({
        status: sql<"replied">`CASE WHEN status IN ('unsubscribed', 'bounced', 'meeting', 'converted') THEN status ELSE 'replied' END`,
      })
      .where("id", "=", input.contactId)
      .execute();
  },

  /**
   * A send to the person at `at`: the row sent to (`contactId`) is contacted (its own count and
   * date; `contacted` unless already further on); every row of the person (`personIds`, across
   * offers) gets the global date and count, and `cooling_off` when it was `available`. The caller
   * holds the person's rows' locks.
   */
  async markContacted(db: DbOrTrx, input: { contactId: string; personIds: readonly string[]; at: Date }): Promise<void> {
    await contacts.markContactedQuery(db, input).execute();
  },

  /**
   * `markContacted`'s update, unexecuted: for a CTE of a larger statement (the send path's
   * record), with `gate` a condition the update waits for (the fence: nothing moves when it did
   * not pass). The caller holds the rows' locks (lowest id first).
   */
  markContactedQuery(
    db: Pick<DbOrTrx, "updateTable">,
    input: { contactId: string; personIds: readonly string[]; at: Date },
    gate?: Expression<SqlBool>,
  ) {
    // One statement for both (issue 19: fewer round trips per send): the per-offer columns move on
    // the contact row only, the global ones on every row of the person.
    const mine = sql<boolean>`id = ${input.contactId}::uuid`;
    const ofPerson = input.personIds.length
      ? sql<boolean>`id IN (${sql.join(input.personIds.map((id) => sql`${id}::uuid`))})`
      : sql<boolean>`false`;
    const update = db
      .updateTable("contacts")
      .set({
        already_contacted: sql<boolean>`CASE WHEN ${mine} THEN true ELSE already_contacted END`,
        last_contacted_at: sql<Date>`CASE WHEN ${mine} THEN ${input.at}::timestamptz ELSE last_contacted_at END`,
        contact_count: sql<number>`CASE WHEN ${mine} THEN contact_count + 1 ELSE contact_count END`,
        status: sql<"contacted">`CASE WHEN ${mine} AND status IN ('new', 'enriched', 'ready', 'queued') THEN 'contacted' ELSE status END`,
        global_last_contacted_at: sql<Date>`CASE WHEN ${ofPerson} THEN ${input.at}::timestamptz ELSE global_last_contacted_at END`,
        global_contact_count: sql<number>`CASE WHEN ${ofPerson} THEN global_contact_count + 1 ELSE global_contact_count END`,
        global_status: sql<"cooling_off">`CASE WHEN ${ofPerson} AND global_status = 'available' THEN 'cooling_off' ELSE global_status END`,
      })
      .where((eb) => eb.or([eb("id", "=", input.contactId), ...(input.personIds.length ? [eb("id", "in", [...input.personIds])] : [])]));
    return gate ? update.where(gate) : update;
  },

  /** These contacts are 1st-degree LinkedIn connections of ours (an invitation accepted, or found already connected). */
  async markConnected(db: DbOrTrx, contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await db
      .updateTable("contacts")
      .set({ connection_degree: 1 })
      .where("id", "in", [...contactIds])
      .execute();
  },

  /** The LinkedIn member id of these contacts, learnt from an accepted invitation (only where none was noted). */
  async noteLinkedInId(db: DbOrTrx, contactIds: readonly string[], providerId: string): Promise<void> {
    if (contactIds.length === 0) return;
    await db
      .updateTable("contacts")
      .set({ linkedin_id: providerId })
      .where("id", "in", [...contactIds])
      .where("linkedin_id", "is", null)
      .execute();
  },

  /** An email to the contact bounced: the row is `bounced`, and its address `invalid` on every row that has it (the caller holds the person's locks). */
  async markBounced(db: DbOrTrx, contact: { id: string; email: string | null }): Promise<void> {
    await db.updateTable("contacts").set({ status: "bounced", email_status: "invalid" }).where("id", "=", contact.id).execute();
    // The address is invalid wherever it appears.
    if (contact.email) await db.updateTable("contacts").set({ email_status: "invalid" }).where("email", "=", contact.email).execute();
  },

  /**
   * Inserts a contact or merges it into the one of the same offer with the same normalised
   * email or LinkedIn URL (see the module note for the merge rule). When the email matches one
   * contact and the LinkedIn URL another, the email match is kept and the LinkedIn URL is not
   * copied onto it (it belongs to the other).
   */
  async upsert(db: DbOrTrx, input: unknown): Promise<{ contact: Contact; created: boolean }> {
    const values = parseContact(input, "contact");
    const run = async (trx: DbOrTrx): Promise<{ contact: Contact; created: boolean }> => {
      if (values.email || values.linkedin_url) {
        const matches = await trx
          .selectFrom("contacts")
          .selectAll()
          .where("offer_id", "=", values.offer_id)
          .where((eb) =>
            eb.or([
              ...(values.email ? [eb("email", "=", values.email)] : []),
              ...(values.linkedin_url ? [eb("linkedin_url", "=", values.linkedin_url)] : []),
            ]),
          )
          .orderBy("created_at")
          .forUpdate()
          .execute();
        const existing = (values.email && matches.find((m) => m.email === values.email)) || matches[0];
        if (existing) {
          const set = fillOf(
            existing,
            values,
            matches.find((m) => m.id !== existing.id),
          );
          if (Object.keys(set).length === 0) return { contact: existing, created: false };
          for (const col of Object.keys(set)) if (col === "source_raw") set[col] = jsonb(set[col]);
          const contact = await trx
            .updateTable("contacts")
            .set(set as never)
            .where("id", "=", existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          return { contact, created: false };
        }
      }
      const contact = await trx
        .insertInto("contacts")
        .values(encode("contacts", values) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { contact, created: true };
    };
    return withMergeRetry(db, run);
  },

  /**
   * {@link contacts.upsert} for many rows at once, with the same validation and the same merge
   * rule: the result is what upserting the rows one after the other would store. In one
   * transaction (the caller's, when `db` is one): one read of the stored contacts the batch's
   * keys name (locked), then one insert of the new contacts and one update of the stored ones
   * the batch fills. Every row is validated before anything is written; bad rows throw one
   * ValidationError whose fields are prefixed with the row's position (`3.email`). Returns, per
   * input in order, the id of the contact it went to and whether it created it (true only for
   * the first input of a contact the batch created). A batch is for volume: the rows are not
   * sent back; read the ones you need.
   */
  /**
   * Checks one contact as `upsertMany` does (the schema, then the email and LinkedIn URL
   * normalised), before its company is known: the issues, or the contact to place at its company
   * with {@link contacts.atCompany} and hand to `upsertMany`, which then does not check it again.
   * An import reports each row's issues this way and validates each row once.
   */
  prepare(input: Record<string, unknown>): { ok: true; contact: PreparedContact } | { ok: false; issues: FieldIssue[] } {
    const quick = quickParse(input);
    if (quick !== null) return { ok: true, contact: asPrepared(quick as Values) };
    try {
      return { ok: true, contact: asPrepared(parseContact({ ...input, company_id: NO_COMPANY_YET }, "contact")) };
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      return { ok: false, issues: error.issues };
    }
  },

  /** A prepared contact at its company (an unknown company id is refused by `upsertMany`'s foreign key). */
  atCompany(contact: PreparedContact, companyId: string): PreparedContact {
    if (!prepared.has(contact)) throw new TypeError("contacts.atCompany takes a contact from contacts.prepare");
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(companyId))
      throw new ValidationError("contact", [{ field: "company_id", message: `must be a company id (got "${companyId}")` }]);
    return asPrepared({ ...(contact as unknown as Values), company_id: companyId });
  },

  async upsertMany(
    db: DbOrTrx,
    inputs: readonly unknown[],
    options: ContactUpsertManyOptions = {},
  ): Promise<{ id: string; created: boolean }[]> {
    const issues: FieldIssue[] = [];
    const parsed: Values[] = [];
    for (const [i, input] of inputs.entries()) {
      if (typeof input === "object" && input !== null && prepared.has(input)) {
        parsed.push(input as Values);
        continue;
      }
      try {
        parsed.push(parseContact(input, `contact ${i + 1}`));
      } catch (error) {
        if (!ValidationError.isInstance(error)) throw error;
        issues.push(...error.issues.map((x) => ({ field: `${i + 1}.${x.field}`, message: x.message })));
      }
    }
    if (issues.length) throw new ValidationError("contacts", issues);
    if (parsed.length === 0) return [];
    const byName = options.matchNameWithoutKeys === true;

    return withMergeRetry(db, async (trx) => {
      const offerIds = [...new Set(parsed.map((v) => v.offer_id))];
      const keyPairs = (column: "email" | "linkedin_url") => {
        const pairs = new Map<string, { o: string; v: string }>();
        for (const v of parsed) {
          const value = v[column];
          if (value) pairs.set(`${v.offer_id}|${value}`, { o: v.offer_id, v: value });
        }
        return [...pairs.values()];
      };
      const emails = keyPairs("email");
      const links = keyPairs("linkedin_url");
      const names = byName
        ? [...new Set(parsed.filter((v) => !v.email && !v.linkedin_url && v.full_name).map((v) => v.full_name!.toLowerCase()))]
        : [];
      const stored = new Map<string, Contact>();
      if (emails.length || links.length) {
        // One probe of the unique key (offer_id, email | linkedin_url) per key of the batch, then
        // the rows locked in one order. Written as a lateral lookup so the cost is the batch's,
        // whatever the planner believes of the table: inside an import's transaction the contacts
        // it wrote are not in the statistics yet, and a plain `offer_id = … AND (email IN … OR …)`
        // was planned as a scan of every contact of the offer per batch (quadratic in the file).
        const probe = (column: "email" | "linkedin_url", pairs: { o: string; v: string }[]) =>
          sql`SELECT c.id FROM jsonb_to_recordset(${jsonb(pairs)}) AS k(o uuid, v text)
            CROSS JOIN LATERAL (SELECT id FROM contacts WHERE offer_id = k.o AND ${sql.ref(column)} = k.v LIMIT 1) AS c`;
        const rows = await sql<Contact>`SELECT * FROM contacts WHERE id = ANY(ARRAY(
            ${probe("email", emails)} UNION ${probe("linkedin_url", links)}
          ))
          ORDER BY created_at, id
          FOR UPDATE`.execute(trx);
        for (const r of rows.rows) stored.set(r.id, r);
      }
      if (names.length) {
        const rows = await trx
          .selectFrom("contacts")
          .selectAll()
          .where("offer_id", "in", offerIds)
          .where(sql<string>`lower(full_name)`, "in", names)
          .orderBy("created_at")
          .orderBy("id")
          .forUpdate()
          .execute();
        for (const r of rows) stored.set(r.id, r);
      }

      // The batch played against what is stored, one row after the other, as `upsert` would.
      const emailIdx = new Map<string, Slot>();
      const linkIdx = new Map<string, Slot>();
      const nameIdx = new Map<string, Slot>();
      const index = (slot: Slot) => {
        const r = slot.row;
        if (r.email) emailIdx.set(`${r.offer_id as string}|${r.email as string}`, slot);
        if (r.linkedin_url) linkIdx.set(`${r.offer_id as string}|${r.linkedin_url as string}`, slot);
        if (byName && r.full_name) {
          const key = `${r.offer_id as string}|${r.company_id as string}|${(r.full_name as string).toLowerCase()}`;
          if (!nameIdx.has(key)) nameIdx.set(key, slot);
        }
      };
      const storedSlots = [...stored.values()].sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
      for (const r of storedSlots) index({ row: { ...r }, stored: true, changed: new Set() });
      const created: Slot[] = [];
      const slotOf: Slot[] = [];
      const createdBy = new Map<Slot, number>();
      for (const [i, v] of parsed.entries()) {
        const byEmail = v.email ? emailIdx.get(`${v.offer_id}|${v.email}`) : undefined;
        const byLink = v.linkedin_url ? linkIdx.get(`${v.offer_id}|${v.linkedin_url}`) : undefined;
        const byFullName =
          byName && !v.email && !v.linkedin_url && v.full_name
            ? nameIdx.get(`${v.offer_id}|${v.company_id}|${v.full_name.toLowerCase()}`)
            : undefined;
        const existing = byEmail ?? byLink ?? byFullName;
        if (!existing) {
          const slot: Slot = { row: { ...v, id: v.id ?? randomUUID() }, stored: false, changed: new Set() };
          created.push(slot);
          createdBy.set(slot, i);
          slotOf.push(slot);
          index(slot);
          continue;
        }
        const other = [byEmail, byLink].find((s) => s !== undefined && s !== existing)?.row;
        const set = fillOf(existing.row, v, other);
        for (const [col, value] of Object.entries(set)) {
          existing.row[col] = value;
          if (existing.stored) existing.changed.add(col);
        }
        index(existing);
        slotOf.push(existing);
      }

      // The new contacts, staged in one statement (their ids are ours, chosen above).
      await insertStaged(
        trx,
        "contacts",
        created.map((s) => s.row),
      );
      const filled = new Set(slotOf.filter((s) => s.stored && s.changed.size > 0));
      if (filled.size) {
        // One statement: each stored contact's nulls filled from what the batch brought.
        const payload = [...filled].map((s) => Object.fromEntries([["id", s.row.id], ...[...s.changed].map((c) => [c, s.row[c]])]));
        const fill = CONTACT_FILL.map((c) => sql`${sql.ref(c)} = coalesce(c.${sql.ref(c)}, v.${sql.ref(c)})`);
        await sql`UPDATE contacts AS c SET ${sql.join(fill)}
          FROM jsonb_populate_recordset(NULL::contacts, ${jsonb(payload)}) AS v
          WHERE c.id = v.id`.execute(trx);
      }
      return slotOf.map((s, i) => ({ id: s.row.id as string, created: createdBy.get(s) === i }));
    });
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Contact[]> {
    return db.selectFrom("contacts").selectAll().where("offer_id", "=", offerId).orderBy("full_name").execute();
  },

  get(db: DbOrTrx, id: string): Promise<Contact | undefined> {
    return db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /**
   * Every contact row of the same person across all offers, matched by normalised email or
   * LinkedIn URL (the global 60-day rule and do-not-contact apply to all of them).
   */
  findPerson(db: DbOrTrx, person: { email?: string | null; linkedinUrl?: string | null }): Promise<Contact[]> {
    const email = person.email ? normalizeEmail(person.email) : null;
    const linkedin = person.linkedinUrl ? normalizeLinkedInUrl(person.linkedinUrl) : null;
    if (!email && !linkedin) return Promise.resolve([]);
    return db
      .selectFrom("contacts")
      .selectAll()
      .where((eb) => eb.or([...(email ? [eb("email", "=", email)] : []), ...(linkedin ? [eb("linkedin_url", "=", linkedin)] : [])]))
      .orderBy("created_at")
      .execute();
  },

  // Edits by hand (`offerlab contacts edit`): one transition per fact. The operation checks what
  // a person may change (operations' `editContact`); these write it.

  /** A person's notes on the contact, replacing the old ones (null clears them). */
  async writeNotes(db: DbOrTrx, id: string, notes: string | null): Promise<Contact> {
    return db.updateTable("contacts").set({ notes }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },

  /** The LinkedIn connection degree a person saw (1, 2, 3), or null when unknown. */
  async setConnectionDegree(db: DbOrTrx, id: string, degree: 1 | 2 | 3 | null): Promise<Contact> {
    return db.updateTable("contacts").set({ connection_degree: degree }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },

  /**
   * A pipeline status set by hand (`new`, `enriched`, `ready`, or `skip` with why); leaving `skip`
   * clears the skip reason.
   */
  async setPipelineStatus(
    db: DbOrTrx,
    id: string,
    status: "new" | "enriched" | "ready" | "skip",
    skipReason: string | null = null,
  ): Promise<Contact> {
    return db
      .updateTable("contacts")
      .set({ status, skip_reason: status === "skip" ? skipReason : null })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * The person must never be contacted again, by any offer: `do_not_contact` and not eligible on
   * every row of the person (`personIds`), and, for an opt-out (`unsubscribed`), that status on
   * the row it was said to. The caller stops their sequences and cancels their unsent sends in the
   * same transaction.
   */
  async markDoNotContact(db: DbOrTrx, personIds: readonly string[], optOut?: { contactId: string }): Promise<void> {
    if (personIds.length === 0) return;
    await db
      .updateTable("contacts")
      .set({ global_status: "do_not_contact", eligible_for_outreach: false })
      .where("id", "in", [...personIds])
      .execute();
    if (optOut) await db.updateTable("contacts").set({ status: "unsubscribed" }).where("id", "=", optOut.contactId).execute();
  },

  /**
   * A person who replied is released by hand: `replied` → `available` on every row of the person,
   * so new campaigns may start with them again (after the cooling-off window from our last touch,
   * which still applies). Rows with another global status are left alone. Returns how many moved.
   */
  async releaseReplied(db: DbOrTrx, personIds: readonly string[]): Promise<number> {
    if (personIds.length === 0) return 0;
    const rows = await db
      .updateTable("contacts")
      .set({ global_status: "available" })
      .where("id", "in", [...personIds])
      .where("global_status", "=", "replied")
      .returning("id")
      .execute();
    return rows.length;
  },

  /**
   * The `ready` transition (docs/contact-status.md): an `enriched` contact becomes `ready` when it
   * is reachable (an email whose status is `valid` or `risky`, or a LinkedIn URL), eligible
   * (`eligible_for_outreach`), not held for good across offers (`global_status` not
   * `do_not_contact` or `replied`) and matched by no suppression entry; a `ready` contact that no
   * longer is goes back to `enriched`. No other status moves (a contacted person is past both).
   * Cooling off is not part of it: it ends by itself on a date, and enrolment and the send path
   * check it at their own time. One statement; returns how many rows became ready and unready.
   */
  async refreshReadiness(db: DbOrTrx, contactIds: readonly string[]): Promise<{ ready: number; unready: number }> {
    const ids = [...new Set(contactIds)];
    if (ids.length === 0) return { ready: 0, unready: 0 };
    const { rows } = await sql<{ status: "ready" | "enriched" }>`
      UPDATE contacts AS u SET status = v.next
      FROM (
        SELECT ct.id, CASE WHEN ct.eligible_for_outreach
            AND ct.global_status NOT IN ('do_not_contact', 'replied')
            AND ((ct.email IS NOT NULL AND ct.email_status IN ('valid', 'risky')) OR ct.linkedin_url IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE ${suppressionMatchesContact})
          THEN 'ready' ELSE 'enriched' END AS next
        FROM contacts ct LEFT JOIN companies co ON co.id = ct.company_id
        WHERE ct.id IN (${sql.join(ids.map((id) => sql`${id}::uuid`))}) AND ct.status IN ('enriched', 'ready')
      ) AS v
      WHERE u.id = v.id AND u.status IN ('enriched', 'ready') AND u.status <> v.next
      RETURNING u.status`.execute(db);
    return { ready: rows.filter((r) => r.status === "ready").length, unready: rows.filter((r) => r.status === "enriched").length };
  },

  /**
   * Records what an email finder and verifier found for a contact: the status (`failed` when
   * nothing was found), who said so, when, the address when one was found, and `enriched` for a
   * `new` contact with a valid or risky address, then `ready` when it is also eligible
   * (`refreshReadiness`). When the address already belongs to another
   * contact of the offer (the same person found twice), the contact is set aside instead
   * (`skip`, `duplicate_email`) and `duplicate_email` is returned. Run it outside a transaction
   * (the refused write would abort the caller's).
   */
  async recordEmailCheck(
    db: DbOrTrx,
    contact: { id: string; status: string },
    check: { status: EmailStatus; email?: string | null; source: string | null; at: Date },
  ): Promise<"recorded" | "duplicate_email"> {
    const set = {
      email_status: check.status === "unknown" && !check.email ? ("failed" as const) : check.status,
      email_verification_source: check.source,
      email_checked_at: check.at,
      ...(check.email ? { email: check.email } : {}),
      ...((check.status === "valid" || check.status === "risky") && contact.status === "new" ? { status: "enriched" as const } : {}),
    };
    try {
      await db.updateTable("contacts").set(set).where("id", "=", contact.id).execute();
      // Enrichment done: ready when reachable and eligible (or back to enriched when no longer).
      await contacts.refreshReadiness(db, [contact.id]);
      return "recorded";
    } catch (error) {
      if ((error as { code?: string }).code !== "23505") throw error;
      await db
        .updateTable("contacts")
        .set({ email_checked_at: check.at, status: "skip", skip_reason: "duplicate_email" })
        .where("id", "=", contact.id)
        .execute();
      return "duplicate_email";
    }
  },

  /**
   * Contacts of an offer whose LinkedIn connection degree is unknown and was never looked up (no
   * successful `profile_view` in `account_activity`), that have a LinkedIn URL and are not parked
   * (`skip`) nor do-not-contact: best company fit first, as enrolment orders them.
   */
  awaitingDegreeLookup(db: DbOrTrx, offerId: string, limit: number): Promise<{ id: string; linkedin_url: string }[]> {
    return db
      .selectFrom("contacts as ct")
      .innerJoin("companies as co", "co.id", "ct.company_id")
      .select(["ct.id", "ct.linkedin_url"])
      .where("ct.offer_id", "=", offerId)
      .where("ct.connection_degree", "is", null)
      .where("ct.linkedin_url", "is not", null)
      .where("ct.status", "<>", "skip")
      .where("ct.global_status", "<>", "do_not_contact")
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("account_activity as aa")
              .select("aa.id")
              .whereRef("aa.contact_id", "=", "ct.id")
              .where("aa.action_type", "=", "profile_view")
              .where("aa.status", "=", "success"),
          ),
        ),
      )
      .orderBy(sql`co.fit_score DESC NULLS LAST`)
      .orderBy(sql`ct.buyer_fit_score DESC NULLS LAST`)
      .orderBy("ct.linkedin_url")
      .orderBy("ct.id")
      .limit(limit)
      .execute() as Promise<{ id: string; linkedin_url: string }[]>;
  },

  /**
   * Records the connection degree LinkedIn reported for a contact (1, 2 or 3). A lookup that gave
   * no degree (out of network, or a value we do not know) changes nothing: the degree stays NULL.
   */
  async recordConnectionDegree(db: DbOrTrx, contactId: string, degree: 1 | 2 | 3 | null): Promise<void> {
    if (degree === null) return;
    await db.updateTable("contacts").set({ connection_degree: degree }).where("id", "=", contactId).execute();
  },

  /**
   * Stores on each contact why a campaign's enrolment skipped it, in the seed's vocabulary
   * (`1st_degree`, `already_contacted`, `no_email`). A reason the pipeline set (`low_buyer_fit`,
   * `duplicate_email` …) is kept: only an empty reason or an earlier enrolment reason is replaced.
   */
  async markSkippedAtEnrolment(db: DbOrTrx, skips: readonly { contactId: string; reason: EnrolmentSkipReasonStored }[]): Promise<void> {
    for (const reason of ENROLMENT_SKIP_REASONS) {
      const ids = skips.filter((s) => s.reason === reason).map((s) => s.contactId);
      for (let i = 0; i < ids.length; i += 1000) {
        await db
          .updateTable("contacts")
          .set({ skip_reason: reason })
          .where("id", "in", ids.slice(i, i + 1000))
          .where((eb) => eb.or([eb("skip_reason", "is", null), eb("skip_reason", "in", [...ENROLMENT_SKIP_REASONS])]))
          .execute();
      }
    }
  },

  /** Clears an enrolment skip reason from contacts a campaign has just enrolled (the pipeline's reasons stay). */
  async clearEnrolmentSkip(db: DbOrTrx, contactIds: readonly string[]): Promise<void> {
    for (let i = 0; i < contactIds.length; i += 1000) {
      await db
        .updateTable("contacts")
        .set({ skip_reason: null })
        .where("id", "in", contactIds.slice(i, i + 1000))
        .where("skip_reason", "in", [...ENROLMENT_SKIP_REASONS])
        .execute();
    }
  },
};

/** The skip reasons enrolment stores on a contact: the schema document's seed vocabulary. */
export const ENROLMENT_SKIP_REASONS = ["1st_degree", "already_contacted", "no_email"] as const;
export type EnrolmentSkipReasonStored = (typeof ENROLMENT_SKIP_REASONS)[number];

/**
 * What merging `incoming` into `existing` writes: each fill column `existing` lacks and `incoming`
 * has, except a key that `other` (the contact the other key matched) holds.
 */
function fillOf(
  existing: Record<string, unknown>,
  incoming: Record<string, unknown>,
  other: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const col of CONTACT_FILL) {
    const value = incoming[col];
    if (value === undefined || value === null) continue;
    if (existing[col] !== null && existing[col] !== undefined) continue;
    if (col === "linkedin_url" && other?.linkedin_url === value) continue;
    if (col === "email" && other?.email === value) continue;
    set[col] = value;
  }
  return set;
}
