import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { http, HttpResponse } from "msw";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runPageScraperContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { createFirecrawl } from "./index.js";
import type { FirecrawlOptions } from "./index.js";
import { createFirecrawlMock } from "./msw.js";
import type { FirecrawlFault } from "./msw.js";

const KEY = "fc-test-5e6f7a8b9c";
const mock = createFirecrawlMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<FirecrawlOptions> = {}) {
  const usage: UsageEvent[] = [];
  const fc = createFirecrawl({
    apiKey: KEY,
    timeoutMs: 200,
    retry: { maxAttempts: 1 },
    pollIntervalMs: 1,
    onUsage: (e) => void usage.push(e),
    ...extra,
  });
  return { fc, usage };
}

async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a ProviderError");
}

beforeEach(() => {
  mock.clearFaults();
  mock.setCredits(500);
});

describe("scrapePage", () => {
  it("posts the URL with markdown and links formats and Bearer auth", async () => {
    const { fc, usage } = create();
    const page = await fc.scrapePage("northwind-analytics.com/about");
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.firecrawl.dev");
    expect(req.path).toBe("/v2/scrape");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.json).toEqual({ url: "https://northwind-analytics.com/about", formats: ["markdown", "links"], onlyMainContent: true });
    expect(page).toMatchObject({
      url: "https://northwind-analytics.com/about",
      title: "About",
      statusCode: 200,
      source_tool: "firecrawl",
      creditsUsed: 1,
    });
    expect(page.markdown).toContain("Founded in 2015");
    expect(page.metadata).toMatchObject({ domain: "northwind-analytics.com" });
    expect(usage[0]).toMatchObject({ tool: "firecrawl", action: "scrape", status: "success", credits: 1, response: { status_code: 200 } });
    expect(JSON.stringify(usage)).not.toContain(KEY);
  });

  it("passes onlyMainContent through", async () => {
    const { fc } = create();
    await fc.scrapePage("https://www.northwind-analytics.com/", { onlyMainContent: false });
    expect((await recorder.last()).json).toMatchObject({ onlyMainContent: false });
  });

  it("returns the site's 404 as a page with statusCode 404 (Firecrawl bills it)", async () => {
    const { fc } = create();
    const page = await fc.scrapePage("https://www.northwind-analytics.com/team");
    expect(page).toMatchObject({ statusCode: 404, creditsUsed: 1 });
    expect(mock.credits).toBe(499);
  });

  it("refuses a non-http URL locally", async () => {
    const { fc } = create();
    expect((await caught(fc.scrapePage("ftp://example.com/x"))).kind).toBe("invalid");
    expect((await caught(fc.scrapePage("not a url"))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("crawlSite", () => {
  it("starts a crawl with an explicit limit, polls until completed and follows next pages", async () => {
    const { fc, usage } = create();
    const pages = await fc.crawlSite("https://www.northwind-analytics.com", { limit: 10 });
    const reqs = await recorder.requests();
    expect(reqs[0]).toMatchObject({ method: "POST", path: "/v2/crawl" });
    expect(reqs[0]!.json).toEqual({
      url: "https://www.northwind-analytics.com/",
      limit: 10,
      scrapeOptions: { formats: ["markdown"], onlyMainContent: true },
    });
    const id = [...mock.crawls.keys()].at(-1)!;
    // scraping → completed, then the remaining pages through `next` (?skip=2).
    expect(reqs.slice(1).map((r) => `${r.method} ${r.path}${r.url.search}`)).toEqual([
      `GET /v2/crawl/${id}`,
      `GET /v2/crawl/${id}`,
      `GET /v2/crawl/${id}?skip=2`,
    ]);
    expect(reqs.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(pages.map((p) => p.title)).toEqual(["Northwind Analytics", "About", "Careers", "Forecasting"]);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ action: "crawl", status: "success", credits: 4, resultsCount: 4 });
  });

  it("follows next links through a custom base URL", async () => {
    const other = createFirecrawlMock({ apiKey: KEY, baseUrl: "https://firecrawl.internal" });
    server.use(...other.handlers);
    const { fc } = create({ baseUrl: "https://firecrawl.internal" });
    const pages = await fc.crawlSite("https://www.northwind-analytics.com", { limit: 10 });
    expect(pages).toHaveLength(4);
    expect((await recorder.requests()).every((r) => r.url.origin === "https://firecrawl.internal")).toBe(true);
  });

  it("sends the default limit (Firecrawl's own default is 10 000 pages)", async () => {
    const { fc } = create({ defaultCrawlLimit: 3 });
    await fc.crawlSite("https://www.northwind-analytics.com");
    expect((await recorder.requests())[0]!.json).toMatchObject({ limit: 3 });
  });

  it("gets 402 up front when the limit exceeds the balance", async () => {
    const { fc } = create();
    mock.setCredits(5);
    const error = await caught(fc.crawlSite("https://www.northwind-analytics.com", { limit: 50 }));
    expect(error).toMatchObject({ kind: "credits", status: 402 });
    expect(recorder.count()).toBe(1);
  });

  it("cancels the crawl at Firecrawl when the deadline passes", async () => {
    const slow = createFirecrawlMock({ apiKey: KEY, crawlChecksBeforeDone: 1_000 });
    server.use(...slow.handlers);
    const { fc } = create();
    const error = await caught(fc.crawlSite("https://www.northwind-analytics.com", { limit: 5, timeoutMs: 30 }));
    expect(error).toMatchObject({ kind: "transient", reason: "poll_deadline" });
    const last = await recorder.last();
    expect(last.method).toBe("DELETE");
    expect([...slow.crawls.values()][0]!.status).toBe("cancelled");
  });

  it("fails when the crawl ends failed", async () => {
    server.use(
      http.get("https://api.firecrawl.dev/v2/crawl/:id", () =>
        HttpResponse.json({ success: true, status: "failed", completed: 0, total: 0, creditsUsed: 0, data: [] }),
      ),
    );
    const { fc } = create();
    expect(await caught(fc.crawlSite("https://www.northwind-analytics.com"))).toMatchObject({ kind: "transient", reason: "crawl_failed" });
  });

  it("a lost answer to the crawl start is unknown_outcome and is not retried", async () => {
    const { fc } = create({ retry: { maxAttempts: 3, sleep: async () => {} } });
    mock.fail("server_error", { times: 1 });
    expect(await caught(fc.crawlSite("https://www.northwind-analytics.com"))).toMatchObject({ kind: "unknown_outcome" });
    expect(recorder.count()).toBe(1);
  });

  it("refuses a next link that points elsewhere", async () => {
    server.use(
      http.get("https://api.firecrawl.dev/v2/crawl/:id", () =>
        HttpResponse.json({
          success: true,
          status: "completed",
          creditsUsed: 1,
          next: "https://evil.example/steal",
          data: [{ markdown: "x", metadata: { sourceURL: "https://a.com" } }],
        }),
      ),
    );
    const { fc } = create();
    expect(await caught(fc.crawlSite("https://www.northwind-analytics.com"))).toMatchObject({
      kind: "transient",
      reason: "unexpected_response",
    });
  });
});

describe("mapSite", () => {
  it("posts url, limit and search and returns the URLs", async () => {
    const { fc, usage } = create();
    const urls = await fc.mapSite("northwind-analytics.com", { limit: 10, search: "careers" });
    const req = await recorder.last();
    expect(req.path).toBe("/v2/map");
    expect(req.json).toEqual({ url: "https://northwind-analytics.com/", limit: 10, search: "careers" });
    expect(urls).toEqual(["https://www.northwind-analytics.com/careers"]);
    expect(usage[0]).toMatchObject({ action: "map", credits: 1, resultsCount: 1 });
  });
});

describe("configuration", () => {
  const saved = process.env.FIRECRAWL_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.FIRECRAWL_API_KEY;
    else process.env.FIRECRAWL_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message", async () => {
    delete process.env.FIRECRAWL_API_KEY;
    const error = await caught(createFirecrawl().scrapePage("https://northwind-analytics.com"));
    expect(error.message).toBe("[provider-firecrawl] missing apiKey: pass { apiKey } or set FIRECRAWL_API_KEY");
    expect(recorder.count()).toBe(0);
  });

  it("reads FIRECRAWL_API_KEY at call time", async () => {
    delete process.env.FIRECRAWL_API_KEY;
    const fc = createFirecrawl({ retry: { maxAttempts: 1 } });
    process.env.FIRECRAWL_API_KEY = KEY;
    await fc.scrapePage("https://northwind-analytics.com");
    expect((await recorder.last()).headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe("faults", () => {
  const cases: [FirecrawlFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401 }],
    ["out_of_credits", "credits", { status: 402 }],
    ["invalid", "invalid", { status: 400 }],
    ["unprocessable", "invalid", { status: 422 }],
    ["rate_limited", "rate_limited", { status: 429, retryAfterMs: undefined }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 4_000 }],
    ["server_error", "transient", { status: 500 }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("scrape: %s → %s", async (fault, kind, fields) => {
    const { fc, usage } = create();
    mock.fail(fault);
    const error = await caught(fc.scrapePage("https://northwind-analytics.com"));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("retries a scrape after a 500 and honours Retry-After on a 429", async () => {
    const waits: number[] = [];
    const { fc } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await fc.scrapePage("https://northwind-analytics.com");
    mock.fail("rate_limited_retry_after", { times: 1 });
    await fc.scrapePage("https://northwind-analytics.com");
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 4_000]);
  });
});

runPageScraperContract({
  name: "firecrawl",
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f) => mock.fail(f),
  reset: () => {
    mock.clearFaults();
    mock.setCredits(500);
  },
  create: ({ onUsage }) => createFirecrawl({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, onUsage }),
  url: "https://www.northwind-analytics.com/",
});

describe("getCreditBalance", () => {
  it("reads GET /v2/team/credit-usage (free): remainingCredits, and billingPeriodEnd as the reset date", async () => {
    const { fc, usage } = create();
    mock.setCredits(321);
    const balance = await fc.getCreditBalance();
    expect(balance.remaining).toBe(321);
    expect(balance.resetAt).toMatch(/^\d{4}-\d{2}-\d{2}T23:59:59\.000Z$/);
    const req = await recorder.last();
    expect(`${req.method} ${req.path}`).toBe("GET /v2/team/credit-usage");
    expect(usage.at(-1)).toMatchObject({
      tool: "firecrawl",
      action: "get_credit_balance",
      balance: { remaining: 321, resetAt: balance.resetAt },
    });
  });

  it("a 402 or a body without remainingCredits reports no balance", async () => {
    const { fc, usage } = create();
    mock.fail("out_of_credits", { times: 1 });
    expect((await caught(fc.getCreditBalance())).kind).toBe("credits");
    server.use(http.get("https://api.firecrawl.dev/v2/team/credit-usage", () => HttpResponse.json({ success: true, data: {} })));
    expect((await caught(fc.getCreditBalance())).reason).toBe("unexpected_response");
    expect(usage.map((e) => e.balance)).toEqual([undefined, undefined]);
  });
});
