import { ValidationError } from "@offerlab/core";
import { offers, type Db } from "@offerlab/db";
import type { CompanyRecord, CompanySearch, PageScraper } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { baseOffer, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { discoverOfferCompanies } from "./discover-companies.js";
import { discoverOfferPeople } from "./discover-people.js";
import { enrichOfferEmails } from "./enrich-emails.js";
import type { PipelineOperationContext } from "./run-step.js";
import { scrapeOfferSites } from "./scrape-sites.js";

/** In-memory company search (the paid vendor is the only thing faked): two SaaS companies, 2 credits a search. */
function fakeCompanySearch(): CompanySearch & { calls: number } {
  const found: CompanyRecord[] = [
    { name: "Northwind", domain: "northwind.io", vertical: "saas", size_exact: 80, source_tool: "theirstack" },
    { name: "Globex", domain: "globex.io", vertical: "saas", size_exact: 120, source_tool: "theirstack" },
  ];
  return {
    provider: "theirstack",
    calls: 0,
    async searchCompanies() {
      this.calls++;
      return { companies: found, cursor: null, creditsUsed: 2 };
    },
  };
}

const fakeScraper: PageScraper = {
  provider: "firecrawl",
  async scrapePage(url) {
    return { url, markdown: "# We help sales teams ramp\nHiring 3 account executives.", title: "Home", source_tool: "firecrawl" };
  },
};

const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!ValidationError.isInstance(e)) throw new Error(`expected a ValidationError, got ${String(e)}`);
  return e.issues;
};

const runsOf = async (db: Db) => (await db.selectFrom("pipeline_runs").select("id").execute()).length;

describe.each(testEngines())("pipeline operations on %s", (engine) => {
  const t = useTestDb(engine);
  const search = fakeCompanySearch();
  const recordedWith: unknown[] = [];
  const ctx = (): PipelineOperationContext => ({
    db: t.db,
    providers: (recorded) => {
      recordedWith.push(recorded);
      return { companySearch: [search], pageScraper: fakeScraper };
    },
  });

  it("refuses bad input naming each field, before any provider is built or anything is written", async () => {
    await offers.create(t.db, { ...baseOffer, name: "Ramp Coach", status: "active", ...copy });
    expect(await rejection(discoverOfferCompanies(ctx(), {}))).toEqual([
      { field: "offer", message: "required (the offer's id, slug or name), or resume (a run id)" },
    ]);
    expect(
      (await rejection(discoverOfferCompanies(ctx(), { offer: "ramp-coach", creditBudget: -3, options: { minFitScore: 11 } }))).map(
        (i) => i.field,
      ),
    ).toEqual(["creditBudget", "minFitScore"]);
    expect((await rejection(discoverOfferPeople(ctx(), { offer: "ramp-coach", options: { perCompany: 0 } })))[0]!.field).toBe("perCompany");
    expect((await rejection(enrichOfferEmails(ctx(), { offer: "ramp-coach", options: { maxContacts: 1.5 } })))[0]!.field).toBe(
      "maxContacts",
    );
    expect(await rejection(scrapeOfferSites(ctx(), { offer: "ramp-coach", options: { paths: ["careers"] } }))).toEqual([
      { field: "paths", message: 'each path must start with "/" (got "careers")' },
    ]);
    expect(await rejection(discoverOfferCompanies(ctx(), { resume: "not-a-run" }))).toEqual([
      { field: "resume", message: 'no pipeline run "not-a-run" (the id is printed by the command that started it)' },
    ]);
    expect(recordedWith).toEqual([]);
    expect(search.calls).toBe(0);
    expect(await runsOf(t.db)).toBe(0);
  });

  it("discovers an offer's companies as one recorded run, stops at its budget, and resumes it with the vendors it started with", async () => {
    const stopped = await discoverOfferCompanies(ctx(), { offer: "Ramp Coach", creditBudget: 0 });
    expect(stopped.offer?.slug).toBe("ramp-coach");
    expect(stopped.summary).toMatchObject({ status: "cancelled", stopReason: "budget", found: 0 });
    expect(search.calls).toBe(0);

    // The resume names no offer: it is the run's, and the providers are rebuilt from the recorded names.
    const resumed = await discoverOfferCompanies(ctx(), { resume: stopped.summary.runId, creditBudget: 10 });
    expect(recordedWith.at(-1)).toMatchObject({ companySearch: ["theirstack"] });
    expect(resumed.offer?.slug).toBe("ramp-coach");
    expect(resumed.summary).toMatchObject({ runId: stopped.summary.runId, status: "completed", found: 2, new: 2 });
    const offer = (await offers.get(t.db, "ramp-coach"))!;
    const stored = await t.db.selectFrom("companies").select("domain").where("offer_id", "=", offer.id).orderBy("domain").execute();
    expect(stored.map((c) => c.domain)).toEqual(["globex.io", "northwind.io"]);
    expect(await runsOf(t.db)).toBe(1);
  });

  it("scrapes the offer's companies into website variables, and a resume checks the run has the step", async () => {
    const offer = (await offers.get(t.db, "ramp-coach"))!;
    await t.db.updateTable("companies").set({ status: "qualified" }).where("offer_id", "=", offer.id).execute();
    const res = await scrapeOfferSites(ctx(), { offer: "ramp-coach", options: { paths: ["/"] } });
    expect(res.summary).toMatchObject({ status: "completed", companies: 2, updated: 2 });
    const rows = await t.db.selectFrom("companies").select("signals").where("offer_id", "=", offer.id).execute();
    for (const r of rows) expect((r.signals as { website?: { headline?: string } }).website?.headline).toBe("We help sales teams ramp");

    await expect(discoverOfferPeople(ctx(), { resume: res.summary.runId })).rejects.toThrow(/has no discover_people step/);
  });
});
