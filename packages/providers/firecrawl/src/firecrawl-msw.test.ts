import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createFirecrawl } from "./index.js";
import { createFirecrawlMock } from "./msw.js";

// Injected ids and clock, which the sandbox uses so that a seed replays exactly.
let n = 0;
const mock = createFirecrawlMock({ randomUUID: () => `crawl-${++n}`, now: () => new Date("2026-03-02T09:00:00.000Z") });
const { recorder } = setupMswServer(...mock.handlers);
const firecrawl = createFirecrawl({ apiKey: "fc-test-key", retry: { maxAttempts: 1 }, pollIntervalMs: 1 });

describe("createFirecrawlMock({ randomUUID, now })", () => {
  it("names crawl jobs and scrape ids from the injected source", async () => {
    const page = await firecrawl.scrapePage("https://www.northwind-analytics.com/");
    expect(page.metadata?.scrapeId).toBe("crawl-1");
    await firecrawl.crawlSite!("https://www.northwind-analytics.com/", { limit: 4 });
    expect([...mock.crawls.keys()]).toEqual(["crawl-2"]);
    expect((await recorder.requests()).some((r) => r.path === "/v2/crawl/crawl-2")).toBe(true);
  });
});
