import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runEmailFinderContract, runEmailVerifierContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { createLeadMagic } from "./index.js";
import type { LeadMagicOptions } from "./index.js";
import { createLeadMagicMock } from "./msw.js";
import type { LeadMagicFault } from "./msw.js";

const KEY = "lm_test_4f9a2c7e1b";
const mock = createLeadMagicMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<LeadMagicOptions> = {}) {
  const usage: UsageEvent[] = [];
  const lm = createLeadMagic({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, onUsage: (e) => void usage.push(e), ...extra });
  return { lm, usage };
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
  mock.setCredits(100);
});

describe("findEmail", () => {
  it("posts first name, last name and normalised domain with the X-API-Key header", async () => {
    const { lm } = create();
    const result = await lm.findEmail({ firstName: "Jane", lastName: "Doe", domain: "https://www.Northwind-Analytics.com/about" });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.leadmagic.io");
    expect(req.path).toBe("/v1/people/email-finder");
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.json).toEqual({ first_name: "Jane", last_name: "Doe", domain: "northwind-analytics.com" });
    expect(result).toMatchObject({
      email: "jane.doe@northwind-analytics.com",
      email_status: "valid",
      source_tool: "leadmagic",
      creditsUsed: 1,
    });
    expect(result.source_raw).not.toHaveProperty("mx_record");
  });

  it("splits a full name and falls back to the company name", async () => {
    const { lm } = create();
    await lm.findEmail({ fullName: "Ada  van Nobody", companyName: "Initech" });
    expect((await recorder.last()).json).toEqual({ first_name: "Ada", last_name: "van Nobody", company_name: "Initech" });
  });

  it("answers a miss with a null email, not an error, and reports 0 credits", async () => {
    const { lm, usage } = create();
    const result = await lm.findEmail({ firstName: "Ada", lastName: "Nobody", domain: "initech.com" });
    expect(result).toMatchObject({ email: null, email_status: "unknown", creditsUsed: 0 });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ tool: "leadmagic", action: "find_email", status: "success", credits: 0, resultsCount: 0 });
    expect(mock.credits).toBe(100);
  });

  it("maps a catch-all hit to risky", async () => {
    const { lm } = create();
    const result = await lm.findEmail({ firstName: "Tom", lastName: "Baker", domain: "globex.io" });
    expect(result).toMatchObject({ email: "tom.baker@globex.io", email_status: "risky" });
  });

  it("refuses incomplete queries locally, without a request", async () => {
    const { lm } = create();
    expect((await caught(lm.findEmail({ firstName: "Jane", domain: "acme.com" }))).kind).toBe("invalid");
    expect((await caught(lm.findEmail({ firstName: "Jane", lastName: "Doe" }))).kind).toBe("invalid");
    expect((await caught(lm.findEmail({ fullName: "Cher", domain: "acme.com" }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });

  it("reports usage with credits and without the key or the person's name", async () => {
    const { lm, usage } = create();
    await lm.findEmail({ firstName: "Jane", lastName: "Doe", domain: "northwind-analytics.com" }, { usageContext: { contactId: "c1" } });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      tool: "leadmagic",
      action: "find_email",
      status: "success",
      credits: 1,
      resultsCount: 1,
      request: { domain: "northwind-analytics.com", company_name: null },
      context: { contactId: "c1" },
    });
    expect(JSON.stringify(usage)).not.toContain(KEY);
    expect(JSON.stringify(usage)).not.toContain("Jane");
  });
});

describe("verifyEmail", () => {
  it.each([
    ["jane.doe@northwind-analytics.com", "valid", "valid", 0.25],
    ["nobody@northwind-analytics.com", "invalid", "invalid", 0.25],
    ["tom.baker@globex.io", "risky", "catch_all", 0],
    ["who@unknown-domain.com", "unknown", "unknown", 0],
  ] as const)("%s → %s", async (email, status, vendorStatus, credits) => {
    const { lm, usage } = create();
    const result = await lm.verifyEmail(email);
    const req = await recorder.last();
    expect(req.path).toBe("/v1/people/email-validation");
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.json).toEqual({ email });
    expect(result).toMatchObject({
      email,
      email_status: status,
      vendor_status: vendorStatus,
      creditsUsed: credits,
      source_tool: "leadmagic",
    });
    expect(usage[0]).toMatchObject({ action: "verify_email", credits, request: { domain: email.split("@")[1] } });
  });

  it("refuses a string without @ locally", async () => {
    const { lm } = create();
    expect((await caught(lm.verifyEmail("not-an-email"))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("getCredits", () => {
  it("reads the balance with a GET", async () => {
    const { lm } = create();
    mock.setCredits(42.5);
    expect(await lm.getCredits()).toEqual({ credits: 42.5, frozen: false });
    const req = await recorder.last();
    expect(req.method).toBe("GET");
    expect(req.path).toBe("/v1/credits");
  });
});

describe("configuration", () => {
  const saved = process.env.LEADMAGIC_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.LEADMAGIC_API_KEY;
    else process.env.LEADMAGIC_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message, before any request", async () => {
    delete process.env.LEADMAGIC_API_KEY;
    const lm = createLeadMagic();
    const error = await caught(lm.verifyEmail("jane.doe@northwind-analytics.com"));
    expect(error.message).toBe("[provider-leadmagic] missing apiKey: pass { apiKey } or set LEADMAGIC_API_KEY");
    expect(error.kind).toBe("auth");
    expect(recorder.count()).toBe(0);
  });

  it("reads LEADMAGIC_API_KEY when the call is made, not when the adapter is built", async () => {
    delete process.env.LEADMAGIC_API_KEY;
    const lm = createLeadMagic({ retry: { maxAttempts: 1 } });
    process.env.LEADMAGIC_API_KEY = KEY;
    await lm.verifyEmail("jane.doe@northwind-analytics.com");
    expect((await recorder.last()).headers["x-api-key"]).toBe(KEY);
  });

  it("honours baseUrl and a custom fetch", async () => {
    const calls: string[] = [];
    const other = createLeadMagicMock({ apiKey: KEY, baseUrl: "https://leadmagic.internal" });
    server.use(...other.handlers);
    const lm = createLeadMagic({
      apiKey: KEY,
      baseUrl: "https://leadmagic.internal/",
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
    });
    await lm.verifyEmail("jane.doe@northwind-analytics.com");
    expect(calls).toEqual(["https://leadmagic.internal/v1/people/email-validation"]);
  });
});

describe("faults", () => {
  const cases: [LeadMagicFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401, vendorCode: "invalid_api_key" }],
    ["out_of_credits", "credits", { status: 402, vendorCode: "insufficient_credits" }],
    ["invalid", "invalid", { status: 400, vendorCode: "validation_error" }],
    ["unprocessable", "invalid", { status: 422 }],
    ["rate_limited", "rate_limited", { status: 429, vendorCode: "rate_limit_exceeded", retryAfterMs: undefined }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 7_000 }],
    ["server_error", "transient", { status: 503, vendorCode: "service_unavailable" }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("%s → %s", async (fault, kind, fields) => {
    const { lm, usage } = create();
    mock.fail(fault);
    const error = await caught(lm.findEmail({ firstName: "Jane", lastName: "Doe", domain: "northwind-analytics.com" }));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("keeps the raw body on a malformed response", async () => {
    const { lm } = create();
    mock.fail("malformed_json");
    const error = await caught(lm.verifyEmail("jane.doe@northwind-analytics.com"));
    expect(error.rawBody).toContain('"status": "val');
  });

  it("answers 402 from the balance with LeadMagic's context", async () => {
    const { lm } = create();
    mock.setCredits(0);
    const error = await caught(lm.findEmail({ firstName: "Jane", lastName: "Doe", domain: "northwind-analytics.com" }));
    expect(error).toMatchObject({ kind: "credits", vendorCode: "insufficient_credits", retryable: false });
    expect(error.rawBody).toContain("credits_available");
  });

  it("retries a lookup after a 5xx and a 429 (safe read), honouring the body's retry_after_seconds", async () => {
    const waits: number[] = [];
    const { lm } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await lm.verifyEmail("jane.doe@northwind-analytics.com");
    mock.fail("rate_limited_retry_after", { times: 1 });
    await lm.verifyEmail("jane.doe@northwind-analytics.com");
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 7_000]);
  });

  it("does not retry auth, credits or invalid", async () => {
    const { lm } = create({ retry: { maxAttempts: 3, sleep: async () => {} } });
    for (const fault of ["unauthorized", "out_of_credits", "invalid"] as const) {
      mock.fail(fault, { times: 1 });
      await caught(lm.verifyEmail("jane.doe@northwind-analytics.com"));
    }
    expect(recorder.count()).toBe(3);
  });
});

const contract = {
  name: "leadmagic",
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f: (typeof contractFaults)[number]) => mock.fail(f),
  reset: () => {
    mock.clearFaults();
    mock.setCredits(100);
  },
  create: ({ onUsage }: { onUsage: LeadMagicOptions["onUsage"] }) =>
    createLeadMagic({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, ...(onUsage ? { onUsage } : {}) }),
};

runEmailFinderContract({
  ...contract,
  found: { firstName: "Jane", lastName: "Doe", domain: "northwind-analytics.com" },
  notFound: { firstName: "Ada", lastName: "Nobody", domain: "initech.com" },
  catchAll: { firstName: "Tom", lastName: "Baker", domain: "globex.io" },
});

runEmailVerifierContract({
  ...contract,
  valid: "jane.doe@northwind-analytics.com",
  invalid: "nobody@northwind-analytics.com",
  catchAll: "tom.baker@globex.io",
});

describe("getCreditBalance", () => {
  it("is GET /v1/credits, and the usage event carries the balance", async () => {
    const { lm, usage } = create();
    mock.setCredits(17.5);
    expect(await lm.getCreditBalance()).toEqual({ remaining: 17.5 });
    expect(usage.at(-1)).toMatchObject({ tool: "leadmagic", action: "get_credits", credits: 0, balance: { remaining: 17.5 } });
  });
});
