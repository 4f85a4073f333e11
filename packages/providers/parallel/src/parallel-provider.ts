/**
 * Parallel as offerlab capabilities: `CompanySearch` and `PeopleSearch` over Entity Search (fast,
 * synchronous, unverified), and `findAllCompanies` over FindAll (asynchronous, each match checked
 * against conditions, polled with the kit's `poll`). Delegates HTTP to `parallel-api.ts` and mapping
 * to `parallel-transform.ts`.
 */
import { normalizeDomain } from "@offerlab/core";
import { poll, ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CallOptions,
  CompanyRecord,
  CompanySearch,
  CompanySearchQuery,
  CompanySearchResult,
  FetchLike,
  CallGate,
  OnUsage,
  PeopleSearch,
  PeopleSearchQuery,
  PersonRecord,
  RetryOptions,
} from "@offerlab/provider-kit";
import { createParallelApi, PARALLEL_DEFAULT_BASE_URL } from "./parallel-api.js";
import type { FindAllCreateRequest } from "./parallel-api.js";
import { companyFromCandidate, companyFromEntity, personFromEntity } from "./parallel-transform.js";

/** `tools.name` of each use of Parallel, as the usage events report them. */
export const PARALLEL_COMPANIES_TOOL = "parallel_companies";
export const PARALLEL_PEOPLE_TOOL = "parallel_people";

export interface ParallelOptions {
  /** API key. Default: the `PARALLEL_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `PARALLEL_BASE_URL` (as Parallel's SDK), else `https://api.parallel.ai`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (duration, status); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 60 000 (Entity Search is synchronous research). */
  timeoutMs?: number;
  /** Retries of searches and status reads on 429/5xx/timeouts; never of run creation. Default: the kit's (3 attempts). */
  retry?: RetryOptions;
  /** Most results one call may ask for. Default 100 (Parallel allows 5–1000). */
  maxResultsPerCall?: number;
  /** First wait between FindAll status checks, in ms (grows ×1.5 up to 15 s). Default 5 000. */
  pollIntervalMs?: number;
}

export interface FindAllOptions extends CallOptions {
  /** Boolean criteria every match must meet, e.g. `{ name: "hiring_sales", description: "Has open sales roles" }`. At least one. */
  matchConditions: { name: string; description: string }[];
  /** Matches wanted (5–1000). Default 25. */
  matchLimit?: number;
  /** Default `base`. `preview` finds about 10 candidates cheaply. */
  generator?: FindAllCreateRequest["generator"];
  /** Companies to leave out (already known). */
  exclude?: { name: string; url: string }[];
  /** How long to wait for the run, in ms. Default 1 800 000 (30 minutes); the run is cancelled when given up. */
  timeoutMs?: number;
}

export interface ParallelProvider extends CompanySearch, PeopleSearch {
  readonly provider: "parallel";
  /** FindAll: discovery where every company is checked against `matchConditions`. Slow (minutes) and paid per run and per match. */
  findAllCompanies(objective: string, options: FindAllOptions): Promise<CompanySearchResult>;
}

const invalid = (message: string) =>
  new ProviderError({ kind: "invalid", provider: "parallel", message, reason: "invalid_input", retryable: false });

/** The natural-language objective Entity Search sees: the query with the ICP filters written in. */
export function companyObjective(query: CompanySearchQuery): string {
  const f = query.filters ?? {};
  const parts = [query.query.trim()];
  if (f.industries?.length) parts.push(`in ${f.industries.join(" or ")}`);
  if (f.countries?.length) parts.push(`headquartered in ${f.countries.join(" or ")}`);
  if (f.minEmployees !== undefined || f.maxEmployees !== undefined) {
    parts.push(`with ${f.minEmployees ?? 1}${f.maxEmployees !== undefined ? `-${f.maxEmployees}` : "+"} employees`);
  } else if (f.sizes?.length) {
    parts.push(`with ${f.sizes.join(" or ")} employees`);
  }
  if (f.fundingStages?.length) parts.push(`at ${f.fundingStages.map((s) => s.replace(/_/g, " ")).join(" or ")} stage`);
  if (f.technologies?.length) parts.push(`using ${f.technologies.join(", ")}`);
  if (f.hiringFor?.length) parts.push(`currently hiring ${f.hiringFor.join(", ")}`);
  if (f.keywords?.length) parts.push(f.keywords.join(", "));
  return parts.filter((p) => p !== "").join(", ");
}

export function peopleObjective(query: PeopleSearchQuery): string {
  const c = query.company;
  const where = [c.name, c.domain && `(${c.domain})`, c.linkedinUrl && `(${c.linkedinUrl})`].filter(Boolean).join(" ");
  const parts = [`People currently working at ${where}`];
  if (query.titles?.length) parts.push(`with a title like ${query.titles.join(" or ")}`);
  if (query.seniorities?.length) parts.push(`at ${query.seniorities.map((s) => s.replace("_", "-")).join(" or ")} level`);
  if (query.departments?.length) parts.push(`in ${query.departments.join(" or ")}`);
  return parts.join(", ");
}

function excludeDomains(companies: CompanyRecord[], domains: readonly string[] | undefined): CompanyRecord[] {
  const excluded = new Set((domains ?? []).map((d) => normalizeDomain(d)).filter((d): d is string => d !== null));
  return excluded.size ? companies.filter((c) => !c.domain || !excluded.has(c.domain)) : companies;
}

export function createParallel(options: ParallelOptions = {}): ParallelProvider {
  const apiKey = () => readSetting({ provider: "parallel", option: "apiKey", value: options.apiKey, envVar: "PARALLEL_API_KEY" });
  const api = createParallelApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "parallel",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "PARALLEL_BASE_URL",
        defaultValue: PARALLEL_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 60_000,
    retry: options.retry,
  });
  const secrets = () => [options.apiKey, process.env.PARALLEL_API_KEY];
  const maxResults = Math.min(1000, options.maxResultsPerCall ?? 100);
  // Parallel refuses match_limit below 5; ask for at least 5 and trim the answer.
  const matchLimit = (limit: number | undefined, fallback: number) => Math.max(5, Math.min(limit ?? fallback, maxResults));
  const wanted = (limit: number | undefined, fallback: number) => Math.max(1, Math.min(limit ?? fallback, maxResults));

  return {
    provider: "parallel",

    async searchCompanies(query, call = {}) {
      if (query.cursor) throw invalid("Parallel Entity Search has no pagination: a search has no next page");
      const objective = companyObjective(query);
      if (!objective) throw invalid("searchCompanies needs a query");
      const limit = wanted(query.limit, 25);
      // Parallel bills in US dollars per request and the response does not say how much:
      // usage reports credits 0.
      return trackUsage<CompanySearchResult>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: PARALLEL_COMPANIES_TOOL,
          action: "entity_search",
          request: { objective, limit },
          context: call.usageContext,
          secrets: secrets(),
          resultsCount: (r) => r.companies.length,
        },
        async () => {
          const res = await api.entitySearch(
            { entity_type: "companies", objective, match_limit: matchLimit(query.limit, 25) },
            call.signal,
          );
          const companies = res.entities.map((e) => companyFromEntity(e, query.query)).filter((c): c is CompanyRecord => c !== null);
          return { companies: excludeDomains(companies, query.filters?.excludeDomains).slice(0, limit), cursor: null };
        },
      );
    },

    async searchPeople(query, call = {}) {
      if (query.cursor) throw invalid("Parallel Entity Search has no pagination: a search has no next page");
      const c = query.company;
      if (!c.name?.trim() && !c.domain?.trim() && !c.linkedinUrl?.trim())
        throw invalid("searchPeople needs the company's name, domain or LinkedIn URL");
      const objective = peopleObjective(query);
      const limit = wanted(query.limit, 25);
      return trackUsage(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: PARALLEL_PEOPLE_TOOL,
          action: "entity_search",
          request: { objective, limit },
          context: call.usageContext,
          secrets: secrets(),
          resultsCount: (r: { people: PersonRecord[] }) => r.people.length,
        },
        async () => {
          const res = await api.entitySearch({ entity_type: "people", objective, match_limit: matchLimit(query.limit, 25) }, call.signal);
          const company = { ...(c.name ? { name: c.name } : {}), ...(c.domain ? { domain: c.domain } : {}) };
          const people = res.entities.map((e) => personFromEntity(e, company)).filter((p): p is PersonRecord => p !== null);
          return { people: people.slice(0, limit), cursor: null };
        },
      );
    },

    async findAllCompanies(objective, call) {
      if (!objective.trim()) throw invalid("findAllCompanies needs an objective");
      if (!call?.matchConditions?.length) throw invalid("findAllCompanies needs at least one match condition");
      const body: FindAllCreateRequest = {
        objective: objective.trim(),
        entity_type: "companies",
        match_conditions: call.matchConditions,
        generator: call.generator ?? "base",
        match_limit: Math.max(5, Math.min(call.matchLimit ?? 25, 1000)),
        ...(call.exclude?.length ? { exclude_list: call.exclude } : {}),
      };
      return trackUsage<CompanySearchResult>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: PARALLEL_COMPANIES_TOOL,
          action: "findall",
          request: {
            objective: body.objective,
            conditions: body.match_conditions.map((m) => m.name),
            generator: body.generator,
            match_limit: body.match_limit,
          },
          context: call.usageContext,
          secrets: secrets(),
          resultsCount: (r) => r.companies.length,
        },
        async () => {
          const created = await api.createFindAll(body, call.signal);
          const id = created.findall_id;
          const done = created.status.is_active
            ? await poll({
                provider: "parallel",
                what: `FindAll run ${id}`,
                check: (signal) => api.getFindAll(id, signal),
                isDone: (r) => !r.status.is_active,
                intervalMs: options.pollIntervalMs ?? 5_000,
                timeoutMs: call.timeoutMs ?? 1_800_000,
                signal: call.signal,
                onAbandon: () => api.cancelFindAll(id),
              })
            : created;
          const state = done.status.status;
          if (state === "failed" || state === "cancelled") {
            const reason = done.status.termination_reason ?? state;
            throw new ProviderError({
              // A run stopped for lack of funds is a credits problem, not a transient one.
              kind: reason === "insufficient_funds" ? "credits" : "transient",
              provider: "parallel",
              message: `FindAll run ${id} ended ${state} (${reason})`,
              reason: `findall_${reason}`,
              retryable: false,
            });
          }
          const result = await api.getFindAllResult(id, call.signal);
          const companies = result.candidates
            .map((cand) => companyFromCandidate(cand, objective))
            .filter((c): c is CompanyRecord => c !== null);
          return { companies, cursor: null };
        },
      );
    },
  };
}
