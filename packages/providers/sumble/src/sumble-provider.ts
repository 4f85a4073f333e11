/**
 * Sumble as offerlab capabilities: `CompanyEnricher` (organisation by domain or name: size,
 * industry, open jobs, funding, technologies asked about) and `PeopleSearch` (people at an
 * organisation through Sumble's asynchronous people request, polled with the kit's `poll`).
 * Delegates HTTP to `sumble-api.ts` and mapping to `sumble-transform.ts`.
 */
import { normalizeDomain } from "@offerlab/core";
import { poll, ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CompanyEnricher,
  CompanyEnrichment,
  FetchLike,
  CallGate,
  OnUsage,
  PeopleSearch,
  PeopleSearchResult,
  PersonRecord,
  RetryOptions,
} from "@offerlab/provider-kit";
import { createSumbleApi, SUMBLE_DEFAULT_BASE_URL } from "./sumble-api.js";
import type { OrganizationsRequest } from "./sumble-api.js";
import { enrichmentFromOrganization, personFromSumble, SUMBLE_SOURCE_TOOL } from "./sumble-transform.js";

/** Organisation attributes asked for on enrichment. Attributes are off by default at Sumble and priced per attribute. */
export const SUMBLE_ORG_ATTRIBUTES = [
  "id",
  "slug",
  "name",
  "url",
  "employee_count",
  "industry",
  "jobs_count",
  "teams_count",
  "headquarters_country",
  "sumble_url",
  "tags",
  "funding_total_raised",
  "funding_last_round_raised",
  "funding_last_round_type",
  "funding_last_round_date",
] as const;

/** Person attributes asked for. Never `email` or `phone`: reveals cost 10 and 80 credits each. */
export const SUMBLE_PERSON_ATTRIBUTES = [
  "name",
  "linkedin_url",
  "job_title",
  "job_function",
  "job_level",
  "location",
  "country",
  "current_employer",
] as const;

export interface SumbleOptions {
  /** API key. Default: the `SUMBLE_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `SUMBLE_BASE_URL`, else `https://api.sumble.com`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (credits from Sumble's `credits_used`); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 30 000. */
  timeoutMs?: number;
  /** Retries on 429/5xx/timeouts. Default: the kit's (3 attempts, backoff with jitter). */
  retry?: RetryOptions;
  /** Technologies (Sumble slugs) to check on every enrichment, e.g. `["salesforce", "hubspot"]`. Default none. */
  technologies?: string[];
  /** People asked for when a search does not say (1–200). Default 50. */
  defaultPeopleLimit?: number;
  /** First wait between people-request polls, in ms (grows ×1.5 up to 15 s). Default 1 000. */
  pollIntervalMs?: number;
  /** How long a people search waits for Sumble, in ms. Default 120 000. */
  peopleTimeoutMs?: number;
  /** Today's date (`YYYY-MM-DD`) for `signals.hiring.last_checked`. Default: the system clock. */
  today?: () => string;
}

export interface SumbleProvider extends CompanyEnricher, PeopleSearch {
  readonly provider: "sumble";
}

const invalid = (message: string) =>
  new ProviderError({ kind: "invalid", provider: "sumble", message, reason: "invalid_input", retryable: false });
const notFound = (what: string) =>
  new ProviderError({
    kind: "not_found",
    provider: "sumble",
    message: `Sumble has no organisation for ${what}`,
    reason: "organization_not_found",
    retryable: false,
  });

/**
 * Does `person` match one of the wanted titles (every word of it in their title or Sumble job
 * function) and one of the seniorities? Empty filters match all.
 */
function wanted(person: PersonRecord, titles: readonly string[], seniorities: readonly string[]): boolean {
  if (seniorities.length && (!person.seniority || !seniorities.includes(person.seniority))) return false;
  if (!titles.length) return true;
  const title = `${person.title ?? ""} ${person.department?.replace(/_/g, " ") ?? ""}`.toLowerCase();
  return titles.some((t) => {
    const w = t
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((x) => x.length > 1);
    return w.length > 0 && w.every((x) => title.includes(x));
  });
}

export function createSumble(options: SumbleOptions = {}): SumbleProvider {
  const apiKey = () => readSetting({ provider: "sumble", option: "apiKey", value: options.apiKey, envVar: "SUMBLE_API_KEY" });
  const api = createSumbleApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "sumble",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "SUMBLE_BASE_URL",
        defaultValue: SUMBLE_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
  });
  const secrets = () => [options.apiKey, process.env.SUMBLE_API_KEY];
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));

  function orgInput(query: {
    domain?: string | undefined;
    name?: string | undefined;
    linkedinUrl?: string | undefined;
  }): OrganizationsRequest["organizations"][number] {
    const domain = query.domain ? normalizeDomain(query.domain) : null;
    const name = query.name?.trim();
    // Sumble matches organisations on name and/or url; a LinkedIn URL is not among its documented inputs.
    if (!domain && !name) throw invalid("Sumble needs a company domain or name (a LinkedIn URL alone is not enough)");
    return { ...(name ? { name } : {}), ...(domain ? { url: domain } : {}) };
  }

  return {
    provider: "sumble",

    async enrichCompany(query, call = {}) {
      const input = orgInput(query);
      const body: OrganizationsRequest = {
        organizations: [input],
        select: {
          attributes: [...SUMBLE_ORG_ATTRIBUTES],
          ...(options.technologies?.length
            ? {
                entities: options.technologies.map((term) => ({
                  type: "technology" as const,
                  term,
                  metrics: ["job_post_count", "people_count", "team_count", "job_post_count_growth_1y"],
                })),
              }
            : {}),
        },
      };
      let creditsUsed = 0;
      // Sumble answers every data call with the balance left (`credits_remaining`); its reset
      // date is not in the API, so only the figure is reported.
      let remaining: number | null = null;
      return trackUsage<CompanyEnrichment>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: SUMBLE_SOURCE_TOOL,
          action: "enrich_company",
          request: { ...input, technologies: options.technologies ?? [] },
          context: call.usageContext,
          secrets: secrets(),
          credits: () => creditsUsed,
          creditsOnError: 0,
          resultsCount: () => 1,
          balance: () => (remaining === null ? undefined : { remaining }),
        },
        async () => {
          const res = await api.organizations(body, call.signal);
          creditsUsed = res.credits_used ?? 0;
          remaining = res.credits_remaining ?? null;
          const org = res.organizations[0];
          const enrichment = org ? enrichmentFromOrganization(org, today()) : null;
          if (!enrichment) throw notFound(input.url ?? input.name ?? "");
          return { ...enrichment, creditsUsed };
        },
      );
    },

    async searchPeople(query, call = {}) {
      const offset = query.cursor == null ? 0 : Number(query.cursor);
      if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) throw invalid(`invalid cursor "${query.cursor}"`);
      const input = orgInput(query.company);
      const limit = Math.max(1, Math.min(200, query.limit ?? options.defaultPeopleLimit ?? 50));
      let creditsUsed = 0;
      let remaining: number | null = null;
      const result = await trackUsage<PeopleSearchResult>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: SUMBLE_SOURCE_TOOL,
          action: "search_people",
          request: { ...input, titles: query.titles ?? [], seniorities: query.seniorities ?? [], limit, offset },
          context: call.usageContext,
          secrets: secrets(),
          credits: () => creditsUsed,
          resultsCount: (r) => r.people.length,
          // The last answer's `credits_remaining`: the balance after everything this call spent.
          balance: () => (remaining === null ? undefined : { remaining }),
        },
        async () => {
          // 1. The organisation's Sumble id (people search is organisation-scoped).
          const orgs = await api.organizations({ organizations: [input], select: { attributes: ["id", "name", "url"] } }, call.signal);
          creditsUsed += orgs.credits_used ?? 0;
          remaining = orgs.credits_remaining ?? remaining;
          const org = orgs.organizations[0]?.attributes;
          if (!org || org.id == null) throw notFound(input.url ?? input.name ?? "");
          // 2. Kick off. Titles and seniorities are filtered here, not in Sumble's advanced query:
          //    the grammar for titles and the `job_level` values are not documented well enough to
          //    send (a wrong query could silently return nobody).
          const started = await api.startPeople(
            {
              filter: { organization_ids: [org.id] },
              select: { attributes: [...SUMBLE_PERSON_ATTRIBUTES] },
              limit,
              ...(offset ? { offset } : {}),
              order_by_column: "person_score",
              order_by_direction: "DESC",
            },
            call.signal,
          );
          creditsUsed += started.credits_used ?? 0;
          remaining = started.credits_remaining ?? remaining;
          // 3. Poll with the request id until succeeded or failed. Credits are charged once, on the
          //    first `succeeded` answer.
          const done =
            started.status === "succeeded" || started.status === "failed"
              ? started
              : await poll({
                  provider: "sumble",
                  what: `people request ${started.request_id}`,
                  check: (signal) => api.pollPeople(started.request_id, signal),
                  isDone: (r) => r.status === "succeeded" || r.status === "failed",
                  intervalMs: options.pollIntervalMs ?? 1_000,
                  timeoutMs: options.peopleTimeoutMs ?? 120_000,
                  signal: call.signal,
                });
          creditsUsed += done === started ? 0 : (done.credits_used ?? 0);
          remaining = done.credits_remaining ?? remaining;
          if (done.status !== "succeeded") {
            throw new ProviderError({
              kind: "transient",
              provider: "sumble",
              message: `people request ${started.request_id} failed`,
              reason: "people_request_failed",
              retryable: false,
            });
          }
          const domain = normalizeDomain(org.url ?? input.url ?? "");
          const people = (done.people ?? [])
            .map((p) => personFromSumble(p, domain))
            .filter((p): p is PersonRecord => p !== null)
            .filter((p) => wanted(p, query.titles ?? [], query.seniorities ?? []));
          // The cursor is Sumble's offset (at most 10 000); it counts people before our title filter.
          const next = offset + (done.people?.length ?? 0);
          const more = (done.people?.length ?? 0) === limit && (done.total == null || next < done.total) && next <= 10_000;
          return { people, cursor: more ? String(next) : null, creditsUsed };
        },
      );
      return result;
    },
  };
}
