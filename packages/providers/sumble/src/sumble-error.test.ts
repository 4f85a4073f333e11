import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapSumbleError } from "./sumble-error.js";
import credits from "./__fixtures__/sumble-error-credits.json" with { type: "json" };
import validation from "./__fixtures__/sumble-error-validation.json" with { type: "json" };

function ctx(status: number, body: unknown, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "sumble",
    method: "POST",
    path: "/v9/organizations",
    status,
    headers: new Headers(),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapSumbleError", () => {
  it("402 with a string detail → credits", () => {
    expect(mapSumbleError(ctx(402, credits))).toMatchObject({
      kind: "credits",
      vendorMessage: "Insufficient credits: this request needs 73 credits, 12 remaining.",
    });
  });

  it("422 with a FastAPI detail list → invalid, with location and message", () => {
    expect(mapSumbleError(ctx(422, validation))).toMatchObject({
      kind: "invalid",
      vendorCode: "missing",
      vendorMessage: "select: Field required",
    });
  });

  it("other statuses", () => {
    expect(mapSumbleError(ctx(400, { detail: "bad" })).kind).toBe("invalid");
    expect(mapSumbleError(ctx(401, { detail: "Not authenticated" })).kind).toBe("auth");
    expect(mapSumbleError(ctx(404, { detail: "Request not found" })).kind).toBe("not_found");
    expect(mapSumbleError(ctx(429, {}, 1_000))).toMatchObject({ kind: "rate_limited", retryAfterMs: 1_000 });
    expect(mapSumbleError(ctx(500, "Internal Server Error")).kind).toBe("transient");
  });
});
