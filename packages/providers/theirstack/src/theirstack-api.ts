/**
 * TheirStack's HTTP surface as we use it: paths, request bodies and zod schemas listing only the
 * fields we read. Company fields beyond name/domain come from the vendor's skill and community code
 * (see the digest), so everything but the list itself is optional.
 */
import { z } from "zod";
import { createHttpClient } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapTheirStackError } from "./theirstack-error.js";

export const THEIRSTACK_DEFAULT_BASE_URL = "https://api.theirstack.com";

const TechnologyFound = z.looseObject({
  technology: z.looseObject({ name: z.string().nullish(), slug: z.string().nullish(), category: z.string().nullish() }).nullish(),
  confidence: z.string().nullish(),
  jobs: z.number().nullish(),
  last_date_found: z.string().nullish(),
});

export const TheirStackCompany = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  name: z.string().nullish(),
  domain: z.string().nullish(),
  url: z.string().nullish(),
  linkedin_url: z.string().nullish(),
  country: z.string().nullish(),
  country_code: z.string().nullish(),
  city: z.string().nullish(),
  employee_count: z.number().nullish(),
  employee_count_range: z.string().nullish(),
  industry: z.string().nullish(),
  num_jobs: z.number().nullish(),
  num_jobs_last_30_days: z.number().nullish(),
  funding_stage: z.string().nullish(),
  total_funding_usd: z.number().nullish(),
  last_funding_round_date: z.string().nullish(),
  long_description: z.string().nullish(),
  technology_slugs: z.array(z.string()).nullish(),
  technologies_found: z.array(TechnologyFound).nullish(),
  has_blurred_data: z.boolean().nullish(),
});
export type TheirStackCompany = z.infer<typeof TheirStackCompany>;

const Metadata = z.looseObject({
  total_results: z.number().nullish(),
  total_companies: z.number().nullish(),
});

export const CompaniesSearchResponse = z.looseObject({
  metadata: Metadata.nullish(),
  data: z.array(TheirStackCompany),
});
export type TheirStackCompaniesSearchResponse = z.infer<typeof CompaniesSearchResponse>;

export const TheirStackJobCompany = z.looseObject({
  name: z.string().nullish(),
  domain: z.string().nullish(),
  linkedin_url: z.string().nullish(),
  industry: z.string().nullish(),
  employee_count: z.number().nullish(),
  employee_count_range: z.string().nullish(),
  country_code: z.string().nullish(),
  city: z.string().nullish(),
  long_description: z.string().nullish(),
});

export const TheirStackJob = z.looseObject({
  id: z.union([z.number(), z.string()]),
  job_title: z.string().nullish(),
  url: z.string().nullish(),
  final_url: z.string().nullish(),
  date_posted: z.string().nullish(),
  discovered_at: z.string().nullish(),
  company: z.string().nullish(),
  country_code: z.string().nullish(),
  location: z.string().nullish(),
  remote: z.boolean().nullish(),
  seniority: z.string().nullish(),
  has_blurred_data: z.boolean().nullish(),
  company_object: TheirStackJobCompany.nullish(),
});
export type TheirStackJob = z.infer<typeof TheirStackJob>;

export const JobsSearchResponse = z.looseObject({
  metadata: Metadata.nullish(),
  data: z.array(TheirStackJob),
});
export type TheirStackJobsSearchResponse = z.infer<typeof JobsSearchResponse>;

/** The request fields we send; TheirStack accepts many more (see the digest). */
export interface CompaniesSearchRequest {
  page?: number;
  limit?: number;
  include_total_results?: boolean;
  blur_company_data?: boolean;
  company_domain_or?: string[];
  company_name_or?: string[];
  company_linkedin_url_or?: string[];
  company_country_code_or?: string[];
  min_employee_count?: number;
  max_employee_count?: number;
  industry_id_or?: number[];
  funding_stage_or?: string[];
  company_technology_slug_or?: string[];
  company_keyword_slug_or?: string[];
  expand_technology_slugs?: string[];
}

export interface JobsSearchRequest {
  page?: number;
  limit?: number;
  include_total_results?: boolean;
  blur_company_data?: boolean;
  posted_at_max_age_days?: number;
  job_title_or?: string[];
  job_title_not?: string[];
  job_description_pattern_or?: string[];
  job_country_code_or?: string[];
  company_domain_or?: string[];
  company_name_or?: string[];
  company_country_code_or?: string[];
  company_technology_slug_or?: string[];
  min_employee_count?: number;
  max_employee_count?: number;
}

/**
 * `GET /v0/billing/credit-balance` (free). The docs show the four fields without saying whether
 * `api_credits` is the period's grant or what is left; we read it as the grant, so what is left
 * is `api_credits - used_api_credits`. If it were already the remainder, that reading shows less
 * than there is: the low-credit alert fires early, never late.
 */
export const CreditBalanceResponse = z.looseObject({
  api_credits: z.number(),
  used_api_credits: z.number(),
});
export type TheirStackCreditBalance = z.infer<typeof CreditBalanceResponse>;

export interface TheirStackApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

/**
 * Raw TheirStack calls. Searches are POSTs without effect besides billing, so they are marked
 * safe: retried on 429/5xx (TheirStack says to retry its 5xx/504 on slow queries) and a timeout is
 * `transient`. A retried timeout may bill the same records twice (TheirStack bills per record
 * returned, re-fetches included).
 */
export interface TheirStackApi {
  searchCompanies(body: CompaniesSearchRequest, signal?: AbortSignal): Promise<TheirStackCompaniesSearchResponse>;
  searchJobs(body: JobsSearchRequest, signal?: AbortSignal): Promise<TheirStackJobsSearchResponse>;
  creditBalance(signal?: AbortSignal): Promise<TheirStackCreditBalance>;
}

export function createTheirStackApi(settings: TheirStackApiSettings): TheirStackApi {
  const http = createHttpClient({
    provider: "theirstack",
    baseUrl: settings.baseUrl,
    headers: () => ({ Authorization: `Bearer ${settings.apiKey()}` }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapTheirStackError,
  });
  return {
    async searchCompanies(body, signal) {
      const res = await http.request({
        method: "POST",
        path: "/v1/companies/search",
        json: body,
        schema: CompaniesSearchResponse,
        safe: true,
        signal,
      });
      return res.data;
    },
    async searchJobs(body, signal) {
      const res = await http.request({
        method: "POST",
        path: "/v1/jobs/search",
        json: body,
        schema: JobsSearchResponse,
        safe: true,
        signal,
      });
      return res.data;
    },
    async creditBalance(signal) {
      return (await http.request({ method: "GET", path: "/v0/billing/credit-balance", schema: CreditBalanceResponse, signal })).data;
    },
  };
}
