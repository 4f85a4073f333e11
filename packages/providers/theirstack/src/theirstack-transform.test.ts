import { describe, expect, it } from "vitest";
import { CompanySignals } from "@offerlab/core";
import { CompaniesSearchResponse, JobsSearchResponse } from "./theirstack-api.js";
import { companiesFromJobs, companyFromTheirStack, sizeOf } from "./theirstack-transform.js";
import companiesFixture from "./__fixtures__/theirstack-companies-search.json" with { type: "json" };
import jobsFixture from "./__fixtures__/theirstack-jobs-search.json" with { type: "json" };

const today = "2026-01-15";

describe("sizeOf", () => {
  it.each([
    [142, null, "51-200", 142],
    [1800, "1001-5000", "1000+", 1800],
    [10, null, "1-10", 10],
    [null, "1001-5000", "1000+", null],
    [null, "11-50", "11-50", null],
    [0, "51-200", "51-200", null],
    [null, "n/a", null, null],
    [null, null, null, null],
  ] as const)("count %s range %s → %s (exact %s)", (count, range, size, exact) => {
    expect(sizeOf(count, range)).toEqual({ size, size_exact: exact });
  });
});

describe("companyFromTheirStack", () => {
  const parsed = CompaniesSearchResponse.parse(companiesFixture);
  const [first, second] = parsed.data;
  const [firstRaw] = companiesFixture.data;

  it("maps firmographics, normalises domain and LinkedIn URL, fills signals", () => {
    const record = companyFromTheirStack(first!, today);
    expect(record).toMatchObject({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      url: "https://www.northwind-analytics.com/",
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
      size: "51-200",
      size_exact: 142,
      industry: "Software Development",
      headquarters_city: "Austin",
      headquarters_country: "US",
      source_tool: "theirstack",
      signals: {
        tech_stack: ["salesforce", "hubspot", "snowflake", "dbt", "react"],
        hiring: { total_jobs: 18, jobs_last_30_days: 6, last_checked: today },
        funding: { stage: "series_b", amount: 42000000, date: "2025-03-15" },
      },
    });
  });

  it("produces signals that core's CompanySignals accepts", () => {
    for (const c of parsed.data) {
      const record = companyFromTheirStack(c, today)!;
      expect(CompanySignals.safeParse(record.signals).error).toBeUndefined();
    }
  });

  it("trims bulky fields from source_raw and keeps the identifiers", () => {
    const record = companyFromTheirStack(first!, today)!;
    expect(record.source_raw).not.toHaveProperty("long_description");
    expect(record.source_raw).not.toHaveProperty("technologies_found");
    expect(record.source_raw).toMatchObject({ id: "northwind-analytics", domain: "www.Northwind-Analytics.com" });
  });

  it("leaves funding out when TheirStack has none, and buckets large companies", () => {
    const record = companyFromTheirStack(second!, today)!;
    expect(record.size).toBe("1000+");
    expect(record.size_exact).toBe(1800);
    expect(record.signals?.funding).toBeUndefined();
  });

  it("drops blurred rows, which carry no identifiers", () => {
    const blurred = { ...firstRaw!, has_blurred_data: true };
    expect(companyFromTheirStack(CompaniesSearchResponse.parse({ data: [blurred] }).data[0]!, today)).toBeNull();
    const anonymous = { ...firstRaw!, name: null };
    expect(companyFromTheirStack(CompaniesSearchResponse.parse({ data: [anonymous] }).data[0]!, today)).toBeNull();
  });
});

describe("companiesFromJobs", () => {
  const parsed = JobsSearchResponse.parse(jobsFixture);
  const rows = parsed.data;

  it("groups postings by company with the roles as hiring signals", () => {
    const records = companiesFromJobs(rows, today);
    expect(records.map((r) => r.domain)).toEqual(["northwind-analytics.com", "globex.io"]);
    const [northwind, globex] = records;
    expect(northwind).toMatchObject({
      name: "Northwind Analytics",
      url: "https://northwind-analytics.com",
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
      size: "51-200",
      size_exact: 142,
      headquarters_country: "US",
      signals: {
        hiring: { matching_jobs: 2, sales_reps: 1, bdrs: 1, last_checked: today },
        open_roles: [
          {
            title: "Senior Account Executive, Mid-Market",
            seniority: "senior",
            posted_at: "2026-01-12",
            url: "https://boards.greenhouse.io/northwind/jobs/4410",
          },
          {
            title: "Sales Development Representative",
            seniority: "junior",
            posted_at: "2026-01-10",
            url: "https://www.linkedin.com/jobs/view/9182745",
          },
        ],
      },
    });
    // Range only: bucket from the range, no exact size invented. A VP is not a rep.
    expect(globex).toMatchObject({ size: "1000+", size_exact: null, signals: { hiring: { matching_jobs: 1, last_checked: today } } });
    expect(globex!.signals?.hiring).not.toHaveProperty("sales_reps");
  });

  it("produces signals that core's CompanySignals accepts", () => {
    for (const record of companiesFromJobs(rows, today)) expect(CompanySignals.safeParse(record.signals).success).toBe(true);
  });

  it("keeps each posting in source_raw without description or nested company", () => {
    const [northwind] = companiesFromJobs(rows, today);
    const jobs = (northwind!.source_raw as { jobs: Record<string, unknown>[] }).jobs;
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toMatchObject({ id: 9182731, job_title: "Senior Account Executive, Mid-Market" });
    expect(jobs[0]).not.toHaveProperty("description");
    expect(jobs[0]).not.toHaveProperty("company_object");
  });

  it("skips blurred postings", () => {
    const blurred = rows.map((job) => ({ ...job, has_blurred_data: true }));
    expect(companiesFromJobs(blurred, today)).toEqual([]);
  });
});
