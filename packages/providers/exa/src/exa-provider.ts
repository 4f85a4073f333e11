/**
 * Exa as offerlab capabilities: `CompanySearch` over Exa's company index (`category: "company"`),
 * plus `findSimilarCompanies` (lookalikes of a seed company). Delegates HTTP to `exa-api.ts` and
 * mapping to `exa-transform.ts`.
 */
import { normalizeDomain } from "@offerlab/core";
import { ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CallOptions,
  CompanyRecord,
  CompanySearch,
  CompanySearchQuery,
  CompanySearchResult,
  FetchLike,
  CallGate,
  OnUsage,
  RetryOptions,
} from "@offerlab/provider-kit";
import { createExaApi, EXA_DEFAULT_BASE_URL } from "./exa-api.js";
import type { ExaSearchResponse } from "./exa-api.js";
import { companiesFromExa, EXA_SOURCE_TOOL } from "./exa-transform.js";

export interface ExaOptions {
  /** API key. Default: the `EXA_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `EXA_BASE_URL`, else `https://api.exa.ai`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (duration, status, cost in USD); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 30 000. */
  timeoutMs?: number;
  /** Retries of searches on 429/5xx/timeouts. Default: the kit's (3 attempts, backoff with jitter, `Retry-After` up to 30 s). */
  retry?: RetryOptions;
  /** Most results one call may ask for, whatever the caller asks (Exa bills extra results beyond 10). Default 25, at most 100. */
  maxResultsPerCall?: number;
}

export interface FindSimilarOptions extends CallOptions {
  /** Results wanted. Default 10. */
  limit?: number;
  /** Domains to leave out of the answer (filtered after the call). */
  excludeDomains?: string[];
}

export interface ExaProvider extends CompanySearch {
  readonly provider: "exa";
  /** Companies like the one at `seed` (a domain or URL), the seed itself excluded. */
  findSimilarCompanies(seed: string, options?: FindSimilarOptions): Promise<CompanySearchResult>;
}

const invalid = (message: string) =>
  new ProviderError({ kind: "invalid", provider: "exa", message, reason: "invalid_input", retryable: false });

/**
 * The query Exa sees. With `category: "company"` Exa refuses structured filters (dates,
 * `excludeDomains`: 400) and asks for constraints in the natural-language query, so the ICP filters
 * are written into it.
 */
export function companyQueryText(query: CompanySearchQuery): string {
  const f = query.filters ?? {};
  const parts = [query.query.trim()];
  if (f.industries?.length) parts.push(`in ${f.industries.join(" or ")}`);
  if (f.countries?.length) parts.push(`headquartered in ${f.countries.join(" or ")}`);
  const min = f.minEmployees;
  const max = f.maxEmployees;
  if (min !== undefined || max !== undefined) {
    parts.push(
      min !== undefined && max !== undefined
        ? `with ${min}-${max} employees`
        : min !== undefined
          ? `with more than ${min} employees`
          : `with fewer than ${max} employees`,
    );
  } else if (f.sizes?.length) {
    parts.push(`with ${f.sizes.join(" or ")} employees`);
  }
  if (f.fundingStages?.length) parts.push(`at ${f.fundingStages.map((s) => s.replace(/_/g, " ")).join(" or ")} stage`);
  if (f.technologies?.length) parts.push(`using ${f.technologies.join(", ")}`);
  if (f.hiringFor?.length) parts.push(`hiring ${f.hiringFor.join(", ")}`);
  if (f.keywords?.length) parts.push(f.keywords.join(", "));
  return parts.filter((p) => p !== "").join(", ");
}

function excludeDomains(companies: CompanyRecord[], domains: readonly string[] | undefined): CompanyRecord[] {
  const excluded = new Set((domains ?? []).map((d) => normalizeDomain(d)).filter((d): d is string => d !== null));
  return excluded.size ? companies.filter((c) => !c.domain || !excluded.has(c.domain)) : companies;
}

export function createExa(options: ExaOptions = {}): ExaProvider {
  const apiKey = () => readSetting({ provider: "exa", option: "apiKey", value: options.apiKey, envVar: "EXA_API_KEY" });
  const api = createExaApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "exa",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "EXA_BASE_URL",
        defaultValue: EXA_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
  });
  const secrets = () => [options.apiKey, process.env.EXA_API_KEY];
  const maxResults = Math.min(100, options.maxResultsPerCall ?? 25);
  const numResults = (limit: number | undefined, fallback: number) => Math.max(1, Math.min(limit ?? fallback, maxResults));

  // Exa bills in US dollars, not credits: the usage event reports `credits: 0` and the dollar
  // cost in `response.cost_usd` (the kit's UsageEvent has no money field).
  const usageOf = (action: string, request: Record<string, unknown>, call: CallOptions) => ({
    onUsage: options.onUsage,
    gate: options.gate,
    tool: EXA_SOURCE_TOOL,
    action,
    request,
    context: call.usageContext,
    secrets: secrets(),
    resultsCount: (r: CompanySearchResult & { costUsd: number | null }) => r.companies.length,
    response: (r: CompanySearchResult & { costUsd: number | null }) => ({ cost_usd: r.costUsd }),
  });
  const finish = (res: ExaSearchResponse, source: string, exclude: readonly string[] | undefined) => ({
    companies: excludeDomains(companiesFromExa(res.results), exclude).map((c) => ({ ...c, source_query: source })),
    // Exa has no pagination: one call is the whole answer.
    cursor: null,
    costUsd: res.costDollars?.total ?? null,
  });
  const strip = ({ costUsd: _costUsd, ...rest }: CompanySearchResult & { costUsd: number | null }): CompanySearchResult => rest;

  return {
    provider: "exa",

    async searchCompanies(query, call = {}) {
      if (query.cursor) throw invalid("Exa has no pagination: a search has no next page");
      const text = companyQueryText(query);
      if (!text) throw invalid("searchCompanies needs a query");
      const n = numResults(query.limit, 10);
      const result = await trackUsage(usageOf("search_companies", { query: text, num_results: n }, call), async () =>
        finish(
          await api.search({ query: text, type: "auto", category: "company", numResults: n }, call.signal),
          query.query,
          query.filters?.excludeDomains,
        ),
      );
      return strip(result);
    },

    async findSimilarCompanies(seed, call = {}) {
      const domain = normalizeDomain(seed);
      if (!domain) throw invalid(`findSimilarCompanies needs a domain or URL, got "${seed}"`);
      const url = /^https?:\/\//i.test(seed.trim()) ? seed.trim() : `https://${domain}`;
      const n = numResults(call.limit, 10);
      const result = await trackUsage(usageOf("find_similar", { url, num_results: n }, call), async () =>
        finish(
          await api.findSimilar({ url, category: "company", numResults: n, excludeSourceDomain: true }, call.signal),
          `similar to ${domain}`,
          [...(call.excludeDomains ?? []), domain],
        ),
      );
      return strip(result);
    },
  };
}
