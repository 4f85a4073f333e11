import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompanySignals } from "@offerlab/core";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runCompanyEnricherContract, runCompanySearchContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { createTheirStack, employeeBounds, techSlug } from "./index.js";
import type { TheirStackOptions } from "./index.js";
import { createTheirStackMock } from "./msw.js";
import type { TheirStackFault } from "./msw.js";

const KEY = "ts_test_9d8c7b6a5f";
const TODAY = "2026-01-15";
const mock = createTheirStackMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<TheirStackOptions> = {}) {
  const usage: UsageEvent[] = [];
  const ts = createTheirStack({
    apiKey: KEY,
    timeoutMs: 200,
    retry: { maxAttempts: 1 },
    today: () => TODAY,
    onUsage: (e) => void usage.push(e),
    ...extra,
  });
  return { ts, usage };
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
  mock.setCredits(1000);
});

describe("searchCompanies (company search)", () => {
  it("sends the ICP filters as TheirStack filters with Bearer auth", async () => {
    const { ts } = create();
    const result = await ts.searchCompanies({
      query: "US revenue teams on Salesforce",
      filters: { countries: ["us"], technologies: ["Salesforce"], sizes: ["51-200", "201-500"], industries: ["Software"] },
    });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.theirstack.com");
    expect(req.path).toBe("/v1/companies/search");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.json).toEqual({
      page: 0,
      limit: 25,
      company_country_code_or: ["US"],
      company_technology_slug_or: ["salesforce"],
      min_employee_count: 51,
      max_employee_count: 500,
    });
    expect(result.companies).toHaveLength(1);
    expect(result.companies[0]).toMatchObject({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      url: "https://northwind-analytics.com",
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
      size: "51-200",
      size_exact: 142,
      headquarters_country: "US",
      source_tool: "theirstack",
      source_query: "US revenue teams on Salesforce",
      signals: {
        tech_stack: ["salesforce", "hubspot", "snowflake"],
        hiring: { total_jobs: 2, last_checked: TODAY },
        funding: { stage: "series_b" },
      },
    });
    expect(CompanySignals.safeParse(result.companies[0]!.signals).success).toBe(true);
    expect(result.creditsUsed).toBe(3);
    expect(result.cursor).toBeNull();
  });

  it("pages with a cursor holding TheirStack's page number", async () => {
    const { ts } = create();
    const first = await ts.searchCompanies({ query: "any", limit: 2 });
    expect(first.companies.map((c) => c.domain)).toEqual(["northwind-analytics.com", "globex.io"]);
    expect(first.cursor).toBe("1");
    const second = await ts.searchCompanies({ query: "any", limit: 2, cursor: first.cursor });
    expect((await recorder.last()).json).toMatchObject({ page: 1, limit: 2 });
    expect(second.companies.map((c) => c.domain)).toEqual(["initech.com"]);
    expect(second.cursor).toBeNull();
  });

  it("caps the limit to bound spend, and reports the credits billed", async () => {
    const { ts, usage } = create({ maxResultsPerCall: 2 });
    await ts.searchCompanies({ query: "any", limit: 500 });
    expect((await recorder.last()).json).toMatchObject({ limit: 2 });
    expect(usage[0]).toMatchObject({ tool: "theirstack", action: "search_companies", status: "success", credits: 6, resultsCount: 2 });
    expect(JSON.stringify(usage)).not.toContain(KEY);
    expect(mock.credits).toBe(994);
  });

  it("drops excluded domains after the search (TheirStack still bills them)", async () => {
    const { ts } = create();
    const result = await ts.searchCompanies({ query: "any", filters: { excludeDomains: ["https://www.globex.io"] } });
    expect(result.companies.map((c) => c.domain)).toEqual(["northwind-analytics.com", "initech.com"]);
    expect(result.creditsUsed).toBe(9);
  });

  it("refuses a cursor it did not produce", async () => {
    const { ts } = create();
    expect((await caught(ts.searchCompanies({ query: "any", cursor: "abc" }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("searchCompanies (hiring signal through job search)", () => {
  it("searches job postings and groups them into companies with hiring signals", async () => {
    const { ts, usage } = create();
    const result = await ts.searchCompanies({
      query: "companies hiring sellers",
      filters: { hiringFor: ["Account Executive", "Sales Development"], countries: ["US"] },
    });
    const req = await recorder.last();
    expect(req.path).toBe("/v1/jobs/search");
    expect(req.json).toEqual({
      page: 0,
      limit: 25,
      job_title_or: ["Account Executive", "Sales Development"],
      posted_at_max_age_days: 30,
      company_country_code_or: ["US"],
    });
    expect(result.companies).toHaveLength(1);
    expect(result.companies[0]).toMatchObject({
      domain: "northwind-analytics.com",
      signals: { hiring: { matching_jobs: 2, sales_reps: 1, bdrs: 1, last_checked: TODAY } },
    });
    expect(CompanySignals.safeParse(result.companies[0]!.signals).success).toBe(true);
    expect(result.creditsUsed).toBe(2);
    expect(usage[0]).toMatchObject({ action: "search_jobs", credits: 2 });
  });

  it("honours postedWithinDays", async () => {
    const { ts } = create();
    await ts.searchCompanies({ query: "x", filters: { hiringFor: ["Engineer"], postedWithinDays: 7 } });
    expect((await recorder.last()).json).toMatchObject({ posted_at_max_age_days: 7 });
  });
});

describe("enrichCompany", () => {
  it("looks one company up by domain and splits record and signals", async () => {
    const { ts, usage } = create();
    const result = await ts.enrichCompany({ domain: "https://www.Globex.io/en" });
    expect((await recorder.last()).json).toEqual({ page: 0, limit: 1, company_domain_or: ["globex.io"] });
    expect(result.company).toMatchObject({
      name: "Globex",
      domain: "globex.io",
      size: "1000+",
      size_exact: 1800,
      source_tool: "theirstack",
    });
    expect(result.signals).toMatchObject({ tech_stack: ["salesforce"], hiring: { total_jobs: 1 } });
    expect(result.creditsUsed).toBe(3);
    expect(usage[0]).toMatchObject({ action: "enrich_company", credits: 3 });
  });

  it("falls back to the LinkedIn URL, then the name", async () => {
    const { ts } = create();
    await ts.enrichCompany({ linkedinUrl: "linkedin.com/company/globex/about", name: "Globex" });
    expect((await recorder.last()).json).toMatchObject({ company_linkedin_url_or: ["https://www.linkedin.com/company/globex"] });
    await ts.enrichCompany({ name: " Globex " });
    expect((await recorder.last()).json).toMatchObject({ company_name_or: ["Globex"] });
  });

  it("is not_found when TheirStack has no such company", async () => {
    const { ts } = create();
    expect((await caught(ts.enrichCompany({ domain: "unknown.example.com" }))).kind).toBe("not_found");
  });

  it("refuses a query without identifiers locally", async () => {
    const { ts } = create();
    expect((await caught(ts.enrichCompany({}))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("helpers", () => {
  it("employeeBounds unions size buckets and lets explicit bounds win", () => {
    expect(employeeBounds({ sizes: ["11-50", "1000+"] })).toEqual({ min: 11 });
    expect(employeeBounds({ sizes: ["201-500"], maxEmployees: 300 })).toEqual({ min: 201, max: 300 });
    expect(employeeBounds({})).toEqual({});
  });

  it("techSlug kebab-cases names", () => {
    expect(techSlug("Google Analytics")).toBe("google-analytics");
    expect(techSlug(" Node.js ")).toBe("node.js");
  });
});

describe("configuration", () => {
  const saved = process.env.THEIRSTACK_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.THEIRSTACK_API_KEY;
    else process.env.THEIRSTACK_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message, before any request", async () => {
    delete process.env.THEIRSTACK_API_KEY;
    const ts = createTheirStack();
    const error = await caught(ts.searchCompanies({ query: "x" }));
    expect(error.message).toBe("[provider-theirstack] missing apiKey: pass { apiKey } or set THEIRSTACK_API_KEY");
    expect(recorder.count()).toBe(0);
  });

  it("reads THEIRSTACK_API_KEY at call time", async () => {
    delete process.env.THEIRSTACK_API_KEY;
    const ts = createTheirStack({ retry: { maxAttempts: 1 } });
    process.env.THEIRSTACK_API_KEY = KEY;
    await ts.searchCompanies({ query: "x", limit: 1 });
    expect((await recorder.last()).headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe("faults", () => {
  const cases: [TheirStackFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401 }],
    ["out_of_credits", "credits", { status: 402 }],
    ["invalid", "invalid", { status: 422 }],
    ["rate_limited", "rate_limited", { status: 429, retryAfterMs: 1_000 }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 2_000 }],
    ["server_error", "transient", { status: 504 }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("%s → %s", async (fault, kind, fields) => {
    const { ts, usage } = create();
    mock.fail(fault);
    const error = await caught(ts.searchCompanies({ query: "x" }));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("answers 402 when the balance cannot cover the records", async () => {
    const { ts } = create();
    mock.setCredits(2);
    const error = await caught(ts.searchCompanies({ query: "x" }));
    expect(error).toMatchObject({ kind: "credits", status: 402 });
    expect(error.vendorMessage).toContain("needs 9 API credits");
  });

  it("the jobs endpoint's required-filter rule is real in the fake", async () => {
    const res = await fetch("https://api.theirstack.com/v1/jobs/search", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ job_title_or: ["AE"] }),
    });
    expect(res.status).toBe(422);
  });

  it("retries a search after a 504 and a 429 (safe read)", async () => {
    const waits: number[] = [];
    const { ts } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await ts.searchCompanies({ query: "x", limit: 1 });
    mock.fail("rate_limited_retry_after", { times: 1 });
    await ts.searchCompanies({ query: "x", limit: 1 });
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 2_000]);
  });
});

const contract = {
  name: "theirstack",
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f: (typeof contractFaults)[number]) => mock.fail(f),
  reset: () => {
    mock.clearFaults();
    mock.setCredits(1000);
  },
  create: ({ onUsage }: { onUsage: TheirStackOptions["onUsage"] }) =>
    createTheirStack({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, ...(onUsage ? { onUsage } : {}) }),
};

runCompanySearchContract({ ...contract, query: { query: "CRM users", filters: { technologies: ["salesforce"] } } });
runCompanySearchContract({
  ...contract,
  name: "theirstack (hiring)",
  query: { query: "hiring sellers", filters: { hiringFor: ["Account Executive"] } },
});
runCompanyEnricherContract({ ...contract, query: { domain: "northwind-analytics.com" } });

describe("getCreditBalance", () => {
  it("reads GET /v0/billing/credit-balance (free) and reports api_credits - used_api_credits", async () => {
    const { ts, usage } = create();
    await ts.searchCompanies({ query: "x", filters: { technologies: ["snowflake"] }, limit: 1 });
    const balance = await ts.getCreditBalance();
    expect(balance).toEqual({ remaining: mock.credits });
    expect(mock.credits).toBeLessThan(1000);
    const req = await recorder.last();
    expect(`${req.method} ${req.path}`).toBe("GET /v0/billing/credit-balance");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(usage.at(-1)).toMatchObject({
      tool: "theirstack",
      action: "get_credit_balance",
      credits: 0,
      balance: { remaining: mock.credits },
    });
  });

  it("a refused key is an auth error, and no balance is reported", async () => {
    const { ts, usage } = create({ apiKey: "wrong" });
    expect((await caught(ts.getCreditBalance())).kind).toBe("auth");
    expect(usage.at(-1)?.balance).toBeUndefined();
  });
});
