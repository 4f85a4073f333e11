import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompanySignals } from "@offerlab/core";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runCompanySearchContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { companyQueryText, createExa } from "./index.js";
import type { ExaOptions } from "./index.js";
import { createExaMock } from "./msw.js";
import type { ExaFault } from "./msw.js";

const KEY = "exa_test_0a1b2c3d4e";
const mock = createExaMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<ExaOptions> = {}) {
  const usage: UsageEvent[] = [];
  const exa = createExa({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, onUsage: (e) => void usage.push(e), ...extra });
  return { exa, usage };
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

beforeEach(() => mock.clearFaults());

describe("searchCompanies", () => {
  it("posts a company-category search with the filters written into the query", async () => {
    const { exa } = create();
    const result = await exa.searchCompanies({
      query: "B2B sales software",
      filters: { countries: ["US", "GB"], minEmployees: 20, maxEmployees: 200, fundingStages: ["series_a"] },
      limit: 5,
    });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.exa.ai");
    expect(req.path).toBe("/search");
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.json).toEqual({
      query: "B2B sales software, headquartered in US or GB, with 20-200 employees, at series a stage",
      type: "auto",
      category: "company",
      numResults: 5,
    });
    // Never the fields Exa refuses with category company.
    expect(req.json).not.toHaveProperty("excludeDomains");
    expect(req.json).not.toHaveProperty("startPublishedDate");
    expect(result.cursor).toBeNull();
    // The fake ranks by shared keywords: Initech ("software") comes last.
    expect(result.companies.map((c) => c.domain)).toEqual(["northwind-analytics.com", "pipelinepilot.ai", "initech.com"]);
    expect(result.companies[0]).toMatchObject({
      name: "Northwind Analytics",
      url: "https://www.northwind-analytics.com/",
      size: "51-200",
      size_exact: 142,
      headquarters_city: "Austin",
      source_tool: "exa",
      source_query: "B2B sales software",
      signals: { funding: { stage: "series_b", amount: 30_000_000, date: "2025-03-15", total_raised: 42_000_000 } },
    });
    for (const c of result.companies) expect(CompanySignals.safeParse(c.signals).success).toBe(true);
  });

  it("filters excluded domains after the call and reports cost in USD, not credits", async () => {
    const { exa, usage } = create();
    const result = await exa.searchCompanies({ query: "revenue software", filters: { excludeDomains: ["www.pipelinepilot.ai"] } });
    expect(result.companies.map((c) => c.domain)).toEqual(["northwind-analytics.com", "initech.com"]);
    expect(usage[0]).toMatchObject({
      tool: "exa",
      action: "search_companies",
      status: "success",
      credits: 0,
      resultsCount: 2,
      response: { cost_usd: 0.007 },
    });
    expect(JSON.stringify(usage)).not.toContain(KEY);
  });

  it("caps numResults", async () => {
    const { exa } = create({ maxResultsPerCall: 3 });
    await exa.searchCompanies({ query: "software", limit: 80 });
    expect((await recorder.last()).json).toMatchObject({ numResults: 3 });
  });

  it("refuses a cursor (Exa has no pagination) and an empty query, without a request", async () => {
    const { exa } = create();
    expect((await caught(exa.searchCompanies({ query: "software", cursor: "2" }))).kind).toBe("invalid");
    expect((await caught(exa.searchCompanies({ query: "  " }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("findSimilarCompanies", () => {
  it("posts findSimilar with the seed's homepage and leaves the seed out", async () => {
    const { exa, usage } = create();
    const result = await exa.findSimilarCompanies("northwind-analytics.com", { limit: 5 });
    const req = await recorder.last();
    expect(req.path).toBe("/findSimilar");
    expect(req.json).toEqual({ url: "https://northwind-analytics.com", category: "company", numResults: 5, excludeSourceDomain: true });
    expect(result.companies.map((c) => c.domain)).toEqual(["pipelinepilot.ai", "initech.com"]);
    expect(result.companies[0]!.source_query).toBe("similar to northwind-analytics.com");
    expect(usage[0]).toMatchObject({ action: "find_similar", resultsCount: 2 });
  });

  it("refuses a seed that is not a domain", async () => {
    const { exa } = create();
    expect((await caught(exa.findSimilarCompanies("not a domain"))).kind).toBe("invalid");
  });
});

describe("companyQueryText", () => {
  it("writes sizes, technologies, hiring and keywords into the query", () => {
    expect(
      companyQueryText({
        query: "Fintech",
        filters: {
          industries: ["banking"],
          sizes: ["11-50", "51-200"],
          technologies: ["Salesforce"],
          hiringFor: ["SDR"],
          keywords: ["payments"],
        },
      }),
    ).toBe("Fintech, in banking, with 11-50 or 51-200 employees, using Salesforce, hiring SDR, payments");
  });
});

describe("configuration", () => {
  const saved = process.env.EXA_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.EXA_API_KEY;
    else process.env.EXA_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message", async () => {
    delete process.env.EXA_API_KEY;
    const error = await caught(createExa().searchCompanies({ query: "software" }));
    expect(error.message).toBe("[provider-exa] missing apiKey: pass { apiKey } or set EXA_API_KEY");
    expect(recorder.count()).toBe(0);
  });

  it("reads EXA_API_KEY at call time", async () => {
    delete process.env.EXA_API_KEY;
    const exa = createExa({ retry: { maxAttempts: 1 } });
    process.env.EXA_API_KEY = KEY;
    await exa.searchCompanies({ query: "software" });
    expect((await recorder.last()).headers["x-api-key"]).toBe(KEY);
  });
});

describe("faults", () => {
  const cases: [ExaFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401 }],
    ["out_of_credits", "credits", { status: 402, vendorCode: "NO_MORE_CREDITS" }],
    ["invalid", "invalid", { status: 400, vendorCode: "INVALID_REQUEST_BODY" }],
    ["unprocessable", "invalid", { status: 422 }],
    ["rate_limited", "rate_limited", { status: 429, retryAfterMs: undefined }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 3_000 }],
    ["server_error", "transient", { status: 503, vendorCode: "SERVICE_OVERLOADED" }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("%s → %s", async (fault, kind, fields) => {
    const { exa, usage } = create();
    mock.fail(fault);
    const error = await caught(exa.searchCompanies({ query: "software" }));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("the fake refuses what Exa refuses with category company", async () => {
    const res = await fetch("https://api.exa.ai/search", {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ query: "software", category: "company", excludeDomains: ["a.com"] }),
    });
    expect(res.status).toBe(400);
  });

  it("retries a search after a 503 and honours Retry-After on a 429", async () => {
    const waits: number[] = [];
    const { exa } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await exa.searchCompanies({ query: "software" });
    mock.fail("rate_limited_retry_after", { times: 1 });
    await exa.searchCompanies({ query: "software" });
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 3_000]);
  });
});

runCompanySearchContract({
  name: "exa",
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f) => mock.fail(f),
  reset: () => mock.clearFaults(),
  create: ({ onUsage }) => createExa({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, onUsage }),
  query: { query: "B2B sales software", limit: 5 },
});
