/**
 * MSW handlers that behave like TheirStack's API: Bearer auth, `POST /v1/companies/search` and
 * `POST /v1/jobs/search` with page/limit pagination, the free `GET /v0/billing/credit-balance`, per-record credit metering (1 per job,
 * 3 per company, free when blurred), the jobs-search required-filter rule, `RateLimit*` headers,
 * and switchable faults. Used by this package's tests and by `@offerlab/sandbox`.
 *
 * The error `code` values (`E-00x`) are illustrative: the digest documents the envelope, not the
 * catalogue of codes. Our error mapper branches on HTTP status only.
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const theirstackFaults = [
  "unauthorized",
  "out_of_credits",
  "invalid",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
] as const;
/** A failure the mock can be switched into. */
export type TheirStackFault = (typeof theirstackFaults)[number];

export interface TheirStackMockCompany {
  name: string;
  domain: string;
  linkedin_url: string;
  country_code: string;
  country: string;
  city: string;
  employee_count: number | null;
  employee_count_range: string;
  industry: string;
  technology_slugs: string[];
  funding_stage: string | null;
  jobs: { title: string; seniority: string; country_code: string; date_posted: string }[];
}

export interface TheirStackMockOptions {
  /** Origin the handlers answer on. Default `https://api.theirstack.com`. */
  baseUrl?: string;
  /** The only key accepted. Default `test-theirstack-key`. */
  apiKey?: string;
  /** Starting API credit balance. Default 1000. */
  credits?: number;
  /** How long the `timeout` fault stalls, in ms. Default 5000. */
  slowMs?: number;
  /** The world the searches run over. Default: three companies with a few open roles. */
  companies?: TheirStackMockCompany[];
  /**
   * The fake's clock. When given, `posted_at_max_age_days` drops older postings (the sandbox
   * passes its simulated clock). Default: none, and posting ages are not checked, because the
   * default jobs carry fixed dates that a wall clock would age out.
   */
  now?: () => Date;
  /** Source of the error bodies' request ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface TheirStackMock extends FaultControls<TheirStackFault> {
  handlers: HttpHandler[];
  readonly credits: number;
  setCredits(n: number): void;
}

export const defaultTheirStackCompanies: TheirStackMockCompany[] = [
  {
    name: "Northwind Analytics",
    domain: "northwind-analytics.com",
    linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
    country_code: "US",
    country: "United States",
    city: "Austin",
    employee_count: 142,
    employee_count_range: "51-200",
    industry: "Software Development",
    technology_slugs: ["salesforce", "hubspot", "snowflake"],
    funding_stage: "series_b",
    jobs: [
      { title: "Senior Account Executive", seniority: "senior", country_code: "US", date_posted: "2026-01-12" },
      { title: "Sales Development Representative", seniority: "junior", country_code: "US", date_posted: "2026-01-10" },
    ],
  },
  {
    name: "Globex",
    domain: "globex.io",
    linkedin_url: "https://www.linkedin.com/company/globex",
    country_code: "DE",
    country: "Germany",
    city: "Berlin",
    employee_count: 1800,
    employee_count_range: "1001-5000",
    industry: "IT Services and IT Consulting",
    technology_slugs: ["salesforce"],
    funding_stage: null,
    jobs: [{ title: "VP of Sales EMEA", seniority: "c_level", country_code: "DE", date_posted: "2026-01-08" }],
  },
  {
    name: "Initech",
    domain: "initech.com",
    linkedin_url: "https://www.linkedin.com/company/initech",
    country_code: "US",
    country: "United States",
    city: "Dallas",
    employee_count: 35,
    employee_count_range: "11-50",
    industry: "Financial Services",
    technology_slugs: ["hubspot"],
    funding_stage: "seed",
    jobs: [{ title: "Data Engineer", seniority: "mid_level", country_code: "US", date_posted: "2026-01-05" }],
  },
];

const JOBS_REQUIRED = [
  "posted_at_max_age_days",
  "posted_at_gte",
  "posted_at_lte",
  "company_domain_or",
  "company_linkedin_url_or",
  "company_name_or",
] as const;

function errorEnvelope(uuid: string, code: string, title: string, description: string) {
  return { request_id: `req_${uuid.replace(/-/g, "").slice(0, 12)}`, error: { code, title, description } };
}

const rateHeaders = {
  RateLimit: '"api";r=3;t=1',
  "RateLimit-Policy": '"api";q=4;w=1',
  "RateLimit-Limit": "4",
  "RateLimit-Remaining": "3",
  "RateLimit-Reset": "1",
};

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function createTheirStackMock(options: TheirStackMockOptions = {}): TheirStackMock {
  const base = (options.baseUrl ?? "https://api.theirstack.com").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-theirstack-key";
  const slowMs = options.slowMs ?? 5000;
  const companies = options.companies ?? defaultTheirStackCompanies;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  const err = (code: string, title: string, description: string) => errorEnvelope(uuid(), code, title, description);
  let credits = options.credits ?? 1000;
  // What the searches billed: the balance endpoint answers `api_credits` (read as the grant) and
  // `used_api_credits`, whose difference is `credits`.
  let used = 0;
  const faults = createFaultSwitch<TheirStackFault>();

  const takeFault = (): TheirStackFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: TheirStackFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json(err("E-002", "Invalid API key", "The API key provided is invalid."), { status: 401 });
      case "out_of_credits":
        return HttpResponse.json(err("E-005", "Not enough API credits", "You don't have enough API credits."), { status: 402 });
      case "invalid":
        return HttpResponse.json(
          { detail: [{ type: "value_error", loc: ["body", "limit"], msg: "Input should be less than or equal to 500" }] },
          { status: 422 },
        );
      case "rate_limited_retry_after":
        return HttpResponse.json(err("E-429", "Too many requests", "Rate limit exceeded."), {
          status: 429,
          headers: { ...rateHeaders, RateLimit: '"api";r=0;t=2', "RateLimit-Remaining": "0", "RateLimit-Reset": "2", "Retry-After": "2" },
        });
      case "rate_limited":
        // No Retry-After, but the RateLimit headers every TheirStack response carries.
        return HttpResponse.json(err("E-429", "Too many requests", "Rate limit exceeded."), {
          status: 429,
          headers: { ...rateHeaders, RateLimit: '"api";r=0;t=1', "RateLimit-Remaining": "0", "RateLimit-Reset": "1" },
        });
      case "server_error":
        return HttpResponse.json(err("E-500", "Gateway timeout", "The query took too long."), { status: 504 });
      case "malformed_json":
        return new HttpResponse('{"metadata": {"total_results": 3}, "data": [{"name": "Nor', {
          status: 200,
          headers: { "Content-Type": "application/json" },
        });
      case "timeout":
        await delay(slowMs);
        return null;
      case "response_lost":
        return HttpResponse.error();
    }
  }

  async function preflight(request: Request): Promise<Response | Record<string, unknown>> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    const auth = request.headers.get("authorization");
    if (auth !== `Bearer ${apiKey}`) {
      return HttpResponse.json(err("E-002", "Invalid API key", "Missing or invalid Authorization header."), { status: 401 });
    }
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json({ detail: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error" }] }, { status: 422 });
  }

  function page(body: Record<string, unknown>): { start: number; limit: number } | Response {
    const limit = num(body.limit) ?? 25;
    if (limit < 1 || limit > 500) {
      return HttpResponse.json(
        { detail: [{ type: "value_error", loc: ["body", "limit"], msg: "limit must be between 1 and 500" }] },
        { status: 422 },
      );
    }
    const offset = num(body.offset);
    const p = num(body.page) ?? 0;
    return { start: offset ?? p * limit, limit };
  }

  function companyFilter(body: Record<string, unknown>) {
    const domains = strs(body.company_domain_or).map((d) => d.toLowerCase());
    const names = strs(body.company_name_or).map((d) => d.toLowerCase());
    const countries = strs(body.company_country_code_or);
    const techs = strs(body.company_technology_slug_or);
    const stages = strs(body.funding_stage_or);
    const min = num(body.min_employee_count);
    const max = num(body.max_employee_count);
    return (c: TheirStackMockCompany) =>
      (!domains.length || domains.includes(c.domain)) &&
      (!names.length || names.includes(c.name.toLowerCase())) &&
      (!countries.length || countries.includes(c.country_code)) &&
      (!techs.length || techs.some((t) => c.technology_slugs.includes(t))) &&
      (!stages.length || (c.funding_stage !== null && stages.includes(c.funding_stage))) &&
      (min == null || (c.employee_count ?? 0) >= min) &&
      (max == null || (c.employee_count ?? Infinity) <= max);
  }

  function bill(records: number, perRecord: number, blurred: boolean): Response | null {
    const cost = blurred ? 0 : records * perRecord;
    if (cost > credits) {
      return HttpResponse.json(err("E-005", "Not enough API credits", `This request needs ${cost} API credits; you have ${credits}.`), {
        status: 402,
      });
    }
    credits -= cost;
    used += cost;
    return null;
  }

  const handlers: HttpHandler[] = [
    http.get(`${base}/v0/billing/credit-balance`, async ({ request }) => {
      const kind = takeFault();
      if (kind) {
        const r = await faultResponse(kind);
        if (r) return r;
      }
      if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
        return HttpResponse.json(err("E-002", "Invalid API key", "Missing or invalid Authorization header."), { status: 401 });
      }
      return HttpResponse.json(
        { ui_credits: 0, used_ui_credits: 0, api_credits: credits + used, used_api_credits: used },
        { headers: rateHeaders },
      );
    }),
    http.post(`${base}/v1/companies/search`, async ({ request }) => {
      const body = await preflight(request);
      if (body instanceof Response) return body;
      const p = page(body);
      if (p instanceof Response) return p;
      const blurred = body.blur_company_data === true;
      const matches = companies.filter(companyFilter(body));
      const slice = matches.slice(p.start, p.start + p.limit);
      const denied = bill(slice.length, 3, blurred);
      if (denied) return denied;
      const data = slice.map((c) => ({
        id: c.domain.split(".")[0],
        name: blurred ? null : c.name,
        domain: blurred ? null : c.domain,
        url: blurred ? null : `https://${c.domain}`,
        linkedin_url: blurred ? null : c.linkedin_url,
        country: c.country,
        country_code: c.country_code,
        city: c.city,
        employee_count: c.employee_count,
        employee_count_range: c.employee_count_range,
        industry: c.industry,
        num_jobs: c.jobs.length,
        funding_stage: c.funding_stage,
        technology_slugs: c.technology_slugs,
        long_description: `${c.name} is a company in ${c.industry}.`,
        has_blurred_data: blurred,
      }));
      return HttpResponse.json(
        {
          metadata: {
            total_results: body.include_total_results === true ? matches.length : null,
            total_companies: body.include_total_results === true ? matches.length : null,
          },
          data,
        },
        { headers: rateHeaders },
      );
    }),

    http.post(`${base}/v1/jobs/search`, async ({ request }) => {
      const body = await preflight(request);
      if (body instanceof Response) return body;
      if (
        !JOBS_REQUIRED.some(
          (k) => body[k] !== undefined && body[k] !== null && !(Array.isArray(body[k]) && (body[k] as unknown[]).length === 0),
        )
      ) {
        return HttpResponse.json(
          { detail: [{ type: "missing", loc: ["body"], msg: `At least one of ${JOBS_REQUIRED.join(", ")} is required` }] },
          { status: 422 },
        );
      }
      const p = page(body);
      if (p instanceof Response) return p;
      const blurred = body.blur_company_data === true;
      const titles = strs(body.job_title_or).map((t) => t.toLowerCase());
      const jobCountries = strs(body.job_country_code_or);
      const maxAge = num(body.posted_at_max_age_days);
      const oldest =
        maxAge !== null && options.now ? new Date(options.now().getTime() - maxAge * 86_400_000).toISOString().slice(0, 10) : null;
      const inCompany = companyFilter(body);
      const all = companies
        .filter(inCompany)
        .flatMap((c, ci) =>
          c.jobs
            .filter(
              (j) =>
                (!titles.length || titles.some((t) => j.title.toLowerCase().includes(t))) &&
                (!jobCountries.length || jobCountries.includes(j.country_code)) &&
                (oldest === null || j.date_posted >= oldest),
            )
            .map((j, ji) => ({ c, j, id: 9_000_000 + ci * 100 + ji })),
        );
      const slice = all.slice(p.start, p.start + p.limit);
      const denied = bill(slice.length, 1, blurred);
      if (denied) return denied;
      const data = slice.map(({ c, j, id }) => ({
        id,
        job_title: j.title,
        url: `https://www.linkedin.com/jobs/view/${id}`,
        final_url: null,
        source_url: `https://www.linkedin.com/jobs/view/${id}`,
        date_posted: j.date_posted,
        discovered_at: `${j.date_posted}T08:00:00Z`,
        company: blurred ? null : c.name,
        country_code: j.country_code,
        location: c.city,
        remote: false,
        employment_statuses: ["full_time"],
        seniority: j.seniority,
        description: `${c.name} is hiring a ${j.title}.`,
        has_blurred_data: blurred,
        company_object: blurred
          ? { name: null, domain: null, linkedin_url: null, industry: c.industry, employee_count: c.employee_count }
          : {
              name: c.name,
              domain: c.domain,
              linkedin_url: c.linkedin_url,
              industry: c.industry,
              employee_count: c.employee_count,
              employee_count_range: c.employee_count_range,
              country_code: c.country_code,
              city: c.city,
              long_description: `${c.name} is a company in ${c.industry}.`,
            },
      }));
      const companiesInResult = new Set(all.map((x) => x.c.domain)).size;
      return HttpResponse.json(
        {
          metadata: {
            total_results: body.include_total_results === true ? all.length : null,
            total_companies: body.include_total_results === true ? companiesInResult : null,
          },
          data,
        },
        { headers: rateHeaders },
      );
    }),
  ];

  return {
    handlers,
    fail: faults.fail,
    clearFaults: faults.clearFaults,
    get credits() {
      return credits;
    },
    setCredits(n) {
      credits = n;
    },
  };
}
