import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runCompanySearchContract, runPeopleSearchContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { createParallel } from "./index.js";
import type { ParallelOptions } from "./index.js";
import { createParallelMock } from "./msw.js";
import type { ParallelFault } from "./msw.js";

const KEY = "par_test_3c4d5e6f7a";
const mock = createParallelMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<ParallelOptions> = {}) {
  const usage: UsageEvent[] = [];
  const par = createParallel({
    apiKey: KEY,
    timeoutMs: 200,
    retry: { maxAttempts: 1 },
    pollIntervalMs: 1,
    onUsage: (e) => void usage.push(e),
    ...extra,
  });
  return { par, usage };
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

describe("searchCompanies (Entity Search)", () => {
  it("posts an entity search with the filters in the objective, the key and the beta flag", async () => {
    const { par, usage } = create();
    const result = await par.searchCompanies({
      query: "B2B SaaS selling to sales teams",
      filters: { countries: ["US"], sizes: ["51-200"] },
      limit: 3,
    });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.parallel.ai");
    expect(req.path).toBe("/v1beta/findall/entity-search");
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.headers["parallel-beta"]).toBe("findall-2025-09-15");
    // match_limit is at least 5 (Parallel's minimum); the answer is trimmed to the 3 asked.
    expect(req.json).toEqual({
      entity_type: "companies",
      objective: "B2B SaaS selling to sales teams, headquartered in US, with 51-200 employees",
      match_limit: 5,
    });
    expect(result.cursor).toBeNull();
    expect(result.companies.map((c) => c.name)).toEqual(["Northwind Analytics", "Pipeline Pilot"]);
    expect(result.companies[0]).toMatchObject({
      domain: null,
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
      source_tool: "parallel",
    });
    expect(result.companies[1]).toMatchObject({ domain: "pipelinepilot.ai" });
    expect(usage[0]).toMatchObject({ tool: "parallel_companies", action: "entity_search", status: "success", credits: 0, resultsCount: 2 });
    expect(JSON.stringify(usage)).not.toContain(KEY);
  });

  it("trims to the limit and refuses a cursor", async () => {
    const { par } = create();
    expect((await par.searchCompanies({ query: "sales software", limit: 1 })).companies).toHaveLength(1);
    expect((await caught(par.searchCompanies({ query: "x", cursor: "1" }))).kind).toBe("invalid");
  });
});

describe("searchPeople (Entity Search)", () => {
  it("asks for people at the company with the titles wanted and maps them", async () => {
    const { par, usage } = create();
    const result = await par.searchPeople({
      company: { name: "Northwind Analytics", domain: "northwind-analytics.com" },
      titles: ["VP Sales", "CRO"],
      seniorities: ["vp", "c_level"],
    });
    const req = await recorder.last();
    expect(req.json).toEqual({
      entity_type: "people",
      objective:
        "People currently working at Northwind Analytics (northwind-analytics.com), with a title like VP Sales or CRO, at vp or c-level level",
      match_limit: 25,
    });
    expect(result.people.map((p) => [p.full_name, p.seniority])).toEqual([
      ["Jane Doe", "vp"],
      ["Sam Carter", "individual"],
      ["Priya Raman", "c_level"],
    ]);
    expect(result.people[0]).toMatchObject({
      title: "VP of Sales",
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      company_domain: "northwind-analytics.com",
    });
    expect(usage[0]).toMatchObject({ tool: "parallel_people", resultsCount: 3 });
  });

  it("gets the people whose titles answer the query first, as a relevance search ranks them (fake)", async () => {
    const { par } = create();
    const result = await par.searchPeople({ company: { name: "Northwind Analytics" }, titles: ["Chief Revenue Officer", "Head of Sales"] });
    expect(result.people.map((p) => p.full_name)).toEqual(["Priya Raman", "Jane Doe", "Sam Carter"]);
  });

  it("refuses a query without a company", async () => {
    const { par } = create();
    expect((await caught(par.searchPeople({ company: {} }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("findAllCompanies (FindAll)", () => {
  const conditions = [{ name: "sells_to_sales", description: "Sells software to sales teams" }];

  it("creates a run, polls it until inactive, then reads the matched candidates", async () => {
    const { par, usage } = create();
    const result = await par.findAllCompanies("B2B sales software companies", { matchConditions: conditions, matchLimit: 10 });
    const reqs = await recorder.requests();
    const id = [...mock.runs.keys()].at(-1)!;
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1beta/findall/runs",
      `GET /v1beta/findall/runs/${id}`,
      `GET /v1beta/findall/runs/${id}`,
      `GET /v1beta/findall/runs/${id}/result`,
    ]);
    expect(reqs.every((r) => r.headers["parallel-beta"] === "findall-2025-09-15" && r.headers["x-api-key"] === KEY)).toBe(true);
    expect(reqs[0]!.json).toEqual({
      objective: "B2B sales software companies",
      entity_type: "companies",
      match_conditions: conditions,
      generator: "base",
      match_limit: 10,
    });
    expect(result.companies.map((c) => c.name)).toEqual(["Northwind Analytics", "Pipeline Pilot"]);
    expect(result.companies[1]).toMatchObject({
      domain: "pipelinepilot.ai",
      signals: { parallel_findall: { relevant: { value: "yes" } } },
    });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ action: "findall", resultsCount: 2, request: { conditions: ["sells_to_sales"], match_limit: 10 } });
  });

  it("cancels the run at Parallel when the deadline passes", async () => {
    const slow = createParallelMock({ apiKey: KEY, findAllChecksBeforeDone: 1_000 });
    server.use(...slow.handlers);
    const { par } = create();
    const error = await caught(par.findAllCompanies("sales software", { matchConditions: conditions, timeoutMs: 30 }));
    expect(error).toMatchObject({ kind: "transient", reason: "poll_deadline" });
    const last = await recorder.last();
    expect(`${last.method} ${last.path}`).toMatch(/^POST \/v1beta\/findall\/runs\/findall_\w+\/cancel$/);
    expect([...slow.runs.values()][0]!.status).toBe("cancelled");
  });

  it("creating a run is attempted once: a 5xx is unknown_outcome", async () => {
    const { par } = create({ retry: { maxAttempts: 3, sleep: async () => {} } });
    mock.fail("server_error", { times: 1 });
    expect((await caught(par.findAllCompanies("x", { matchConditions: conditions }))).kind).toBe("unknown_outcome");
    expect(recorder.count()).toBe(1);
  });

  it("refuses a run without conditions", async () => {
    const { par } = create();
    expect((await caught(par.findAllCompanies("x", { matchConditions: [] }))).kind).toBe("invalid");
  });
});

describe("configuration", () => {
  const saved = process.env.PARALLEL_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.PARALLEL_API_KEY;
    else process.env.PARALLEL_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message", async () => {
    delete process.env.PARALLEL_API_KEY;
    const error = await caught(createParallel().searchCompanies({ query: "x" }));
    expect(error.message).toBe("[provider-parallel] missing apiKey: pass { apiKey } or set PARALLEL_API_KEY");
    expect(recorder.count()).toBe(0);
  });

  it("reads PARALLEL_API_KEY at call time", async () => {
    delete process.env.PARALLEL_API_KEY;
    const par = createParallel({ retry: { maxAttempts: 1 } });
    process.env.PARALLEL_API_KEY = KEY;
    await par.searchCompanies({ query: "sales software" });
    expect((await recorder.last()).headers["x-api-key"]).toBe(KEY);
  });
});

describe("faults", () => {
  const cases: [ParallelFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401 }],
    ["out_of_credits", "credits", { status: 402 }],
    ["invalid", "invalid", { status: 422 }],
    ["rate_limited", "rate_limited", { status: 429, retryAfterMs: undefined }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 6_000 }],
    ["server_error", "transient", { status: 500 }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("%s → %s", async (fault, kind, fields) => {
    const { par, usage } = create();
    mock.fail(fault);
    const error = await caught(par.searchCompanies({ query: "sales software" }));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("retries an entity search after a 500 and a 429 with Retry-After", async () => {
    const waits: number[] = [];
    const { par } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await par.searchCompanies({ query: "sales software" });
    mock.fail("rate_limited_retry_after", { times: 1 });
    await par.searchCompanies({ query: "sales software" });
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 6_000]);
  });

  it("the fake refuses FindAll without the beta flag", async () => {
    const res = await fetch("https://api.parallel.ai/v1beta/findall/runs", {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({
        objective: "x",
        entity_type: "companies",
        match_conditions: [{ name: "a", description: "b" }],
        generator: "base",
        match_limit: 5,
      }),
    });
    expect(res.status).toBe(403);
  });
});

const contract = {
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f: (typeof contractFaults)[number]) => mock.fail(f),
  reset: () => mock.clearFaults(),
  create: ({ onUsage }: { onUsage: ParallelOptions["onUsage"] }) =>
    createParallel({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, ...(onUsage ? { onUsage } : {}) }),
};

runCompanySearchContract({ ...contract, name: "parallel", query: { query: "B2B sales software" } });
runPeopleSearchContract({ ...contract, name: "parallel", query: { company: { name: "Northwind Analytics" }, titles: ["VP Sales"] } });
