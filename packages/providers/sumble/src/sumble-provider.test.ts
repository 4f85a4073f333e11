import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { http, HttpResponse } from "msw";
import { CompanySignals } from "@offerlab/core";
import { ProviderError } from "@offerlab/provider-kit";
import type { ProviderErrorKind, UsageEvent } from "@offerlab/provider-kit";
import { contractFaults, runCompanyEnricherContract, runPeopleSearchContract, setupMswServer } from "@offerlab/provider-kit/testing";
import { createSumble, SUMBLE_ORG_ATTRIBUTES, SUMBLE_PERSON_ATTRIBUTES } from "./index.js";
import type { SumbleOptions } from "./index.js";
import { createSumbleMock } from "./msw.js";
import type { SumbleFault } from "./msw.js";

const KEY = "sumble_test_7f8e9d0c1b";
const TODAY = "2026-01-15";
const mock = createSumbleMock({ apiKey: KEY, slowMs: 1_000 });
const { server, recorder } = setupMswServer(...mock.handlers);

function create(extra: Partial<SumbleOptions> = {}) {
  const usage: UsageEvent[] = [];
  const sumble = createSumble({
    apiKey: KEY,
    timeoutMs: 200,
    retry: { maxAttempts: 1 },
    pollIntervalMs: 1,
    today: () => TODAY,
    onUsage: (e) => void usage.push(e),
    ...extra,
  });
  return { sumble, usage };
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
  mock.setCredits(10_000);
});

describe("enrichCompany", () => {
  it("posts a list-mode organisations request with the attributes and technologies, Bearer auth", async () => {
    const { sumble, usage } = create({ technologies: ["salesforce", "gong"] });
    const result = await sumble.enrichCompany({ domain: "https://www.Northwind-Analytics.com/" });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.sumble.com");
    expect(req.path).toBe("/v9/organizations");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.json).toEqual({
      organizations: [{ url: "northwind-analytics.com" }],
      select: {
        attributes: [...SUMBLE_ORG_ATTRIBUTES],
        entities: [
          { type: "technology", term: "salesforce", metrics: ["job_post_count", "people_count", "team_count", "job_post_count_growth_1y"] },
          { type: "technology", term: "gong", metrics: ["job_post_count", "people_count", "team_count", "job_post_count_growth_1y"] },
        ],
      },
    });
    expect(result.company).toMatchObject({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      size: "51-200",
      size_exact: 142,
      source_tool: "sumble",
    });
    expect(result.signals).toMatchObject({
      tech_stack: ["salesforce"],
      hiring: { total_jobs: 18, last_checked: TODAY },
      funding: { stage: "series_b" },
    });
    expect(CompanySignals.safeParse(result.signals).success).toBe(true);
    // 15 attributes + 2 technologies in the fake's illustrative prices, reported from credits_used.
    expect(result.creditsUsed).toBe(17);
    expect(usage[0]).toMatchObject({ tool: "sumble", action: "enrich_company", status: "success", credits: 17 });
    expect(JSON.stringify(usage)).not.toContain(KEY);
  });

  it("matches by name when there is no domain", async () => {
    const { sumble } = create();
    const result = await sumble.enrichCompany({ name: "Globex" });
    expect((await recorder.last()).json).toMatchObject({ organizations: [{ name: "Globex" }] });
    expect(result.company).toMatchObject({ domain: "globex.io", size: "1000+" });
  });

  it("is not_found for an unmatched organisation", async () => {
    const { sumble } = create();
    expect((await caught(sumble.enrichCompany({ domain: "nonexistent.example" }))).kind).toBe("not_found");
  });

  it("refuses a LinkedIn URL alone, locally", async () => {
    const { sumble } = create();
    expect((await caught(sumble.enrichCompany({ linkedinUrl: "https://www.linkedin.com/company/globex" }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });

  it("gets 402 up front when the balance cannot cover the attributes", async () => {
    const { sumble } = create();
    mock.setCredits(3);
    expect(await caught(sumble.enrichCompany({ domain: "globex.io" }))).toMatchObject({ kind: "credits", status: 402 });
  });
});

describe("searchPeople (async people request)", () => {
  it("resolves the organisation, kicks off, polls with the request id, then filters by title", async () => {
    const { sumble, usage } = create();
    const result = await sumble.searchPeople({ company: { domain: "northwind-analytics.com" }, titles: ["Sales"], limit: 20 });
    const reqs = await recorder.requests();
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v9/organizations",
      "POST /v9/people",
      "POST /v9/people",
      "POST /v9/people",
    ]);
    expect(reqs[0]!.json).toEqual({ organizations: [{ url: "northwind-analytics.com" }], select: { attributes: ["id", "name", "url"] } });
    expect(reqs[1]!.json).toEqual({
      filter: { organization_ids: [1726684] },
      select: { attributes: [...SUMBLE_PERSON_ATTRIBUTES] },
      limit: 20,
      order_by_column: "person_score",
      order_by_direction: "DESC",
    });
    const requestId = (reqs[2]!.json as { request_id: string }).request_id;
    expect(reqs[2]!.json).toEqual({ request_id: requestId });
    expect(reqs[3]!.json).toEqual({ request_id: requestId });
    expect(reqs.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(result.people.map((p) => [p.full_name, p.seniority, p.title_normalized])).toEqual([
      ["Jane Doe", "vp", "vp_sales"],
      ["Priya Raman", "c_level", "c_level_sales"],
    ]);
    expect(result.people[0]).toMatchObject({
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      company_domain: "northwind-analytics.com",
      company_name: "Northwind Analytics",
    });
    expect(result.cursor).toBeNull();
    // 3 (org id lookup) + 3 people billed once on success.
    expect(result.creditsUsed).toBe(6);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ action: "search_people", credits: 6, resultsCount: 2 });
  });

  it("filters by seniority", async () => {
    const { sumble } = create();
    const result = await sumble.searchPeople({ company: { name: "Northwind Analytics" }, seniorities: ["individual"] });
    expect(result.people.map((p) => p.full_name)).toEqual(["Sam Carter"]);
  });

  it("pages with Sumble's offset as the cursor", async () => {
    const { sumble } = create();
    const first = await sumble.searchPeople({ company: { domain: "northwind-analytics.com" }, limit: 2 });
    expect(first.people).toHaveLength(2);
    expect(first.cursor).toBe("2");
    const second = await sumble.searchPeople({ company: { domain: "northwind-analytics.com" }, limit: 2, cursor: first.cursor });
    expect((await recorder.requests()).find((r) => (r.json as { offset?: number } | undefined)?.offset === 2)).toBeTruthy();
    expect(second.people.map((p) => p.full_name)).toEqual(["Sam Carter"]);
    expect(second.cursor).toBeNull();
  });

  it("gives up at the deadline", async () => {
    const slow = createSumbleMock({ apiKey: KEY, peoplePollsBeforeDone: 1_000 });
    server.use(...slow.handlers);
    const { sumble } = create({ peopleTimeoutMs: 20 });
    expect(await caught(sumble.searchPeople({ company: { domain: "northwind-analytics.com" } }))).toMatchObject({
      kind: "transient",
      reason: "poll_deadline",
    });
  });

  it("is not_found when Sumble does not know the company", async () => {
    const { sumble } = create();
    expect((await caught(sumble.searchPeople({ company: { domain: "nonexistent.example" } }))).kind).toBe("not_found");
    expect(recorder.count()).toBe(1);
  });

  it("refuses a bad cursor locally", async () => {
    const { sumble } = create();
    expect((await caught(sumble.searchPeople({ company: { domain: "globex.io" }, cursor: "-3" }))).kind).toBe("invalid");
    expect(recorder.count()).toBe(0);
  });
});

describe("configuration", () => {
  const saved = process.env.SUMBLE_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.SUMBLE_API_KEY;
    else process.env.SUMBLE_API_KEY = saved;
  });

  it("builds without a key and fails the first call with the standard message", async () => {
    delete process.env.SUMBLE_API_KEY;
    const error = await caught(createSumble().enrichCompany({ domain: "globex.io" }));
    expect(error.message).toBe("[provider-sumble] missing apiKey: pass { apiKey } or set SUMBLE_API_KEY");
    expect(recorder.count()).toBe(0);
  });

  it("reads SUMBLE_API_KEY at call time", async () => {
    delete process.env.SUMBLE_API_KEY;
    const sumble = createSumble({ retry: { maxAttempts: 1 } });
    process.env.SUMBLE_API_KEY = KEY;
    await sumble.enrichCompany({ domain: "globex.io" });
    expect((await recorder.last()).headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe("faults", () => {
  const cases: [SumbleFault, ProviderErrorKind, Partial<ProviderError>][] = [
    ["unauthorized", "auth", { status: 401 }],
    ["out_of_credits", "credits", { status: 402 }],
    ["invalid", "invalid", { status: 422, vendorMessage: "select: Field required" }],
    ["rate_limited", "rate_limited", { status: 429, retryAfterMs: undefined }],
    ["rate_limited_retry_after", "rate_limited", { status: 429, retryAfterMs: 1_000 }],
    ["server_error", "transient", { status: 500 }],
    ["malformed_json", "transient", { reason: "malformed_response" }],
    ["timeout", "transient", { reason: "timeout" }],
    ["response_lost", "transient", { reason: "network_error" }],
  ];
  it.each(cases)("%s → %s", async (fault, kind, fields) => {
    const { sumble, usage } = create();
    mock.fail(fault);
    const error = await caught(sumble.enrichCompany({ domain: "globex.io" }));
    expect(error.kind).toBe(kind);
    expect(error).toMatchObject(fields);
    expect(error.message).not.toContain(KEY);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.status).toBe(kind === "rate_limited" ? "rate_limited" : "error");
  });

  it("a fault in the middle of the people flow surfaces with its kind", async () => {
    const { sumble } = create();
    // Organisation lookup and kick-off succeed; the first poll is rate limited.
    let polls = 0;
    server.use(
      http.post("https://api.sumble.com/v9/people", async ({ request }) => {
        const body = (await request.clone().json()) as { request_id?: string };
        if (body.request_id && polls++ === 0) return HttpResponse.json({ detail: "Rate limit exceeded" }, { status: 429 });
        return undefined;
      }),
    );
    expect((await caught(sumble.searchPeople({ company: { domain: "northwind-analytics.com" } }))).kind).toBe("rate_limited");
    expect(polls).toBe(1);
    expect((await recorder.requests()).map((r) => r.path)).toEqual(["/v9/organizations", "/v9/people", "/v9/people"]);
  });

  it("retries after a 500 and a 429 with Retry-After", async () => {
    const waits: number[] = [];
    const { sumble } = create({ retry: { maxAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    mock.fail("server_error", { times: 1 });
    await sumble.enrichCompany({ domain: "globex.io" });
    mock.fail("rate_limited_retry_after", { times: 1 });
    await sumble.enrichCompany({ domain: "globex.io" });
    expect(recorder.count()).toBe(4);
    expect(waits).toEqual([250, 1_000]);
  });
});

const contract = {
  server,
  secrets: [KEY],
  faults: contractFaults,
  fault: (f: (typeof contractFaults)[number]) => mock.fail(f),
  reset: () => {
    mock.clearFaults();
    mock.setCredits(10_000);
  },
  create: ({ onUsage }: { onUsage: SumbleOptions["onUsage"] }) =>
    createSumble({ apiKey: KEY, timeoutMs: 200, retry: { maxAttempts: 1 }, pollIntervalMs: 1, ...(onUsage ? { onUsage } : {}) }),
};

runCompanyEnricherContract({ ...contract, name: "sumble", query: { domain: "northwind-analytics.com" } });
runPeopleSearchContract({ ...contract, name: "sumble", query: { company: { domain: "northwind-analytics.com" }, titles: ["Sales"] } });

describe("credit balance", () => {
  it("reports Sumble's credits_remaining of the call's last answer with the usage event", async () => {
    const { sumble, usage } = create();
    await sumble.enrichCompany({ domain: "northwind-analytics.com" });
    expect(usage.at(-1)?.balance).toEqual({ remaining: mock.credits });
    await sumble.searchPeople({ company: { domain: "northwind-analytics.com" }, limit: 20 });
    expect(usage.at(-1)?.balance).toEqual({ remaining: mock.credits });
    expect(mock.credits).toBeLessThan(10_000);
  });

  it("a call the gate refuses never reaches Sumble and reports nothing", async () => {
    const { sumble, usage } = create({
      gate: async ({ tool }) => {
        throw new ProviderError({ kind: "rate_limited", provider: tool, message: "full", reason: "local_rate_limit" });
      },
    });
    expect(await caught(sumble.enrichCompany({ domain: "northwind-analytics.com" }))).toMatchObject({ reason: "local_rate_limit" });
    expect(await recorder.requests()).toEqual([]);
    expect(usage).toEqual([]);
  });
});
