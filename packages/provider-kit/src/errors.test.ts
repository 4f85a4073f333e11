import { errorCodes, exitCodeOf, httpStatusOf, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { kindForStatus, missingConfigError, ProviderError, providerErrorCodes, providerErrorKinds } from "./errors.js";

describe("ProviderError", () => {
  it("is recognised by its marker, also across copies of the package", () => {
    const e = new ProviderError({ kind: "auth", provider: "acme", message: "no" });
    expect(ProviderError.isInstance(e)).toBe(true);
    const foreign = Object.assign(new Error("x"), { name: "ProviderError", [Symbol.for("offerlab.error")]: true });
    expect(ProviderError.isInstance(foreign)).toBe(true);
    const otherOfferlabError = Object.assign(new Error("x"), { name: "ValidationError", [Symbol.for("offerlab.error")]: true });
    expect(ProviderError.isInstance(otherOfferlabError)).toBe(false);
    expect(ProviderError.isInstance(new Error("x"))).toBe(false);
    expect(ProviderError.isInstance(null)).toBe(false);
  });

  it("prefixes the message, defaults reason to code and retryable to the kind", () => {
    const e = new ProviderError({ kind: "rate_limited", provider: "acme", message: "slow down", vendorCode: "errors/too_many" });
    expect(e.message).toBe("[provider-acme] slow down");
    expect(e.reason).toBe("errors/too_many");
    expect(e.retryable).toBe(true);
    expect(new ProviderError({ kind: "invalid", provider: "acme", message: "x" }).retryable).toBe(false);
    expect(new ProviderError({ kind: "unknown_outcome", provider: "acme", message: "x" }).retryable).toBe(false);
  });

  it("is an offerlab error whose code comes from its kind, and keeps the vendor's code apart", () => {
    expect(Object.keys(providerErrorCodes)).toEqual([...providerErrorKinds]);
    for (const kind of providerErrorKinds) {
      const e = new ProviderError({ kind, provider: "acme", message: "x", vendorCode: "E42" });
      expect(OfferlabError.isInstance(e)).toBe(true);
      expect(e.code).toBe(`provider_${kind}`);
      expect(Object.keys(errorCodes)).toContain(e.code);
      expect(e.vendorCode).toBe("E42");
      // A vendor failing is a failure while working (exit 1), never the caller's bad input.
      expect(exitCodeOf(e)).toBe(1);
    }
    expect(httpStatusOf(new ProviderError({ kind: "rate_limited", provider: "acme", message: "x" }))).toBe(429);
    expect(httpStatusOf(new ProviderError({ kind: "auth", provider: "acme", message: "x" }))).toBe(502);
    expect(new ProviderError({ kind: "auth", provider: "acme", message: "x" }).toJSON()).toMatchObject({
      code: "provider_auth",
      vendorCode: undefined,
    });
  });

  it("truncates a huge raw body and leaves it out of toJSON", () => {
    const e = new ProviderError({ kind: "transient", provider: "acme", message: "x", rawBody: "a".repeat(10_000) });
    expect(e.rawBody?.length).toBeLessThan(4100);
    expect(JSON.stringify(e.toJSON())).not.toContain("aaaa");
  });

  it("has the one missing-config message shape", () => {
    const e = missingConfigError("unipile", "apiKey", "UNIPILE_API_KEY");
    expect(e.message).toBe("[provider-unipile] missing apiKey: pass { apiKey } or set UNIPILE_API_KEY");
    expect(e.kind).toBe("auth");
    expect(e.reason).toBe("missing_config");
    expect(missingConfigError("unipile", "dsn", "UNIPILE_DSN").kind).toBe("invalid");
  });

  it("maps statuses to kinds", () => {
    expect([400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 503].map(kindForStatus)).toEqual([
      "invalid",
      "auth",
      "credits",
      "auth",
      "not_found",
      "transient",
      "invalid",
      "invalid",
      "rate_limited",
      "transient",
      "transient",
    ]);
  });
});
