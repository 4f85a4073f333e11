/**
 * TheirStack as offerlab capabilities: `CompanySearch` (companies by technographics and
 * firmographics, or by what they are hiring for) and `CompanyEnricher` (one company by domain:
 * tech stack, open jobs, funding). Delegates HTTP to `theirstack-api.ts` and mapping to
 * `theirstack-transform.ts`.
 */
import { normalizeDomain, normalizeLinkedInUrl } from "@offerlab/core";
import type { CompanySize } from "@offerlab/core";
import { ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CompanyEnricher,
  CompanyEnrichment,
  CompanyRecord,
  CompanySearch,
  CompanySearchQuery,
  CompanySearchResult,
  CreditBalance,
  CreditBalanceReader,
  FetchLike,
  IcpFilters,
  CallGate,
  OnUsage,
  RetryOptions,
} from "@offerlab/provider-kit";
import { createTheirStackApi, THEIRSTACK_DEFAULT_BASE_URL } from "./theirstack-api.js";
import type { CompaniesSearchRequest, JobsSearchRequest } from "./theirstack-api.js";
import { companiesFromJobs, companyFromTheirStack, THEIRSTACK_SOURCE_TOOL } from "./theirstack-transform.js";

/** Credits per record returned (TheirStack's pricing page): jobs 1, companies 3. Blurred rows are free. */
export const THEIRSTACK_CREDITS_PER_JOB = 1;
export const THEIRSTACK_CREDITS_PER_COMPANY = 3;

export interface TheirStackOptions {
  /** API key. Default: the `THEIRSTACK_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `THEIRSTACK_BASE_URL`, else `https://api.theirstack.com`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (credits, duration, status); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 30 000 (TheirStack's slow queries answer 504 on their own). */
  timeoutMs?: number;
  /** Retries of searches on 429/5xx/timeouts. Default: the kit's (3 attempts, backoff with jitter, `Retry-After` up to 30 s). */
  retry?: RetryOptions;
  /**
   * Most records one call may return, whatever the caller asks: TheirStack bills per record
   * (3 credits a company, 1 a job). Default 100.
   */
  maxResultsPerCall?: number;
  /** Job postings younger than this count as hiring signals when the query does not say. Default 30 days. */
  defaultPostedWithinDays?: number;
  /** Today's date (`YYYY-MM-DD`) for `signals.hiring.last_checked`. Default: the system clock. */
  today?: () => string;
}

export interface TheirStackProvider extends CompanySearch, CompanyEnricher, CreditBalanceReader {
  readonly provider: "theirstack";
}

const SIZE_BOUNDS: Record<CompanySize, [number, number | null]> = {
  "1-10": [1, 10],
  "11-50": [11, 50],
  "51-200": [51, 200],
  "201-500": [201, 500],
  "501-1000": [501, 1000],
  "1000+": [1001, null],
};

/** Employee bounds from explicit min/max, else from the union of the wanted size buckets. */
export function employeeBounds(filters: IcpFilters): { min?: number; max?: number } {
  const out: { min?: number; max?: number } = {};
  if (filters.sizes?.length) {
    const bounds = filters.sizes.map((s) => SIZE_BOUNDS[s]);
    out.min = Math.min(...bounds.map(([lo]) => lo));
    if (bounds.every(([, hi]) => hi !== null)) out.max = Math.max(...bounds.map(([, hi]) => hi as number));
  }
  if (filters.minEmployees !== undefined) out.min = filters.minEmployees;
  if (filters.maxEmployees !== undefined) out.max = filters.maxEmployees;
  return out;
}

/** The company filters both TheirStack searches share. Industries are not sent: TheirStack filters on numeric industry ids we do not map. */
function companyFilters(filters: IcpFilters): Partial<CompaniesSearchRequest & JobsSearchRequest> {
  const { min, max } = employeeBounds(filters);
  return {
    ...(filters.countries?.length ? { company_country_code_or: filters.countries.map((c) => c.toUpperCase()) } : {}),
    ...(filters.technologies?.length ? { company_technology_slug_or: filters.technologies.map(techSlug) } : {}),
    ...(min !== undefined ? { min_employee_count: min } : {}),
    ...(max !== undefined ? { max_employee_count: max } : {}),
  };
}

/** "Google Analytics" → "google-analytics": TheirStack's technology slugs are kebab-case. */
export function techSlug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.+#]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function pageOf(cursor: string | null | undefined): number {
  if (cursor === undefined || cursor === null) return 0;
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 0) {
    throw new ProviderError({
      kind: "invalid",
      provider: "theirstack",
      message: `invalid cursor "${cursor}"`,
      reason: "invalid_cursor",
      retryable: false,
    });
  }
  return n;
}

export function createTheirStack(options: TheirStackOptions = {}): TheirStackProvider {
  const apiKey = () => readSetting({ provider: "theirstack", option: "apiKey", value: options.apiKey, envVar: "THEIRSTACK_API_KEY" });
  const api = createTheirStackApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "theirstack",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "THEIRSTACK_BASE_URL",
        defaultValue: THEIRSTACK_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
  });
  const secrets = () => [options.apiKey, process.env.THEIRSTACK_API_KEY];
  const maxResults = options.maxResultsPerCall ?? 100;
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));

  function exclude(companies: CompanyRecord[], filters: IcpFilters): CompanyRecord[] {
    const excluded = new Set((filters.excludeDomains ?? []).map((d) => normalizeDomain(d)).filter((d): d is string => d !== null));
    return excluded.size ? companies.filter((c) => !c.domain || !excluded.has(c.domain)) : companies;
  }

  async function runSearch(query: CompanySearchQuery, signal?: AbortSignal): Promise<CompanySearchResult & { endpoint: string }> {
    const filters = query.filters ?? {};
    const limit = Math.max(1, Math.min(query.limit ?? 25, maxResults));
    const page = pageOf(query.cursor);
    if (filters.hiringFor?.length) {
      // Hiring signal: search job postings, then group them by company. `limit` counts postings,
      // so one page may yield fewer companies than asked; the cursor pages through postings.
      const body: JobsSearchRequest = {
        page,
        limit,
        job_title_or: filters.hiringFor,
        posted_at_max_age_days: filters.postedWithinDays ?? options.defaultPostedWithinDays ?? 30,
        ...companyFilters(filters),
      };
      const res = await api.searchJobs(body, signal);
      const companies = exclude(companiesFromJobs(res.data, today()), filters).map((c) => ({ ...c, source_query: query.query }));
      const billed = res.data.filter((j) => j.has_blurred_data !== true).length * THEIRSTACK_CREDITS_PER_JOB;
      return { companies, cursor: res.data.length === limit ? String(page + 1) : null, creditsUsed: billed, endpoint: "jobs" };
    }
    // TheirStack has no free-text company search: `query.query` is kept as `source_query` only.
    // `postedWithinDays` only applies to the jobs path: the company search's job sub-filters are
    // not in the digest, and an unverified field could be refused (422) or silently ignored.
    const body: CompaniesSearchRequest = {
      page,
      limit,
      ...companyFilters(filters),
      ...(filters.fundingStages?.length ? { funding_stage_or: filters.fundingStages } : {}),
    };
    const res = await api.searchCompanies(body, signal);
    const companies = exclude(
      res.data.map((c) => companyFromTheirStack(c, today())).filter((c): c is CompanyRecord => c !== null),
      filters,
    ).map((c) => ({ ...c, source_query: query.query }));
    const billed = res.data.filter((c) => c.has_blurred_data !== true).length * THEIRSTACK_CREDITS_PER_COMPANY;
    return { companies, cursor: res.data.length === limit ? String(page + 1) : null, creditsUsed: billed, endpoint: "companies" };
  }

  return {
    provider: "theirstack",

    async searchCompanies(query, callOptions = {}) {
      const result = await trackUsage(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: THEIRSTACK_SOURCE_TOOL,
          action: query.filters?.hiringFor?.length ? "search_jobs" : "search_companies",
          request: { query: query.query, filters: query.filters ?? {}, limit: query.limit ?? null, cursor: query.cursor ?? null },
          context: callOptions.usageContext,
          secrets: secrets(),
          credits: (r) => r.creditsUsed ?? 0,
          resultsCount: (r) => r.companies.length,
          response: (r) => ({ endpoint: r.endpoint, next_cursor: r.cursor }),
        },
        () => runSearch(query, callOptions.signal),
      );
      const { endpoint: _endpoint, ...rest } = result;
      return rest;
    },

    async enrichCompany(query, callOptions = {}) {
      const domain = query.domain ? normalizeDomain(query.domain) : null;
      const linkedin = query.linkedinUrl ? normalizeLinkedInUrl(query.linkedinUrl) : null;
      const name = query.name?.trim();
      if (!domain && !linkedin && !name) {
        throw new ProviderError({
          kind: "invalid",
          provider: "theirstack",
          message: "enrichCompany needs a domain, linkedinUrl or name",
          reason: "invalid_input",
          retryable: false,
        });
      }
      // One identifier only, most precise first: the identifiers are OR'ed by TheirStack, so
      // sending several could return another company.
      const body: CompaniesSearchRequest = {
        page: 0,
        limit: 1,
        ...(domain
          ? { company_domain_or: [domain] }
          : linkedin
            ? { company_linkedin_url_or: [linkedin] }
            : { company_name_or: [name as string] }),
      };
      return trackUsage<CompanyEnrichment>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: THEIRSTACK_SOURCE_TOOL,
          action: "enrich_company",
          request: { domain, linkedin_url: linkedin, name: name ?? null },
          context: callOptions.usageContext,
          secrets: secrets(),
          credits: (r) => r.creditsUsed ?? 0,
          resultsCount: (r) => (r.company.name ? 1 : 0),
        },
        async () => {
          const res = await api.searchCompanies(body, callOptions.signal);
          const first = res.data[0];
          const record = first ? companyFromTheirStack(first, today()) : null;
          if (!record) {
            throw new ProviderError({
              kind: "not_found",
              provider: "theirstack",
              message: `no TheirStack company for ${domain ?? linkedin ?? name}`,
              reason: "company_not_found",
              retryable: false,
            });
          }
          const { signals = {}, source_raw, ...company } = record;
          return { company, signals, source_raw, creditsUsed: THEIRSTACK_CREDITS_PER_COMPANY };
        },
      );
    },

    async getCreditBalance(call = {}) {
      return trackUsage<CreditBalance>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: THEIRSTACK_SOURCE_TOOL,
          action: "get_credit_balance",
          secrets: secrets(),
          response: (r) => ({ credits_remaining: r.remaining }),
          balance: (r) => r,
        },
        async () => {
          const b = await api.creditBalance(call.signal);
          // No reset date in the answer: left unknown.
          return { remaining: Math.max(0, b.api_credits - b.used_api_credits) };
        },
      );
    },
  };
}
