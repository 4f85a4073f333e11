import { getResponse } from "msw";
import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createTheirStack } from "./index.js";
import { createTheirStackMock } from "./msw.js";
import type { TheirStackMockCompany } from "./msw.js";

// The filters the sandbox relies on for query-dependent answers: funding stage, and posting age
// against an injected clock.
const company = (name: string, funding_stage: string | null, jobs: TheirStackMockCompany["jobs"]): TheirStackMockCompany => ({
  name,
  domain: `${name.toLowerCase()}.example`,
  linkedin_url: `https://www.linkedin.com/company/${name.toLowerCase()}`,
  country_code: "US",
  country: "United States",
  city: "Austin",
  employee_count: 120,
  employee_count_range: "51-200",
  industry: "Financial Services",
  technology_slugs: ["stripe"],
  funding_stage,
  jobs,
});
const mock = createTheirStackMock({
  now: () => new Date("2026-03-02T08:00:00.000Z"),
  companies: [
    company("Seedco", "seed", [{ title: "Account Executive", seniority: "mid_level", country_code: "US", date_posted: "2026-02-25" }]),
    company("Growthco", "series_b", [
      { title: "Account Executive", seniority: "mid_level", country_code: "US", date_posted: "2026-01-05" },
    ]),
    company("Bootco", null, []),
  ],
});
setupMswServer(...mock.handlers);
const ts = createTheirStack({ apiKey: "test-theirstack-key", retry: { maxAttempts: 1 }, today: () => "2026-03-02" });

describe("createTheirStackMock filters", () => {
  it("keeps only companies at the funding stages asked for", async () => {
    const seed = await ts.searchCompanies({ query: "seed", filters: { fundingStages: ["seed"] } });
    expect(seed.companies.map((c) => c.name)).toEqual(["Seedco"]);
    const any = await ts.searchCompanies({ query: "all" });
    expect(any.companies.map((c) => c.name)).toEqual(["Seedco", "Growthco", "Bootco"]);
  });

  it("drops postings older than posted_at_max_age_days by the injected clock", async () => {
    const recent = await ts.searchCompanies({ query: "hiring", filters: { hiringFor: ["Account Executive"], postedWithinDays: 30 } });
    expect(recent.companies.map((c) => c.name)).toEqual(["Seedco"]);
    const older = await ts.searchCompanies({ query: "hiring", filters: { hiringFor: ["Account Executive"], postedWithinDays: 90 } });
    expect(older.companies.map((c) => c.name)).toEqual(["Seedco", "Growthco"]);
  });
});

describe("createTheirStackMock ids", () => {
  it("draws its error bodies' request ids from the source it is given (the sandbox's seeded one), so runs replay", async () => {
    const seeded = createTheirStackMock({
      baseUrl: "https://theirstack.seeded.test",
      randomUUID: () => "0123abcd-4567-4890-8abc-def012345678",
    });
    const ask = () =>
      getResponse(seeded.handlers, new Request("https://theirstack.seeded.test/v1/companies/search", { method: "POST", body: "{}" }));
    const first = (await (await ask())!.json()) as { request_id: string };
    const second = (await (await ask())!.json()) as { request_id: string };
    expect(first).toMatchObject({ request_id: "req_0123abcd4567", error: { code: "E-002" } });
    expect(second.request_id).toBe(first.request_id);
  });
});
