import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapFirecrawlError } from "./firecrawl-error.js";
import credits from "./__fixtures__/firecrawl-error-credits.json" with { type: "json" };
import rateLimited from "./__fixtures__/firecrawl-error-rate-limited.json" with { type: "json" };
import unauthorized from "./__fixtures__/firecrawl-error-unauthorized.json" with { type: "json" };

function ctx(status: number, body: unknown, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "firecrawl",
    method: "POST",
    path: "/v2/scrape",
    status,
    headers: new Headers(),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapFirecrawlError", () => {
  it("maps the documented statuses", () => {
    expect(mapFirecrawlError(ctx(401, unauthorized))).toMatchObject({ kind: "auth", vendorMessage: "Unauthorized: Invalid token" });
    expect(mapFirecrawlError(ctx(402, credits))).toMatchObject({ kind: "credits" });
    expect(mapFirecrawlError(ctx(429, rateLimited, 12_000))).toMatchObject({ kind: "rate_limited", retryAfterMs: 12_000 });
    expect(mapFirecrawlError(ctx(400, { success: false, error: "Bad Request: Invalid URL" })).kind).toBe("invalid");
    expect(mapFirecrawlError(ctx(404, { success: false, error: "Crawl job not found" })).kind).toBe("not_found");
    expect(mapFirecrawlError(ctx(422, { success: false, error: "bad schema" })).kind).toBe("invalid");
    for (const status of [500, 502, 503, 504]) expect(mapFirecrawlError(ctx(status, {})).kind).toBe("transient");
  });

  it("a 403 is about the site, not the key: invalid, not auth", () => {
    expect(
      mapFirecrawlError(ctx(403, { success: false, error: "This website is no longer supported", code: "UNSUPPORTED_SITE" })),
    ).toMatchObject({
      kind: "invalid",
      vendorCode: "UNSUPPORTED_SITE",
    });
  });

  it("a 408 SCRAPE_TIMEOUT is transient with the wait from details.retryAfterSeconds", () => {
    const e = mapFirecrawlError(
      ctx(408, {
        success: false,
        error: "Request Timeout",
        code: "SCRAPE_TIMEOUT",
        details: { state: "processing_continues", retryAfterSeconds: 20 },
      }),
    );
    expect(e).toMatchObject({ kind: "transient", vendorCode: "SCRAPE_TIMEOUT", retryAfterMs: 20_000, retryable: true });
  });

  it("tolerates a non-JSON body", () => {
    expect(mapFirecrawlError(ctx(502, "<html>Bad gateway</html>")).kind).toBe("transient");
  });
});
