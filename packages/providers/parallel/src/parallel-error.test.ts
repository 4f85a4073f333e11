import { describe, expect, it } from "vitest";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { mapParallelError } from "./parallel-error.js";
import credits from "./__fixtures__/parallel-error-credits.json" with { type: "json" };
import validation from "./__fixtures__/parallel-error-validation.json" with { type: "json" };

function ctx(status: number, body: unknown, retryAfterMs?: number): HttpErrorContext {
  return {
    provider: "parallel",
    method: "POST",
    path: "/v1beta/findall/runs",
    status,
    headers: new Headers(),
    body,
    rawBody: JSON.stringify(body),
    safe: true,
    retryAfterMs,
  };
}

describe("mapParallelError", () => {
  it("maps statuses and keeps the message and ref id", () => {
    const e = mapParallelError(ctx(402, credits));
    expect(e).toMatchObject({ kind: "credits", vendorMessage: "Insufficient credit. Add credit to your account to continue." });
    expect(e.message).toContain("ref_8a7b6c5d");
    expect(mapParallelError(ctx(422, validation)).kind).toBe("invalid");
    expect(mapParallelError(ctx(401, {})).kind).toBe("auth");
    expect(mapParallelError(ctx(404, {})).kind).toBe("not_found");
    expect(mapParallelError(ctx(408, {})).kind).toBe("transient");
    expect(mapParallelError(ctx(429, {}, 2_000))).toMatchObject({ kind: "rate_limited", retryAfterMs: 2_000 });
    expect(mapParallelError(ctx(500, "oops")).kind).toBe("transient");
  });

  it("403 (processor not allowed, missing beta flag) is invalid, not auth; 409 is transient", () => {
    expect(mapParallelError(ctx(403, {})).kind).toBe("invalid");
    expect(mapParallelError(ctx(409, {})).kind).toBe("transient");
  });
});
