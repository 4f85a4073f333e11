import { describe, expect, it } from "vitest";
import { CompanySignals, seniorities } from "@offerlab/core";
import { EntitySearchResponse, FindAllResult } from "./parallel-api.js";
import {
  companyFromCandidate,
  companyFromEntity,
  departmentFromTitle,
  personFromEntity,
  seniorityFromTitle,
  splitHeadline,
  titleNormalized,
} from "./parallel-transform.js";
import companiesFixture from "./__fixtures__/parallel-entity-search-companies.json" with { type: "json" };
import peopleFixture from "./__fixtures__/parallel-entity-search-people.json" with { type: "json" };
import findAllResult from "./__fixtures__/parallel-findall-result.json" with { type: "json" };

describe("companyFromEntity", () => {
  const entities = EntitySearchResponse.parse(companiesFixture).entities;

  it("a LinkedIn URL goes to linkedin_url (normalised) and leaves the domain unknown", () => {
    expect(companyFromEntity(entities[0]!, "q")).toMatchObject({
      name: "Northwind Analytics",
      domain: null,
      url: null,
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
      description: "Revenue intelligence software for B2B sales teams, based in Austin, Texas.",
      source_tool: "parallel",
      source_query: "q",
      signals: {},
    });
  });

  it("a website gives the normalised domain", () => {
    expect(companyFromEntity(entities[1]!, null)).toMatchObject({
      domain: "pipelinepilot.ai",
      url: "https://pipelinepilot.ai/",
      linkedin_url: null,
    });
    expect(companyFromEntity(entities[2]!, null)).toMatchObject({ domain: "globex.io", description: null });
  });

  it("drops nameless rows", () => {
    expect(companyFromEntity(entities[3]!, null)).toBeNull();
  });
});

describe("companyFromCandidate", () => {
  const result = FindAllResult.parse(findAllResult);

  it("keeps matched candidates only, with the condition verdicts as a signal", () => {
    const records = result.candidates.map((c) => companyFromCandidate(c, "objective"));
    expect(records.filter(Boolean)).toHaveLength(2);
    expect(records[0]).toMatchObject({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      signals: { parallel_findall: { is_b2b_saas: { value: "yes" }, hiring_sales: { value: "yes" } } },
    });
    expect(CompanySignals.safeParse(records[0]!.signals).success).toBe(true);
    expect(records[2]).toBeNull();
    expect(records[3]).toBeNull();
  });

  it("keeps the basis without citation excerpts", () => {
    const record = companyFromCandidate(result.candidates[0]!, null)!;
    const raw = record.source_raw as { basis: { citations: unknown[]; reasoning: string }[] };
    expect(raw.basis[0]!.reasoning).toBe("Careers page lists 3 AE roles.");
    expect(raw.basis[0]!.citations).toEqual([{ url: "https://www.northwind-analytics.com/careers" }]);
    expect(JSON.stringify(raw)).not.toContain("We're hiring 3 Account Executives");
  });
});

describe("personFromEntity", () => {
  const people = EntitySearchResponse.parse(peopleFixture).entities;

  it("splits name, title and employer, normalises the LinkedIn URL and the seniority", () => {
    expect(personFromEntity(people[0]!, { domain: "www.northwind-analytics.com" })).toMatchObject({
      first_name: "Jane",
      last_name: "Doe",
      full_name: "Jane Doe",
      title: "VP of Sales",
      title_normalized: "vp_sales",
      department: "sales",
      seniority: "vp",
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      company_name: "Northwind Analytics",
      company_domain: "northwind-analytics.com",
      source_tool: "parallel",
    });
    expect(personFromEntity(people[1]!)).toMatchObject({
      title: "Sales Development Representative",
      seniority: "individual",
      company_name: "Northwind Analytics",
      linkedin_url: "https://www.linkedin.com/in/samcarter",
    });
  });

  it("a non-LinkedIn URL is not a profile", () => {
    expect(personFromEntity(people[2]!)).toMatchObject({
      title: "Chief Revenue Officer",
      seniority: "c_level",
      linkedin_url: null,
      title_normalized: "c_level_sales",
    });
  });

  it("drops nameless entities", () => {
    expect(personFromEntity({ name: " ", url: null, description: null })).toBeNull();
  });
});

describe("title helpers", () => {
  it.each([
    ["CEO & Co-Founder", "c_level"],
    ["Senior Vice President, Sales", "vp"],
    ["President", "c_level"],
    ["SVP Marketing", "vp"],
    ["Head of Growth", "vp"], // core: heads rank with VPs (normalizeSeniority)
    ["Director of Engineering", "director"],
    ["Sales Manager, EMEA", "manager"],
    ["Account Executive", "individual"],
    ["", null],
  ] as const)("%s → %s", (title, expected) => {
    expect(seniorityFromTitle(title)).toBe(expected);
    if (expected) expect(seniorities).toContain(expected);
  });

  it("departments and normalised titles", () => {
    expect(departmentFromTitle("Head of Growth")).toBe("marketing");
    expect(departmentFromTitle("Chief Financial Officer")).toBe("finance");
    expect(titleNormalized("Director of Engineering")).toBe("director_engineering");
    expect(titleNormalized("Chief of Staff")).toBeNull();
  });

  it("splitHeadline", () => {
    expect(splitHeadline("VP, Sales at Acme")).toEqual({ title: "VP, Sales", company: "Acme" });
    expect(splitHeadline("Founder @ Acme, Berlin")).toEqual({ title: "Founder", company: "Acme" });
    expect(splitHeadline("Consultant")).toEqual({ title: "Consultant", company: null });
    expect(splitHeadline(null)).toEqual({ title: null, company: null });
  });
});
