/**
 * Importing companies and contacts from rows (a CSV's records, or any async iterable of plain
 * objects): columns mapped onto fields, each row validated with core's schemas after
 * normalisation, rows deduped on the spec's unique keys (companies by normalised domain, then
 * name; contacts by normalised email and LinkedIn URL), merged into what is stored with the
 * repositories' rule through their batched forms (`companies.upsertMany`, `contacts.upsertMany`:
 * a new non-null value fills a null, an existing value is never blanked or replaced), and written
 * in batches inside one transaction: all or nothing, unless `skipInvalid`, in which case the
 * invalid rows are reported and left out.
 *
 * Rows are consumed as they come (one batch in memory at a time), so a file of any length can
 * be streamed through; only the dedupe keys already seen are kept for the whole file.
 */
import {
  CompanyInsert,
  companySizeBucket,
  companySizes,
  companyStatuses,
  contactStatuses,
  emailStatuses,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedInUrl,
  normalizeSeniority,
  parseConnectionDegree,
  parseEmployeeRange,
  priorities,
  seniorities,
  textLimits,
  toFieldIssues,
  OfferlabError,
} from "@offerlab/core";
import { companies, contacts, inTransaction, type DbOrTrx, type PreparedContact } from "@offerlab/db";
import type { ContactEmailsHook } from "./context.js";
import { PipelineInputError } from "./offer.js";

export type ImportKind = "companies" | "contacts";

type FieldType =
  "text" | "int" | "score" | "domain" | "url" | "email" | "linkedin" | "size" | "seniority" | "degree" | { oneOf: readonly string[] };

/** One field a column can be mapped onto. */
export interface ImportField {
  field: string;
  /** What the field holds, for `--help`. */
  description: string;
  /** Headers mapped onto it automatically (compared lower-cased, punctuation as spaces). */
  headers: readonly string[];
  type: FieldType;
}

const f = (field: string, description: string, headers: string[], type: FieldType = "text"): ImportField => ({
  field,
  description,
  headers: [field.replace(/_/g, " "), ...headers],
  type,
});

/** The fields of a companies import, with the headers each is recognised by. */
export const COMPANY_FIELDS: readonly ImportField[] = [
  f("name", "company name (default: the domain)", ["company", "company name", "organization", "organisation", "account", "account name"]),
  f(
    "domain",
    "website domain or URL; the dedupe key",
    ["website", "web", "site", "company domain", "company website", "url", "homepage"],
    "domain",
  ),
  f("description", "what the company does", ["about", "summary", "company description"]),
  f("size_exact", "number of employees", ["employees", "employee count", "headcount", "number of employees", "staff count"], "int"),
  f(
    "size",
    `size bucket (${companySizes.join(", ")}) or a range such as "51-200 employees"`,
    ["company size", "employee range", "employees range", "size range"],
    "size",
  ),
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
  f(
    "linkedin_url",
    "LinkedIn profile URL; a dedupe key",
    ["linkedin", "linkedin profile", "linkedin profile url", "person linkedin url", "profile url", "li url"],
    "linkedin",
  ),
  f(
    "connection_degree",
    'LinkedIn connection degree: 1, 2 or 3 (also "1st", "2nd", "3rd")',
    ["degree", "connection level", "linkedin degree", "network distance"],
    "degree",
  ),
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
  f(
    "company_domain",
    "the employer's website domain or URL (finds or creates the company)",
    ["company domain", "company website", "website", "domain", "company url"],
    "domain",
  ),
  f("company_name", "the employer's name (finds or creates the company)", [
    "company",
    "company name",
    "organization",
    "organisation",
    "account",
    "account name",
    "employer",
  ]),
];

const FIELDS: Record<ImportKind, readonly ImportField[]> = { companies: COMPANY_FIELDS, contacts: CONTACT_FIELDS };
/** Each kind's fields by name, built once rather than for every row read. */
const FIELD_SPECS: Record<ImportKind, ReadonlyMap<string, ImportField>> = {
  companies: new Map(COMPANY_FIELDS.map((x) => [x.field, x])),
  contacts: new Map(CONTACT_FIELDS.map((x) => [x.field, x])),
};

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
      problems.push(
        `no column maps to email, linkedin_url or a name (columns: ${headers.map((h) => `"${h}"`).join(", ")}); use --map "<column>=email"`,
      );
    }
    if (!mapped.has("company_domain") && !mapped.has("company_name")) {
      problems.push(
        `no column maps to company_domain or company_name: every contact needs its company; use --map "<column>=company_domain"`,
      );
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
  /** Contacts: called at the end of the import's transaction with the email addresses of the rows written. Default none. */
  onContactEmails?: ContactEmailsHook;
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

/** Rows checked between two turns of the event loop while a batch is being written (see `readAll`). */
const YIELD_EVERY = 20;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** The offer the rows were for, when the caller named it by reference (operations' `importRecords` sets it). */
  offer?: { id: string; slug: string | null };
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
      return bucket
        ? { value: bucket }
        : { error: `must be one of ${companySizes.map((x) => `"${x}"`).join(", ")} or an employee range such as "51-200"` };
    }
    case "degree": {
      const d = parseConnectionDegree(v);
      return d !== null ? { value: d } : { error: 'must be a LinkedIn connection degree: 1, 2 or 3 (or "1st", "2nd", "3rd")' };
    }
    case "seniority": {
      const s = normalizeSeniority(v);
      return s
        ? { value: s }
        : { error: `must be one of ${seniorities.map((x) => `"${x}"`).join(", ")} (or a word such as "VP", "Director", "Founder")` };
    }
  }
}

interface ParsedRow {
  row: number;
  values: Values;
}

/** A mapped column as every row reads it, worked out once per import (see {@link columnsOf}). */
interface MappedColumn {
  header: string;
  field: string;
  spec: ImportField;
  /** The field's bit in {@link ParsedRow}'s "given" flags (0 for fields no rule asks about). */
  bit: number;
}

/** The fields the "is required" rules ask about, one bit each. */
const GIVEN_BITS: Record<string, number> = {
  name: 1,
  domain: 2,
  email: 4,
  linkedin_url: 8,
  full_name: 16,
  first_name: 32,
  last_name: 64,
  company_domain: 128,
  company_name: 256,
};
/** The bits of `fields` (see {@link GIVEN_BITS}). */
const bitsOf = (...fields: string[]) => fields.reduce((bits, x) => bits | GIVEN_BITS[x]!, 0);
const COMPANY_NAMED = bitsOf("name", "domain");
const CONTACT_NAMED = bitsOf("email", "linkedin_url", "full_name", "first_name", "last_name");
const EMPLOYER_NAMED = bitsOf("company_domain", "company_name");

const mappedColumns = new WeakMap<ImportMapping, MappedColumn[]>();
function columnsOf(kind: ImportKind, mapping: ImportMapping): MappedColumn[] {
  let columns = mappedColumns.get(mapping);
  if (!columns) {
    const specs = FIELD_SPECS[kind];
    columns = Object.entries(mapping.columns).map(([header, field]) => ({
      header,
      field,
      spec: specs.get(field)!,
      bit: GIVEN_BITS[field] ?? 0,
    }));
    mappedColumns.set(mapping, columns);
  }
  return columns;
}

function parseRow(
  kind: ImportKind,
  row: number,
  record: Record<string, unknown>,
  mapping: ImportMapping,
  errors: RowError[],
): ParsedRow | null {
  const values: Values = {};
  // Fields with a value in the file, valid or not: a bad value is reported once, as bad, not also as missing.
  let given = 0;
  let ok = true;
  for (const { header, field, spec, bit } of columnsOf(kind, mapping)) {
    const raw = record[header];
    const text = raw === null || raw === undefined ? "" : String(raw);
    const parsed = parseValue(spec, text);
    if (bit !== 0 && text.trim() !== "") given |= bit;
    if ("error" in parsed) {
      errors.push({ row, column: header, field, message: parsed.error, value: text.length > 80 ? `${text.slice(0, 79)}…` : text });
      ok = false;
    } else {
      values[field] = parsed.value;
    }
  }
  const need = (field: string, message: string) => {
    errors.push({ row, column: columnsOf(kind, mapping).find((c) => c.field === field)?.header ?? field, field, message });
    ok = false;
  };
  if (kind === "companies") {
    if ((given & COMPANY_NAMED) === 0) need("name", "is required: give the company a name or a domain");
  } else {
    if (values.full_name == null && (values.first_name != null || values.last_name != null)) {
      values.full_name = [values.first_name, values.last_name].filter((x) => x != null).join(" ");
    }
    if ((given & CONTACT_NAMED) === 0) need("email", "is required: give the contact an email, a LinkedIn URL or a name");
    if ((given & EMPLOYER_NAMED) === 0) need("company_domain", "is required: give the contact's company domain or name");
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
/** The column each mapped field came from, so a schema error (a value over its size) names the file's column. */
const headerOfField = (mapping: ImportMapping): Record<string, string> =>
  Object.fromEntries(Object.entries(mapping.columns).map(([h, f]) => [f, h]));

function companyRow(
  values: Values,
  offerId: string,
  sourceTool: string,
  row: number,
  errors: RowError[],
  headerOf: Record<string, string>,
): Record<string, unknown> | null {
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
  if (out.priority == null && typeof out.fit_score === "number")
    out.priority = out.fit_score >= 8 ? "high" : out.fit_score >= 5 ? "medium" : "low";
  const check = CompanyInsert.safeParse(out);
  if (!check.success) {
    for (const i of toFieldIssues(check.error))
      errors.push({ row, column: headerOf[i.field] ?? i.field, field: i.field, message: i.message });
    return null;
  }
  return out;
}

async function writeCompanies(trx: DbOrTrx, rows: Record<string, unknown>[], s: ImportSummary, seen: Set<string>) {
  for (const r of rows) {
    const key = r.domain ? `d:${r.domain as string}` : `n:${String(r.name).toLowerCase()}`;
    if (seen.has(key)) s.duplicatesInFile += 1;
    seen.add(key);
  }
  // The repository's merge rule, in one statement per batch; a company without a domain is the
  // offer's company of the same name.
  for (const r of await companies.upsertMany(trx, rows, { matchNameWithoutDomain: true })) {
    if (r.created) s.created += 1;
    else s.merged += 1;
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
  "connection_degree",
  "buyer_fit_score",
  "priority",
  "status",
  "notes",
] as const;
interface ContactDraft {
  row: number;
  values: Record<string, unknown>;
  /** The row as the contacts aggregate checked it (`contacts.prepare`). */
  contact: PreparedContact;
  company: { domain: string | null; name: string | null };
}

function contactDraft(
  values: Values,
  offerId: string,
  sourceTool: string,
  row: number,
  errors: RowError[],
  headerOf: Record<string, string>,
): ContactDraft | null {
  const out: Record<string, unknown> = { offer_id: offerId, source_tool: sourceTool };
  for (const c of CONTACT_COLUMNS) if (values[c] != null) out[c] = values[c];
  if (out.priority == null && typeof out.buyer_fit_score === "number")
    out.priority = out.buyer_fit_score >= 8 ? "high" : out.buyer_fit_score >= 5 ? "medium" : "low";
  // Checked once, by the contacts aggregate's own rule, before the company is resolved (per batch);
  // `upsertMany` takes the prepared contact without checking it again.
  const check = contacts.prepare(out);
  // The company name may create a company: it is held to the company's name size.
  // (A string within the limit is what the schema accepts; it is asked only otherwise, for its message.)
  const name = values.company_name ?? "";
  const companyName =
    typeof name === "string" && name.length <= textLimits.companies.name
      ? { success: true as const }
      : CompanyInsert.shape.name.safeParse(name);
  if (!check.ok || !companyName.success) {
    if (!check.ok)
      for (const i of check.issues) errors.push({ row, column: headerOf[i.field] ?? i.field, field: i.field, message: i.message });
    if (!companyName.success)
      errors.push({
        row,
        column: headerOf.company_name ?? "company_name",
        field: "company_name",
        message: toFieldIssues(companyName.error)[0]!.message,
      });
    return null;
  }
  return {
    row,
    values: out,
    contact: check.contact,
    company: { domain: (values.company_domain as string | null) ?? null, name: (values.company_name as string | null) ?? null },
  };
}

/**
 * The company a contact row names, as a key of the import's company cache: the domain as written
 * (`findOrCreateMany` normalises it the same way every time), else the name as it is matched
 * (trimmed, lower case); null when the row names neither (left to `findOrCreateMany` to report).
 */
function companyKey(company: ContactDraft["company"]): string | null {
  if (company.domain != null && company.domain !== "") return `d:${company.domain}`;
  const name = company.name?.trim().toLowerCase();
  return name ? `n:${name}` : null;
}

async function writeContacts(
  trx: DbOrTrx,
  offerId: string,
  drafts: ContactDraft[],
  sourceTool: string,
  s: ImportSummary,
  seen: Set<string>,
  companyIdOf: Map<string, string>,
) {
  // Each draft's company: found by domain (else by name) in the offer, created when missing. A
  // company already resolved by an earlier batch of this import (its transaction) is not looked
  // up again: a file names the same few companies on many rows.
  const keys = drafts.map((d) => companyKey(d.company));
  const unresolved = drafts.flatMap((d, i) => {
    const key = keys[i]!;
    return key !== null && companyIdOf.has(key) ? [] : [i];
  });
  const found = unresolved.length
    ? await companies.findOrCreateMany(
        trx,
        offerId,
        unresolved.map((i) => drafts[i]!.company),
        { sourceTool },
      )
    : { ids: [], created: 0 };
  const companyIdAt = keys.map((key) => (key === null ? undefined : companyIdOf.get(key)));
  for (const [n, i] of unresolved.entries()) {
    companyIdAt[i] = found.ids[n]!;
    const key = keys[i]!;
    if (key !== null) companyIdOf.set(key, found.ids[n]!);
  }
  const companyIds = { ids: companyIdAt as string[] };
  s.companiesCreated += found.created;
  const rows = drafts.map((d, i) => {
    const v = d.values;
    const email = v.email as string | null | undefined;
    const li = v.linkedin_url as string | null | undefined;
    const nameKey = !email && !li ? `${companyIds.ids[i]!}:${String(v.full_name).toLowerCase()}` : null;
    const keys = [email && `e:${email}`, li && `l:${li}`, nameKey && `n:${nameKey}`].filter((k): k is string => !!k);
    if (keys.some((k) => seen.has(k))) s.duplicatesInFile += 1;
    for (const k of keys) seen.add(k);
    return contacts.atCompany(d.contact, companyIds.ids[i]!);
  });
  // The repository's merge rule, in one read and at most two writes per batch; a person with
  // neither email nor LinkedIn URL is the same person as the one of that name at that company.
  for (const r of await contacts.upsertMany(trx, rows, { matchNameWithoutKeys: true })) {
    if (r.created) s.created += 1;
    else s.merged += 1;
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
export async function importRows(db: DbOrTrx, kind: ImportKind, rows: ImportRowSource, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2000)
    throw new PipelineInputError(`batchSize must be a whole number from 1 to 2000 (got ${batchSize})`);
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
  // Company ids resolved by earlier batches, by the reference rows give (see `companyKey`).
  const companyIdOf = new Map<string, string>();

  const emails = new Set<string>();

  const run = async (trx: DbOrTrx) => {
    let batch: unknown[] = [];
    // The batch being written: the next one is read and checked meanwhile (one write at a time on
    // the transaction's connection; a failed write stops the import at the next flush at the latest).
    let writing: Promise<void> | null = null;
    const write = async (items: unknown[], rowsSoFar: number, invalidSoFar: number) => {
      if (kind === "companies") await writeCompanies(trx, items as Record<string, unknown>[], s, seen);
      else {
        await writeContacts(trx, options.offerId, items as ContactDraft[], sourceTool, s, seen, companyIdOf);
        for (const d of items as ContactDraft[]) if (typeof d.values.email === "string") emails.add(d.values.email);
      }
      options.onProgress?.({ rows: rowsSoFar, invalid: invalidSoFar, written: s.created + s.merged });
    };
    const flush = async () => {
      const items = batch;
      batch = [];
      if (writing) await writing;
      writing = null;
      // Once a row is invalid and nothing may be written, keep validating to report every error.
      if (items.length && (options.skipInvalid || s.invalid === 0)) {
        writing = write(items, s.rows, s.invalid);
        // Awaited at the next flush or at the end; until then a failure must not go unhandled.
        writing.catch(() => undefined);
      } else options.onProgress?.({ rows: s.rows, invalid: s.invalid, written: s.created + s.merged });
    };
    const reject = (errors: RowError[]) => {
      s.invalid += 1;
      s.errorCount += errors.length;
      for (const e of errors) if (s.errors.length < maxErrors) s.errors.push(e);
    };
    const readAll = async () => {
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
        // The reader hands over a file chunk's records (hundreds of rows) as microtasks, which
        // run to the end before the event loop reads the database's answer to the batch being
        // written: the next statement would wait for the whole chunk's checks. Every few rows,
        // the loop gets its turn, so the connection is idle for a few rows' checks at most.
        else if (writing !== null && s.rows % YIELD_EVERY === 0) await yieldToIo();
      }
      await flush();
    };
    try {
      await readAll();
    } finally {
      // Never leave a write running past the transaction (its error, if any, is the one thrown).
      const last = writing as Promise<void> | null;
      if (last) await last;
    }
    if (s.invalid > 0 && !options.skipInvalid) throw new ImportRejectedError(s);
    if (options.onContactEmails && emails.size > 0) await options.onContactEmails(trx, [...emails]);
  };
  // One transaction: the caller's when `db` is one (an operation's), else a new one.
  await inTransaction(db, run);
  s.written = true;
  return s;
}

/** Imports companies (see {@link importRows}). */
export function importCompanies(db: DbOrTrx, rows: ImportRowSource, options: ImportOptions) {
  return importRows(db, "companies", rows, options);
}

/** Imports contacts, creating their companies when missing (see {@link importRows}). */
export function importContacts(db: DbOrTrx, rows: ImportRowSource, options: ImportOptions) {
  return importRows(db, "contacts", rows, options);
}

/** The fields of an import kind (for help texts). */
export function importFields(kind: ImportKind): readonly ImportField[] {
  return FIELDS[kind];
}
