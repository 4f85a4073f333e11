/**
 * Discovery: the offer's ICP through each company search provider, records merged and deduped
 * by normalised domain (then LinkedIn page, then name when a record has no domain), scored
 * against the ICP, disqualifiers applied, stored with their sources.
 */
import { PipelineInputError } from "./offer.js";
import { clipToTextLimits, normalizeDomain, ValidationError } from "@offerlab/core";
import { companies as companyRepo } from "@offerlab/db";
import type { CompanyRecord, CompanySearch, CompanySearchResult, IcpFilters } from "@offerlab/provider-kit";
import { scoreCompany, tokens } from "./fit.js";
import { asStepError, paidLookup, pushError, round, type RunState, type StepError } from "./lookups.js";
import { companyQueryOf, loadOfferIcp } from "./offer.js";

export interface DiscoverCompaniesOptions {
  /** Most companies to ask each provider for. Default 25. */
  limitPerProvider?: number;
  /** Companies scoring at least this (and not disqualified) become `qualified`. Default 5. */
  minFitScore?: number;
  /** Extra filters merged over the ones built from the ICP (countries, technologies, …). Default none. */
  filters?: IcpFilters;
  /** Replaces the natural-language query built from the ICP. Default: built from the ICP. */
  query?: string;
  /** Extra disqualifiers, applied with the ICP's and the positioning's. Default none. */
  disqualifiers?: string[];
}

export interface DiscoverCompaniesSummary {
  /** Records the providers returned (a company found by two providers counts twice). */
  found: number;
  /** Distinct companies after merging across providers. */
  unique: number;
  /** New `companies` rows. */
  new: number;
  /** Records that were not new rows: merged across providers or already stored for the offer. */
  duplicates: number;
  qualified: number;
  disqualified: number;
  /** Companies a provider described in a way the schema refuses (each one in `errors`, kind `invalid`). */
  rejected: number;
  /** Per provider: records returned, pages fetched and pages reused from earlier lookups. */
  providers: Record<string, { found: number; pages: number; cachedPages: number }>;
  creditsSpent: number;
  errors: StepError[];
  errorCount: number;
}

export function emptyCompaniesSummary(): DiscoverCompaniesSummary {
  return {
    found: 0,
    unique: 0,
    new: 0,
    duplicates: 0,
    qualified: 0,
    disqualified: 0,
    rejected: 0,
    providers: {},
    creditsSpent: 0,
    errors: [],
    errorCount: 0,
  };
}

interface Candidate {
  record: CompanyRecord;
  raws: Record<string, unknown>;
}

const nameKey = (name: string) => tokens(name.replace(/\b(inc|llc|ltd|gmbh|sas|corp|co)\b\.?/gi, "")).join(" ");
const linkedinKey = (url: string | null | undefined) =>
  url
    ? url
        .toLowerCase()
        .replace(/^https?:\/\/(www\.)?/, "")
        .replace(/\/+$/, "")
    : null;

function domainOf(r: CompanyRecord): string | null {
  const d = normalizeDomain(r.domain ?? null) ?? (r.url ? normalizeDomain(r.url) : null);
  return d && !d.endsWith("linkedin.com") ? d : null;
}

function mergeSignals(a: CompanyRecord["signals"], b: CompanyRecord["signals"]): CompanyRecord["signals"] {
  if (!a) return b;
  if (!b) return a;
  const union = (x?: string[], y?: string[]) => (x || y ? [...new Set([...(x ?? []), ...(y ?? [])])] : undefined);
  const out = { ...b, ...a };
  const tech = union(a.tech_stack, b.tech_stack);
  if (tech) out.tech_stack = tech;
  const growth = union(a.growth_signals, b.growth_signals);
  if (growth) out.growth_signals = growth;
  if (a.hiring || b.hiring) out.hiring = { ...b.hiring, ...a.hiring };
  if (a.funding || b.funding) out.funding = { ...b.funding, ...a.funding };
  return out;
}

/** Fills what `into` lacks from `from` (the earlier provider wins a conflict). */
function mergeRecord(into: CompanyRecord, from: CompanyRecord): CompanyRecord {
  const out: CompanyRecord = { ...into };
  for (const [k, v] of Object.entries(from) as [keyof CompanyRecord, unknown][]) {
    if (k === "signals" || k === "source_raw" || k === "source_tool" || k === "source_query") continue;
    if ((out[k] === null || out[k] === undefined) && v !== null && v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  const signals = mergeSignals(into.signals, from.signals);
  if (signals) out.signals = signals;
  return out;
}

/** Merges records across providers; the first provider's values win, nothing is lost. */
export function mergeCompanyRecords(records: CompanyRecord[]): Candidate[] {
  const out: Candidate[] = [];
  for (const raw of records) {
    const r = { ...raw, domain: domainOf(raw) };
    const li = linkedinKey(r.linkedin_url);
    const nk = nameKey(r.name);
    const same = out.find((c) => {
      const cd = c.record.domain;
      if (cd && r.domain) return cd === r.domain;
      if (li && linkedinKey(c.record.linkedin_url) === li) return true;
      return nk !== "" && nameKey(c.record.name) === nk;
    });
    if (same) {
      same.record = mergeRecord(same.record, r);
      if (!(r.source_tool in same.raws)) same.raws[r.source_tool] = r.source_raw ?? null;
    } else {
      out.push({ record: r, raws: { [r.source_tool]: r.source_raw ?? null } });
    }
  }
  return out;
}

export async function runDiscoverCompanies(rs: RunState, opts: DiscoverCompaniesOptions, summary: DiscoverCompaniesSummary): Promise<void> {
  const { db } = rs.ctx;
  const providers: CompanySearch[] = rs.ctx.providers.companySearch ?? [];
  if (providers.length === 0)
    throw new PipelineInputError("discover_companies needs at least one company search provider (providers.companySearch)");
  const { icp, positioningDisqualifiers } = await loadOfferIcp(db, rs.offerId);
  const base = companyQueryOf(icp, opts.filters);
  const query = { ...base, ...(opts.query ? { query: opts.query } : {}) };
  const limit = opts.limitPerProvider ?? 25;
  const minFit = opts.minFitScore ?? 5;
  const startSpent = rs.spent;
  rs.progress(0, null, "searching");

  const records: CompanyRecord[] = [];
  try {
    for (const provider of providers) {
      const stats = (summary.providers[provider.provider] ??= { found: 0, pages: 0, cachedPages: 0 });
      if (rs.disabled.has(provider.provider)) continue;
      let cursor: string | null = null;
      let got = 0;
      let lastCount = 0;
      do {
        const request = { ...query, limit: limit - got, cursor };
        let page: CompanySearchResult;
        try {
          const res = await paidLookup(rs, {
            provider: provider.provider,
            action: "search_companies",
            request,
            call: (o) => provider.searchCompanies(request, o),
          });
          page = res.value;
          stats.pages += 1;
          if (res.cached) stats.cachedPages += 1;
        } catch (error) {
          pushError(summary, asStepError(error, provider.provider, query.query));
          break;
        }
        const batch = page.companies.slice(0, limit - got);
        records.push(...batch.map((c) => ({ ...c, source_query: c.source_query ?? query.query })));
        got += batch.length;
        stats.found += batch.length;
        summary.found += batch.length;
        summary.creditsSpent = round(rs.spent - startSpent);
        rs.progress(summary.found, null, `${provider.provider}: ${stats.found} companies`);
        cursor = page.cursor;
        lastCount = page.companies.length;
      } while (cursor && got < limit && lastCount > 0);
    }
  } finally {
    summary.creditsSpent = round(rs.spent - startSpent);
  }

  const candidates = mergeCompanyRecords(records);
  summary.unique = candidates.length;
  let done = 0;
  for (const { record, raws } of candidates) {
    const fit = scoreCompany(record, icp, [...positioningDisqualifiers, ...(opts.disqualifiers ?? [])]);
    const status = fit.disqualification ? "disqualified" : fit.score >= minFit ? "qualified" : "new";
    // Vendor text is cut to core's field sizes: a long description must not cost the company.
    const row = clipToTextLimits("companies", {
      offer_id: rs.offerId,
      name: record.name,
      domain: record.domain,
      url: record.url ?? (record.domain ? `https://${record.domain}` : null),
      description: record.description ?? null,
      size: record.size ?? null,
      size_exact: record.size_exact ?? null,
      vertical: record.vertical ?? null,
      industry: record.industry ?? null,
      headquarters_city: record.headquarters_city ?? null,
      headquarters_state: record.headquarters_state ?? null,
      headquarters_country: record.headquarters_country ?? null,
      signals: record.signals ?? {},
      fit_score: fit.score,
      fit_reasoning: fit.reasoning,
      priority: fit.priority,
      source_tool: record.source_tool,
      source_query: record.source_query ?? query.query,
      source_raw: raws,
      status,
      disqualification_reason: fit.disqualification,
    });
    let created = false;
    let finalStatus: string = status;
    try {
      if (record.domain) {
        const res = await companyRepo.upsert(db, row);
        created = res.created;
        finalStatus = res.company.status;
      } else {
        // No domain to dedupe on: the same name in the same offer is the same company.
        const res = await companyRepo.createUnlessNamed(db, row);
        created = res.created;
        finalStatus = res.company.status;
      }
    } catch (error) {
      // One vendor record that does not fit the schema must not cost the run its other companies.
      if (!ValidationError.isInstance(error)) throw error;
      summary.rejected += 1;
      pushError(summary, { provider: record.source_tool, kind: "invalid", message: error.message, item: record.domain ?? record.name });
      rs.progress(++done, candidates.length, record.name);
      continue;
    }
    if (created) summary.new += 1;
    if (finalStatus === "qualified") summary.qualified += 1;
    if (finalStatus === "disqualified") summary.disqualified += 1;
    rs.progress(++done, candidates.length, record.name);
  }
  summary.duplicates = summary.found - summary.new - summary.rejected;
}
