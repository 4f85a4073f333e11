import { testEngines } from "@offerlab/db/testing";
import type { CompanySearch } from "@offerlab/provider-kit";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PipelineInputError } from "./offer.js";
import { discoverCompanies } from "./run.js";
import { createWorld, type World } from "./__tests__/world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const companiesOf = (w: World) =>
  w.db
    .selectFrom("companies")
    .select([
      "id",
      "name",
      "domain",
      "status",
      "fit_score",
      "fit_reasoning",
      "priority",
      "source_tool",
      "source_query",
      "source_raw",
      "disqualification_reason",
      "signals",
      "size_exact",
    ])
    .where("offer_id", "=", w.offerId)
    .orderBy("name")
    .execute();

describe.each(testEngines())("discover companies on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("merges providers by normalised domain, scores fit, stores sources, and records the usage", async () => {
    w = await createWorld(engine, server);
    const res = await discoverCompanies(w.ctx(), w.offerId);
    expect(res).toMatchObject({
      status: "completed",
      found: 4,
      unique: 3,
      new: 3,
      duplicates: 1,
      qualified: 2,
      disqualified: 0,
      errorCount: 0,
    });
    // TheirStack bills 3 credits per company returned; Exa bills nothing per search here.
    expect(res.creditsSpent).toBe(6);
    expect(res.providers).toEqual({ theirstack: { found: 2, pages: 1, cachedPages: 0 }, exa: { found: 2, pages: 1, cachedPages: 0 } });

    const rows = await companiesOf(w);
    expect(rows.map((r) => [r.domain, r.status])).toEqual([
      ["initech.com", "new"],
      ["northwind-analytics.com", "qualified"],
      ["pipelinepilot.ai", "qualified"],
    ]);
    const northwind = rows.find((r) => r.domain === "northwind-analytics.com")!;
    // Found by both: one row, the first provider's values, both raw records kept.
    expect(northwind.source_tool).toBe("theirstack");
    expect(Object.keys(northwind.source_raw as object).sort()).toEqual(["exa", "theirstack"]);
    expect(northwind.source_query).toMatch(/SaaS companies with 20-500 employees/);
    expect(northwind.fit_score).toBe(8);
    expect(northwind.priority).toBe("high");
    expect(northwind.fit_reasoning).toMatch(
      /^Fit 8\/10: vertical SaaS matches "Software Development" \(3\/3\); 142 employees vs 20–500 \(3\/3\); signals 1\/2 \(using_crm: uses salesforce\)/,
    );
    expect((northwind.signals as { tech_stack?: string[] }).tech_stack).toEqual(expect.arrayContaining(["salesforce", "hubspot"]));
    const initech = rows.find((r) => r.domain === "initech.com")!;
    expect(initech).toMatchObject({ fit_score: 3, priority: "low" });
    expect(initech.fit_reasoning).toMatch(/vertical not in SaaS \(0\/3\)/);

    // Every provider call is in tool_usage, filed under the offer and the run.
    const usage = await w.db
      .selectFrom("tool_usage as u")
      .innerJoin("tools as t", "t.id", "u.tool_id")
      .select(["t.name", "u.credits_used", "u.offer_id", "u.request_params", "u.status"])
      .orderBy("u.created_at")
      .execute();
    expect(usage.map((u) => [u.name, Number(u.credits_used), u.status])).toEqual([
      ["theirstack", 6, "success"],
      ["exa", 0, "success"],
    ]);
    expect(
      usage.every((u) => u.offer_id === w.offerId && (u.request_params as { pipeline_run_id?: string }).pipeline_run_id === res.runId),
    ).toBe(true);
    const tools = await w.db
      .selectFrom("tools")
      .select(["name", "total_requests", "total_credits_used"])
      .where("name", "in", ["theirstack", "exa"])
      .orderBy("name")
      .execute();
    expect(tools.map((t) => [t.name, t.total_requests, Number(t.total_credits_used)])).toEqual([
      ["exa", 1, 0],
      ["theirstack", 1, 6],
    ]);
  });

  it("reuses paid answers only within one lookup scope: a sandbox run of another seed (another world) buys its own", async () => {
    w = await createWorld(engine, server);
    const first = await discoverCompanies(w.ctx(undefined, { lookupScope: "seed-a" }), w.offerId);
    expect(first.providers.theirstack).toEqual({ found: 2, pages: 1, cachedPages: 0 });
    const other = await discoverCompanies(w.ctx(undefined, { lookupScope: "seed-b" }), w.offerId);
    expect(other.providers.theirstack).toEqual({ found: 2, pages: 1, cachedPages: 0 });
    expect(other.creditsSpent).toBeGreaterThan(0);
    const same = await discoverCompanies(w.ctx(undefined, { lookupScope: "seed-a" }), w.offerId);
    expect(same.providers.theirstack).toEqual({ found: 2, pages: 1, cachedPages: 1 });
    expect(same.creditsSpent).toBe(0);
  });

  it("a second run reuses the paid answers, creates nothing and never blanks what is stored", async () => {
    w = await createWorld(engine, server);
    await discoverCompanies(w.ctx(), w.offerId);
    const before = await companiesOf(w);
    const credits = w.mocks.theirstack.credits;
    // A person moved a company on by hand: discovery must not undo it.
    await w.db
      .updateTable("companies")
      .set({ status: "disqualified", disqualification_reason: "customer already" })
      .where("domain", "=", "initech.com")
      .execute();

    const again = await discoverCompanies(w.ctx(), w.offerId);
    expect(again).toMatchObject({ status: "completed", found: 4, unique: 3, new: 0, duplicates: 4, creditsSpent: 0 });
    expect(again.providers.theirstack).toEqual({ found: 2, pages: 1, cachedPages: 1 });
    expect(w.mocks.theirstack.credits).toBe(credits);
    const after = await companiesOf(w);
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(after.find((r) => r.domain === "initech.com")).toMatchObject({
      status: "disqualified",
      disqualification_reason: "customer already",
    });
    expect(again.disqualified).toBe(1);
    // Only the first run's two calls reached a vendor.
    expect(w.events).toHaveLength(2);
  });

  it("applies the ICP's and the positioning's disqualifiers, with the evidence", async () => {
    w = await createWorld(engine, server, {
      company: { verticals: ["SaaS"], size_min: 20, size_max: 5000, signals: [], disqualifiers: ["> 1000 employees"] },
      buyer: { titles: ["VP of Sales"], departments: ["Sales"], seniority: ["VP"] },
    });
    await w.db
      .updateTable("offers")
      .set({ positioning: JSON.stringify({ disqualifying_signals: ["forecasting"] }) as never })
      .where("id", "=", w.offerId)
      .execute();
    const res = await discoverCompanies(w.ctx(), w.offerId, { disqualifiers: ["financial services"] });
    const rows = await companiesOf(w);
    expect(rows.map((r) => [r.domain, r.status, r.disqualification_reason])).toEqual([
      ["globex.io", "disqualified", "> 1000 employees (1800 employees)"],
      ["initech.com", "disqualified", "financial services"],
      ["northwind-analytics.com", "qualified", null],
      ["pipelinepilot.ai", "disqualified", "forecasting"],
    ]);
    expect(res).toMatchObject({ disqualified: 3, qualified: 1 });
    expect(rows.find((r) => r.domain === "globex.io")!.fit_reasoning).toMatch(/Disqualified: > 1000 employees \(1800 employees\)\.$/);
  });

  it("keeps going when one provider fails, records the error, and does not ask it again in the run", async () => {
    w = await createWorld(engine, server);
    w.mocks.theirstack.fail("out_of_credits");
    const res = await discoverCompanies(w.ctx(), w.offerId);
    expect(res).toMatchObject({ status: "completed", found: 2, new: 2, errorCount: 1 });
    expect(res.errors[0]).toMatchObject({ provider: "theirstack", kind: "credits" });
    const usage = await w.db.selectFrom("tool_usage").select(["status", "error_message"]).orderBy("created_at").execute();
    expect(usage[0]).toMatchObject({ status: "error" });
    expect(usage[0]!.error_message).toMatch(/^credits:/);
    // Errors are not stored as answers: the next run asks TheirStack again.
    w.mocks.theirstack.clearFaults();
    const next = await discoverCompanies(w.ctx(), w.offerId);
    expect(next.providers.theirstack).toEqual({ found: 2, pages: 1, cachedPages: 0 });
    expect(next.new).toBe(1);
  });

  it("pages through a provider up to the limit and dedupes companies without a domain by name", async () => {
    w = await createWorld(engine, server);
    const pages = [
      { companies: [{ name: "Acme Robotics Inc.", domain: null, size_exact: 80, industry: "Software", source_tool: "fake" }], cursor: "2" },
      {
        companies: [
          { name: "Acme Robotics", domain: null, size_exact: 80, source_tool: "fake" },
          { name: "Beta", domain: "beta.io", source_tool: "fake" },
        ],
        cursor: "3",
      },
      { companies: [{ name: "Gamma", domain: "gamma.io", source_tool: "fake" }], cursor: null },
    ];
    const calls: (string | null | undefined)[] = [];
    const fake: CompanySearch = {
      provider: "fake",
      async searchCompanies(q) {
        calls.push(q.cursor);
        return pages[q.cursor ? Number(q.cursor) - 1 : 0]!;
      },
    };
    const res = await discoverCompanies(w.ctx({ companySearch: [fake] }), w.offerId, { limitPerProvider: 3 });
    expect(calls).toEqual([null, "2"]);
    expect(res).toMatchObject({ found: 3, unique: 2, new: 2 });
    const rows = await companiesOf(w);
    expect(rows.map((r) => [r.name, r.domain])).toEqual([
      ["Acme Robotics Inc.", null],
      ["Beta", "beta.io"],
    ]);
    const again = await discoverCompanies(w.ctx({ companySearch: [fake] }), w.offerId, { limitPerProvider: 3 });
    expect(again).toMatchObject({ new: 0 });
    expect(await companiesOf(w)).toHaveLength(2);
  });

  it("reports a record the schema refuses and stores the others", async () => {
    w = await createWorld(engine, server);
    const fake: CompanySearch = {
      provider: "fake",
      searchCompanies: async () => ({
        companies: [
          { name: "Broken", domain: "broken.io", size_exact: -5, source_tool: "fake" },
          { name: "Nameless broken", domain: null, size_exact: -1, source_tool: "fake" },
          { name: "Fine", domain: "fine.io", size_exact: 40, source_tool: "fake" },
        ],
        cursor: null,
      }),
    };
    const res = await discoverCompanies(w.ctx({ companySearch: [fake] }), w.offerId);
    expect(res).toMatchObject({ status: "completed", found: 3, new: 1, rejected: 2, duplicates: 0, errorCount: 2 });
    expect(res.errors.map((e) => [e.provider, e.kind, e.item])).toEqual([
      ["fake", "invalid", "broken.io"],
      ["fake", "invalid", "Nameless broken"],
    ]);
    expect(res.errors[0]!.message).toMatch(/size_exact/);
    expect((await companiesOf(w)).map((c) => c.domain)).toEqual(["fine.io"]);
  });

  it("cuts a vendor's long text to the field sizes instead of losing the company", async () => {
    w = await createWorld(engine, server);
    const fake: CompanySearch = {
      provider: "fake",
      searchCompanies: async () => ({
        companies: [
          { name: "Verbose", domain: "verbose.io", description: "word ".repeat(10_000), industry: "i".repeat(250), source_tool: "fake" },
        ],
        cursor: null,
      }),
    };
    const res = await discoverCompanies(w.ctx({ companySearch: [fake] }), w.offerId);
    expect(res).toMatchObject({ found: 1, new: 1, rejected: 0 });
    const row = await w.db
      .selectFrom("companies")
      .select(["description", "industry"])
      .where("domain", "=", "verbose.io")
      .executeTakeFirstOrThrow();
    expect(row.description).toHaveLength(10_000);
    expect(row.industry).toBe(`${"i".repeat(199)}…`);
  });

  it("refuses an offer without an ICP, or a run without a company search provider, writing nothing", async () => {
    w = await createWorld(engine, server, null);
    await expect(discoverCompanies(w.ctx(), w.offerId)).rejects.toThrow(PipelineInputError);
    await expect(discoverCompanies(w.ctx(), w.offerId)).rejects.toThrow(/has no usable ICP \(none yet\); generate or edit it first/);
    await w.db
      .updateTable("offers")
      .set({ icp: JSON.stringify({ company: { verticals: [] } }) as never })
      .execute();
    await expect(discoverCompanies(w.ctx(), w.offerId)).rejects.toThrow(/has no usable ICP \(company\.size_min/);
    const none = await discoverCompanies(w.ctx({}), w.offerId).catch((e: unknown) => e);
    expect((none as Error).message).toMatch(/discover_companies needs at least one company search provider/);
    expect(PipelineInputError.isInstance(none)).toBe(true);
    await expect(discoverCompanies(w.ctx(), "00000000-0000-4000-8000-000000000000")).rejects.toThrow(
      /offer 00000000-0000-4000-8000-000000000000 does not exist/,
    );
    expect(await w.db.selectFrom("pipeline_runs").select("id").execute()).toEqual([]);
    expect(await w.db.selectFrom("companies").select("id").execute()).toEqual([]);
    expect(w.events).toEqual([]);
  });
});
