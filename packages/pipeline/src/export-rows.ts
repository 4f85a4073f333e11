/**
 * Exporting companies, contacts and leads as flat rows (for CSV), read in pages so an export of
 * any size streams: `for await (const row of exportRows(db, "leads", { offerId }))`.
 *
 * Column names match the import fields where they overlap, so an exported file imports back
 * unchanged (`offerlab export contacts > c.csv && offerlab import contacts c.csv`).
 */
import type { Db } from "@offerlab/db";
import { sql } from "kysely";
import { PipelineInputError } from "./offer.js";

export type ExportKind = "leads" | "companies" | "contacts";
export const exportKinds: readonly ExportKind[] = ["leads", "companies", "contacts"];

/** One exported row: text, numbers, booleans or empty (dates as ISO-8601). */
export type ExportRow = Record<string, string | number | boolean | null>;

const COMPANY = [
  "id",
  "offer",
  "name",
  "domain",
  "url",
  "industry",
  "vertical",
  "size",
  "size_exact",
  "headquarters_city",
  "headquarters_state",
  "headquarters_country",
  "fit_score",
  "priority",
  "status",
  "disqualification_reason",
  "fit_reasoning",
  "website_headline",
  "website_summary",
  "website_hiring",
  "source_tool",
  "created_at",
] as const;

const CONTACT = [
  "id",
  "offer",
  "full_name",
  "first_name",
  "last_name",
  "title",
  "seniority",
  "department",
  "email",
  "email_status",
  "email_verification_source",
  "linkedin_url",
  "phone",
  "buyer_fit_score",
  "priority",
  "status",
  "skip_reason",
  "company_name",
  "company_domain",
  "source_tool",
  "created_at",
] as const;

const LEAD = [
  "id",
  "offer",
  "full_name",
  "first_name",
  "last_name",
  "title",
  "seniority",
  "email",
  "email_status",
  "linkedin_url",
  "buyer_fit_score",
  "priority",
  "company_name",
  "company_domain",
  "company_fit_score",
  "company_priority",
  "industry",
  "size",
  "website_headline",
  "website_summary",
  "website_hiring",
  "company_fit_reasoning",
] as const;

/** The columns of each export, in order (the CSV header). */
export const EXPORT_COLUMNS: Readonly<Record<ExportKind, readonly string[]>> = { companies: COMPANY, contacts: CONTACT, leads: LEAD };

export interface ExportOptions {
  /** Only this offer's rows (id). Default: every offer. */
  offerId?: string;
  /** Rows read per query. Default 1000. */
  pageSize?: number;
}

const cell = (v: unknown): string | number | boolean | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
};

/** Only what the pager needs of a query (both kinds' builders fit it). */
interface Pageable {
  select(e: unknown): Pageable;
  where(e: unknown): Pageable;
  orderBy(e: unknown): Pageable;
  limit(n: number): Pageable;
  execute(): Promise<unknown[]>;
}

function query(db: Db, kind: ExportKind, offerId: string | undefined): { q: Pageable; t: string } {
  const website = (k: string) => sql<string | null>`co.signals->'website'->>${k}`;
  if (kind === "companies") {
    let q = db
      .selectFrom("companies as co")
      .innerJoin("offers as o", "o.id", "co.offer_id")
      .select([
        "co.id",
        "o.slug as offer",
        "co.name",
        "co.domain",
        "co.url",
        "co.industry",
        "co.vertical",
        "co.size",
        "co.size_exact",
        "co.headquarters_city",
        "co.headquarters_state",
        "co.headquarters_country",
        "co.fit_score",
        "co.priority",
        "co.status",
        "co.disqualification_reason",
        "co.fit_reasoning",
        website("headline").as("website_headline"),
        website("summary").as("website_summary"),
        website("hiring").as("website_hiring"),
        "co.source_tool",
        "co.created_at",
      ]);
    if (offerId) q = q.where("co.offer_id", "=", offerId);
    return { q: q as unknown as Pageable, t: "co" };
  }
  let q = db
    .selectFrom("contacts as c")
    .innerJoin("companies as co", "co.id", "c.company_id")
    .innerJoin("offers as o", "o.id", "c.offer_id")
    .select([
      "c.id",
      "o.slug as offer",
      "c.full_name",
      "c.first_name",
      "c.last_name",
      "c.title",
      "c.seniority",
      "c.department",
      "c.email",
      "c.email_status",
      "c.email_verification_source",
      "c.linkedin_url",
      "c.phone",
      "c.buyer_fit_score",
      "c.priority",
      "c.status",
      "c.skip_reason",
      "co.name as company_name",
      "co.domain as company_domain",
      "c.source_tool",
      "c.created_at",
      "co.fit_score as company_fit_score",
      "co.priority as company_priority",
      "co.industry",
      "co.size",
      website("headline").as("website_headline"),
      website("summary").as("website_summary"),
      website("hiring").as("website_hiring"),
      "co.fit_reasoning as company_fit_reasoning",
    ]);
  if (offerId) q = q.where("c.offer_id", "=", offerId);
  if (kind === "leads") {
    // The contacts_ready rule (schema note N14): people we may and can contact now.
    q = q
      .where("c.status", "in", ["ready", "enriched"])
      .where("c.skip_reason", "is", null)
      .where((eb) => eb.or([eb("c.connection_degree", "is", null), eb("c.connection_degree", ">", 1)]))
      .where("c.already_contacted", "=", false)
      .where("c.eligible_for_outreach", "=", true)
      // One definition with contacts_ready and the send path: cooling off ends when the window has passed.
      .where("c.global_status", "in", ["available", "cooling_off"])
      .where(sql<boolean>`contact_globally_available(c.global_status, c.global_last_contacted_at, NOW())`)
      .where("co.status", "!=", "disqualified");
  }
  return { q: q as unknown as Pageable, t: "c" };
}

/**
 * The rows of an export, page by page (keyset pagination on creation time and id, so rows added
 * meanwhile neither repeat nor shift pages). Throws `PipelineInputError` for an unknown kind.
 */
export async function* exportRows(db: Db, kind: ExportKind, options: ExportOptions = {}): AsyncGenerator<ExportRow> {
  if (!exportKinds.includes(kind)) throw new PipelineInputError(`unknown export "${String(kind)}"; exports are ${exportKinds.join(", ")}`);
  const pageSize = options.pageSize ?? 1000;
  const columns = EXPORT_COLUMNS[kind];
  let after: { at: string; id: string } | null = null;
  for (;;) {
    const { q, t } = query(db, kind, options.offerId);
    const created = sql.ref(`${t}.created_at`);
    const id = sql.ref(`${t}.id`);
    // The cursor keeps the timestamp as text: a JS Date would drop its microseconds and repeat rows.
    let page = q
      .select(sql<string>`${created}::text`.as("_after"))
      .orderBy(created)
      .orderBy(id)
      .limit(pageSize);
    if (after) page = page.where(sql<boolean>`(${created}, ${id}) > (${after.at}::timestamptz, ${after.id}::uuid)`);
    const rows = (await page.execute()) as Record<string, unknown>[];
    for (const r of rows) yield Object.fromEntries(columns.map((c) => [c, cell(r[c])]));
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { at: last._after as string, id: last.id as string };
  }
}
