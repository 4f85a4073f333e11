/**
 * The journal: one entry per provider request the sandbox served, with the simulated time, the
 * vendor, method, path, query and the body's key fields (who, to whom, from which account, what
 * was searched), never headers or keys. Kept in memory and, when a path is given, appended as
 * JSONL, so a run can be audited from the providers' side.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { SandboxProvider } from "./sandbox-vendors.js";

export interface JournalEntry {
  /** Order in which the sandbox received the request, from 1. */
  seq: number;
  /** Simulated time of the request (ISO 8601). */
  at: string;
  provider: SandboxProvider;
  method: string;
  /** Path after the vendor's base URL, e.g. `/users/invite`. */
  path: string;
  /** Query parameters, when any. */
  query?: Record<string, string>;
  /** Key fields of the body; long texts appear as their length (`text_chars`). */
  fields: Record<string, unknown>;
}

/** Body fields worth keeping as they are (identifiers, search parameters). */
const KEPT = new Set([
  "account_id",
  "provider_id",
  "attendees_ids",
  "chat_id",
  "subject",
  "reply_to",
  "inmail",
  "query",
  "objective",
  "entity_type",
  "match_limit",
  "numResults",
  "category",
  "type",
  "includeDomains",
  "excludeDomains",
  "url",
  "first_name",
  "last_name",
  "full_name",
  "domain",
  "company_name",
  "email",
  "linkedin_url",
  "limit",
  "page",
  "offset",
  "cursor",
  "job_title_or",
  "company_technology_slug_or",
  "company_country_code_or",
  "company_domain_or",
  "company_name_or",
  "company_linkedin_url_or",
  "min_employee_count",
  "max_employee_count",
  "funding_stage_or",
  "posted_at_max_age_days",
  "request_id",
  "filter",
  "formats",
  "search",
  "request_url",
  "source",
  "events",
  "name",
  "generator",
]);
/** Free texts: only their length is journaled (the copy is in the caller's own records). */
const LENGTH_ONLY = new Set(["message", "text", "body", "html"]);

function keyFieldsOf(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [rawKey, value] of entries) {
    const key = rawKey.replace(/^linkedin\[(\w+)\]$/, "$1");
    if (LENGTH_ONLY.has(key) && typeof value === "string") {
      fields[`${key === "message" ? "note" : key}_chars`] = value.length;
    } else if (key === "to" || key === "cc" || key === "bcc") {
      fields[key] = recipients(value);
    } else if (key === "custom_headers" && typeof value === "string") {
      // Our send id travels in a custom header: the key that ties a provider action to a queue row.
      const sendId = parseJson(value);
      if (Array.isArray(sendId)) {
        const found = sendId.find((h: { name?: string }) => /^x-offerlab-send-id$/i.test(String(h?.name ?? ""))) as
          { value?: unknown } | undefined;
        if (found) fields.send_id = found.value;
      }
    } else if (key === "organizations" && Array.isArray(value)) {
      fields.organizations = value;
    } else if (key === "match_conditions" && Array.isArray(value)) {
      fields.match_conditions = value.map((c: { name?: unknown }) => c?.name);
    } else if (KEPT.has(key)) {
      fields[key] = key in fields ? [...[fields[key]].flat(), value] : value;
    }
  }
  return fields;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function recipients(value: unknown): unknown {
  const parsed = typeof value === "string" ? (parseJson(value) ?? value) : value;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((r) => (typeof r === "object" && r !== null && "identifier" in r ? (r as { identifier: unknown }).identifier : r));
}

/** Reads the key fields of a request body (JSON or multipart), without consuming the original. */
export async function requestFields(request: Request): Promise<Record<string, unknown>> {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "DELETE") return {};
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
      const form = await request.clone().formData();
      return keyFieldsOf([...form.entries()].map(([k, v]) => [k, typeof v === "string" ? v : `(file ${v.name})`] as [string, unknown]));
    }
    const text = await request.clone().text();
    const json = parseJson(text);
    if (json && typeof json === "object" && !Array.isArray(json)) return keyFieldsOf(Object.entries(json as Record<string, unknown>));
    return text ? { body_chars: text.length } : {};
  } catch {
    return { unreadable_body: true };
  }
}

export interface Journal {
  readonly entries: readonly JournalEntry[];
  /** Records a request; returns the entry once its body has been read. */
  record(provider: SandboxProvider, request: Request, path: string, at: Date): Promise<JournalEntry>;
  /** The journal as JSONL (one entry per line, in `seq` order). */
  toJsonl(): string;
}

/** Query parameters that could carry a credential (`api_key`, `token` ...): journaled as `[redacted]`. */
const SECRET_PARAM = /key|token|secret|password|auth|signature/i;

/** A journal in memory, appended to `path` as JSONL when one is given. */
export function createJournal(path?: string): Journal {
  const entries: JournalEntry[] = [];
  const complete = new Set<number>();
  let written = 0;
  let seq = 0;
  if (path) mkdirSync(dirname(path), { recursive: true });
  // Bodies are read asynchronously: lines go to the file in `seq` order, each once its body is read.
  const flush = () => {
    for (let next = entries[written]; next && complete.has(next.seq); next = entries[++written]) {
      if (path) appendFileSync(path, JSON.stringify(next) + "\n");
      complete.delete(next.seq);
    }
  };
  return {
    entries,
    async record(provider, request, pathname, at) {
      const entry: JournalEntry = { seq: ++seq, at: at.toISOString(), provider, method: request.method, path: pathname, fields: {} };
      const params = new URL(request.url).searchParams;
      if ([...params.keys()].length)
        entry.query = Object.fromEntries([...params.entries()].map(([k, v]) => [k, SECRET_PARAM.test(k) ? "[redacted]" : v]));
      entries.push(entry);
      try {
        entry.fields = await requestFields(request);
      } finally {
        complete.add(entry.seq);
        flush();
      }
      return entry;
    },
    toJsonl: () =>
      [...entries]
        .sort((a, b) => a.seq - b.seq)
        .map((e) => JSON.stringify(e) + "\n")
        .join(""),
  };
}

/** A UUID-shaped id: a database row's (`send_id` carries a send attempt's id) or a fake's. */
const UUID_LIKE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * The journal (JSONL, or any text) with every UUID-shaped id replaced by its order of first
 * appearance: `<id:1>`, `<id:2>` … Database-generated ids are random, so two runs of one seed
 * differ in them and nothing else; normalised, they are byte-identical. Compare two runs (two
 * commits, two machines) with `diff` on the normalised journals; `offerlab journal normalize`
 * does the same from the command line.
 */
export function normalizeJournal(text: string): string {
  const order = new Map<string, number>();
  return text.replace(UUID_LIKE, (id) => {
    const key = id.toLowerCase();
    let n = order.get(key);
    if (n === undefined) {
      n = order.size + 1;
      order.set(key, n);
    }
    return `<id:${n}>`;
  });
}
