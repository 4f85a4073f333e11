import type { Icp } from "@offerlab/core";
import type { CompanyRecord } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { mergeCompanyRecords } from "./discover-companies.js";
import { matchDisqualifier, matchSignal, scoreBuyer, scoreCompany } from "./fit.js";
import { companyQueryOf } from "./offer.js";

const icp: Icp = {
  company: {
    verticals: ["saas", "fintech"],
    size_min: 20,
    size_max: 200,
    signals: ["hiring_sales", "using_crm"],
    disqualifiers: ["enterprise_only", "no_sales_team", "agency"],
  },
  buyer: {
    titles: ["VP Sales", "Head of Sales", "Sales Director"],
    departments: ["Sales", "Revenue"],
    seniority: ["Director", "VP", "C-Level"],
  },
};

const company = (over: Partial<CompanyRecord> = {}): CompanyRecord => ({
  name: "Northwind Analytics",
  domain: "northwind-analytics.com",
  industry: "Software Development",
  description: "Revenue intelligence software for B2B sales teams.",
  size: "51-200",
  size_exact: 142,
  signals: { hiring: { sales_reps: 2, bdrs: 1 }, tech_stack: ["salesforce", "snowflake"] },
  source_tool: "theirstack",
  ...over,
});

describe("scoreCompany", () => {
  it("scores a perfect fit 10/10, high priority, with every part explained", () => {
    const fit = scoreCompany(company(), icp);
    expect(fit.score).toBe(10);
    expect(fit.priority).toBe("high");
    expect(fit.disqualification).toBeNull();
    expect(fit.reasoning).toBe(
      'Fit 10/10: vertical saas matches "Software Development" (3/3); 142 employees vs 20–200 (3/3); signals 2/2 (hiring_sales: 3 open sales roles; using_crm: uses salesforce) (4/4).',
    );
  });

  it("is deterministic and lowers each part independently", () => {
    expect(scoreCompany(company(), icp)).toEqual(scoreCompany(company(), icp));
    // Wrong trade, out of range (but within 2x), one signal of two.
    const fit = scoreCompany(
      company({
        industry: "Construction",
        description: "Builds bridges.",
        size_exact: 300,
        size: "201-500",
        signals: { tech_stack: ["hubspot"] },
      }),
      icp,
    );
    expect(fit.score).toBe(0 + 1 + 2);
    expect(fit.priority).toBe("low");
    // Unknown everything: neutral middle, never 0.
    const unknown = scoreCompany({ name: "X", domain: "x.com", source_tool: "exa" }, icp);
    expect(unknown.score).toBe(1 + 1 + 0);
    expect(
      scoreCompany({ name: "X", domain: "x.com", source_tool: "exa" }, { ...icp, company: { ...icp.company, signals: [] } }).score,
    ).toBe(4);
  });

  it("uses vertical synonyms and the description", () => {
    expect(scoreCompany(company({ industry: "Financial Services" }), icp).reasoning).toContain("vertical fintech matches");
    expect(scoreCompany(company({ industry: null, description: "Payments platform for banks" }), icp).reasoning).toContain(
      "in description (2/3)",
    );
  });

  it("applies disqualifiers: enterprise size, proven absence, trade words; unknown data never disqualifies", () => {
    expect(scoreCompany(company({ size_exact: 5000, size: "1000+" }), icp).disqualification).toBe("enterprise_only (5000 employees)");
    expect(scoreCompany(company({ signals: { hiring: { sales_reps: 0, bdrs: 0 } } }), icp).disqualification).toBe(
      "no_sales_team (no sales roles open)",
    );
    expect(scoreCompany(company({ signals: {} }), icp).disqualification).toBeNull();
    expect(scoreCompany(company({ name: "Growth Agency", industry: "Marketing agency" }), icp).disqualification).toBe("agency");
    const dq = scoreCompany(company({ size_exact: 5000, size: "1000+" }), icp);
    expect(dq.reasoning).toMatch(/Disqualified: enterprise_only \(5000 employees\)\.$/);
  });

  it("reads employee bounds in disqualifier text (positioning's disqualifying_signals)", () => {
    const small = company({ size_exact: 6, size: "1-10" });
    expect(matchDisqualifier("Too small (< 10 employees)", small)).toBe("Too small (< 10 employees) (6 employees)");
    expect(matchDisqualifier("Too small (< 10 employees)", company())).toBeNull();
    expect(matchDisqualifier("Enterprise (1000+ employees)", company({ size_exact: null, size: "1000+" }))).toContain("1000+");
    expect(matchDisqualifier("more than 5,000 employees", company({ size_exact: 6000 }))).not.toBeNull();
    expect(matchDisqualifier("fewer than 10 employees", company({ size_exact: null, size: null }))).toBeNull();
  });
});

describe("matchSignal", () => {
  it("reads hiring, tech, funding and free-text signals", () => {
    expect(matchSignal("hiring_sales", company({ signals: { hiring: { titles: ["Senior Account Executive"] } } }))).toMatchObject({
      matched: true,
      evidence: 'hiring "Senior Account Executive"',
    });
    expect(matchSignal("hiring_sales", company({ signals: { hiring: { titles: ["Data Engineer"] } } })).matched).toBe(false);
    expect(matchSignal("hiring engineers", company({ signals: { hiring: { titles: ["Senior Engineer"] } } }))).toMatchObject({
      matched: true,
      evidence: 'hiring "Senior Engineer"',
    });
    expect(matchSignal("using_crm", company({ signals: { tech_stack: ["pipedrive"] } }))).toMatchObject({
      matched: true,
      evidence: "uses pipedrive",
    });
    expect(matchSignal("using_crm", company({ signals: { tech_stack: ["snowflake"] } })).matched).toBe(false);
    expect(matchSignal("uses snowflake", company()).matched).toBe(true);
    expect(matchSignal("recently funded", company({ signals: { funding: { stage: "series_b" } } })).matched).toBe(true);
    expect(matchSignal("series a", company({ signals: { funding: { stage: "series_b" } } })).matched).toBe(false);
    // "sales" inside a phrase is the market, not the sales-tools category (Gong, Outreach…).
    expect(matchSignal("b2b sales", company())).toMatchObject({ matched: true, evidence: "mentioned" });
    expect(matchSignal("b2b sales", company({ description: "Logistics software", industry: "Logistics" })).matched).toBe(false);
    expect(matchSignal("crm", company({ signals: { tech_stack: ["hubspot"] } }))).toMatchObject({
      matched: true,
      evidence: "uses hubspot",
    });
  });
});

describe("scoreBuyer", () => {
  it("ranks titles, seniority and department", () => {
    expect(scoreBuyer({ title: "VP Sales EMEA", department: null, seniority: null }, icp)).toMatchObject({
      score: 10,
      priority: "high",
      seniority: "vp",
    });
    expect(scoreBuyer({ title: "Chief Revenue Officer", department: null, seniority: null }, icp)).toMatchObject({
      score: 6,
      seniority: "c_level",
    });
    const sdr = scoreBuyer({ title: "Sales Development Representative", department: "Sales", seniority: null }, icp);
    expect(sdr.score).toBe(3);
    expect(sdr.reasoning).toBe(
      'Buyer fit 3/10: title "Sales Development Representative" not in ICP titles (0/4); seniority individual (0/3); department Sales (3/3).',
    );
    expect(scoreBuyer({ title: null, department: null, seniority: null }, icp).score).toBe(1);
  });
});

describe("mergeCompanyRecords", () => {
  it("merges by normalised domain, then LinkedIn page, then name when a record lacks a domain; the first provider wins", () => {
    const merged = mergeCompanyRecords([
      company({ source_tool: "theirstack", source_raw: { a: 1 }, description: null }),
      company({
        domain: "WWW.Northwind-Analytics.com",
        size_exact: 150,
        source_tool: "exa",
        source_raw: { b: 2 },
        signals: { tech_stack: ["hubspot"] },
      }),
      {
        name: "Northwind Analytics Inc.",
        domain: null,
        url: "https://www.linkedin.com/company/northwind-analytics/",
        source_tool: "parallel",
      },
      { name: "Pipeline Pilot", domain: "pipelinepilot.ai", source_tool: "exa" },
    ]);
    expect(merged).toHaveLength(2);
    const [nw] = merged;
    expect(nw?.record).toMatchObject({
      domain: "northwind-analytics.com",
      size_exact: 142,
      source_tool: "theirstack",
      description: "Revenue intelligence software for B2B sales teams.",
    });
    expect(nw?.record.signals?.tech_stack).toEqual(["salesforce", "snowflake", "hubspot"]);
    expect(Object.keys(nw?.raws ?? {})).toEqual(["theirstack", "exa", "parallel"]);
  });
});

describe("companyQueryOf", () => {
  it("builds a sentence and filters from the ICP", () => {
    expect(companyQueryOf(icp)).toEqual({
      query: "saas or fintech companies with 20-200 employees, hiring sales, using crm",
      filters: {
        industries: ["saas", "fintech"],
        minEmployees: 20,
        maxEmployees: 200,
        sizes: ["11-50", "51-200"],
        keywords: ["saas", "fintech"],
      },
    });
  });
});
