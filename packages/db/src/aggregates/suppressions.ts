/**
 * The suppression aggregate: every write of `suppressions`, and the one question the rest of the
 * system asks it — is this contact suppressed? — by its email, its LinkedIn URL, its email's
 * domain or its company's domain. Values are stored normalised (core's normalize.ts), so a lookup
 * compares like with like; contacts' emails and LinkedIn URLs are stored normalised too.
 */
import {
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedInUrl,
  ValidationError,
  type SuppressionKind,
  type SuppressionSource,
} from "@offerlab/core";
import { sql, type Expression, type Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import type { DbOrTrx } from "../transaction.js";
import { chunks } from "./shared.js";

export type Suppression = Selectable<Database["suppressions"]>;
type Contact = Selectable<Database["contacts"]>;

/** What `suppressions.add` accepts. `value` is normalised for its kind. */
export interface SuppressionAddInput {
  kind: SuppressionKind;
  value: string;
  reason: string;
  /** Default `manual`. */
  source?: SuppressionSource;
  /** When the entry is added (`created_at`): the caller's clock (simulated in a sandbox run). Default: the database's `now()`. */
  at?: Date;
}

/** The normalised value of `value` as a `kind` entry, or null when it is not one. */
export function normalizeSuppressionValue(kind: SuppressionKind, value: string): string | null {
  switch (kind) {
    case "email":
      return normalizeEmail(value);
    case "linkedin":
      return normalizeLinkedInUrl(value);
    case "domain":
      return normalizeDomain(value);
  }
}

function parseAdd(input: SuppressionAddInput): { kind: SuppressionKind; value: string; reason: string; source: SuppressionSource } {
  const value = normalizeSuppressionValue(input.kind, input.value);
  const issues = [];
  if (value === null) issues.push({ field: "value", message: `"${input.value}" is not a valid ${input.kind}` });
  if (!input.reason || input.reason.trim() === "") issues.push({ field: "reason", message: "is required (say why)" });
  if (issues.length || value === null) throw new ValidationError("suppression", issues);
  return { kind: input.kind, value, reason: input.reason.trim(), source: input.source ?? "manual" };
}

/** The SQL condition "suppression `s` matches the contact `ct` (joined with its company `co`)". */
export const suppressionMatchesContact = sql<boolean>`(
  (s.kind = 'email' AND s.value = ct.email)
  OR (s.kind = 'linkedin' AND s.value = ct.linkedin_url)
  OR (s.kind = 'domain' AND (s.value = split_part(ct.email, '@', 2) OR s.value = co.domain))
)`;

/** The suppression entry's columns on each row of `ofPersonQuery` (all null when none matches). */
type SupColumns = {
  sup_id: string | null;
  sup_kind: Suppression["kind"] | null;
  sup_value: string | null;
  sup_reason: string | null;
  sup_source: Suppression["source"] | null;
  sup_created_at: Date | null;
};

export const suppressions = {
  /**
   * Adds an entry, idempotently: an entry already there for the same kind and normalised value is
   * kept as it was (its reason and source too). `created` says whether this call added it.
   */
  async add(db: DbOrTrx, input: SuppressionAddInput): Promise<{ suppression: Suppression; created: boolean }> {
    const data = parseAdd(input);
    const inserted = await db
      .insertInto("suppressions")
      .values({ ...data, ...(input.at ? { created_at: input.at } : {}) })
      .onConflict((oc) => oc.columns(["kind", "value"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { suppression: inserted, created: true };
    const existing = await db
      .selectFrom("suppressions")
      .selectAll()
      .where("kind", "=", data.kind)
      .where("value", "=", data.value)
      .executeTakeFirstOrThrow();
    return { suppression: existing, created: false };
  },

  /** Removes the entry of `kind` and `value` (normalised), or null when there was none. */
  async remove(db: DbOrTrx, kind: SuppressionKind, value: string): Promise<Suppression | null> {
    const normalised = normalizeSuppressionValue(kind, value);
    if (normalised === null) return null;
    return (
      (await db.deleteFrom("suppressions").where("kind", "=", kind).where("value", "=", normalised).returningAll().executeTakeFirst()) ??
      null
    );
  },

  /** Every entry, by kind then value. */
  async list(db: DbOrTrx, filter: { kind?: SuppressionKind } = {}): Promise<Suppression[]> {
    let q = db.selectFrom("suppressions").selectAll().orderBy("kind").orderBy("value");
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    return q.execute();
  },

  /** The first entry (by kind, value) that suppresses this contact, or null. */
  async forContact(db: DbOrTrx, contactId: string): Promise<Suppression | null> {
    return (await suppressions.forContacts(db, [contactId])).get(contactId) ?? null;
  },

  /**
   * The entry that suppresses each of `contactIds` (one per contact, the first by kind and value);
   * contacts not suppressed are absent from the map. One statement per 500 contacts.
   */
  async forContacts(db: DbOrTrx, contactIds: readonly string[]): Promise<Map<string, Suppression>> {
    const found = new Map<string, Suppression>();
    for (const part of chunks([...new Set(contactIds)])) {
      const rows = await db
        .selectFrom("contacts as ct")
        .leftJoin("companies as co", "co.id", "ct.company_id")
        .innerJoin("suppressions as s", (join) => join.on(suppressionMatchesContact))
        .select(["ct.id as contact_id", "s.id", "s.kind", "s.value", "s.reason", "s.source", "s.created_at"])
        .where("ct.id", "in", part)
        .orderBy("ct.id")
        .orderBy("s.kind")
        .orderBy("s.value")
        .execute();
      for (const { contact_id, ...s } of rows) if (!found.has(contact_id)) found.set(contact_id, s);
    }
    return found;
  },

  /**
   * Every contact row of one person (any offer: the same id, normalised email or LinkedIn URL as
   * `contact`) and the suppression entry that stops them — the first (by kind, value) of the first
   * row that has one — or null, read in one statement: the send path's claim asks both at once.
   */
  async ofPerson(
    db: DbOrTrx,
    contact: { id: string; email: string | null; linkedin_url: string | null },
  ): Promise<{ person: Contact[]; suppression: Suppression | null }> {
    const email = contact.email ? normalizeEmail(contact.email) : null;
    const linkedin = contact.linkedin_url ? normalizeLinkedInUrl(contact.linkedin_url) : null;
    return suppressions.personFromRows(await suppressions.ofPersonQuery(db, { id: contact.id, email, linkedin }).execute());
  },

  /**
   * `ofPerson`'s read, unexecuted, by the person's keys (normalised; each may be an expression, e.g.
   * the stored key of a contact row, or null): the send path's claim adds the rest of what it reads
   * to the same statement. Each row is a contact row (`ct.*`) with its entry's `sup_*` columns;
   * {@link personFromRows} turns them into `ofPerson`'s answer.
   */
  ofPersonQuery(
    db: Pick<DbOrTrx, "selectFrom">,
    keys: { id: string; email: string | null | Expression<string | null>; linkedin: string | null | Expression<string | null> },
  ) {
    return db
      .selectFrom("contacts as ct")
      .leftJoin("companies as co", "co.id", "ct.company_id")
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom("suppressions as s")
            .selectAll("s")
            .where(suppressionMatchesContact)
            .orderBy("s.kind")
            .orderBy("s.value")
            .limit(1)
            .as("sup"),
        (join) => join.onTrue(),
      )
      .selectAll("ct")
      .select([
        "sup.id as sup_id",
        "sup.kind as sup_kind",
        "sup.value as sup_value",
        "sup.reason as sup_reason",
        "sup.source as sup_source",
        "sup.created_at as sup_created_at",
      ])
      .where((eb) =>
        eb.or([
          eb("ct.id", "=", keys.id),
          ...(keys.email !== null ? [eb("ct.email", "=", keys.email)] : []),
          ...(keys.linkedin !== null ? [eb("ct.linkedin_url", "=", keys.linkedin)] : []),
        ]),
      );
  },

  /** `ofPerson`'s answer from the rows of {@link ofPersonQuery} (other columns of the rows are kept on each contact row). */
  personFromRows<R extends Contact & SupColumns>(
    rows: readonly R[],
  ): { person: Omit<R, keyof SupColumns>[]; suppression: Suppression | null } {
    let suppression: Suppression | null = null;
    const person: Omit<R, keyof SupColumns>[] = [];
    for (const { sup_id, sup_kind, sup_value, sup_reason, sup_source, sup_created_at, ...row } of rows) {
      person.push(row);
      // A left join: the entry's columns are all null, or all set (each is NOT NULL in the table).
      if (
        !suppression &&
        sup_id !== null &&
        sup_kind !== null &&
        sup_value !== null &&
        sup_reason !== null &&
        sup_source !== null &&
        sup_created_at !== null
      ) {
        suppression = { id: sup_id, kind: sup_kind, value: sup_value, reason: sup_reason, source: sup_source, created_at: sup_created_at };
      }
    }
    return { person, suppression };
  },

  /** Ids of every contact row (of any offer) that `entry` suppresses. */
  async contactsMatching(db: DbOrTrx, entry: Pick<Suppression, "kind" | "value">): Promise<string[]> {
    const rows = await db
      .selectFrom("contacts as ct")
      .leftJoin("companies as co", "co.id", "ct.company_id")
      .select("ct.id")
      .where((eb) => {
        switch (entry.kind) {
          case "email":
            return eb("ct.email", "=", entry.value);
          case "linkedin":
            return eb("ct.linkedin_url", "=", entry.value);
          case "domain":
            return eb.or([eb(sql`split_part(ct.email, '@', 2)`, "=", entry.value), eb("co.domain", "=", entry.value)]);
        }
      })
      .orderBy("ct.id")
      .execute();
    return rows.map((r) => r.id);
  },
};
