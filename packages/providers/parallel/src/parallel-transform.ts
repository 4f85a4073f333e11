/**
 * Pure mapping from Parallel's entities and FindAll candidates to offerlab's records. No I/O.
 *
 * Entity Search is recall-oriented and unverified: a company's `url` is often its LinkedIn page
 * rather than its website, and a person comes as a name, a URL and one line of description.
 */
import { normalizeDomain, normalizeLinkedInUrl, normalizeSeniority } from "@offerlab/core";
import type { Seniority } from "@offerlab/core";
import type { CompanyRecord, PersonRecord } from "@offerlab/provider-kit";
import type { ParallelEntity, ParallelFindAllCandidate } from "./parallel-api.js";

export const PARALLEL_SOURCE_TOOL = "parallel";

const isLinkedIn = (url: string) => {
  try {
    return /(^|\.)linkedin\.com$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** A company entity → `CompanyRecord`: a LinkedIn URL goes to `linkedin_url`, anything else gives the domain. */
export function companyFromEntity(entity: ParallelEntity, query: string | null): CompanyRecord | null {
  const name = entity.name?.trim();
  if (!name) return null;
  const url = entity.url?.trim() || null;
  const linkedin = url && isLinkedIn(url) ? normalizeLinkedInUrl(url) : null;
  return {
    name,
    domain: url && !isLinkedIn(url) ? normalizeDomain(url) : null,
    url: url && !isLinkedIn(url) ? url : null,
    linkedin_url: linkedin,
    description: entity.description?.trim() || null,
    signals: {},
    source_tool: PARALLEL_SOURCE_TOOL,
    source_query: query,
    source_raw: { ...entity },
  };
}

/**
 * A matched FindAll candidate → `CompanyRecord`. Each match condition's verdict goes to
 * `signals.parallel_findall` (a key of our own, as core's signals document allows); the basis
 * (citations, reasoning) is kept in `source_raw` without excerpts, which can be long.
 */
export function companyFromCandidate(candidate: ParallelFindAllCandidate, query: string | null): CompanyRecord | null {
  if (candidate.match_status !== "matched") return null;
  const base = companyFromEntity(candidate, query);
  if (!base) return null;
  const basis = (candidate.basis ?? []).map((b) => {
    if (!b || typeof b !== "object") return b;
    const { citations, ...rest } = b as Record<string, unknown>;
    return {
      ...rest,
      citations: Array.isArray(citations)
        ? citations.map((c) => (c && typeof c === "object" ? { url: (c as Record<string, unknown>).url } : c))
        : [],
    };
  });
  return {
    ...base,
    signals: candidate.output && Object.keys(candidate.output).length ? { parallel_findall: candidate.output } : {},
    source_raw: {
      candidate_id: candidate.candidate_id ?? null,
      name: candidate.name,
      url: candidate.url,
      description: candidate.description,
      match_status: candidate.match_status,
      basis,
    },
  };
}

/**
 * Seniority from a job title, with core's normaliser (one rule set for every vendor). A title with
 * no recognisable cue is an individual contributor.
 */
export function seniorityFromTitle(title: string | null | undefined): Seniority | null {
  const t = title?.trim();
  if (!t) return null;
  return normalizeSeniority(t) ?? "individual";
}

const DEPARTMENTS: [string, RegExp][] = [
  ["sales", /\b(sales|account executive|sdr|bdr|business development|revenue|cro)\b/i],
  ["marketing", /\b(marketing|growth|demand gen|brand|cmo)\b/i],
  ["customer_success", /\b(customer success|customer experience|support|account manag)/i],
  ["engineering", /\b(engineer|engineering|developer|software|cto|devops|sre)\b/i],
  ["product", /\b(product|cpo)\b/i],
  ["data", /\b(data|analytics|machine learning|ml)\b/i],
  ["finance", /\b(finance|financial|cfo|accounting|controller)\b/i],
  ["operations", /\b(operations|ops|coo)\b/i],
  ["people", /\b(hr|human resources|people|talent|recruit)/i],
  ["it", /\b(it|information technology|cio|ciso|security)\b/i],
];

export function departmentFromTitle(title: string | null | undefined): string | null {
  const t = title?.trim();
  if (!t) return null;
  return DEPARTMENTS.find(([, re]) => re.test(t))?.[0] ?? null;
}

/** `vp_sales`, `director_marketing`… as in `contacts.title_normalized`; null unless both parts are known. */
export function titleNormalized(title: string | null | undefined): string | null {
  const seniority = seniorityFromTitle(title);
  const department = departmentFromTitle(title);
  return seniority && department ? `${seniority}_${department}` : null;
}

/** "VP of Sales at Northwind" / "CRO — Northwind" / "SDR, Northwind, Austin" → title and employer. */
export function splitHeadline(description: string | null | undefined): { title: string | null; company: string | null } {
  const d = description?.replace(/\s+/g, " ").trim();
  if (!d) return { title: null, company: null };
  const m = /^(.+?)\s+(?:at|@|—|–|-|,)\s+(.+?)(?:,.*)?$/.exec(d);
  if (!m) return { title: d, company: null };
  return { title: m[1]?.trim() || null, company: m[2]?.trim() || null };
}

/**
 * A people entity → `PersonRecord`. The name is split on its first space; the title and employer
 * come from the one-line description when it reads "<title> at <company>". A non-LinkedIn URL is
 * not a profile: `linkedin_url` stays null (the URL is kept in `source_raw`).
 */
export function personFromEntity(entity: ParallelEntity, company: { name?: string; domain?: string } = {}): PersonRecord | null {
  const fullName = entity.name?.replace(/\s+/g, " ").trim();
  if (!fullName) return null;
  const [first, ...rest] = fullName.split(" ");
  const { title, company: employer } = splitHeadline(entity.description);
  const url = entity.url?.trim() ?? "";
  return {
    first_name: first ?? null,
    last_name: rest.length ? rest.join(" ") : null,
    full_name: fullName,
    title,
    title_normalized: titleNormalized(title),
    department: departmentFromTitle(title),
    seniority: seniorityFromTitle(title),
    linkedin_url: url && isLinkedIn(url) ? normalizeLinkedInUrl(url) : null,
    company_name: employer ?? company.name ?? null,
    company_domain: company.domain ? normalizeDomain(company.domain) : null,
    source_tool: PARALLEL_SOURCE_TOOL,
    source_raw: { ...entity },
  };
}
