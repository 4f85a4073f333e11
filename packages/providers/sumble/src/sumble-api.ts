/**
 * Sumble's v9 HTTP surface as we use it: `POST /v9/organizations` (list mode) and the asynchronous
 * `POST /v9/people` (kick off, then poll with `{ request_id }`). Zod schemas list only the fields we
 * read; every attribute is nullable, as the digest says.
 */
import { z } from "zod";
import { createHttpClient } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapSumbleError } from "./sumble-error.js";

export const SUMBLE_DEFAULT_BASE_URL = "https://api.sumble.com";

const n = <T extends z.ZodType>(t: T) => t.nullish();

export const SumbleOrgAttributes = z.looseObject({
  id: n(z.number()),
  slug: n(z.string()),
  name: n(z.string()),
  url: n(z.string()),
  employee_count: n(z.number()),
  industry: n(z.string()),
  jobs_count: n(z.number()),
  teams_count: n(z.number()),
  headquarters_country: n(z.string()),
  sumble_url: n(z.string()),
  tags: n(z.array(z.string())),
  funding_total_raised: n(z.number()),
  funding_last_round_raised: n(z.number()),
  funding_last_round_type: n(z.string()),
  funding_last_round_date: n(z.string()),
});
export type SumbleOrgAttributes = z.infer<typeof SumbleOrgAttributes>;

export const SumbleOrgEntity = z.looseObject({
  type: z.string(),
  term: z.string(),
  job_post_count: n(z.number()),
  people_count: n(z.number()),
  team_count: n(z.number()),
  job_post_count_growth_1y: n(z.number()),
});

export const SumbleOrganization = z.looseObject({
  input: n(z.record(z.string(), z.unknown())),
  attributes: SumbleOrgAttributes.default({}),
  entities: z.array(SumbleOrgEntity).default([]),
});
export type SumbleOrganization = z.infer<typeof SumbleOrganization>;

const Billing = {
  id: n(z.string()),
  credits_used: n(z.number()),
  credits_remaining: n(z.number()),
};

export const OrganizationsResponse = z.looseObject({
  ...Billing,
  total: n(z.number()),
  organizations: z.array(SumbleOrganization),
});
export type SumbleOrganizationsResponse = z.infer<typeof OrganizationsResponse>;

export const SumblePerson = z.looseObject({
  person_id: n(z.number()),
  sumble_url: n(z.string()),
  attributes: z
    .looseObject({
      name: n(z.string()),
      email: n(z.string()),
      linkedin_url: n(z.string()),
      job_title: n(z.string()),
      job_function: n(z.string()),
      job_level: n(z.string()),
      location: n(z.string()),
      country: n(z.string()),
      current_employer: n(z.looseObject({ organization_id: n(z.number()), name: n(z.string()) })),
      person_score: n(z.number()),
    })
    .default({}),
});
export type SumblePerson = z.infer<typeof SumblePerson>;

export const sumblePeopleStatuses = ["pending", "running", "succeeded", "failed"] as const;
export const PeopleResponse = z.looseObject({
  ...Billing,
  request_id: z.string(),
  // Unknown statuses are kept: polling treats anything but succeeded/failed as still running.
  status: z.string(),
  total: n(z.number()),
  people: n(z.array(SumblePerson)),
});
export type SumblePeopleResponse = z.infer<typeof PeopleResponse>;

export interface OrganizationsRequest {
  organizations: { name?: string; url?: string; id?: number; slug?: string }[];
  select: {
    attributes: string[];
    entities?: { type: "technology" | "job_function" | "technology_category"; term: string; metrics: "all" | string[] }[];
  };
}

export interface PeopleKickoffRequest {
  filter: { organization_ids: number[]; query?: { query: string } };
  select: { attributes: string[] };
  limit?: number;
  offset?: number;
  order_by_column?: "person_score" | "start_date" | "job_level";
  order_by_direction?: "ASC" | "DESC";
}

export interface SumbleApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

export interface SumbleApi {
  organizations(body: OrganizationsRequest, signal?: AbortSignal): Promise<SumbleOrganizationsResponse>;
  startPeople(body: PeopleKickoffRequest, signal?: AbortSignal): Promise<SumblePeopleResponse>;
  pollPeople(requestId: string, signal?: AbortSignal): Promise<SumblePeopleResponse>;
}

export function createSumbleApi(settings: SumbleApiSettings): SumbleApi {
  const http = createHttpClient({
    provider: "sumble",
    baseUrl: settings.baseUrl,
    headers: () => ({ Authorization: `Bearer ${settings.apiKey()}` }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapSumbleError,
  });
  return {
    // A lookup that changes nothing but the bill: safe to retry on 429/5xx.
    async organizations(body, signal) {
      return (
        await http.request({ method: "POST", path: "/v9/organizations", json: body, schema: OrganizationsResponse, safe: true, signal })
      ).data;
    },
    // Kicking off is free (credits are charged on the first `succeeded` poll) and an orphaned
    // request costs nothing, so a repeat is harmless: safe.
    async startPeople(body, signal) {
      return (await http.request({ method: "POST", path: "/v9/people", json: body, schema: PeopleResponse, safe: true, signal })).data;
    },
    // Polling is a read (a POST because that is Sumble's protocol); only the first `succeeded` bills.
    async pollPeople(requestId, signal) {
      return (
        await http.request({
          method: "POST",
          path: "/v9/people",
          json: { request_id: requestId },
          schema: PeopleResponse,
          safe: true,
          signal,
        })
      ).data;
    },
  };
}
