/**
 * Firecrawl as the offerlab `PageScraper`: scrape one page to markdown, crawl a site (an async job,
 * polled with the kit's `poll` and cancelled at Firecrawl when abandoned) and map a site's URLs.
 * Delegates HTTP to `firecrawl-api.ts` and mapping to `firecrawl-transform.ts`.
 */
import { normalizeDomain } from "@offerlab/core";
import { poll, ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CallOptions,
  CrawlOptions,
  FetchLike,
  CallGate,
  CreditBalance,
  CreditBalanceReader,
  OnUsage,
  PageScraper,
  RetryOptions,
  ScrapedPage,
  ScrapeOptions,
} from "@offerlab/provider-kit";
import { createFirecrawlApi, FIRECRAWL_DEFAULT_BASE_URL } from "./firecrawl-api.js";
import type { FirecrawlCrawlStatusResponse, FirecrawlDocument } from "./firecrawl-api.js";
import { FIRECRAWL_SOURCE_TOOL, mapLinks, pageFromFirecrawl } from "./firecrawl-transform.js";

export interface FirecrawlOptions {
  /** API key (`fc-…`). Default: the `FIRECRAWL_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `FIRECRAWL_BASE_URL`, else `https://api.firecrawl.dev`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (credits, duration, status); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 60 000 (a scrape renders the page before answering). */
  timeoutMs?: number;
  /** Retries of scrape, map and status reads on 429/5xx/timeouts. Never applies to starting a crawl. Default: the kit's (3 attempts). */
  retry?: RetryOptions;
  /** Pages a crawl may visit when the call does not say. Always sent: Firecrawl's own default is 10 000 and pre-checked against your credits. Default 25. */
  defaultCrawlLimit?: number;
  /** First wait between crawl status checks, in ms (grows ×1.5 up to 15 s). Default 2 000, as Firecrawl's SDK. */
  pollIntervalMs?: number;
  /** How long `crawlSite` waits for a crawl when the call does not say, in ms. Default 300 000. */
  crawlTimeoutMs?: number;
}

export interface FirecrawlProvider extends PageScraper, CreditBalanceReader {
  readonly provider: "firecrawl";
  crawlSite(url: string, options?: CrawlOptions): Promise<ScrapedPage[]>;
  mapSite(url: string, options?: CallOptions & { limit?: number; search?: string }): Promise<string[]>;
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

function checkUrl(url: string, what: string): string {
  const trimmed = url.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !normalizeDomain(parsed.hostname)) {
    throw new ProviderError({
      kind: "invalid",
      provider: "firecrawl",
      message: `${what} needs an http(s) URL, got "${url}"`,
      reason: "invalid_input",
      retryable: false,
    });
  }
  return parsed.toString();
}

export function createFirecrawl(options: FirecrawlOptions = {}): FirecrawlProvider {
  const apiKey = () => readSetting({ provider: "firecrawl", option: "apiKey", value: options.apiKey, envVar: "FIRECRAWL_API_KEY" });
  const api = createFirecrawlApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "firecrawl",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "FIRECRAWL_BASE_URL",
        defaultValue: FIRECRAWL_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 60_000,
    retry: options.retry,
  });
  const secrets = () => [options.apiKey, process.env.FIRECRAWL_API_KEY];

  /** Every document of a finished crawl: the status answer's first page, then each `next` page. */
  async function allDocuments(id: string, first: FirecrawlCrawlStatusResponse, signal?: AbortSignal): Promise<FirecrawlDocument[]> {
    const docs = [...first.data];
    let next = first.next ?? null;
    // Bounded, in case a `next` link ever loops.
    for (let pages = 0; next && pages < 1_000; pages++) {
      const page = await api.crawlStatus(id, next, signal);
      docs.push(...page.data);
      next = page.next ?? null;
    }
    return docs;
  }

  return {
    provider: "firecrawl",

    async scrapePage(url, call: ScrapeOptions = {}) {
      const target = checkUrl(url, "scrapePage");
      return trackUsage<ScrapedPage>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: FIRECRAWL_SOURCE_TOOL,
          action: "scrape",
          request: { url: target },
          context: call.usageContext,
          secrets: secrets(),
          credits: (p) => p.creditsUsed ?? 0,
          resultsCount: () => 1,
          response: (p) => ({ status_code: p.statusCode ?? null, markdown_chars: p.markdown.length }),
        },
        async () => {
          const res = await api.scrape(
            { url: target, formats: ["markdown", "links"], onlyMainContent: call.onlyMainContent ?? true },
            call.signal,
          );
          return pageFromFirecrawl(res.data, target);
        },
      );
    },

    async crawlSite(url, call: CrawlOptions = {}) {
      const target = checkUrl(url, "crawlSite");
      const limit = Math.max(1, Math.floor(call.limit ?? options.defaultCrawlLimit ?? 25));
      let creditsUsed = 0;
      return trackUsage<ScrapedPage[]>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: FIRECRAWL_SOURCE_TOOL,
          action: "crawl",
          request: { url: target, limit },
          context: call.usageContext,
          secrets: secrets(),
          credits: () => creditsUsed,
          resultsCount: (pages) => pages.length,
        },
        async () => {
          const { id } = await api.startCrawl(
            { url: target, limit, scrapeOptions: { formats: ["markdown"], onlyMainContent: true } },
            call.signal,
          );
          const done = await poll({
            provider: "firecrawl",
            what: `crawl ${id}`,
            check: (signal) => api.crawlStatus(id, null, signal),
            isDone: (s) => TERMINAL.has(s.status),
            intervalMs: options.pollIntervalMs ?? 2_000,
            timeoutMs: call.timeoutMs ?? options.crawlTimeoutMs ?? 300_000,
            signal: call.signal,
            // Stop paying for pages nobody will read.
            onAbandon: () => api.cancelCrawl(id),
          });
          creditsUsed = done.creditsUsed ?? 0;
          if (done.status !== "completed") {
            throw new ProviderError({
              kind: "transient",
              provider: "firecrawl",
              message: `crawl ${id} of ${target} ended ${done.status}`,
              reason: `crawl_${done.status}`,
              retryable: false,
            });
          }
          const docs = await allDocuments(id, done, call.signal);
          return docs.map((d) => pageFromFirecrawl(d, null));
        },
      );
    },

    async mapSite(url, call: CallOptions & { limit?: number; search?: string } = {}) {
      const target = checkUrl(url, "mapSite");
      return trackUsage<string[]>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: FIRECRAWL_SOURCE_TOOL,
          action: "map",
          request: { url: target, limit: call.limit ?? null, search: call.search ?? null },
          context: call.usageContext,
          secrets: secrets(),
          // 1 credit per map call (Firecrawl's billing page); the body does not say.
          credits: 1,
          resultsCount: (links) => links.length,
        },
        async () => {
          const res = await api.map(
            { url: target, ...(call.limit !== undefined ? { limit: call.limit } : {}), ...(call.search ? { search: call.search } : {}) },
            call.signal,
          );
          return mapLinks(res.links).map((l) => l.url);
        },
      );
    },

    async getCreditBalance(call = {}) {
      return trackUsage<CreditBalance>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: FIRECRAWL_SOURCE_TOOL,
          action: "get_credit_balance",
          secrets: secrets(),
          response: (r) => ({ credits_remaining: r.remaining, reset_at: r.resetAt ?? null }),
          balance: (r) => r,
        },
        async () => {
          const { data } = await api.creditUsage(call.signal);
          return { remaining: data.remainingCredits, resetAt: data.billingPeriodEnd ?? null };
        },
      );
    },
  };
}
