import { testEngines } from "@offerlab/db/testing";
import type { PeopleSearch, PeopleSearchQuery, PersonRecord } from "@offerlab/provider-kit";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { discoverCompanies, discoverPeople } from "./run.js";
import { createWorld, type World } from "./__tests__/world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const contactsOf = (w: World) =>
  w.db
    .selectFrom("contacts as c")
    .innerJoin("companies as co", "co.id", "c.company_id")
    .select([
      "c.full_name",
      "c.title",
      "c.seniority",
      "c.linkedin_url",
      "c.email",
      "c.buyer_fit_score",
      "c.priority",
      "c.status",
      "c.skip_reason",
      "c.source_tool",
      "c.notes",
      "co.domain",
    ])
    .where("c.offer_id", "=", w.offerId)
    .orderBy("c.full_name")
    .execute();

const person = (over: Partial<PersonRecord>): PersonRecord => ({
  first_name: null,
  last_name: null,
  full_name: null,
  title: "VP of Sales",
  source_tool: "fake",
  ...over,
});

/** A people search over a fixed directory by domain, recording its calls. */
function fakePeople(directory: Record<string, PersonRecord[]>) {
  const calls: PeopleSearchQuery[] = [];
  const search: PeopleSearch = {
    provider: "fake_people",
    async searchPeople(q) {
      calls.push(q);
      // Everyone it knows, whatever the limit: the pipeline itself stops at perCompany.
      return { people: directory[q.company.domain ?? ""] ?? [], cursor: null };
    },
  };
  return { search, calls };
}

describe.each(testEngines())("discover people on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("finds buyers at qualified companies only, scores them, and parks poor fits as skip", async () => {
    w = await createWorld(engine, server);
    await discoverCompanies(w.ctx(), w.offerId);
    const res = await discoverPeople(w.ctx(), w.offerId);
    expect(res).toMatchObject({
      status: "completed",
      companies: 2,
      found: 4,
      new: 4,
      duplicates: 0,
      lowFit: 1,
      unusable: 0,
      errorCount: 0,
    });
    expect(res.providers).toEqual({ parallel: { found: 4, calls: 2, cachedCalls: 0 } });
    const people = await contactsOf(w);
    expect(people.map((p) => [p.full_name, p.domain, p.seniority, p.buyer_fit_score, p.status])).toEqual([
      ["Jane Doe", "northwind-analytics.com", "vp", 10, "new"],
      ["Priya Raman", "northwind-analytics.com", "c_level", 10, "new"],
      ["Sam Carter", "northwind-analytics.com", "individual", 3, "skip"],
      ["Tom Baker", "pipelinepilot.ai", "vp", 10, "new"],
    ]);
    expect(people.find((p) => p.full_name === "Sam Carter")).toMatchObject({ skip_reason: "low_buyer_fit", priority: "low" });
    expect(people.find((p) => p.full_name === "Jane Doe")).toMatchObject({
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      priority: "high",
      source_tool: "parallel",
    });
    expect(people.find((p) => p.full_name === "Jane Doe")!.notes).toMatch(/^Buyer fit 10\/10: title matches "VP of Sales"/);
    // Initech (fit 3, status new) was not searched: only qualified companies are.
    expect(people.some((p) => p.domain === "initech.com")).toBe(false);
    const usage = await w.db.selectFrom("tool_usage").select(["company_id", "action"]).where("action", "=", "entity_search").execute();
    expect(usage).toHaveLength(2);
    expect(usage.every((u) => u.company_id !== null)).toBe(true);
  });

  it("dedupes per offer by email and LinkedIn URL, stops at perCompany, and never asks twice for the same company", async () => {
    w = await createWorld(engine, server);
    await discoverCompanies(w.ctx(), w.offerId);
    const shared = { first_name: "Ann", last_name: "Lee", full_name: "Ann Lee", linkedin_url: "linkedin.com/in/ann-lee/" };
    const { search, calls } = fakePeople({
      "northwind-analytics.com": [
        person({ ...shared, email: "ANN@northwind-analytics.com" }),
        person({ full_name: "Bo Chen", email: "bo@northwind-analytics.com", title: "Head of Sales" }),
        person({ full_name: "Cy Diaz", email: "cy@northwind-analytics.com", title: "Chief Revenue Officer" }),
      ],
      // The same person listed at the second company too (moved jobs): one contact per offer.
      "pipelinepilot.ai": [
        person({ ...shared, linkedin_url: "https://www.linkedin.com/in/ann-lee" }),
        // A vendor value the schema refuses: reported, not stored, not fatal.
        person({ full_name: "Odd Level", email: "odd@pipelinepilot.ai", seniority: "boss" as never }),
        person({ full_name: "No Keys", title: null }),
      ],
    });
    const res = await discoverPeople(w.ctx({ peopleSearch: [search] }), w.offerId, { perCompany: 2, minBuyerFitScore: 1 });
    expect(res).toMatchObject({ found: 5, new: 3, duplicates: 1, rejected: 1, errorCount: 1 });
    expect(res.errors[0]).toMatchObject({ provider: "fake", kind: "invalid", item: "Odd Level" });
    const people = await contactsOf(w);
    expect(people.map((p) => [p.full_name, p.email, p.linkedin_url])).toEqual([
      ["Ann Lee", "ann@northwind-analytics.com", "https://www.linkedin.com/in/ann-lee"],
      ["Bo Chen", "bo@northwind-analytics.com", null],
      ["No Keys", null, null],
    ]);
    expect(calls.map((c) => [c.company.domain, c.limit])).toEqual([
      ["northwind-analytics.com", 2],
      ["pipelinepilot.ai", 2],
    ]);
    expect(calls[0]).toMatchObject({
      titles: ["VP of Sales", "Chief Revenue Officer", "Head of Sales"],
      departments: ["Sales"],
      seniorities: ["vp", "c_level"],
    });

    // Northwind has its 2; Pipeline Pilot has 1 (No Keys): asked again with the same request,
    // so the stored answer is read back instead of paying, and the name-only person is not stored twice.
    const again = await discoverPeople(w.ctx({ peopleSearch: [search] }), w.offerId, { perCompany: 2, minBuyerFitScore: 1 });
    expect(again).toMatchObject({ companies: 1, companiesSkipped: 1, new: 0 });
    expect(again.providers.fake_people).toEqual({ found: 3, calls: 1, cachedCalls: 1 });
    expect(calls).toHaveLength(2);
    expect(await contactsOf(w)).toHaveLength(3);
  });

  it("tries the next provider when the first has too few people, and records a provider's failure", async () => {
    w = await createWorld(engine, server);
    await discoverCompanies(w.ctx(), w.offerId);
    const first = fakePeople({ "pipelinepilot.ai": [person({ full_name: "Di Evans", email: "di@pipelinepilot.ai" })] });
    w.mocks.parallel.fail("server_error", { times: 1 });
    const res = await discoverPeople(w.ctx({ peopleSearch: [first.search, w.adapters.parallel] }), w.offerId, { perCompany: 2 });
    // Northwind: the fake knows nobody, Parallel fails (500) → error recorded.
    // Pipeline Pilot: one from the fake, then Parallel adds Tom Baker.
    expect(res.errorCount).toBe(1);
    expect(res.errors[0]).toMatchObject({ provider: "parallel", kind: "transient", item: "northwind-analytics.com" });
    const people = await contactsOf(w);
    expect(people.map((p) => [p.full_name, p.domain])).toEqual([
      ["Di Evans", "pipelinepilot.ai"],
      ["Tom Baker", "pipelinepilot.ai"],
    ]);
  });
});
