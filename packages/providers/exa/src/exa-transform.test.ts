import { describe, expect, it } from "vitest";
import { SearchResponse } from "./exa-api.js";
import { companiesFromExa, companyFromExaResult, fundingStage } from "./exa-transform.js";
import searchFixture from "./__fixtures__/exa-company-search.json" with { type: "json" };

const parsed = SearchResponse.parse(searchFixture);
const rows = parsed.results;

describe("companyFromExaResult", () => {
  it("maps the company entity: domain from the homepage, size bucket with exact count, funding signal", () => {
    const record = companyFromExaResult(rows[0]!);
    expect(record).toMatchObject({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      url: "https://www.northwind-analytics.com/",
      description: "Revenue intelligence software for B2B sales teams.",
      size: "51-200",
      size_exact: 142,
      headquarters_city: "Austin",
      headquarters_country: "United States",
      source_tool: "exa",
      signals: {
        funding: { stage: "series_b", amount: 30000000, date: "2025-03-15", total_raised: 42000000 },
        web_traffic: { visits_monthly: 250000 },
        founded_year: 2015,
      },
    });
  });

  it("drops page text and favicon from source_raw but keeps the entity", () => {
    const record = companyFromExaResult(rows[0]!)!;
    expect(record.source_raw).not.toHaveProperty("text");
    expect(record.source_raw).not.toHaveProperty("favicon");
    expect(record.source_raw).toHaveProperty("entities");
    expect(record.source_raw).toHaveProperty("score", 0.3124);
  });

  it("treats every entity property as nullable", () => {
    const record = companyFromExaResult(rows[1]!);
    expect(record).toMatchObject({ name: "Globex", domain: "globex.io", size: null, size_exact: null, signals: {} });
  });

  it("falls back to the page title when there is no company entity", () => {
    const record = companyFromExaResult(rows[2]!);
    expect(record).toMatchObject({ name: "About Initech", domain: "initech.com" });
  });

  it("drops a result whose URL has no usable domain", () => {
    expect(companyFromExaResult({ ...rows[0]!, url: "not a url" })).toBeNull();
  });
});

describe("companiesFromExa", () => {
  it("keeps the first result per domain", () => {
    const dup = { ...rows[0]!, url: "https://northwind-analytics.com/pricing" };
    const records = companiesFromExa([...rows, dup]);
    expect(records.map((r) => r.domain)).toEqual(["northwind-analytics.com", "globex.io", "initech.com"]);
  });
});

describe("fundingStage", () => {
  it.each([
    ["Series B", "series_b"],
    ["Seed", "seed"],
    ["Pre-Seed", "pre_seed"],
    ["", null],
    [null, null],
  ] as const)("%s → %s", (input, expected) => {
    expect(fundingStage(input)).toBe(expected);
  });
});
