/**
 * Exa's HTTP surface as we use it (`POST /search` with `category: "company"`, `POST /findSimilar`):
 * request bodies and zod schemas listing only the fields we read. The digest says to treat every
 * entity property as nullable, so they all are.
 */
import { z } from "zod";
import { createHttpClient } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapExaError } from "./exa-error.js";

export const EXA_DEFAULT_BASE_URL = "https://api.exa.ai";

const n = <T extends z.ZodType>(t: T) => t.nullish();

export const ExaCompanyEntity = z.looseObject({
  id: n(z.string()),
  type: z.string(),
  properties: n(
    z.looseObject({
      name: n(z.string()),
      foundedYear: n(z.number()),
      description: n(z.string()),
      workforce: n(z.looseObject({ total: n(z.number()) })),
      headquarters: n(
        z.looseObject({
          address: n(z.string()),
          city: n(z.string()),
          postalCode: n(z.string()),
          country: n(z.string()),
        }),
      ),
      financials: n(
        z.looseObject({
          revenueAnnual: n(z.number()),
          fundingTotal: n(z.number()),
          fundingLatestRound: n(z.looseObject({ name: n(z.string()), date: n(z.string()), amount: n(z.number()) })),
        }),
      ),
      webTraffic: n(z.looseObject({ visitsMonthly: n(z.number()) })),
    }),
  ),
});
export type ExaCompanyEntity = z.infer<typeof ExaCompanyEntity>;

export const ExaResult = z.looseObject({
  id: n(z.string()),
  url: z.string(),
  title: n(z.string()),
  score: n(z.number()),
  publishedDate: n(z.string()),
  text: n(z.string()),
  summary: n(z.string()),
  entities: n(z.array(z.looseObject({ type: z.string() }))),
});
export type ExaResult = z.infer<typeof ExaResult>;

export const SearchResponse = z.looseObject({
  requestId: n(z.string()),
  results: z.array(ExaResult),
  costDollars: n(z.looseObject({ total: n(z.number()) })),
});
export type ExaSearchResponse = z.infer<typeof SearchResponse>;

/** `POST /search` body. With `category: "company"` Exa refuses date filters and `excludeDomains` (400). */
export interface SearchRequest {
  query: string;
  type?: "auto" | "neural" | "keyword" | "fast" | "deep";
  category: "company";
  numResults?: number;
  includeDomains?: string[];
  contents?: { text?: boolean | { maxCharacters?: number }; summary?: boolean | { query?: string } } | false;
}

/** `POST /findSimilar` body (deprecated in Exa's SDK, still served; the digest says so). */
export interface FindSimilarRequest {
  url: string;
  category?: "company";
  numResults?: number;
  excludeSourceDomain?: boolean;
  excludeDomains?: string[];
  contents?: SearchRequest["contents"];
}

export interface ExaApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

/**
 * Raw Exa calls. Both are POSTs without effect besides billing (dollars per request), so they
 * are marked safe: retried on 429/5xx and a timeout is `transient`.
 */
export interface ExaApi {
  search(body: SearchRequest, signal?: AbortSignal): Promise<ExaSearchResponse>;
  findSimilar(body: FindSimilarRequest, signal?: AbortSignal): Promise<ExaSearchResponse>;
}

export function createExaApi(settings: ExaApiSettings): ExaApi {
  const http = createHttpClient({
    provider: "exa",
    baseUrl: settings.baseUrl,
    headers: () => ({ "x-api-key": settings.apiKey() }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapExaError,
  });
  return {
    async search(body, signal) {
      return (await http.request({ method: "POST", path: "/search", json: body, schema: SearchResponse, safe: true, signal })).data;
    },
    async findSimilar(body, signal) {
      return (await http.request({ method: "POST", path: "/findSimilar", json: body, schema: SearchResponse, safe: true, signal })).data;
    },
  };
}
