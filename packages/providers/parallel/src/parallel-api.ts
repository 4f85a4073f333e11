/**
 * Parallel's HTTP surface as we use it: Entity Search (sync, beta) and FindAll (async, beta).
 * Zod schemas list only the fields we read and are loose, so parsed bodies keep every field for
 * `source_raw`.
 */
import { z } from "zod";
import { createHttpClient } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapParallelError } from "./parallel-error.js";

export const PARALLEL_DEFAULT_BASE_URL = "https://api.parallel.ai";
/** Beta opt-in every FindAll path needs. */
export const PARALLEL_FINDALL_BETA = "findall-2025-09-15";

const n = <T extends z.ZodType>(t: T) => t.nullish();

export const ParallelEntity = z.looseObject({
  name: n(z.string()),
  url: n(z.string()),
  description: n(z.string()),
});
export type ParallelEntity = z.infer<typeof ParallelEntity>;

export const EntitySearchResponse = z.looseObject({
  entity_set_id: n(z.string()),
  entities: z.array(ParallelEntity),
});
export type ParallelEntitySearchResponse = z.infer<typeof EntitySearchResponse>;

export const FindAllRun = z.looseObject({
  findall_id: z.string(),
  status: z.looseObject({
    status: z.string(),
    is_active: z.boolean(),
    metrics: n(z.looseObject({ generated_candidates_count: n(z.number()), matched_candidates_count: n(z.number()) })),
    termination_reason: n(z.string()),
  }),
});
export type ParallelFindAllRun = z.infer<typeof FindAllRun>;

export const FindAllCandidate = z.looseObject({
  candidate_id: n(z.string()),
  name: n(z.string()),
  url: n(z.string()),
  description: n(z.string()),
  match_status: z.string(),
  output: n(z.record(z.string(), z.unknown())),
  basis: n(z.array(z.unknown())),
});
export type ParallelFindAllCandidate = z.infer<typeof FindAllCandidate>;

export const FindAllResult = z.looseObject({
  run: FindAllRun,
  candidates: z.array(FindAllCandidate),
});
export type ParallelFindAllResult = z.infer<typeof FindAllResult>;

export interface EntitySearchRequest {
  entity_type: "companies" | "people";
  objective: string;
  /** 5–1000, default 100. */
  match_limit?: number;
}

export interface FindAllCreateRequest {
  objective: string;
  entity_type: string;
  match_conditions: { name: string; description: string }[];
  generator: "preview" | "base" | "core" | "pro";
  /** 5–1000. */
  match_limit: number;
  exclude_list?: { name: string; url: string }[];
  metadata?: Record<string, string | number | boolean>;
}

export interface ParallelApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

export interface ParallelApi {
  entitySearch(body: EntitySearchRequest, signal?: AbortSignal): Promise<ParallelEntitySearchResponse>;
  createFindAll(body: FindAllCreateRequest, signal?: AbortSignal): Promise<ParallelFindAllRun>;
  getFindAll(id: string, signal?: AbortSignal): Promise<ParallelFindAllRun>;
  getFindAllResult(id: string, signal?: AbortSignal): Promise<ParallelFindAllResult>;
  cancelFindAll(id: string, signal?: AbortSignal): Promise<void>;
}

export function createParallelApi(settings: ParallelApiSettings): ParallelApi {
  const http = createHttpClient({
    provider: "parallel",
    baseUrl: settings.baseUrl,
    // The digest is unsure whether Entity Search needs the FindAll beta flag (it lives under
    // /v1beta/findall and the official SDK always sends it there), so every call sends it.
    headers: () => ({ "x-api-key": settings.apiKey(), "parallel-beta": PARALLEL_FINDALL_BETA }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapParallelError,
  });
  const run = (id: string) => `/v1beta/findall/runs/${encodeURIComponent(id)}`;
  return {
    // A search changes nothing but the bill: safe to retry on 429/5xx.
    async entitySearch(body, signal) {
      return (
        await http.request({
          method: "POST",
          path: "/v1beta/findall/entity-search",
          json: body,
          schema: EntitySearchResponse,
          safe: true,
          signal,
        })
      ).data;
    },
    // Creating a run is not safe: a repeat pays the run's fixed cost twice. Attempted once; a lost
    // answer is `unknown_outcome`.
    async createFindAll(body, signal) {
      return (await http.request({ method: "POST", path: "/v1beta/findall/runs", json: body, schema: FindAllRun, safe: false, signal }))
        .data;
    },
    async getFindAll(id, signal) {
      return (await http.request({ method: "GET", path: run(id), schema: FindAllRun, signal })).data;
    },
    async getFindAllResult(id, signal) {
      return (await http.request({ method: "GET", path: `${run(id)}/result`, schema: FindAllResult, signal })).data;
    },
    async cancelFindAll(id, signal) {
      await http.request({ method: "POST", path: `${run(id)}/cancel`, safe: true, signal });
    },
  };
}
