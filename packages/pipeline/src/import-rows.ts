/**
 * Importing companies and contacts from rows (a CSV's records, or any async iterable of plain
 * objects): columns mapped onto fields, each row validated with core's schemas after
 * normalisation, rows deduped on the spec's unique keys (companies by normalised domain, then
 * name; contacts by normalised email and LinkedIn URL), merged into what is stored with the
 * repositories' rule (a new non-null value fills a null, an existing value is never blanked or
 * replaced), and written in batches inside one transaction: all or nothing, unless
 * `skipInvalid`, in which case the invalid rows are reported and left out.
 *
 * Rows are consumed as they come (one batch in memory at a time), so a file of any length can
 * be streamed through; only the dedupe keys already seen are kept for the whole file.
 */
import {
  CompanyInsert,
  ContactInsert,
  companySizeBucket,
  companySizes,
  companyStatuses,
  contactStatuses,
  emailStatuses,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedInUrl,
  normalizeSeniority,
  parseEmployeeRange,
  priorities,
  seniorities,
  toFieldIssues,
  OfferlabError,
} from "@offerlab/core";
import type { Db, DbOrTrx } from "@offerlab/db";
import { sql } from "kysely";
import { PipelineInputError } from "./offer.js";

export type ImportKind = "companies" | "contacts";

type FieldType = "text" | "int" | "score" | "domain" | "url" | "email" | "linkedin" | "size" | "seniority" | { oneOf: readonly string[] };

/** One field a column can be mapped onto. */
export interface ImportField {
  field: string;
  /** What the field holds, for `--help`. */
  description: string;
  /** Headers mapped onto it automatically (compared lower-cased, punctuation as spaces). */
  headers: readonly string[];
  type: FieldType;
}

const f = (field: string, description: string, headers: string[], type: FieldType = "text"): ImportField => ({ field, description, headers: [field.replace(/_/g, " "), ...headers], type });

/** The fields of a companies import, with the headers each is recognised by. */
export const COMPANY_FIELDS: readonly ImportField[] = [
  f("name", "company name (default: the domain)", ["company", "company name", "organization", "organisation", "account", "account name"]),
  f("domain", "website domain or URL; the dedupe key", ["website", "web", "site", "company domain", "company website", "url", "homepage"], "domain"),
  f("description", "what the company does", ["about", "summary", "company description"]),
  f("size_exact", "number of employees", ["employees", "employee count", "headcount", "number of employees", "staff count"], "int"),
  f("size", `size bucket (${companySizes.join(", ")}) or a range such as "51-200 employees"`, ["company size", "employee range", "employees range", "size range"], "size"),
  f("industry", "industry", ["sector"]),
  f("vertical", "vertical / market", ["market", "segment"]),
  f("headquarters_city", "HQ city", ["city", "hq city"]),
  f("headquarters_state", "HQ state or region", ["state", "region", "hq state"]),
  f("headquarters_country", "HQ country", ["country", "hq country"]),
  f("fit_score", "fit score 1–10", ["fit", "score"], "score"),
  f("priority", `one of ${priorities.join(", ")}`, [], { oneOf: priorities }),
  f("status", `one of ${companyStatuses.join(", ")} (default new)`, ["company status"], { oneOf: companyStatuses }),
  f("disqualification_reason", "why the company is ruled out", ["disqualification"]),
];

/** The fields of a contacts import, with the headers each is recognised by. */
export const CONTACT_FIELDS: readonly ImportField[] = [
  f("first_name", "first name", ["firstname", "given name", "first"]),
  f("last_name", "last name", ["lastname", "surname", "family name", "last"]),
  f("full_name", "full name (default: first and last name)", ["name", "contact name", "person", "contact"]),
  f("email", "email address; a dedupe key", ["email address", "e mail", "work email", "business email", "mail"], "email"),
  f("linkedin_url", "LinkedIn profile URL; a dedupe key", ["linkedin", "linkedin profile", "linkedin profile url", "person linkedin url", "profile url", "li url"], "linkedin"),
  f("title", "job title", ["job title", "position", "role", "headline"]),
  f("department", "department", ["team", "function"]),
  f("seniority", `one of ${seniorities.join(", ")} or words such as "VP", "Head of", "Founder"`, ["level", "seniority level"], "seniority"),
  f("phone", "phone number", ["phone number", "mobile", "mobile phone", "telephone"]),
  f("email_status", `one of ${emailStatuses.join(", ")}`, ["email verification", "verification status"], { oneOf: emailStatuses }),
  f("email_verification_source", "who verified the email", ["verified by", "verification source"]),
  f("buyer_fit_score", "buyer fit 1–10", ["fit", "fit score", "score"], "score"),
  f("priority", `one of ${priorities.join(", ")}`, [], { oneOf: priorities }),
  f("status", `one of ${contactStatuses.join(", ")} (default new)`, ["contact status", "lead status"], { oneOf: contactStatuses }),
  f("notes", "free text", ["note", "comments"]),
  f("company_domain", "the employer's website domain or URL (finds or creates the company)", ["company domain", "company website", "website", "domain", "company url"], "domain"),
  f("company_name", "the employer's name (finds or creates the company)", ["company", "company name", "organization", "organisation", "account", "account name", "employer"]),
];

const FIELDS: Record<ImportKind, readonly ImportField[]> = { companies: COMPANY_FIELDS, contacts: CONTACT_FIELDS };

const headerKey = (h: string) =>
  h
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/** Which column feeds which field. */
export interface ImportMapping {
  /** Column header → field. */
  columns: Record<string, string>;
  /** Headers that feed no field. */
  ignored: string[];
}

/**
 * Decides which column feeds which field: `explicit` first (`{ "Company Name": "name" }`; a
 * field of `""` or `"-"` ignores the column), then the auto-mapping of common headers for the
 * columns left. Throws a `PipelineInputError` naming the problem when `explicit` names an
 * unknown column or field, maps two columns onto one field, or when no column feeds a key field.
 */
export function resolveImportMapping(kind: ImportKind, headers: readonly string[], explicit: Record<string, string> = {}): ImportMapping {
  const fields = FIELDS[kind];
  const known = new Set(fields.map((x) => x.field));
  const problems: string[] = [];
  const columns: Record<string, string> = {};
  const taken = new Map<string, string>();
  for (const [header, field] of Object.entries(explicit)) {
    if (!headers.includes(header)) {
      problems.push(`--map: the file has no column "${header}" (columns: ${headers.map((h) => `"${h}"`).join(", ")})`);
      continue;
    }
    if (field === "" || field === "-") continue;
    if (!known.has(field)) {
      problems.push(`--map: "${field}" is not a ${kind} field; fields are ${[...known].join(", ")}`);
      continue;
    }
    if (taken.has(field)) {
      problems.push(`--map: columns "${taken.get(field)}" and "${header}" both map to ${field}`);
      continue;
    }
    columns[header] = field;
    taken.set(field, header);
  }
  for (const header of headers) {
    if (header in explicit) continue;
    const key = headerKey(header);
    const hit = fields.find((x) => !taken.has(x.field) && x.headers.some((h) => headerKey(h) === key));
    if (hit) {
      columns[header] = hit.field;
      taken.set(hit.field, header);
    }
  }
  const mapped = new Set(Object.values(columns));
  if (kind === "companies" && !mapped.has("name") && !mapped.has("domain")) {
    problems.push(`no column maps to name or domain (columns: ${headers.map((h) => `"${h}"`).join(", ")}); use --map "<column>=domain"`);
  }
  if (kind === "contacts") {
    if (!["email", "linkedin_url", "full_name", "first_name", "last_name"].some((x) => mapped.has(x))) {
      problems.push(`no column maps to email, linkedin_url or a name (columns: ${headers.map((h) => `"${h}"`).join(", ")}); use --map "<column>=email"`);
    }
    if (!mapped.has("company_domain") && !mapped.has("company_name")) {
      problems.push(`no column maps to company_domain or company_name: every contact needs its company; use --map "<column>=company_domain"`);
    }
  }
  if (problems.length) throw new PipelineInputError(problems.join("\n"));
  return { columns, ignored: headers.filter((h) => !(h in columns)) };
}

/** One problem with one row. */
export interface RowError {
  /** 1 for the first row after the header. */
  row: number;
  /**
   * The column the value came from (or the field, when no single column is to blame; `(row)`
   * for a row that could not be read at all, see {@link UnreadableRow}).
   */
  column: string;
  field: string;
  message: string;
  value?: string;
}

export interface ImportOptions {
  /** The offer the rows belong to (id). Required. */
  offerId: string;
  /** Column header → field, applied before the auto-mapping (see {@link resolveImportMapping}). Default none. */
  map?: Record<string, string>;
  /** Leave invalid rows out and import the rest. Default false: any invalid row means nothing is written. */
  skipInvalid?: boolean;
  /** Rows written per statement, 1–2000 (a companies batch binds one parameter per cell). Default 1000. */
  batchSize?: number;
  /** `source_tool` of the rows created. Default `"import"`. */
  sourceTool?: string;
  /** Row errors kept in the summary (all are counted). Default 100. */
  maxErrors?: number;
  /** Called after each batch with the rows read so far. Default none. */
  onProgress?: (progress: { rows: number; invalid: number; written: number }) => void;
}

export interface ImportSummary {
  kind: ImportKind;
  mapping: ImportMapping;
  /** Data rows read (the header excluded). */
  rows: number;
  invalid: number;
  /** New rows. */
  created: number;
  /** Rows merged into one already stored (before this import or earlier in the file). */
  merged: number;
  /** Rows whose key appeared earlier in the same file (included in `merged`). */
  duplicatesInFile: number;
  /** Companies created for contacts whose company was not stored yet (contacts only). */
  companiesCreated: number;
  /** False when invalid rows stopped the import (nothing was written). */
  written: boolean;
  errors: RowError[];
  errorCount: number;
}

const UNREADABLE_ROW = Symbol.for("offerlab.import.unreadableRow");

/**
 * A row its reader could not turn into a record, such as a CSV line with more or fewer fields
 * than the header. Yield one in place of the record: `importRows` counts it as an invalid row and
 * reports `message` for it (column and field `(row)`), like a row with a bad value, so one broken
 * line does not stop an import with `skipInvalid`.
 */
export class UnreadableRow {
  readonly [UNREADABLE_ROW] = true;
  constructor(readonly message: string) {}

  static isInstance(value: unknown): value is UnreadableRow {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[UNREADABLE_ROW] === true;
  }
}

/** Rows as `importRows` reads them: records keyed by column header, or rows that could not be read. */
export type ImportRowSource = AsyncIterable<Record<string, unknown> | UnreadableRow> | Iterable<Record<string, unknown> | UnreadableRow>;

/** Thrown when rows are invalid and `skipInvalid` is off: nothing was written. Carries the report. */
export class ImportRejectedError extends OfferlabError {
  override readonly name = "ImportRejectedError";
  constructor(readonly summary: ImportSummary) {
    super("import_rejected", `${summary.invalid} of ${summary.rows} rows are invalid; nothing was imported`);
  }

  /** True for an ImportRejectedError of any copy of this package. */
  static override isInstance(error: unknown): error is ImportRejectedError {
    return OfferlabError.isNamed(error, "ImportRejectedError");
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing one row

type Values = Record<string, string | number | null>;

function parseValue(spec: ImportField, raw: string): { value: string | number | null } | { error: string } {
  const v = raw.trim();
  if (v === "") return { value: null };
  const t = spec.type;
  if (typeof t === "object") {
    const lower = v.toLowerCase();
    return t.oneOf.includes(lower) ? { value: lower } : { error: `must be one of ${t.oneOf.map((x) => `"${x}"`).join(", ")}` };
  }
  switch (t) {
    case "text":
    case "url":
      return { value: v };
    case "int":
    case "score": {
      const n = /^\d{1,3}(,\d{3})+$/.test(v) ? Number(v.replace(/,/g, "")) : /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) return { error: "must be a whole number" };
      if (t === "score" && (n < 1 || n > 10)) return { error: "must be a whole number from 1 to 10" };
      return { value: n };
    }
    case "domain": {
      const d = normalizeDomain(v);
      return d ? { value: d } : { error: 'is not a domain; write e.g. "acme.com" or "https://acme.com"' };
    }
    case "email": {
      const e = normalizeEmail(v);
      return e ? { value: e } : { error: 'is not an email address (e.g. "jane@acme.com")' };
    }
    case "linkedin": {
      const l = normalizeLinkedInUrl(v);
      return l ? { value: l } : { error: "is not a LinkedIn profile URL; expected https://www.linkedin.com/in/<id>" };
    }
    case "size": {
      if ((companySizes as readonly string[]).includes(v)) return { value: v };
      const range = parseEmployeeRange(v);
      const bucket = range ? companySizeBucket(range.min) : null;
      return bucket ? { value: bucket } : { error: `must be one of ${companySizes.map((x) => `"${x}"`).join(", ")} or an employee range such as "51-200"` };
    }
    case "seniority": {
      const s = normalizeSeniority(v);
      return s ? { value: s } : { error: `must be one of ${seniorities.map((x) => `"${x}"`).join(", ")} (or a word such as "VP", "Director", "Founder")` };
    }
  }
}

interface ParsedRow {
  row: number;
  values: Values;
}

function parseRow(kind: ImportKind, row: number, record: Record<string, unknown>, mapping: ImportMapping, errors: RowError[]): ParsedRow | null {
  const specs = new Map(FIELDS[kind].map((x) => [x.field, x]));
  const values: Values = {};
  const columnOf: Record<string, string> = {};
  // Fields with a value in the file, valid or not: a bad value is reported once, as bad, not also as missing.
  const given = new Set<string>();
  let ok = true;
  for (const [header, field] of Object.entries(mapping.columns)) {
    const raw = record[header];
    const text = raw === null || raw === undefined ? "" : String(raw);
    const parsed = parseValue(specs.get(field)!, text);
    columnOf[field] = header;
    if (text.trim() !== "") given.add(field);
    if ("error" in parsed) {
      errors.push({ row, column: header, field, message: parsed.error, value: text.length > 80 ? `${text.slice(0, 79)}…` : text });
      ok = false;
    } else {
      values[field] = parsed.value;
    }
  }
  const need = (field: string, message: string) => {
    errors.push({ row, column: columnOf[field] ?? field, field, message });
    ok = false;
  };
  const none = (...fields: string[]) => fields.every((x) => !given.has(x));
  if (kind === "companies") {
    if (none("name", "domain")) need("name", "is required: give the company a name or a domain");
  } else {
    if (values.full_name == null && (values.first_name != null || values.last_name != null)) {
      values.full_name = [values.first_name, values.last_name].filter((x) => x != null).join(" ");
    }
    if (none("email", "linkedin_url", "full_name", "first_name", "last_name")) need("email", "is required: give the contact an email, a LinkedIn URL or a name");
    if (none("company_domain", "company_name")) need("company_domain", "is required: give the contact's company domain or name");
  }
  return ok ? { row, values } : null;
}

// ---------------------------------------------------------------------------------------------
// Companies

const COMPANY_COLUMNS = [
  "name",
  "domain",
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
  "priority",
  "status",
  "disqualification_reason",
] as const;
/** Columns an import may fill on a stored company (status keeps its first value, as in `companies.upsert`). */
const COMPANY_FILL = COMPANY_COLUMNS.filter((c) => c !== "domain" && c !== "status");

/** The column each mapped field came from, so a schema error (a value over its size) names the file's column. */
const headerOfField = (mapping: ImportMapping): Record<string, string> => Object.fromEntries(Object.entries(mapping.columns).map(([h, f]) => [f, h]));

function companyRow(values: Values, offerId: string, sourceTool: string, row: number, errors: RowError[], headerOf: Record<string, string>): Record<string, unknown> | null {
  const domain = (values.domain as string | null) ?? null;
  const out: Record<string, unknown> = {
    offer_id: offerId,
    source_tool: sourceTool,
    name: values.name ?? domain,
    domain,
    url: domain ? `https://${domain}` : null,
    size: values.size ?? (typeof values.size_exact === "number" ? companySizeBucket(values.size_exact) : null),
  };
  // A blank cell is "not given": the column's default applies (a blank status is `new`, not NULL).
  for (const c of COMPANY_COLUMNS) if (!(c in out) && values[c] != null) out[c] = values[c];
  if (out.priority == null && typeof out.fit_score === "number") out.priority = out.fit_score >= 8 ? "high" : out.fit_score >= 5 ? "medium" : "low";
  const check = CompanyInsert.safeParse(out);
  if (!check.success) {
    for (const i of toFieldIssues(check.error)) errors.push({ row, column: headerOf[i.field] ?? i.field, field: i.field, message: i.message });
    return null;
  }
  return out;
}

/** Fills what `into` lacks from `from` (the earlier row wins a conflict). */
function fillNulls(into: Record<string, unknown>, from: Record<string, unknown>) {
  for (const [k, v] of Object.entries(from)) if ((into[k] === null || into[k] === undefined) && v !== null && v !== undefined) into[k] = v;
}

async function writeCompanies(trx: DbOrTrx, offerId: string, rows: Record<string, unknown>[], s: ImportSummary, seen: Set<string>) {
  // One row per key in the batch, so no statement touches the same company twice.
  const byKey = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const key = r.domain ? `d:${r.domain as string}` : `n:${String(r.name).toLowerCase()}`;
    if (seen.has(key)) s.duplicatesInFile += 1;
    seen.add(key);
    const prev = byKey.get(key);
    if (prev) {
      fillNulls(prev, r);
      s.merged += 1;
    } else byKey.set(key, { ...r });
  }
  const withDomain = [...byKey.values()].filter((r) => r.domain);
  if (withDomain.length) {
    const res = await trx
      .insertInto("companies")
      .values(withDomain as never)
      .onConflict((oc) =>
        oc.columns(["offer_id", "domain"]).doUpdateSet((eb) => {
          const set: Record<string, unknown> = {};
          for (const c of COMPANY_FILL) set[c] = eb.fn.coalesce(eb.ref(`companies.${c}`), eb.ref(`excluded.${c}`));
          return set as never;
        }),
      )
      .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
      .execute();
    for (const r of res) {
      if (r.inserted) s.created += 1;
      else s.merged += 1;
    }
  }
  const nameOnly = [...byKey.values()].filter((r) => !r.domain);
  if (nameOnly.length) {
    const existing = await trx
      .selectFrom("companies")
      .select(["id", sql<string>`lower(name)`.as("lname")])
      .where("offer_id", "=", offerId)
      .where("domain", "is", null)
      .where(sql<string>`lower(name)`, "in", nameOnly.map((r) => String(r.name).toLowerCase()))
      .execute();
    const ids = new Map(existing.map((e) => [e.lname, e.id]));
    const fresh = nameOnly.filter((r) => !ids.has(String(r.name).toLowerCase()));
    if (fresh.length) await trx.insertInto("companies").values(fresh as never).execute();
    s.created += fresh.length;
    for (const r of nameOnly) {
      const id = ids.get(String(r.name).toLowerCase());
      if (!id) continue;
      s.merged += 1;
      await trx
        .updateTable("companies")
        .set((eb) => Object.fromEntries(COMPANY_FILL.filter((c) => r[c] != null).map((c) => [c, eb.fn.coalesce(eb.ref(c), eb.val(r[c] as never))])) as never)
        .where("id", "=", id)
        .execute();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Contacts

const CONTACT_COLUMNS = [
  "first_name",
  "last_name",
  "full_name",
  "title",
  "department",
  "seniority",
  "email",
  "email_status",
  "email_verification_source",
  "phone",
  "linkedin_url",
  "buyer_fit_score",
  "priority",
  "status",
  "notes",
] as const;
const CONTACT_FILL = CONTACT_COLUMNS.filter((c) => c !== "status");
const CONTACT_SQL_TYPES: Record<string, string> = { buyer_fit_score: "int" };

interface ContactDraft {
  row: number;
  values: Record<string, unknown>;
  company: { domain: string | null; name: string | null };
}

function contactDraft(values: Values, offerId: string, sourceTool: string, row: number, errors: RowError[], headerOf: Record<string, string>): ContactDraft | null {
  const out: Record<string, unknown> = { offer_id: offerId, source_tool: sourceTool };
  for (const c of CONTACT_COLUMNS) if (values[c] != null) out[c] = values[c];
  if (out.priority == null && typeof out.buyer_fit_score === "number") out.priority = out.buyer_fit_score >= 8 ? "high" : out.buyer_fit_score >= 5 ? "medium" : "low";
  // Validated with a placeholder company: the company is resolved per batch.
  const check = ContactInsert.safeParse({ ...out, company_id: "00000000-0000-4000-8000-000000000000" });
  // The company name may create a company: it is held to the company's name size.
  const companyName = CompanyInsert.shape.name.safeParse(values.company_name ?? "");
  if (!check.success || !companyName.success) {
    if (!check.success) for (const i of toFieldIssues(check.error)) errors.push({ row, column: headerOf[i.field] ?? i.field, field: i.field, message: i.message });
    if (!companyName.success) errors.push({ row, column: headerOf.company_name ?? "company_name", field: "company_name", message: toFieldIssues(companyName.error)[0]!.message });
    return null;
  }
  return { row, values: out, company: { domain: (values.company_domain as string | null) ?? null, name: (values.company_name as string | null) ?? null } };
}

/** The company id of every draft: found by domain (else by name) in the offer, created when missing. */
async function resolveCompanies(trx: DbOrTrx, offerId: string, drafts: ContactDraft[], sourceTool: string, s: ImportSummary): Promise<Map<ContactDraft, string>> {
  const out = new Map<ContactDraft, string>();
  const domains = [...new Set(drafts.map((d) => d.company.domain).filter((x): x is string => !!x))];
  const byDomain = new Map<string, string>();
  if (domains.length) {
    const found = await trx.selectFrom("companies").select(["id", "domain"]).where("offer_id", "=", offerId).where("domain", "in", domains).execute();
    for (const c of found) byDomain.set(c.domain!, c.id);
    const missing = domains.filter((d) => !byDomain.has(d));
    if (missing.length) {
      const nameOf = new Map<string, string>();
      for (const d of drafts) if (d.company.domain && d.company.name && !nameOf.has(d.company.domain)) nameOf.set(d.company.domain, d.company.name);
      const created = await trx
        .insertInto("companies")
        .values(missing.map((d) => ({ offer_id: offerId, name: nameOf.get(d) ?? d, domain: d, url: `https://${d}`, source_tool: sourceTool })))
        .onConflict((oc) => oc.columns(["offer_id", "domain"]).doNothing())
        .returning(["id", "domain"])
        .execute();
      s.companiesCreated += created.length;
      for (const c of created) byDomain.set(c.domain!, c.id);
    }
  }
  const names = [...new Set(drafts.filter((d) => !d.company.domain).map((d) => d.company.name!.toLowerCase()))];
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
      for (const d of drafts) if (!d.company.domain && !display.has(d.company.name!.toLowerCase())) display.set(d.company.name!.toLowerCase(), d.company.name!);
      const created = await trx
        .insertInto("companies")
        .values(missing.map((n) => ({ offer_id: offerId, name: display.get(n)!, source_tool: sourceTool })))
        .returning(["id", sql<string>`lower(name)`.as("lname")])
        .execute();
      s.companiesCreated += created.length;
      for (const c of created) byName.set(c.lname, c.id);
    }
  }
  for (const d of drafts) out.set(d, d.company.domain ? byDomain.get(d.company.domain)! : byName.get(d.company.name!.toLowerCase())!);
  return out;
}

async function writeContacts(trx: DbOrTrx, offerId: string, drafts: ContactDraft[], sourceTool: string, s: ImportSummary, seen: Set<string>) {
  const companyOf = await resolveCompanies(trx, offerId, drafts, sourceTool, s);
  // Merge the batch's rows that share a key (email first, then LinkedIn URL), first row winning.
  const merged: { values: Record<string, unknown>; companyId: string }[] = [];
  const byEmail = new Map<string, number>();
  const byLinkedIn = new Map<string, number>();
  const byName = new Map<string, number>();
  for (const d of drafts) {
    const v = d.values;
    const email = v.email as string | null | undefined;
    const li = v.linkedin_url as string | null | undefined;
    const companyId = companyOf.get(d)!;
    const nameKey = !email && !li ? `${companyId}:${String(v.full_name).toLowerCase()}` : null;
    const keys = [email && `e:${email}`, li && `l:${li}`, nameKey && `n:${nameKey}`].filter((k): k is string => !!k);
    if (keys.some((k) => seen.has(k))) s.duplicatesInFile += 1;
    for (const k of keys) seen.add(k);
    const at = (email ? byEmail.get(email) : undefined) ?? (li ? byLinkedIn.get(li) : undefined) ?? (nameKey ? byName.get(nameKey) : undefined);
    if (at !== undefined) {
      const target = merged[at]!;
      const incoming = { ...v };
      // The same rule as contacts.upsert: a key that belongs to another row is not copied over.
      if (li && byLinkedIn.has(li) && byLinkedIn.get(li) !== at) delete incoming.linkedin_url;
      if (email && byEmail.has(email) && byEmail.get(email) !== at) delete incoming.email;
      fillNulls(target.values, incoming);
      if (target.values.email && !byEmail.has(target.values.email as string)) byEmail.set(target.values.email as string, at);
      if (target.values.linkedin_url && !byLinkedIn.has(target.values.linkedin_url as string)) byLinkedIn.set(target.values.linkedin_url as string, at);
      s.merged += 1;
      continue;
    }
    const i = merged.push({ values: { ...v }, companyId }) - 1;
    if (email) byEmail.set(email, i);
    if (li) byLinkedIn.set(li, i);
    if (nameKey) byName.set(nameKey, i);
  }

  // What is already stored for these keys (this offer only: dedupe is per offer).
  const emails = merged.map((m) => m.values.email).filter((x): x is string => typeof x === "string");
  const lis = merged.map((m) => m.values.linkedin_url).filter((x): x is string => typeof x === "string");
  const existing =
    emails.length || lis.length
      ? await trx
          .selectFrom("contacts")
          .select(["id", "email", "linkedin_url"])
          .where("offer_id", "=", offerId)
          .where((eb) => eb.or([...(emails.length ? [eb("email", "in", emails)] : []), ...(lis.length ? [eb("linkedin_url", "in", lis)] : [])]))
          .execute()
      : [];
  const exEmail = new Map(existing.filter((e) => e.email).map((e) => [e.email!, e]));
  const exLi = new Map(existing.filter((e) => e.linkedin_url).map((e) => [e.linkedin_url!, e]));
  const nameOnly = merged.filter((m) => !m.values.email && !m.values.linkedin_url);
  const exName = new Map<string, string>();
  if (nameOnly.length) {
    const rows = await trx
      .selectFrom("contacts")
      .select(["id", "company_id", sql<string>`lower(full_name)`.as("lname")])
      .where("offer_id", "=", offerId)
      .where(sql<string>`lower(full_name)`, "in", [...new Set(nameOnly.map((m) => String(m.values.full_name).toLowerCase()))])
      .execute();
    for (const r of rows) exName.set(`${r.company_id}:${r.lname}`, r.id);
  }

  const updates = new Map<string, Record<string, unknown>>();
  const inserts: Record<string, unknown>[] = [];
  for (const m of merged) {
    const v = m.values;
    const hitEmail = v.email ? exEmail.get(v.email as string) : undefined;
    const hitLi = v.linkedin_url ? exLi.get(v.linkedin_url as string) : undefined;
    const hitName = !v.email && !v.linkedin_url ? exName.get(`${m.companyId}:${String(v.full_name).toLowerCase()}`) : undefined;
    const target = hitEmail?.id ?? hitLi?.id ?? hitName;
    if (!target) {
      inserts.push({ ...v, company_id: m.companyId });
      continue;
    }
    s.merged += 1;
    const fill: Record<string, unknown> = {};
    for (const c of CONTACT_FILL) if (v[c] != null) fill[c] = v[c];
    // Matched by email while the LinkedIn URL is another contact's: the URL stays with that one.
    if (hitEmail && hitLi && hitLi.id !== hitEmail.id) delete fill.linkedin_url;
    const prev = updates.get(target);
    if (prev) fillNulls(prev, fill);
    else updates.set(target, fill);
  }
  s.created += inserts.length;
  if (inserts.length) {
    // The batch as one JSON parameter: no bind-parameter limit, one statement however wide.
    const cols = ["company_id", "offer_id", "source_tool", ...CONTACT_COLUMNS.filter((c) => c !== "status")];
    const defs = cols.map((c) => sql`${sql.ref(c)} ${sql.raw(c === "company_id" || c === "offer_id" ? "uuid" : (CONTACT_SQL_TYPES[c] ?? "text"))}`);
    await sql`INSERT INTO contacts (${sql.join(cols.map((c) => sql.ref(c)))}, status)
      SELECT ${sql.join(cols.map((c) => sql`v.${sql.ref(c)}`))}, coalesce(v.status, 'new')
      FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) AS v(${sql.join(defs)}, status text)`.execute(trx);
  }
  if (updates.size) {
    // One statement for the batch: fill each stored contact's nulls from its row, never overwrite.
    const payload = JSON.stringify([...updates].map(([id, fill]) => ({ id, ...fill })));
    const cols = CONTACT_FILL.map((c) => sql`${sql.ref(c)} = coalesce(c.${sql.ref(c)}, v.${sql.ref(c)})`);
    const defs = CONTACT_FILL.map((c) => sql`${sql.ref(c)} ${sql.raw(CONTACT_SQL_TYPES[c] ?? "text")}`);
    await sql`UPDATE contacts AS c SET ${sql.join(cols)}
      FROM jsonb_to_recordset(${payload}::jsonb) AS v(id uuid, ${sql.join(defs)})
      WHERE c.id = v.id`.execute(trx);
  }
}

// ---------------------------------------------------------------------------------------------
// The import

/**
 * Imports rows into `companies` or `contacts` of one offer. Rows are plain objects keyed by
 * column header (csv-parse's `columns: true` records), or an {@link UnreadableRow} for a row the
 * reader could not read (an invalid row like any other). Returns the summary; throws
 * `ImportRejectedError` (nothing written, the report attached) when a row is invalid and
 * `skipInvalid` is off, and `PipelineInputError` for an unknown offer or an unusable mapping.
 */
export async function importRows(
  db: Db,
  kind: ImportKind,
  rows: ImportRowSource,
  options: ImportOptions,
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2000) throw new PipelineInputError(`batchSize must be a whole number from 1 to 2000 (got ${batchSize})`);
  const offer = await db.selectFrom("offers").select("id").where("id", "=", options.offerId).executeTakeFirst();
  if (!offer) throw new PipelineInputError(`offer ${options.offerId} does not exist`);
  const sourceTool = options.sourceTool ?? "import";
  const maxErrors = options.maxErrors ?? 100;
  const s: ImportSummary = {
    kind,
    mapping: { columns: {}, ignored: [] },
    rows: 0,
    invalid: 0,
    created: 0,
    merged: 0,
    duplicatesInFile: 0,
    companiesCreated: 0,
    written: false,
    errors: [],
    errorCount: 0,
  };
  let mapping: ImportMapping | null = null;
  let headerOf: Record<string, string> = {};
  const seen = new Set<string>();

  const run = async (trx: DbOrTrx) => {
    let batch: unknown[] = [];
    const flush = async () => {
      // Once a row is invalid and nothing may be written, keep validating to report every error.
      if (batch.length && (options.skipInvalid || s.invalid === 0)) {
        if (kind === "companies") await writeCompanies(trx, options.offerId, batch as Record<string, unknown>[], s, seen);
        else await writeContacts(trx, options.offerId, batch as ContactDraft[], sourceTool, s, seen);
      }
      batch = [];
      options.onProgress?.({ rows: s.rows, invalid: s.invalid, written: s.created + s.merged });
    };
    const reject = (errors: RowError[]) => {
      s.invalid += 1;
      s.errorCount += errors.length;
      for (const e of errors) if (s.errors.length < maxErrors) s.errors.push(e);
    };
    for await (const record of rows as AsyncIterable<Record<string, unknown> | UnreadableRow>) {
      s.rows += 1;
      if (UnreadableRow.isInstance(record)) {
        reject([{ row: s.rows, column: "(row)", field: "(row)", message: record.message }]);
        continue;
      }
      if (!mapping) {
        mapping = s.mapping = resolveImportMapping(kind, Object.keys(record), options.map);
        headerOf = headerOfField(mapping);
      }
      const errors: RowError[] = [];
      const parsed = parseRow(kind, s.rows, record, mapping, errors);
      const item = parsed
        ? kind === "companies"
          ? companyRow(parsed.values, options.offerId, sourceTool, s.rows, errors, headerOf)
          : contactDraft(parsed.values, options.offerId, sourceTool, s.rows, errors, headerOf)
        : null;
      if (!item) {
        reject(errors);
        continue;
      }
      batch.push(item);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (s.invalid > 0 && !options.skipInvalid) throw new ImportRejectedError(s);
  };
  await db.transaction().execute(run);
  s.written = true;
  return s;
}

/** Imports companies (see {@link importRows}). */
export function importCompanies(db: Db, rows: ImportRowSource, options: ImportOptions) {
  return importRows(db, "companies", rows, options);
}

/** Imports contacts, creating their companies when missing (see {@link importRows}). */
export function importContacts(db: Db, rows: ImportRowSource, options: ImportOptions) {
  return importRows(db, "contacts", rows, options);
}

/** The fields of an import kind (for help texts). */
export function importFields(kind: ImportKind): readonly ImportField[] {
  return FIELDS[kind];
}
