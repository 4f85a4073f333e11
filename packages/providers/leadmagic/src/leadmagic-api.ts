/**
 * LeadMagic's HTTP surface as we use it: paths, request bodies and zod schemas listing only the
 * fields we read. Everything is optional/nullable where the digest says naming is not uniform.
 */
import { z } from "zod";
import { createHttpClient } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapLeadMagicError } from "./leadmagic-error.js";

export const LEADMAGIC_DEFAULT_BASE_URL = "https://api.leadmagic.io";

export const EmailFinderResponse = z.looseObject({
  email: z.string().nullish(),
  status: z.string().nullish(),
  credits_consumed: z.number().nullish(),
  message: z.string().nullish(),
  domain: z.string().nullish(),
  employment_verified: z.boolean().nullish(),
  is_domain_catch_all: z.boolean().nullish(),
  company_name: z.string().nullish(),
  company_industry: z.string().nullish(),
  company_linkedin_url: z.string().nullish(),
});
export type LeadMagicEmailFinderResponse = z.infer<typeof EmailFinderResponse>;

export const EmailValidationResponse = z.looseObject({
  email: z.string().nullish(),
  email_status: z.string().nullish(),
  credits_consumed: z.number().nullish(),
  message: z.string().nullish(),
  is_domain_catch_all: z.boolean().nullish(),
});
export type LeadMagicEmailValidationResponse = z.infer<typeof EmailValidationResponse>;

export const CreditsResponse = z.looseObject({
  credits: z.number(),
  is_frozen: z.boolean().nullish(),
  credits_liquid: z.number().nullish(),
});
export type LeadMagicCreditsResponse = z.infer<typeof CreditsResponse>;

export interface EmailFinderRequest {
  first_name: string;
  last_name: string;
  domain?: string;
  company_name?: string;
}

export interface EmailValidationRequest {
  email: string;
  first_name?: string;
  last_name?: string;
}

/** What the API layer needs from the factory's options; values are resolved on every request. */
export interface LeadMagicApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

/**
 * Raw LeadMagic calls, one per endpoint. Schemas are loose objects, so the parsed body still
 * carries every field LeadMagic sent: the transform trims it into `source_raw`.
 */
export interface LeadMagicApi {
  emailFinder(body: EmailFinderRequest, signal?: AbortSignal): Promise<LeadMagicEmailFinderResponse>;
  emailValidation(body: EmailValidationRequest, signal?: AbortSignal): Promise<LeadMagicEmailValidationResponse>;
  credits(signal?: AbortSignal): Promise<LeadMagicCreditsResponse>;
}

export function createLeadMagicApi(settings: LeadMagicApiSettings): LeadMagicApi {
  const http = createHttpClient({
    provider: "leadmagic",
    baseUrl: settings.baseUrl,
    headers: () => ({ "X-API-Key": settings.apiKey() }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapLeadMagicError,
  });
  return {
    // Lookups are POSTs without effect besides billing, and LeadMagic bills neither failures nor
    // misses, so they are marked safe: retried on 429/5xx, and a timeout is `transient`, not
    // `unknown_outcome`. A retried timeout may bill a found email twice (1 credit).
    async emailFinder(body, signal) {
      const res = await http.request({
        method: "POST",
        path: "/v1/people/email-finder",
        json: body,
        schema: EmailFinderResponse,
        safe: true,
        signal,
      });
      return res.data;
    },
    async emailValidation(body, signal) {
      const res = await http.request({
        method: "POST",
        path: "/v1/people/email-validation",
        json: body,
        schema: EmailValidationResponse,
        safe: true,
        signal,
      });
      return res.data;
    },
    async credits(signal) {
      const res = await http.request({ method: "GET", path: "/v1/credits", schema: CreditsResponse, signal });
      return res.data;
    },
  };
}
