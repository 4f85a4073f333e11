import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapLeadMagicError } from "./leadmagic-error.js";
import credits from "./__fixtures__/leadmagic-error-insufficient-credits.json" with { type: "json" };
import rateLimited from "./__fixtures__/leadmagic-error-rate-limited.json" with { type: "json" };
import unauthorized from "./__fixtures__/leadmagic-error-unauthorized.json" with { type: "json" };
import validation from "./__fixtures__/leadmagic-error-validation.json" with { type: "json" };

function ctx(status: number, body: unknown, headers: Record<string, string> = {}, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "leadmagic",
    method: "POST",
    path: "/v1/people/email-finder",
    status,
    headers: new Headers(headers),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapLeadMagicError", () => {
  it("402 insufficient_credits → credits, with code and detail", () => {
    const e = mapLeadMagicError(ctx(402, credits));
    expect(e).toMatchObject({ kind: "credits", vendorCode: "insufficient_credits", status: 402, retryable: false });
    expect(e.vendorMessage).toContain("requires 1 credit");
    expect(e.message).toContain("0b6a3d2c-4c4f-4f0e-9a0e-2a9f5d7c1e11");
  });

  it("429 → rate_limited with retryAfterMs from context.retry_after_seconds", () => {
    expect(mapLeadMagicError(ctx(429, rateLimited))).toMatchObject({ kind: "rate_limited", retryAfterMs: 17_000, retryable: true });
  });

  it("a Retry-After header wins over the body", () => {
    expect(mapLeadMagicError(ctx(429, rateLimited, { "retry-after": "3" }, 3_000)).retryAfterMs).toBe(3_000);
  });

  it("falls back to reset_at when there is no retry_after_seconds", () => {
    const body = structuredClone(rateLimited);
    const context = body.errors[0]!.context as Record<string, unknown>;
    delete context.retry_after_seconds;
    context.reset_at = Math.floor(Date.now() / 1000) + 30;
    const ms = mapLeadMagicError(ctx(429, body)).retryAfterMs ?? 0;
    expect(ms).toBeGreaterThan(28_000);
    expect(ms).toBeLessThanOrEqual(30_000);
  });

  it("401 → auth; 400 missing_required_field → invalid", () => {
    expect(mapLeadMagicError(ctx(401, unauthorized))).toMatchObject({ kind: "auth", vendorCode: "invalid_api_key" });
    expect(mapLeadMagicError(ctx(400, validation))).toMatchObject({ kind: "invalid", vendorCode: "missing_required_field" });
  });

  it("a known code refines the status (403 insufficient_permissions → auth, 404 profile_not_found → not_found)", () => {
    const body = (code: string, status: number) => ({ success: false, errors: [{ code, status, title: code }] });
    expect(mapLeadMagicError(ctx(403, body("insufficient_permissions", 403))).kind).toBe("auth");
    expect(mapLeadMagicError(ctx(404, body("profile_not_found", 404))).kind).toBe("not_found");
    expect(mapLeadMagicError(ctx(502, body("external_service_error", 502))).kind).toBe("transient");
  });

  it("falls back to the status for unknown codes and non-JSON bodies", () => {
    expect(mapLeadMagicError(ctx(503, { errors: [{ code: "brand_new_code" }] })).kind).toBe("transient");
    expect(mapLeadMagicError(ctx(500, undefined)).kind).toBe("transient");
    expect(mapLeadMagicError(ctx(422, "nope")).kind).toBe("invalid");
  });
});
