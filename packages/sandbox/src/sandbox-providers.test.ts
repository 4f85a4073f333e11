import { normalizeDomain } from "@offerlab/core";
import type { CompanyRecord } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox } from "./index.js";
import type { SandboxCompany } from "./index.js";

// Every adapter is the real one from sandbox.providers(); only the vendor behind it is simulated.
const sandbox = createSandbox({ seed: "providers-test" });
const p = sandbox.providers();
const { world } = sandbox;
const byDomain = new Map(world.companies.map((c) => [c.domain, c]));
const companyOf = (record: CompanyRecord): SandboxCompany => {
  const domain = normalizeDomain(record.domain ?? record.url ?? "");
  const company = domain ? byDomain.get(domain) : undefined;
  if (!company) throw new Error(`not a company of the world: ${JSON.stringify(record)}`);
  return company;
};
const hiringSales = (c: SandboxCompany) => c.jobs.some((j) => j.family === "sales");
const FINTECH_SALES = "fintech companies hiring sales reps";
const HEALTH_ENGINEERS = "healthtech companies hiring engineers";

describe("company search answers depend on the query", () => {
  it("Exa ranks fintech companies that hire sellers first, and a different query finds different companies", async () => {
    const fintech = (await p.exa.searchCompanies({ query: FINTECH_SALES, limit: 10 })).companies.map(companyOf);
    expect(fintech).toHaveLength(10);
    const best = fintech.slice(0, 3);
    expect(best.every((c) => c.vertical === "fintech" && hiringSales(c))).toBe(true);
    expect(fintech.filter((c) => c.vertical === "fintech").length).toBeGreaterThanOrEqual(5);
    const health = (await p.exa.searchCompanies({ query: HEALTH_ENGINEERS, limit: 10 })).companies.map(companyOf);
    expect(health.slice(0, 3).every((c) => c.vertical === "healthtech" && c.jobs.length > 0)).toBe(true);
    expect(new Set(health.map((c) => c.domain))).not.toEqual(new Set(fintech.map((c) => c.domain)));
    // Exa's funding facts are the world's.
    const funded = (await p.exa.searchCompanies({ query: "funded fintech", limit: 5 })).companies;
    for (const record of funded.filter((r) => r.signals?.funding)) expect(companyOf(record).funding).not.toBeNull();
  });

  it("Exa's lookalikes of a company share its vertical", async () => {
    const seed = world.companies.find((c) => c.vertical === "cybersecurity") as SandboxCompany;
    const similar = (await p.exa.findSimilarCompanies(seed.domain, { limit: 8 })).companies.map(companyOf);
    expect(similar.map((c) => c.domain)).not.toContain(seed.domain);
    expect(similar.filter((c) => c.vertical === "cybersecurity").length).toBeGreaterThanOrEqual(5);
  });

  it("Parallel's entity search ranks the same way, and finds the people who work at a company", async () => {
    const fintech = (await p.parallel.searchCompanies({ query: FINTECH_SALES, limit: 10 })).companies.map(companyOf);
    expect(fintech.slice(0, 3).every((c) => c.vertical === "fintech" && hiringSales(c))).toBe(true);
    const health = (await p.parallel.searchCompanies({ query: HEALTH_ENGINEERS, limit: 10 })).companies.map(companyOf);
    expect(health.slice(0, 3).every((c) => c.vertical === "healthtech")).toBe(true);

    const company = fintech[0] as SandboxCompany;
    const people = (await p.parallel.searchPeople({ company: { name: company.name, domain: company.domain } })).people;
    const staff = world.people.filter((x) => x.companyDomain === company.domain);
    expect(people.map((x) => x.linkedin_url).sort()).toEqual(staff.map((x) => x.linkedin_url).sort());
    expect(people.map((x) => x.title).sort()).toEqual(staff.map((x) => x.title).sort());
  });

  it("TheirStack finds companies by what they hire for, the stack they use and their funding stage", async () => {
    const titles = ["Sales Development Representative", "Business Development Representative", "Account Executive"];
    const plaid = (await p.theirstack.searchCompanies({ query: FINTECH_SALES, filters: { hiringFor: titles, technologies: ["plaid"] } }))
      .companies;
    expect(plaid.length).toBeGreaterThan(0);
    const cutoff = "2026-01-31"; // 30 days before the sandbox's start: TheirStack's default window
    for (const record of plaid) {
      const c = companyOf(record);
      // Plaid is a fintech vendor in this world: the stack filter is how TheirStack narrows to fintech.
      expect(c.vertical).toBe("fintech");
      expect(c.technologies).toContain("plaid");
      expect(c.jobs.some((j) => titles.some((t) => j.title.includes(t)) && j.date_posted >= cutoff)).toBe(true);
      expect(record.signals?.hiring).toBeDefined();
    }
    const shopify = (
      await p.theirstack.searchCompanies({
        query: "stores hiring engineers",
        filters: { hiringFor: ["Engineer"], technologies: ["shopify"] },
      })
    ).companies.map(companyOf);
    expect(shopify.length).toBeGreaterThan(0);
    expect(shopify.every((c) => c.technologies.includes("shopify") && c.jobs.some((j) => j.family === "engineering"))).toBe(true);
    expect(shopify.some((c) => plaid.some((r) => companyOf(r).domain === c.domain))).toBe(false);

    const seriesA = (
      await p.theirstack.searchCompanies({ query: "series A", filters: { fundingStages: ["series_a"] }, limit: 50 })
    ).companies.map(companyOf);
    expect(seriesA.length).toBe(world.companies.filter((c) => c.funding?.stage === "series_a").length);
    expect(seriesA.every((c) => c.funding?.stage === "series_a")).toBe(true);
  });
});

describe("enrichment, people and emails come from the world", () => {
  const company = world.companies.find((c) => c.jobs.length > 1 && c.funding !== null) as SandboxCompany;

  it("TheirStack and Sumble enrich a company with its size, jobs and funding", async () => {
    const ts = await p.theirstack.enrichCompany({ domain: company.domain });
    expect(ts.company).toMatchObject({ name: company.name, domain: company.domain });
    expect(ts.signals.hiring?.total_jobs).toBe(company.jobs.length);
    expect(ts.signals.tech_stack).toEqual(company.technologies);
    const sumble = await p.sumble.enrichCompany({ domain: company.domain });
    expect(sumble.company).toMatchObject({ name: company.name, domain: company.domain });
    expect(sumble.signals.hiring?.total_jobs).toBe(company.jobs.length);
    expect(sumble.signals.funding?.stage).toBe(company.funding?.stage);
    const staff = (await p.sumble.searchPeople({ company: { domain: company.domain } })).people;
    expect(staff.map((x) => x.full_name).sort()).toEqual(
      world.people
        .filter((x) => x.companyDomain === company.domain)
        .map((x) => x.full_name)
        .sort(),
    );
  });

  it("Firecrawl scrapes the company's site: what it does, its leaders and its open roles", async () => {
    const home = await p.firecrawl.scrapePage(`https://www.${company.domain}/`);
    expect(home.markdown).toContain(company.description);
    const careers = await p.firecrawl.scrapePage(`https://www.${company.domain}/careers`);
    for (const job of company.jobs) expect(careers.markdown).toContain(job.title);
  });

  it("LeadMagic finds findable addresses and verifies each status as the world has it", async () => {
    const expected = { valid: "valid", invalid: "invalid", catch_all: "risky", unknown: "unknown" } as const;
    for (const status of ["valid", "invalid", "catch_all", "unknown"] as const) {
      const person = world.people.find((x) => x.emailStatus === status && x.findable);
      if (!person) throw new Error(`no findable ${status} person in the world`);
      const verdict = await p.leadmagic.verifyEmail(person.email);
      expect(verdict.email_status).toBe(expected[status]);
      const found = await p.leadmagic.findEmail({ firstName: person.first_name, lastName: person.last_name, domain: person.companyDomain });
      expect(found.email).toBe(person.email.toLowerCase());
    }
    const hidden = world.people.find((x) => !x.findable) as (typeof world.people)[number];
    expect(
      (await p.leadmagic.findEmail({ firstName: hidden.first_name, lastName: hidden.last_name, domain: hidden.companyDomain })).email,
    ).toBeNull();
  });

  it("Unipile lists the sender's accounts and resolves profiles at their degree", async () => {
    const accounts = (await p.unipile.listAccounts()).items;
    expect(accounts.map((a) => a.id).sort()).toEqual(world.accounts.map((a) => a.id).sort());
    const li = accounts.find((a) => a.type === "linkedin");
    for (const degree of [1, 2, 3, null] as const) {
      const person = world.people.find((x) => x.degree === degree) as (typeof world.people)[number];
      const profile = await p.unipile.resolveProfile(li?.id as string, person.linkedin_url);
      expect(profile.providerId).toBe(person.provider_id);
      expect(profile.connectionDegree).toBe(degree);
      expect(profile.isConnection).toBe(degree === 1);
    }
  });
});
