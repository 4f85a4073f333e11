/**
 * Pure mapping from Exa search results to offerlab's company records. No I/O.
 */
import { companySizeBucket, normalizeDomain } from "@offerlab/core";
import type { CompanyRecord, CompanySignalsInput } from "@offerlab/provider-kit";
import { ExaCompanyEntity } from "./exa-api.js";
import type { ExaResult } from "./exa-api.js";

export const EXA_SOURCE_TOOL = "exa";

/** Page text, highlights and subpages are large and re-fetchable; we never store them. */
const BULKY_FIELDS = ["text", "highlights", "highlightScores", "subpages", "extras", "image", "favicon"];

export function trimExaRaw(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!BULKY_FIELDS.includes(k)) out[k] = v;
  return out;
}

/** "Series B" → "series_b", "Seed" → "seed": the stage vocabulary of `signals.funding.stage`. */
export function fundingStage(name: string | null | undefined): string | null {
  if (!name) return null;
  const s = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return s || null;
}

/** The first company entity of a result, parsed; null when Exa returned none or a bad one. */
export function companyEntity(result: ExaResult): ExaCompanyEntity | null {
  for (const e of result.entities ?? []) {
    if (e.type !== "company") continue;
    const parsed = ExaCompanyEntity.safeParse(e);
    if (parsed.success) return parsed.data;
  }
  return null;
}

/**
 * One Exa result → our company record. The homepage URL gives the domain. A result without a
 * company entity still maps (Exa's company index sometimes returns plain pages), with the page
 * title as a name of last resort; a result without a usable domain is dropped (null) because a
 * company we cannot dedupe on its domain is not worth storing.
 */
export function companyFromExaResult(result: ExaResult): CompanyRecord | null {
  const domain = normalizeDomain(result.url);
  if (!domain) return null;
  const props = companyEntity(result)?.properties ?? null;
  const name = props?.name?.trim() || result.title?.split(/\s[|\-–—:]\s/)[0]?.trim() || domain;
  const total = props?.workforce?.total;
  const exact = typeof total === "number" && Number.isFinite(total) && total > 0 ? Math.round(total) : null;
  const signals: CompanySignalsInput = {};
  const fin = props?.financials;
  if (fin && (fin.fundingLatestRound || fin.fundingTotal != null)) {
    const funding: NonNullable<CompanySignalsInput["funding"]> = {};
    const stage = fundingStage(fin.fundingLatestRound?.name);
    if (stage) funding.stage = stage;
    if (fin.fundingLatestRound?.amount != null) funding.amount = fin.fundingLatestRound.amount;
    if (fin.fundingLatestRound?.date) funding.date = fin.fundingLatestRound.date;
    if (fin.fundingTotal != null) funding.total_raised = fin.fundingTotal;
    signals.funding = funding;
  }
  const visits = props?.webTraffic?.visitsMonthly;
  if (typeof visits === "number") signals.web_traffic = { visits_monthly: visits };
  if (props?.foundedYear != null) signals.founded_year = props.foundedYear;
  return {
    name,
    domain,
    url: result.url,
    description: props?.description ?? result.summary ?? null,
    size: exact == null ? null : companySizeBucket(exact),
    size_exact: exact,
    headquarters_city: props?.headquarters?.city ?? null,
    headquarters_country: props?.headquarters?.country ?? null,
    signals,
    source_tool: EXA_SOURCE_TOOL,
    source_raw: trimExaRaw(result),
  };
}

/** Map a page of results, dropping unusable ones and keeping the first of each domain. */
export function companiesFromExa(results: readonly ExaResult[]): CompanyRecord[] {
  const seen = new Set<string>();
  const out: CompanyRecord[] = [];
  for (const result of results) {
    const record = companyFromExaResult(result);
    if (!record || !record.domain || seen.has(record.domain)) continue;
    seen.add(record.domain);
    out.push(record);
  }
  return out;
}
