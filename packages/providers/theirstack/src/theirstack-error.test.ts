import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapTheirStackError, rateLimitResetMs } from "./theirstack-error.js";
import unauthorized from "./__fixtures__/theirstack-error-unauthorized.json" with { type: "json" };
import credits from "./__fixtures__/theirstack-error-credits.json" with { type: "json" };
import validation from "./__fixtures__/theirstack-error-validation.json" with { type: "json" };

function ctx(status: number, body: unknown, headers: Record<string, string> = {}, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "theirstack",
    method: "POST",
    path: "/v1/jobs/search",
    status,
    headers: new Headers(headers),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapTheirStackError", () => {
  it("401 → auth with the vendor's code, description and request id", () => {
    const e = mapTheirStackError(ctx(401, unauthorized));
    expect(e).toMatchObject({ kind: "auth", vendorCode: "E-002", status: 401 });
    expect(e.vendorMessage).toContain("invalid or has been revoked");
    expect(e.message).toContain("req_01JH8ZK3Q2W9");
  });

  it("402 → credits", () => {
    expect(mapTheirStackError(ctx(402, credits))).toMatchObject({ kind: "credits", retryable: false });
  });

  it("422 FastAPI detail → invalid with the messages joined", () => {
    const e = mapTheirStackError(ctx(422, validation));
    expect(e.kind).toBe("invalid");
    expect(e.vendorMessage).toContain("At least one of posted_at_max_age_days");
    expect(mapTheirStackError(ctx(422, { detail: "limit too large" })).vendorMessage).toBe("limit too large");
  });

  it("429 takes Retry-After, else the RateLimit headers, else nothing", () => {
    expect(mapTheirStackError(ctx(429, {}, { "retry-after": "5", ratelimit: '"api";r=0;t=9' }, 5_000)).retryAfterMs).toBe(5_000);
    expect(mapTheirStackError(ctx(429, {}, { ratelimit: '"api";r=0;t=9' })).retryAfterMs).toBe(9_000);
    expect(mapTheirStackError(ctx(429, {}, { "ratelimit-reset": "3" })).retryAfterMs).toBe(3_000);
    expect(mapTheirStackError(ctx(429, {})).retryAfterMs).toBeUndefined();
  });

  it("never puts a reset time on errors that are not rate limits", () => {
    expect(mapTheirStackError(ctx(500, {}, { ratelimit: '"api";r=3;t=1' })).retryAfterMs).toBeUndefined();
  });

  it("5xx and 504 (slow query) → transient; non-JSON bodies fall back to the status", () => {
    expect(mapTheirStackError(ctx(504, undefined)).kind).toBe("transient");
    expect(mapTheirStackError(ctx(400, "oops")).kind).toBe("invalid");
  });
});

describe("rateLimitResetMs", () => {
  it("reads t= from the combined header and ignores garbage", () => {
    expect(rateLimitResetMs(new Headers({ ratelimit: '"default";r=0;t=12' }))).toBe(12_000);
    expect(rateLimitResetMs(new Headers({ "ratelimit-reset": "soon" }))).toBeUndefined();
  });
});
