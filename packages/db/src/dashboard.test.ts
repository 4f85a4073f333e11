import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboard, LEADS_SORTS, type LeadsSort } from "./dashboard.js";
import { companies, contacts, offers } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

describe.each(testEngines())("dashboard queries on %s", (engine) => {
  let t: TestDb;
  let offerId: string;

  beforeAll(async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
    offerId = offer.id;
    const acme = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "exa", fit_score: 8 }))
      .company;
    const blank = (await companies.upsert(db, { offer_id: offer.id, name: "blank", domain: "blank.io", source_tool: "exa" })).company;
    const hiring = (
      await companies.upsert(db, {
        offer_id: offer.id,
        name: "Hiring Co",
        domain: "hiring.co",
        source_tool: "exa",
        fit_score: 5,
        signals: { hiring: { sales_reps: 3 }, growth_signals: ["new_office"] },
      })
    ).company;
    // One batch: every row shares created_at (one statement), names repeat and some are missing,
    // so each sort pages through ties broken by id.
    await contacts.upsertMany(
      db,
      Array.from({ length: 23 }, (_, i) => ({
        offer_id: offer.id,
        company_id: [acme.id, blank.id, hiring.id][i % 3],
        source_tool: "manual",
        status: i % 4 === 0 ? "ready" : "new",
        full_name: i % 5 === 0 ? null : `Person ${i % 7}`,
        email: `p${i}@example.com`,
        connection_degree: i % 2 ? 2 : null,
      })),
    );
  });
  afterAll(async () => {
    await t?.drop();
  });

  it.each(LEADS_SORTS.flatMap((sort) => (["asc", "desc"] as const).map((dir) => [sort, dir] as [LeadsSort, "asc" | "desc"])))(
    "pages the leads sorted by %s %s with keyset cursors: every row once, in order",
    async (sort, dir) => {
      const whole = await dashboard.leads(t.db, { sort, dir, limit: 500 });
      expect(whole.rows).toHaveLength(23);
      expect(whole.nextCursor).toBeNull();
      const seen: string[] = [];
      let after: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await dashboard.leads(t.db, { sort, dir, limit: 5, ...(after ? { after } : {}) });
        seen.push(...page.rows.map((r) => r.id));
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
      expect(seen).toEqual(whole.rows.map((r) => r.id));
    },
  );

  it("filters by offer, status, fit, degree, signal and search, and counts the same rows", async () => {
    const check = async (filter: Parameters<typeof dashboard.leadsCount>[1], n: number) => {
      expect((await dashboard.leads(t.db, { ...filter, limit: 500 })).rows, JSON.stringify(filter)).toHaveLength(n);
      expect(await dashboard.leadsCount(t.db, filter)).toBe(n);
      expect(await dashboard.leadIdsUpTo(t.db, filter ?? {}, 500)).toEqual({ ids: expect.any(Array), more: false });
      expect((await dashboard.leadIdsUpTo(t.db, filter ?? {}, 500)).ids).toHaveLength(n);
      // Over the limit: the first `limit` ids, and `more` says there are others (never a silent cut).
      if (n > 1) expect(await dashboard.leadIdsUpTo(t.db, filter ?? {}, n - 1)).toEqual({ ids: expect.any(Array), more: true });
      if (n > 1) expect((await dashboard.leadIdsUpTo(t.db, filter ?? {}, n - 1)).ids).toHaveLength(n - 1);
      // The export's stream: every row of the filter once, however small the batch.
      const streamed: string[] = [];
      for await (const batch of dashboard.leadsOfFilter(t.db, filter ?? {}, 4)) streamed.push(...batch.map((r) => r.id));
      expect(streamed).toHaveLength(n);
      expect(new Set(streamed).size).toBe(n);
      // The bounded count: exact up to its cap, then "more than the cap".
      expect(await dashboard.leadsCountUpTo(t.db, filter ?? {}, n)).toEqual({ count: n, capped: false });
      if (n > 0) expect(await dashboard.leadsCountUpTo(t.db, filter ?? {}, n - 1)).toEqual({ count: n - 1, capped: true });
    };
    await check({ offerId }, 23);
    await check({ status: "ready" }, 6);
    await check({ minFit: 6 }, 8);
    await check({ degree: 2 }, 11);
    await check({ signal: "hiring" }, 7);
    await check({ signal: "new_office" }, 7);
    await check({ signal: "funding" }, 0);
    await check({ q: "p1" }, 11);
    await check({ q: "HIRING co" }, 7);
    // LIKE's wildcards are searched for literally.
    await check({ q: "%" }, 0);
  });

  it("ignores an edited cursor and starts from the first page", async () => {
    const first = await dashboard.leads(t.db, { limit: 5 });
    const edited = await dashboard.leads(t.db, { limit: 5, after: "not-a-cursor" });
    expect(edited.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
  });
});
