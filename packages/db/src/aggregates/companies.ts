/**
 * The company aggregate: every write of `companies` in this package.
 *
 * Merge rule (one rule, for one row and for a batch): a company is keyed by its offer and its
 * normalised domain; a new non-null value fills a null, an existing value is never blanked or
 * replaced; `signals` are merged key by key, newer keys winning (signals are dated facts);
 * `status` and `source_tool` keep their first value.
 *
 * Status after that moves by one named transition, `advanceStatus` (and its names for the send
 * path's facts, `markContacted`, `markResponded`): forward only, by core's `companyStatusAdvance`.
 */
import { randomUUID } from "node:crypto";
import {
  CompanyInsert,
  ValidationError,
  companyStatusAdvance,
  companyStatusesBefore,
  normalizeDomain,
  parseOrThrow,
  type CompanyStatus,
  type FieldIssue,
} from "@offerlab/core";
import { sql, type Expression, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import { inTransaction, isInTransaction, type DbOrTrx } from "../transaction.js";
import { encode, rowsPerStatement } from "./shared.js";

export type Company = Selectable<Database["companies"]>;

/** Columns a later write may fill on a stored company (when they are null there). */
const COMPANY_FILL = [
  "name",
  "url",
  "description",
  "size",
  "size_exact",
  "vertical",
  "industry",
  "headquarters_city",
  "headquarters_state",
  "headquarters_country",
  "fit_score",
  "fit_reasoning",
  "priority",
  "source_query",
  "source_raw",
  "disqualification_reason",
] as const;

type Parsed = ReturnType<typeof CompanyInsert.parse> & { domain: string | null };

/** Validates a company and normalises its domain; `subject` names it in the ValidationError. */
function parseCompany(input: unknown, subject: string): Parsed {
  const data = parseOrThrow(CompanyInsert, input, subject);
  const domain = data.domain == null ? null : normalizeDomain(data.domain);
  if (data.domain != null && domain === null) {
    throw new ValidationError(subject, [{ field: "domain", message: `"${data.domain}" is not a domain; pass e.g. "acme.com" or a URL` }]);
  }
  return { ...data, domain };
}

/**
 * Folds `later` into `into` by the merge rule, as if `later` were upserted after `into`: fill
 * columns fill nulls, signals merge with `later`'s keys winning, everything else keeps its value.
 */
function mergeInto(into: Parsed, later: Parsed): void {
  const target = into as Record<string, unknown>;
  for (const col of COMPANY_FILL) {
    const v = (later as Record<string, unknown>)[col];
    if ((target[col] === null || target[col] === undefined) && v !== null && v !== undefined) target[col] = v;
  }
  if (later.signals !== undefined) into.signals = { ...(into.signals ?? {}), ...later.signals };
}

/** Options of {@link companies.upsertMany}. */
export interface CompanyUpsertManyOptions {
  /**
   * Rows without a domain merge (by the same rule) into the offer's company without a domain of
   * the same name, compared case-insensitively, when there is one (the oldest, if several), and
   * into each other. Default false: like {@link companies.upsert}, a row without a domain is
   * always a new company.
   */
  matchNameWithoutDomain?: boolean;
}

export const companies = {
  /**
   * Inserts a company or merges it into the one with the same normalised domain for the offer
   * (see the module note for the merge rule). Returns the row and whether it was new.
   */
  async upsert(db: DbOrTrx, input: unknown): Promise<{ company: Company; created: boolean }> {
    const data = parseCompany(input, "company");
    const values = encode("companies", data);
    if (data.domain === null) {
      const company = await db
        .insertInto("companies")
        .values(values as never)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { company, created: true };
    }
    const row = await db
      .insertInto("companies")
      .values(values as never)
      .onConflict((oc) => oc.columns(["offer_id", "domain"]).doUpdateSet(mergeSet as never))
      .returningAll()
      .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
      .executeTakeFirstOrThrow();
    const { inserted, ...company } = row as Company & { inserted: boolean };
    return { company, created: inserted };
  },

  /**
   * {@link companies.upsert} for many rows at once, with the same validation and the same merge
   * rule, in one transaction (the caller's, when `db` is one): one statement for the rows with a
   * domain (an upsert), and at most one insert and one update for the rows without. Rows of the
   * batch with the same key are merged first, in order, as if upserted one after the other.
   * Every row is validated before anything is written; bad rows throw one ValidationError whose
   * fields are prefixed with the row's position (`3.domain`). Returns, per input in order, the id of
   * the company it went to and whether it created it (a row merged into an earlier row of the
   * batch gets `created: false`). A batch is for volume: the rows are not sent back.
   */
  async upsertMany(
    db: DbOrTrx,
    inputs: readonly unknown[],
    options: CompanyUpsertManyOptions = {},
  ): Promise<{ id: string; created: boolean }[]> {
    const issues: FieldIssue[] = [];
    const parsed: Parsed[] = [];
    for (const [i, input] of inputs.entries()) {
      try {
        parsed.push(parseCompany(input, `company ${i + 1}`));
      } catch (error) {
        if (!ValidationError.isInstance(error)) throw error;
        issues.push(...error.issues.map((x) => ({ field: `${i + 1}.${x.field}`, message: x.message })));
      }
    }
    if (issues.length) throw new ValidationError("companies", issues);
    if (parsed.length === 0) return [];

    // One entry per key: the batch's rows folded together in order.
    const groups = new Map<string, { data: Parsed; inputs: number[] }>();
    const keyOf = (d: Parsed, i: number) =>
      d.domain !== null
        ? `${d.offer_id}|d:${d.domain}`
        : options.matchNameWithoutDomain
          ? `${d.offer_id}|n:${d.name.toLowerCase()}`
          : `#${i}`;
    for (const [i, d] of parsed.entries()) {
      const key = keyOf(d, i);
      const group = groups.get(key);
      if (group) {
        mergeInto(group.data, d);
        group.inputs.push(i);
      } else groups.set(key, { data: { ...d, ...(d.signals ? { signals: { ...d.signals } } : {}) }, inputs: [i] });
    }

    return inTransaction(db, async (trx) => {
      const byKey = new Map<string, { id: string; created: boolean }>();
      const withDomain = [...groups].filter(([, g]) => g.data.domain !== null);
      const rows = withDomain.map(([, g]) => encode("companies", g.data));
      const per = rowsPerStatement(rows);
      for (let at = 0; at < rows.length; at += per) {
        const res = await trx
          .insertInto("companies")
          .values(rows.slice(at, at + per) as never)
          .onConflict((oc) => oc.columns(["offer_id", "domain"]).doUpdateSet(mergeSet as never))
          .returning(["id", "offer_id", "domain", sql<boolean>`(xmax = 0)`.as("inserted")])
          .execute();
        for (const r of res) byKey.set(`${r.offer_id}|d:${r.domain}`, { id: r.id, created: r.inserted });
      }

      const withoutDomain = [...groups].filter(([, g]) => g.data.domain === null);
      const matched = new Map<string, string>();
      if (options.matchNameWithoutDomain && withoutDomain.length) {
        const offerIds = [...new Set(withoutDomain.map(([, g]) => g.data.offer_id))];
        const names = [...new Set(withoutDomain.map(([, g]) => g.data.name.toLowerCase()))];
        const stored = await trx
          .selectFrom("companies")
          .select(["id", "offer_id", sql<string>`lower(name)`.as("lname")])
          .where("offer_id", "in", offerIds)
          .where("domain", "is", null)
          .where(sql<string>`lower(name)`, "in", names)
          .orderBy("created_at")
          .orderBy("id")
          .execute();
        for (const s of stored) {
          const key = `${s.offer_id}|n:${s.lname}`;
          if (!matched.has(key)) matched.set(key, s.id);
        }
      }
      const fresh = withoutDomain.filter(([key]) => !matched.has(key));
      const freshRows = fresh.map(([key, g]) => {
        const id = g.data.id ?? randomUUID();
        byKey.set(key, { id, created: true });
        return encode("companies", { ...g.data, id });
      });
      const perFresh = rowsPerStatement(freshRows);
      for (let at = 0; at < freshRows.length; at += perFresh)
        await trx
          .insertInto("companies")
          .values(freshRows.slice(at, at + perFresh) as never)
          .execute();
      const merges = withoutDomain.filter(([key]) => matched.has(key));
      if (merges.length) {
        // One statement: each stored company's nulls filled from its row, signals merged.
        const payload = merges.map(([key, g]) => ({ ...g.data, id: matched.get(key)! }));
        const fill = COMPANY_FILL.map((c) => sql`${sql.ref(c)} = coalesce(c.${sql.ref(c)}, v.${sql.ref(c)})`);
        await sql`UPDATE companies AS c SET ${sql.join(fill)}, signals = c.signals || coalesce(v.signals, '{}'::jsonb)
          FROM jsonb_populate_recordset(NULL::companies, ${jsonb(payload)}) AS v
          WHERE c.id = v.id`.execute(trx);
        for (const [key] of merges) byKey.set(key, { id: matched.get(key)!, created: false });
      }

      const out: { id: string; created: boolean }[] = new Array(parsed.length);
      for (const [key, g] of groups) {
        const hit = byKey.get(key)!;
        g.inputs.forEach((i, n) => (out[i] = n === 0 ? hit : { id: hit.id, created: false }));
      }
      return out;
    });
  },

  /**
   * For a company found without a domain: the offer's company of the same name (any case, with or
   * without a domain; the oldest), left as it is, or the input inserted when there is none.
   * Validates the input first. Returns the row and whether it was new.
   */
  async createUnlessNamed(db: DbOrTrx, input: unknown): Promise<{ company: Company; created: boolean }> {
    const data = parseCompany(input, "company");
    const existing = await db
      .selectFrom("companies")
      .selectAll()
      .where("offer_id", "=", data.offer_id)
      .where(sql<string>`lower(name)`, "=", data.name.toLowerCase())
      .orderBy("created_at")
      .executeTakeFirst();
    if (existing) return { company: existing, created: false };
    const company = await db
      .insertInto("companies")
      .values(encode("companies", data) as never)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { company, created: true };
  },

  /** Merges `signals` into a company's signals key by key, the new keys winning (signals are dated facts). */
  async mergeSignals(db: DbOrTrx, id: string, signals: Record<string, unknown>): Promise<void> {
    await db
      .updateTable("companies")
      .set({ signals: sql`signals || ${jsonb(signals)}` as never })
      .where("id", "=", id)
      .execute();
  },

  /**
   * Moves a company's status towards `to` when the lifecycle allows it (core's
   * `companyStatusAdvance`: forward only, `rejected` and `disqualified` left only for a meeting or
   * a conversion). One guarded statement decides: the update applies only while the row's latest
   * status is one the rule lets reach `to`, so a racing writer cannot move it back. Returns the
   * move, or null when the company was already there or beyond (or does not exist).
   *
   * No `SELECT … FOR UPDATE` first: the send path calls this while its inserts (messages, history)
   * hold KEY SHARE locks on the same company row through their foreign keys, and two runners each
   * upgrading to FOR UPDATE deadlock. The update's own lock (FOR NO KEY UPDATE) does not conflict
   * with KEY SHARE, and once the company is past `to` the statement matches nothing and locks
   * nothing. `from` is read just before, without a lock: a report, never the guard.
   */
  async advanceStatus(db: DbOrTrx, id: string, to: CompanyStatus): Promise<{ from: CompanyStatus; to: CompanyStatus } | null> {
    const current = await db.selectFrom("companies").select("status").where("id", "=", id).executeTakeFirst();
    if (!current || companyStatusAdvance(current.status, to) !== to) return null;
    const moved = await db
      .updateTable("companies")
      .set({ status: to })
      .where("id", "=", id)
      .where("status", "in", companyStatusesBefore(to))
      .returning("id")
      .executeTakeFirst();
    return moved ? { from: current.status, to } : null;
  },

  /** The send path's fact "we sent to someone at this company": `contacted`, from `new` or `qualified` only. */
  markContacted(db: DbOrTrx, id: string): Promise<{ from: CompanyStatus; to: CompanyStatus } | null> {
    return companies.advanceStatus(db, id, "contacted");
  },

  /**
   * `markContacted` as one guarded update, unexecuted: for a CTE of a larger statement (the send
   * path's record), with `gate` a condition the update waits for. The guard is `advanceStatus`'s
   * own (forward only); it does not say which status it left.
   */
  markContactedQuery(db: Pick<DbOrTrx, "updateTable">, id: string, gate?: Expression<SqlBool>) {
    const update = db
      .updateTable("companies")
      .set({ status: "contacted" })
      .where("id", "=", id)
      .where("status", "in", companyStatusesBefore("contacted"));
    return (gate ? update.where(gate) : update).returning("id");
  },

  /** A reply from someone at this company: `responded`, from `new`, `qualified` or `contacted` only. */
  markResponded(db: DbOrTrx, id: string): Promise<{ from: CompanyStatus; to: CompanyStatus } | null> {
    return companies.advanceStatus(db, id, "responded");
  },

  /**
   * A company disqualified by hand, with why. The caller stops the sequences of its contacts and
   * cancels their unsent sends in the same transaction (operations' `editCompany`).
   */
  async disqualify(db: DbOrTrx, id: string, reason: string): Promise<Company> {
    return db
      .updateTable("companies")
      .set({ status: "disqualified", disqualification_reason: reason })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** A company put back to `new` or `qualified` by hand; a disqualification reason is cleared. */
  async setStatusByHand(db: DbOrTrx, id: string, status: "new" | "qualified"): Promise<Company> {
    return db
      .updateTable("companies")
      .set({ status, disqualification_reason: null })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Ids of the company's contacts. */
  async contactIds(db: DbOrTrx, id: string): Promise<string[]> {
    return (await db.selectFrom("contacts").select("id").where("company_id", "=", id).orderBy("id").execute()).map((r) => r.id);
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Company[]> {
    return db.selectFrom("companies").selectAll().where("offer_id", "=", offerId).orderBy("name").execute();
  },

  get(db: DbOrTrx, id: string): Promise<Company | undefined> {
    return db.selectFrom("companies").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /**
   * The company of each reference, found in the offer or created: by normalised domain first
   * (created with the reference's name, else the domain, when missing), else by name compared
   * case-insensitively (a company with a domain preferred, then the oldest; created without a
   * domain when missing). A found company is not changed. Returns the company id per reference,
   * in order, and how many companies were created. References are checked first: each needs a
   * domain or a name.
   */
  async findOrCreateMany(
    db: DbOrTrx,
    offerId: string,
    refs: readonly { domain?: string | null; name?: string | null }[],
    options: { sourceTool: string },
  ): Promise<{ ids: string[]; created: number }> {
    const issues: FieldIssue[] = [];
    const keys = refs.map((r, i) => {
      const domain = r.domain == null || r.domain === "" ? null : normalizeDomain(r.domain);
      if (r.domain != null && r.domain !== "" && domain === null)
        issues.push({ field: `${i + 1}.domain`, message: `"${r.domain}" is not a domain` });
      const name = r.name?.trim() || null;
      if (!domain && !name) issues.push({ field: `${i + 1}.name`, message: "is required: give the company a domain or a name" });
      return { domain, name };
    });
    if (issues.length) throw new ValidationError("company references", issues);
    let created = 0;
    const rowCheck = (row: Record<string, unknown>, subject: string) => parseOrThrow(CompanyInsert, row, subject);

    return inTransaction(db, async (trx) => {
      const domains = [...new Set(keys.map((k) => k.domain).filter((x): x is string => !!x))];
      const byDomain = new Map<string, string>();
      if (domains.length) {
        const found = await trx
          .selectFrom("companies")
          .select(["id", "domain"])
          .where("offer_id", "=", offerId)
          .where("domain", "in", domains)
          .execute();
        for (const c of found) byDomain.set(c.domain!, c.id);
        const missing = domains.filter((d) => !byDomain.has(d));
        if (missing.length) {
          const nameOf = new Map<string, string>();
          for (const k of keys) if (k.domain && k.name && !nameOf.has(k.domain)) nameOf.set(k.domain, k.name);
          const rows = missing.map((d) =>
            rowCheck(
              { offer_id: offerId, name: nameOf.get(d) ?? d, domain: d, url: `https://${d}`, source_tool: options.sourceTool },
              "company",
            ),
          );
          const per = rowsPerStatement(rows);
          for (let at = 0; at < rows.length; at += per) {
            const res = await trx
              .insertInto("companies")
              .values(rows.slice(at, at + per) as never)
              .onConflict((oc) => oc.columns(["offer_id", "domain"]).doNothing())
              .returning(["id", "domain"])
              .execute();
            created += res.length;
            for (const c of res) byDomain.set(c.domain!, c.id);
          }
        }
      }
      const names = [...new Set(keys.filter((k) => !k.domain).map((k) => k.name!.toLowerCase()))];
      const byName = new Map<string, string>();
      if (names.length) {
        const found = await trx
          .selectFrom("companies")
          .select(["id", sql<string>`lower(name)`.as("lname")])
          .where("offer_id", "=", offerId)
          .where(sql<string>`lower(name)`, "in", names)
          .orderBy(sql`domain IS NULL`)
          .orderBy("created_at")
          .execute();
        for (const c of found) if (!byName.has(c.lname)) byName.set(c.lname, c.id);
        const missing = names.filter((n) => !byName.has(n));
        if (missing.length) {
          const display = new Map<string, string>();
          for (const k of keys) if (!k.domain && !display.has(k.name!.toLowerCase())) display.set(k.name!.toLowerCase(), k.name!);
          const rows = missing.map((n) =>
            rowCheck({ offer_id: offerId, name: display.get(n)!, source_tool: options.sourceTool }, "company"),
          );
          const per = rowsPerStatement(rows);
          for (let at = 0; at < rows.length; at += per) {
            const res = await trx
              .insertInto("companies")
              .values(rows.slice(at, at + per) as never)
              .returning(["id", sql<string>`lower(name)`.as("lname")])
              .execute();
            created += res.length;
            for (const c of res) byName.set(c.lname, c.id);
          }
        }
      }
      // Many companies of one offer, new to the planner: until the table's statistics count them,
      // an equality on offer_id looks selective, and the foreign-key check of each contact written
      // at one of them (contacts (company_id, offer_id) → companies (id, offer_id)) may be planned on
      // the offer's index, reading every company of the offer per contact (at 2,000 companies,
      // half of a 100k import's time). The column's statistics, refreshed here (they see this
      // transaction's rows), let the check be planned on the key. In a caller's transaction that
      // calls again and again (an import, batch after batch), they are refreshed each time the
      // companies it created have doubled: a handful of times, whatever the file's size. (ANALYZE
      // holds a SHARE UPDATE EXCLUSIVE lock on companies until the transaction ends: reads and writes
      // go on, but a second transaction's refresh, or a VACUUM of companies, waits for it.)
      if (created > 0) {
        const tally = isInTransaction(db) ? (createdIn.get(db) ?? { created: 0, analyzedAt: 0 }) : { created: 0, analyzedAt: 0 };
        tally.created += created;
        if (isInTransaction(db)) createdIn.set(db, tally);
        if (tally.created >= ANALYZE_AFTER_CREATED && tally.created >= 2 * tally.analyzedAt) {
          await sql`ANALYZE companies (offer_id)`.execute(trx);
          tally.analyzedAt = tally.created;
        }
      }
      return { ids: keys.map((k) => (k.domain ? byDomain.get(k.domain)! : byName.get(k.name!.toLowerCase())!)), created };
    });
  },
};

/** Companies created (by one call, or in one caller's transaction) from which `findOrCreateMany` refreshes the statistics of `companies.offer_id`. */
const ANALYZE_AFTER_CREATED = 100;
/** Per caller's transaction: the companies `findOrCreateMany` created in it, and how many there were at the last refresh. */
const createdIn = new WeakMap<object, { created: number; analyzedAt: number }>();

/** The ON CONFLICT update of the merge rule: fill nulls, merge signals. */
function mergeSet(eb: { fn: { coalesce: (...args: unknown[]) => unknown }; ref: (r: string) => unknown }): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const col of COMPANY_FILL) set[col] = eb.fn.coalesce(eb.ref(`companies.${col}`), eb.ref(`excluded.${col}`));
  set.signals = sql`companies.signals || excluded.signals`;
  return set;
}
