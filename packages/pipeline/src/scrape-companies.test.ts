import { testEngines } from "@offerlab/db/testing";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { discoverCompanies, scrapeCompanies } from "./run.js";
import { websiteVariables } from "./scrape-companies.js";
import { createWorld, type World } from "./__tests__/world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const signalsOf = async (w: World, domain: string) =>
  (await w.db.selectFrom("companies").select("signals").where("domain", "=", domain).executeTakeFirstOrThrow()).signals as Record<
    string,
    unknown
  > & {
    website?: Record<string, string | null>;
  };

describe("websiteVariables", () => {
  const at = new Date("2026-02-01T00:00:00Z");
  it("reads the first heading, the meta description or first paragraph, and a hiring sentence", () => {
    const v = websiteVariables(
      [
        {
          url: "https://a.io/",
          markdown: "[Skip](#main)\n\n# **Ship** faster\n\nAcme helps [teams](/teams) ship software twice as fast, every week.",
          source_tool: "firecrawl",
        },
        {
          url: "https://a.io/careers",
          markdown: "## Careers\n\nJoin us. We're hiring 2 SDRs in Paris! Apply now.",
          source_tool: "firecrawl",
        },
      ],
      at,
    );
    expect(v).toEqual({
      url: "https://a.io/",
      title: null,
      headline: "Ship faster",
      summary: "Acme helps teams ship software twice as fast, every week.",
      hiring: "We're hiring 2 SDRs in Paris!",
      scraped_at: "2026-02-01T00:00:00.000Z",
      source_tool: "firecrawl",
    });
    const described = websiteVariables(
      [{ url: "https://b.io/", markdown: "text", description: "x".repeat(300), title: "B", source_tool: "firecrawl" }],
      at,
    )!;
    expect(described.summary).toHaveLength(240);
    expect(described.summary!.endsWith("…")).toBe(true);
    expect(described).toMatchObject({ title: "B", headline: null, hiring: null });
    expect(websiteVariables([], at)).toBeNull();
  });
});

describe.each(testEngines())("scrape companies on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("writes website variables of qualified companies into their signals, keeping the other signals", async () => {
    w = await createWorld(engine, server);
    const now = new Date("2026-02-01T09:00:00Z");
    await discoverCompanies(w.ctx(), w.offerId);
    const res = await scrapeCompanies(w.ctx(undefined, { now: () => now }), w.offerId);
    expect(res).toMatchObject({
      status: "completed",
      companies: 2,
      skipped: 0,
      pages: 2,
      cachedPages: 0,
      updated: 2,
      creditsSpent: 2,
      errorCount: 0,
    });
    const northwind = await signalsOf(w, "northwind-analytics.com");
    expect(northwind.website).toEqual({
      url: "https://northwind-analytics.com/",
      title: "Northwind Analytics",
      headline: "Revenue intelligence for B2B sales teams",
      summary: "Northwind turns every sales call into a forecast you can trust.",
      hiring: "We're hiring 3 Account Executives in Austin.",
      scraped_at: now.toISOString(),
      source_tool: "firecrawl",
    });
    expect(northwind.tech_stack).toEqual(expect.arrayContaining(["salesforce"]));
    // Initech is not qualified: not scraped.
    expect((await signalsOf(w, "initech.com")).website).toBeUndefined();
    const usage = await w.db.selectFrom("tool_usage").select(["action", "company_id"]).where("action", "=", "scrape").execute();
    expect(usage).toHaveLength(2);

    // Later the same day (the reuse window is counted on the run's clock, which bought them at `now`).
    const sameDay = w.ctx(undefined, { now: () => new Date(now.getTime() + 3_600_000) });
    const again = await scrapeCompanies(sameDay, w.offerId);
    expect(again).toMatchObject({ companies: 2, skipped: 2, pages: 0 });
    const refreshed = await scrapeCompanies(sameDay, w.offerId, { refresh: true });
    expect(refreshed).toMatchObject({ updated: 2, pages: 2, cachedPages: 2, creditsSpent: 0 });
    expect(await w.db.selectFrom("tool_usage").select("id").where("action", "=", "scrape").execute()).toHaveLength(2);
  });

  it("counts the reuse window of paid answers on the run's clock, not the database's (a sandbox run's time is simulated)", async () => {
    w = await createWorld(engine, server);
    const now = new Date("2026-02-01T09:00:00Z");
    const at = (days: number) => w.ctx(undefined, { now: () => new Date(now.getTime() + days * 86_400_000) });
    await discoverCompanies(at(0), w.offerId);
    expect(await scrapeCompanies(at(0), w.offerId)).toMatchObject({ pages: 2, cachedPages: 0, creditsSpent: 2 });
    // Within the 30 days of the default window, on that clock: reused.
    expect(await scrapeCompanies(at(29), w.offerId, { refresh: true })).toMatchObject({ pages: 2, cachedPages: 2, creditsSpent: 0 });
    // 31 days later on the same clock the answers are too old, whatever day the test runs on.
    expect(await scrapeCompanies(at(31), w.offerId, { refresh: true })).toMatchObject({ pages: 2, cachedPages: 0, creditsSpent: 2 });
  });

  it("records a failed page and goes on with the next company", async () => {
    w = await createWorld(engine, server);
    await discoverCompanies(w.ctx(), w.offerId);
    w.mocks.firecrawl.fail("server_error", { times: 1 });
    const res = await scrapeCompanies(w.ctx(), w.offerId, { statuses: ["qualified", "new"] });
    expect(res).toMatchObject({ companies: 3, pages: 2, updated: 1, errorCount: 2 });
    expect(res.errors[0]).toMatchObject({ provider: "firecrawl", kind: "transient", item: "https://northwind-analytics.com/" });
    // Initech's site has no such page: Firecrawl answers 200 with the site's 404, which is not used.
    expect(res.errors[1]).toMatchObject({
      provider: "firecrawl",
      kind: "not_found",
      message: "the site answered HTTP 404",
      item: "https://initech.com/",
    });
    expect((await signalsOf(w, "initech.com")).website).toBeUndefined();
    expect((await signalsOf(w, "northwind-analytics.com")).website).toBeUndefined();
    expect((await signalsOf(w, "pipelinepilot.ai")).website?.headline).toBe("Forecast with AI");
  });
});
