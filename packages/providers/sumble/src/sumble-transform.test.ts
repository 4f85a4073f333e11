import { describe, expect, it } from "vitest";
import { CompanySignals, seniorities } from "@offerlab/core";
import { OrganizationsResponse, PeopleResponse } from "./sumble-api.js";
import { departmentOf, enrichmentFromOrganization, fundingStage, personFromSumble, seniorityOf } from "./sumble-transform.js";
import orgsFixture from "./__fixtures__/sumble-organizations.json" with { type: "json" };
import peopleFixture from "./__fixtures__/sumble-people-succeeded.json" with { type: "json" };

const TODAY = "2026-01-15";

describe("enrichmentFromOrganization", () => {
  const orgs = OrganizationsResponse.parse(orgsFixture).organizations;

  it("maps firmographics, hiring, funding and the technologies seen", () => {
    const e = enrichmentFromOrganization(orgs[0]!, TODAY)!;
    expect(e.company).toEqual({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      url: "https://northwind-analytics.com",
      size: "51-200",
      size_exact: 142,
      industry: "Information",
      headquarters_country: "US",
      source_tool: "sumble",
    });
    expect(e.signals).toEqual({
      hiring: { total_jobs: 18, last_checked: TODAY },
      tech_stack: ["salesforce", "hubspot"],
      sumble_technologies: {
        salesforce: { job_posts: 7, people: 12, teams: 2, job_posts_growth_1y: 51.9 },
        hubspot: { job_posts: 0, people: 3, teams: 1, job_posts_growth_1y: null },
        gong: { job_posts: 0, people: 0, teams: 0, job_posts_growth_1y: null },
      },
      funding: { stage: "series_b", amount: 30000000, date: "2025-03-15", total_raised: 42000000 },
      sumble_tags: ["b2b", "is_venture_backed"],
    });
    expect(CompanySignals.safeParse(e.signals).error).toBeUndefined();
    expect(e.source_raw).toMatchObject({ id: 1726684, slug: "northwind-analytics" });
  });

  it("an unmatched row (empty attributes) is null", () => {
    expect(enrichmentFromOrganization(orgs[1]!, TODAY)).toBeNull();
  });

  it("fundingStage", () => {
    expect(fundingStage("Series B")).toBe("series_b");
    expect(fundingStage("Pre-Seed")).toBe("pre_seed");
    expect(fundingStage(null)).toBeNull();
  });
});

describe("personFromSumble", () => {
  const people = PeopleResponse.parse(peopleFixture).people!;

  it("maps name, title, seniority from job_level, department and the normalised LinkedIn URL", () => {
    expect(personFromSumble(people[0]!, "northwind-analytics.com")).toMatchObject({
      first_name: "Jane",
      last_name: "Doe",
      full_name: "Jane Doe",
      title: "VP of Sales",
      seniority: "vp",
      department: "sales",
      title_normalized: "vp_sales",
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      location: "Austin, Texas, United States",
      company_name: "Northwind Analytics",
      company_domain: "northwind-analytics.com",
      source_tool: "sumble",
      source_raw: { person_id: 181438858, person_score: 0.91 },
    });
    expect(personFromSumble(people[1]!, null)).toMatchObject({
      full_name: "Sam Carter",
      seniority: "individual",
      department: "software_engineer",
      linkedin_url: "https://www.linkedin.com/in/samcarter",
    });
  });

  it("drops a person with neither name nor profile", () => {
    expect(personFromSumble({ attributes: { job_title: "x" } }, null)).toBeNull();
  });
});

describe("seniorityOf", () => {
  it.each([
    ["C-Level", null, "c_level"],
    ["Executive", null, "c_level"],
    ["VP", null, "vp"],
    ["Director", null, "director"],
    ["Senior Manager", null, "manager"],
    ["Individual Contributor", "Head of Sales", "individual"],
    [null, "Vice President of Marketing", "vp"],
    [null, "CEO", "c_level"],
    [null, "Head of Data", "vp"], // core: heads rank with VPs (normalizeSeniority)
    [null, "Account Executive", "individual"],
    [null, null, null],
  ] as const)("level %s, title %s → %s", (level, title, expected) => {
    expect(seniorityOf(level, title)).toBe(expected);
    if (expected) expect(seniorities).toContain(expected);
  });

  it("departmentOf", () => {
    expect(departmentOf("Software Engineer")).toBe("software_engineer");
    expect(departmentOf("")).toBeNull();
  });
});
