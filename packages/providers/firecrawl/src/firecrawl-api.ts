/**
 * Firecrawl's v2 HTTP surface as we use it: scrape, crawl (start, status pages, cancel) and map.
 * Zod schemas list only the fields we read; only requested formats appear in a document.
 */
import { z } from "zod";
import { createHttpClient, ProviderError } from "@offerlab/provider-kit";
import type { FetchLike, RetryOptions } from "@offerlab/provider-kit";
import { mapFirecrawlError } from "./firecrawl-error.js";

export const FIRECRAWL_DEFAULT_BASE_URL = "https://api.firecrawl.dev";

const n = <T extends z.ZodType>(t: T) => t.nullish();

export const FirecrawlMetadata = z.looseObject({
  title: n(z.union([z.string(), z.array(z.string())])),
  description: n(z.union([z.string(), z.array(z.string())])),
  language: n(z.union([z.string(), z.array(z.string())])),
  sourceURL: n(z.string()),
  url: n(z.string()),
  statusCode: n(z.number()),
  contentType: n(z.string()),
  creditsUsed: n(z.number()),
  error: n(z.string()),
});
export type FirecrawlMetadata = z.infer<typeof FirecrawlMetadata>;

export const FirecrawlDocument = z.looseObject({
  markdown: n(z.string()),
  links: n(z.array(z.string())),
  summary: n(z.string()),
  warning: n(z.string()),
  metadata: n(FirecrawlMetadata),
});
export type FirecrawlDocument = z.infer<typeof FirecrawlDocument>;

export const ScrapeResponse = z.looseObject({
  success: z.literal(true),
  data: FirecrawlDocument,
});
export type FirecrawlScrapeResponse = z.infer<typeof ScrapeResponse>;

export const CrawlStartResponse = z.looseObject({
  success: z.literal(true),
  id: z.string().min(1),
  url: n(z.string()),
});

export const crawlStatuses = ["scraping", "completed", "failed", "cancelled"] as const;
export const CrawlStatusResponse = z.looseObject({
  success: n(z.boolean()),
  // Unknown statuses are kept as strings: polling treats anything not terminal as still running.
  status: z.string(),
  completed: n(z.number()),
  total: n(z.number()),
  creditsUsed: n(z.number()),
  expiresAt: n(z.string()),
  next: n(z.string()),
  data: z.array(FirecrawlDocument).default([]),
});
export type FirecrawlCrawlStatusResponse = z.infer<typeof CrawlStatusResponse>;

export const MapResponse = z.looseObject({
  success: z.literal(true),
  links: z.array(
    z.union([
      z.looseObject({ url: z.string(), title: n(z.string()), description: n(z.string()) }),
      // v1 returned bare strings; accept them so a v1-compatible base URL still works.
      z.string(),
    ]),
  ),
});
export type FirecrawlMapResponse = z.infer<typeof MapResponse>;

/** The scrape options we send (Firecrawl accepts many more). */
export interface ScrapeOptions {
  formats?: ("markdown" | "links" | "summary" | "html")[];
  onlyMainContent?: boolean;
  /** Firecrawl's own server-side wall for the page, in ms. */
  timeout?: number;
  waitFor?: number;
  /** Reuse a cached copy younger than this, in ms; 0 forces a fresh fetch. */
  maxAge?: number;
}

export interface ScrapeRequest extends ScrapeOptions {
  url: string;
}

export interface CrawlRequest {
  url: string;
  /** Always sent: Firecrawl's default is 10 000 pages and it pre-checks that against your credits. */
  limit: number;
  includePaths?: string[];
  excludePaths?: string[];
  maxDiscoveryDepth?: number;
  sitemap?: "skip" | "include" | "only";
  scrapeOptions?: ScrapeOptions;
}

export interface MapRequest {
  url: string;
  search?: string;
  limit?: number;
  sitemap?: "skip" | "include" | "only";
  includeSubdomains?: boolean;
}

export interface FirecrawlApiSettings {
  apiKey: () => string;
  baseUrl: () => string;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
}

/**
 * `GET /v2/team/credit-usage` (free): docs.firecrawl.dev/api-reference/endpoint/credit-usage.
 * `remainingCredits` is what is left; `billingPeriodEnd` (nullable) is when it resets.
 */
export const CreditUsageResponse = z.looseObject({
  success: z.boolean().optional(),
  data: z.looseObject({
    remainingCredits: z.number(),
    planCredits: z.number().nullish(),
    billingPeriodStart: z.string().nullish(),
    billingPeriodEnd: z.string().nullish(),
  }),
});
export type FirecrawlCreditUsage = z.infer<typeof CreditUsageResponse>;

export interface FirecrawlApi {
  scrape(body: ScrapeRequest, signal?: AbortSignal): Promise<FirecrawlScrapeResponse>;
  map(body: MapRequest, signal?: AbortSignal): Promise<FirecrawlMapResponse>;
  startCrawl(body: CrawlRequest, signal?: AbortSignal): Promise<{ id: string }>;
  /** One status page. `next` is the absolute URL Firecrawl returned for the following page, if any. */
  crawlStatus(id: string, next?: string | null, signal?: AbortSignal): Promise<FirecrawlCrawlStatusResponse>;
  cancelCrawl(id: string, signal?: AbortSignal): Promise<void>;
  creditUsage(signal?: AbortSignal): Promise<FirecrawlCreditUsage>;
}

export function createFirecrawlApi(settings: FirecrawlApiSettings): FirecrawlApi {
  const http = createHttpClient({
    provider: "firecrawl",
    baseUrl: settings.baseUrl,
    headers: () => ({ Authorization: `Bearer ${settings.apiKey()}` }),
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    mapError: mapFirecrawlError,
  });
  return {
    // Scrape and map change nothing but the bill (1 credit), so they are safe to retry on 429/5xx.
    // Firecrawl's own SDK does not retry POSTs, to avoid paying twice; one extra credit is worth
    // more than a lost page here.
    async scrape(body, signal) {
      return (await http.request({ method: "POST", path: "/v2/scrape", json: body, schema: ScrapeResponse, safe: true, signal })).data;
    },
    async map(body, signal) {
      return (await http.request({ method: "POST", path: "/v2/map", json: body, schema: MapResponse, safe: true, signal })).data;
    },
    // Starting a crawl is not safe: a repeat starts a second billed job. It is attempted once, and
    // a lost answer is `unknown_outcome` (a crawl may be running).
    async startCrawl(body, signal) {
      const res = await http.request({ method: "POST", path: "/v2/crawl", json: body, schema: CrawlStartResponse, safe: false, signal });
      return { id: res.data.id };
    },
    async crawlStatus(id, next, signal) {
      const path = `/v2/crawl/${encodeURIComponent(id)}`;
      let query: Record<string, string> | undefined;
      if (next) {
        // Follow Firecrawl's `next` link through our own base URL (the link names Firecrawl's
        // host, which a proxy or the sandbox replaces), and only if it points at this crawl.
        let url: URL;
        try {
          url = new URL(next);
        } catch {
          url = new URL("invalid:");
        }
        if (!url.pathname.endsWith(path)) {
          throw new ProviderError({
            kind: "transient",
            provider: "firecrawl",
            message: `crawl ${id} returned a next link for another resource: ${next}`,
            reason: "unexpected_response",
            retryable: false,
          });
        }
        query = Object.fromEntries(url.searchParams);
      }
      return (await http.request({ method: "GET", path, ...(query ? { query } : {}), schema: CrawlStatusResponse, signal })).data;
    },
    async cancelCrawl(id, signal) {
      // Cancelling twice is harmless, so it may be retried.
      await http.request({ method: "DELETE", path: `/v2/crawl/${encodeURIComponent(id)}`, safe: true, signal });
    },
    async creditUsage(signal) {
      return (await http.request({ method: "GET", path: "/v2/team/credit-usage", schema: CreditUsageResponse, signal })).data;
    },
  };
}
