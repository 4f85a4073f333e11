import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapExaError } from "./exa-error.js";
import credits from "./__fixtures__/exa-error-credits.json" with { type: "json" };
import invalid from "./__fixtures__/exa-error-invalid.json" with { type: "json" };
import unauthorized from "./__fixtures__/exa-error-unauthorized.json" with { type: "json" };

function ctx(status: number, body: unknown, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "exa",
    method: "POST",
    path: "/search",
    status,
    headers: new Headers(),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapExaError", () => {
  it("decides the kind from the status and keeps the tag as the code", () => {
    expect(mapExaError(ctx(402, credits))).toMatchObject({ kind: "credits", vendorCode: "NO_MORE_CREDITS" });
    expect(mapExaError(ctx(400, invalid))).toMatchObject({ kind: "invalid", vendorCode: "INVALID_REQUEST_BODY" });
    expect(mapExaError(ctx(401, unauthorized))).toMatchObject({ kind: "auth" });
    expect(mapExaError(ctx(422, { error: "URL could not be processed", tag: "X" })).kind).toBe("invalid");
    expect(mapExaError(ctx(503, { error: "overloaded", tag: "SERVICE_OVERLOADED" })).kind).toBe("transient");
  });

  it("carries the request id and the vendor message", () => {
    const e = mapExaError(ctx(400, invalid));
    expect(e.vendorMessage).toBe("startPublishedDate is not supported for category company");
    expect(e.message).toContain("7d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a");
  });

  it("joins error and message as the SDK does", () => {
    expect(mapExaError(ctx(400, { error: "Bad request", message: "numResults too large" })).vendorMessage).toBe(
      "Bad request: numResults too large",
    );
  });

  it("keeps Retry-After on a 429 and tolerates a non-JSON body", () => {
    expect(mapExaError(ctx(429, undefined, 3_000))).toMatchObject({ kind: "rate_limited", retryAfterMs: 3_000 });
    expect(mapExaError(ctx(429, "<html>")).retryAfterMs).toBeUndefined();
  });
});
