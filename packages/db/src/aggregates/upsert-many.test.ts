import { ContactInsert, ValidationError, normalizeEmail, normalizeLinkedInUrl, textLimits } from "@offerlab/core";
import { sql, type KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, contacts, inTransaction, offers, type Company, type Contact, type DbOrTrx } from "../index.js";
import { createTestDb, testEngines, type TestDb } from "../testing.js";

const offerInput = { type: "product", ownership: "internal", description: "x" } as const;

/** A row as the merge rule leaves it: without its ids and clocks. */
function facts<T extends Record<string, unknown>>(row: T): Record<string, unknown> {
  const { id: _id, offer_id: _o, company_id: _c, created_at: _ca, updated_at: _ua, ...rest } = row;
  return rest;
}

/** The stored rows of an offer in a stable order, and each result's row by position in it. */
function outcome<T extends { id: string } & Record<string, unknown>>(
  rows: T[],
  results: { id: string; created: boolean }[],
  sortKey: (r: T) => string,
) {
  const sorted = [...rows].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  return {
    rows: sorted.map(facts),
    results: results.map((r) => ({ created: r.created, row: sorted.findIndex((s) => s.id === r.id) })),
  };
}

/** Counts the statements a database handle runs. */
function counting(db: TestDb["db"]): { db: TestDb["db"]; count: () => number } {
  let n = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      n += 1;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
  return { db: db.withPlugin(plugin), count: () => n };
}

describe("contacts.prepare", () => {
  // What the schema says of an input, the way `prepare` answered before it had its quick checks:
  // ContactInsert at a placeholder company, then the two keys normalised (null when not given).
  const bySchema = (input: Record<string, unknown>) => {
    const parsed = ContactInsert.safeParse({ ...input, company_id: "00000000-0000-4000-8000-000000000000" });
    if (!parsed.success) return { ok: false };
    const email = parsed.data.email == null ? null : normalizeEmail(parsed.data.email);
    const linkedin = parsed.data.linkedin_url == null ? null : normalizeLinkedInUrl(parsed.data.linkedin_url);
    if ((parsed.data.email != null && email === null) || (parsed.data.linkedin_url != null && linkedin === null)) return { ok: false };
    return { ok: true, contact: { ...parsed.data, email, linkedin_url: linkedin } };
  };
  const offerId = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd";
  const base = { offer_id: offerId, source_tool: "import" };
  const long = (n: number) => "x".repeat(n);
  const inputs: Record<string, unknown>[] = [
    base,
    { ...base, first_name: "Pat", last_name: "Lee", full_name: "Pat Lee", email: " Pat@Acme.COM ", title: "VP Sales" },
    { ...base, linkedin_url: "linkedin.com/in/Pat-Lee/", connection_degree: 2, buyer_fit_score: 10, priority: "high" },
    { ...base, seniority: "vp", email_status: "valid", status: "enriched", global_status: "available", notes: null, phone: null },
    { ...base, seniority: null, email_status: null, priority: null, connection_degree: null, buyer_fit_score: null },
    { ...base, company_id: "not even a uuid", full_name: "Replaced company" },
    { ...base, full_name: long(textLimits.contacts.full_name) },
    { ...base, full_name: long(textLimits.contacts.full_name + 1) },
    { ...base, notes: long(textLimits.contacts.notes + 1) },
    { ...base, source_tool: long(textLimits.contacts.source_tool + 1) },
    { ...base, source_tool: null },
    { offer_id: offerId },
    { source_tool: "import" },
    { ...base, offer_id: "not-a-uuid" },
    { ...base, offer_id: "3f1c2a9e-8b7d-4c6e-9f01-23456789abcX" },
    { ...base, email: "not an email" },
    { ...base, email: `${long(250)}@a.co` },
    { ...base, linkedin_url: "https://example.com/in/x" },
    { ...base, seniority: "VP" },
    { ...base, status: null },
    { ...base, global_status: "nope" },
    { ...base, connection_degree: 4 },
    { ...base, connection_degree: "2" },
    { ...base, buyer_fit_score: 0 },
    { ...base, buyer_fit_score: 7.5 },
    { ...base, buyer_fit_score: "7" },
    { ...base, title: 42 },
    { ...base, full_name: undefined },
    { ...base, source_raw: { from: "file" }, already_contacted: false },
    { ...base, id: "0f1c2a9e-8b7d-4c6e-9f01-23456789abcd", created_at: "2026-12-01T00:00:00Z" },
    { ...base, unknown_column: "dropped by the schema" },
  ];
  it.each(inputs.map((input, i) => [i, input] as const))("answers input %i as the schema does", (_i, input) => {
    const expected = bySchema(input);
    const got = contacts.prepare(input);
    expect(got.ok).toBe(expected.ok);
    if (got.ok) expect({ ...(got.contact as object) }).toEqual(expected.contact);
  });
});

describe.each(testEngines())("upsertMany on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t.drop();
  });
  let n = 0;
  const newOffer = async () => (await offers.create(t.db, { ...offerInput, name: `Offer ${++n}` })).id;

  describe("companies", () => {
    it("findOrCreateMany refreshes the offer_id statistics after creating many companies in a transaction (the contacts' foreign-key check is planned on the key)", async () => {
      const offerId = await newOffer();
      await inTransaction(t.db, async (trx) => {
        const made = await companies.findOrCreateMany(
          trx,
          offerId,
          Array.from({ length: 150 }, (_, i) => ({ domain: `stats${i}.example`, name: `Stats ${i}` })),
          { sourceTool: "a" },
        );
        expect(made.created).toBe(150);
        // What the check of contacts (company_id, offer_id) → companies (id, offer_id) asks, per contact.
        const plan = await sql<{ "QUERY PLAN": unknown }>`EXPLAIN (FORMAT JSON)
          SELECT 1 FROM ONLY companies x WHERE id = ${made.ids[0]}::uuid AND offer_id = ${offerId}::uuid FOR KEY SHARE OF x`.execute(trx);
        expect(JSON.stringify(plan.rows[0]!["QUERY PLAN"])).not.toContain("idx_companies_offer");
        // The statistics see the transaction's 150 companies of the offer.
        const stats = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stats
          WHERE tablename = 'companies' AND attname = 'offer_id' AND ${offerId} = ANY(most_common_vals::text::text[])`.execute(trx);
        expect(stats.rows[0]!.n).toBe(1);
      });
    });

    const stored = (offerId: string) => [
      {
        offer_id: offerId,
        name: "Acme",
        domain: "acme.com",
        size: "51-200",
        source_tool: "exa",
        status: "qualified",
        signals: { tech_stack: ["hubspot"] },
      },
      { offer_id: offerId, name: "Tiny Shop", source_tool: "manual" },
    ];
    const batch = (offerId: string) => [
      {
        offer_id: offerId,
        name: "Acme Inc",
        domain: "https://www.ACME.com/about",
        size: "11-50",
        industry: "Software",
        source_tool: "b",
        status: "new",
        signals: { hiring: { sales_reps: 3 } },
      },
      { offer_id: offerId, name: "Globex", domain: "globex.io", source_tool: "a" },
      {
        offer_id: offerId,
        name: "Globex Corp",
        domain: "GLOBEX.io",
        description: "Makes things",
        status: "qualified",
        source_tool: "b",
        signals: { tech_stack: ["salesforce"] },
      },
      {
        offer_id: offerId,
        name: "Globex",
        domain: "globex.io",
        fit_score: 7,
        source_tool: "c",
        signals: { tech_stack: ["hubspot"], growth_signals: ["new_office"] },
      },
      { offer_id: offerId, name: "Nameless", source_tool: "a" },
      { offer_id: offerId, name: "nameless", industry: "Retail", source_tool: "a" },
      { offer_id: offerId, name: "TINY SHOP", industry: "Retail", source_tool: "a" },
      { offer_id: offerId, name: "Initech", domain: "initech.com", source_raw: { from: "file" }, source_tool: "a" },
    ];
    const rowsOf = (offerId: string) => t.db.selectFrom("companies").selectAll().where("offer_id", "=", offerId).execute();
    const key = (c: Company) => `${c.domain ?? ""}|${c.name}|${c.industry ?? ""}`;

    it("stores what upserting the rows one after the other stores: fill nulls, never replace, signals merged, status and source kept", async () => {
      const one = await newOffer();
      const many = await newOffer();
      for (const r of stored(one)) await companies.upsert(t.db, r);
      for (const r of stored(many)) await companies.upsert(t.db, r);
      const sequential = [];
      for (const r of batch(one)) sequential.push(await companies.upsert(t.db, r));
      const batched = await companies.upsertMany(t.db, batch(many));

      const a = outcome(
        await rowsOf(one),
        sequential.map((r) => ({ id: r.company.id, created: r.created })),
        key,
      );
      const b = outcome(await rowsOf(many), batched, key);
      expect(b).toEqual(a);
      // The rule itself, so that both forms cannot drift together unnoticed.
      const acme = (await rowsOf(many)).find((c) => c.domain === "acme.com")!;
      expect([acme.name, acme.size, acme.industry, acme.status, acme.source_tool, acme.signals]).toEqual([
        "Acme",
        "51-200",
        "Software",
        "qualified",
        "exa",
        { tech_stack: ["hubspot"], hiring: { sales_reps: 3 } },
      ]);
      const globex = (await rowsOf(many)).find((c) => c.domain === "globex.io")!;
      expect([globex.name, globex.description, globex.fit_score, globex.status, globex.source_tool, globex.signals]).toEqual([
        "Globex",
        "Makes things",
        7,
        "new",
        "a",
        { tech_stack: ["hubspot"], growth_signals: ["new_office"] },
      ]);
      expect(b.results.map((r) => r.created)).toEqual([false, true, false, false, true, true, true, true]);
      // Without the option, a company without a domain is always new, as with upsert.
      expect((await rowsOf(many)).filter((c) => c.domain === null)).toHaveLength(4);
    });

    it("merges rows without a domain into the offer's company of the same name when asked", async () => {
      const offerId = await newOffer();
      for (const r of stored(offerId)) await companies.upsert(t.db, r);
      const res = await companies.upsertMany(t.db, batch(offerId), { matchNameWithoutDomain: true });
      expect(res.map((r) => r.created)).toEqual([false, true, false, false, true, false, false, true]);
      const rows = await rowsOf(offerId);
      expect(
        rows
          .filter((c) => c.domain === null)
          .map((c) => [c.name, c.industry])
          .sort(),
      ).toEqual([
        ["Nameless", "Retail"],
        ["Tiny Shop", "Retail"],
      ]);
      expect(res[5]!.id).toBe(res[4]!.id);
    });

    it("writes a batch in one statement, validates every row first and writes nothing when one is bad", async () => {
      const offerId = await newOffer();
      const c = counting(t.db);
      const rows = Array.from({ length: 500 }, (_, i) => ({
        offer_id: offerId,
        name: `Co ${i}`,
        domain: `co${i}.example`,
        source_tool: "a",
      }));
      await companies.upsertMany(c.db, rows);
      expect(c.count()).toBe(1);
      const again = await companies.upsertMany(
        c.db,
        rows.map((r) => ({ ...r, industry: "Software" })),
      );
      expect(again.every((r) => !r.created)).toBe(true);
      expect((await rowsOf(offerId)).every((r) => r.industry === "Software")).toBe(true);
      expect(c.count()).toBe(2);

      const other = await newOffer();
      const error = await companies
        .upsertMany(t.db, [
          { offer_id: other, name: "Fine", domain: "fine.io", source_tool: "a" },
          { offer_id: other, name: "Bad", domain: "not a domain", source_tool: "a" },
        ])
        .catch((e: unknown) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["2.domain"]);
      expect(await rowsOf(other)).toEqual([]);
    });
  });

  describe("contacts", () => {
    it("prepare checks a contact once (issues, or one upsertMany takes as it is and merges like any row)", async () => {
      const offerId = await newOffer();
      const companyId = (await companies.upsert(t.db, { offer_id: offerId, name: "Prep", domain: "prep.com", source_tool: "a" })).company
        .id;
      const bad = contacts.prepare({ offer_id: offerId, source_tool: "a", email: "not an email" });
      expect(bad).toMatchObject({ ok: false, issues: [{ field: "email" }] });
      const good = contacts.prepare({ offer_id: offerId, source_tool: "a", full_name: "Pat Prep", email: " Pat@Prep.com " });
      if (!good.ok) throw new Error("expected a prepared contact");
      expect(() => contacts.atCompany(good.contact, "acme")).toThrow(/company_id: must be a company id/);
      const placed = contacts.atCompany(good.contact, companyId);
      const [first] = await contacts.upsertMany(t.db, [placed]);
      expect(first!.created).toBe(true);
      const stored = await t.db.selectFrom("contacts").selectAll().where("id", "=", first!.id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ email: "pat@prep.com", company_id: companyId, full_name: "Pat Prep" });
      // The same person again, prepared: merged into the stored row by the aggregate's rule.
      const again = contacts.prepare({ offer_id: offerId, source_tool: "a", email: "pat@prep.com", title: "CTO" });
      if (!again.ok) throw new Error("expected a prepared contact");
      expect(await contacts.upsertMany(t.db, [contacts.atCompany(again.contact, companyId)])).toEqual([{ id: first!.id, created: false }]);
      // A copy is not a prepared contact: it is checked like any input.
      const copy = { ...(contacts.atCompany(good.contact, companyId) as object), email: "still not an email" };
      await expect(contacts.upsertMany(t.db, [copy])).rejects.toThrow(ValidationError);
    });

    const setUp = async () => {
      const offerId = await newOffer();
      const companyId = (await companies.upsert(t.db, { offer_id: offerId, name: "Acme", domain: "acme.com", source_tool: "a" })).company
        .id;
      const base = { offer_id: offerId, company_id: companyId, source_tool: "a" };
      await contacts.upsert(t.db, { ...base, full_name: "X Stored", email: "x@acme.com", status: "enriched" });
      await contacts.upsert(t.db, { ...base, full_name: "Y Stored", linkedin_url: "https://www.linkedin.com/in/y-link" });
      return { offerId, base };
    };
    const batch = (base: Record<string, string>) => [
      { ...base, email: " X@Acme.com ", title: "CEO", status: "new" },
      { ...base, email: "new1@acme.com", linkedin_url: "linkedin.com/in/y-link/" },
      // Email names X, LinkedIn URL names Y: merged into X, Y's URL not copied.
      { ...base, email: "x@acme.com", linkedin_url: "https://www.linkedin.com/in/y-link", phone: "+1 1" },
      { ...base, email: "n2@acme.com", full_name: "N Two" },
      {
        ...base,
        email: "N2@acme.com",
        linkedin_url: "linkedin.com/in/nina-two",
        title: "VP",
        source_raw: { from: "file" },
        status: "enriched",
      },
      { ...base, email: "n3@acme.com", linkedin_url: "https://www.linkedin.com/in/nina-two" },
      { ...base, email: "n4@acme.com", linkedin_url: "linkedin.com/in/nora-four" },
      // A stored contact's email, and the LinkedIn URL of a contact this batch created.
      { ...base, email: "x@acme.com", linkedin_url: "linkedin.com/in/nora-four", department: "Sales" },
      { ...base, full_name: "Solo Person" },
      { ...base, full_name: "solo person", phone: "+1 2" },
      { ...base, linkedin_url: "linkedin.com/in/y-link", buyer_fit_score: 7, connection_degree: 2 },
    ];
    const rowsOf = (offerId: string) => t.db.selectFrom("contacts").selectAll().where("offer_id", "=", offerId).execute();
    const key = (c: Contact) => `${c.email ?? ""}|${c.linkedin_url ?? ""}|${c.full_name ?? ""}|${c.phone ?? ""}`;

    it("stores what upserting the rows one after the other stores: keys matched email first, nulls filled, others' keys not copied", async () => {
      const one = await setUp();
      const many = await setUp();
      const sequential = [];
      for (const r of batch(one.base)) sequential.push(await contacts.upsert(t.db, r));
      const batched = await contacts.upsertMany(t.db, batch(many.base));

      const a = outcome(
        await rowsOf(one.offerId),
        sequential.map((r) => ({ id: r.contact.id, created: r.created })),
        key,
      );
      const b = outcome(await rowsOf(many.offerId), batched, key);
      expect(b).toEqual(a);
      const rows = await rowsOf(many.offerId);
      const x = rows.find((c) => c.email === "x@acme.com")!;
      expect([x.full_name, x.title, x.phone, x.linkedin_url, x.department, x.status]).toEqual([
        "X Stored",
        "CEO",
        "+1 1",
        null,
        "Sales",
        "enriched",
      ]);
      const y = rows.find((c) => c.full_name === "Y Stored")!;
      expect([y.email, y.buyer_fit_score, y.connection_degree]).toEqual(["new1@acme.com", 7, 2]);
      const n2 = rows.find((c) => c.email === "n2@acme.com")!;
      expect([n2.linkedin_url, n2.title, n2.source_raw, n2.status]).toEqual([
        "https://www.linkedin.com/in/nina-two",
        "VP",
        { from: "file" },
        "new",
      ]);
      expect(rows.filter((c) => c.full_name?.toLowerCase() === "solo person")).toHaveLength(2);
      expect(b.results.map((r) => r.created)).toEqual([false, false, false, true, false, false, true, false, true, true, false]);
      expect(batched.map((r) => r.id).filter((id) => id === n2.id)).toHaveLength(3);
    });

    it("finds each row's stored contact by its own offer's keys in a batch that spans offers", async () => {
      const a = await setUp();
      const b = await setUp();
      // Offer A's keys, given for offer B (and B's for A), name nobody there; case and spacing aside, they are the same keys.
      const res = await contacts.upsertMany(t.db, [
        { ...b.base, email: "only-a@acme.com", full_name: "B One" },
        { ...a.base, email: " ONLY-A@acme.com ", title: "CTO" },
        { ...a.base, linkedin_url: "linkedin.com/in/only-b" },
        { ...b.base, linkedin_url: "https://www.linkedin.com/in/only-b/", title: "COO" },
        { ...a.base, email: "x@acme.com", phone: "+1 9" },
        { ...b.base, linkedin_url: "linkedin.com/in/y-link", title: "CFO" },
      ]);
      expect(res.map((r) => r.created)).toEqual([true, true, true, true, false, false]);
      const rowsA = await rowsOf(a.offerId);
      const rowsB = await rowsOf(b.offerId);
      expect(rowsA.find((c) => c.email === "only-a@acme.com")!.title).toBe("CTO");
      expect(rowsB.find((c) => c.email === "only-a@acme.com")!.full_name).toBe("B One");
      expect(rowsA.find((c) => c.linkedin_url === "https://www.linkedin.com/in/only-b")!.title).toBeNull();
      expect(rowsB.find((c) => c.linkedin_url === "https://www.linkedin.com/in/only-b")!.title).toBe("COO");
      expect(rowsA.find((c) => c.email === "x@acme.com")!.phone).toBe("+1 9");
      expect(rowsB.find((c) => c.email === "x@acme.com")!.phone).toBeNull();
      expect(rowsB.find((c) => c.full_name === "Y Stored")!.title).toBe("CFO");
      expect(rowsA.find((c) => c.full_name === "Y Stored")!.title).toBeNull();
      expect([rowsA.length, rowsB.length]).toEqual([4, 4]);
    });

    it("merges rows with neither key into the contact of that name at that company when asked", async () => {
      const { offerId, base } = await setUp();
      const res = await contacts.upsertMany(
        t.db,
        [
          { ...base, full_name: "x stored", phone: "+1 3" },
          { ...base, full_name: "Dee Dee" },
          { ...base, full_name: "DEE DEE", title: "CFO" },
          { ...base, full_name: "Y Stored", email: "y@acme.com" },
        ],
        { matchNameWithoutKeys: true },
      );
      expect(res.map((r) => r.created)).toEqual([false, true, false, true]);
      const rows = await rowsOf(offerId);
      expect(rows.find((c) => c.email === "x@acme.com")!.phone).toBe("+1 3");
      expect(rows.filter((c) => c.full_name === "Dee Dee").map((c) => c.title)).toEqual(["CFO"]);
    });

    it("reads once and writes at most twice per batch, validates every row first, and joins the caller's transaction", async () => {
      const { offerId, base } = await setUp();
      const c = counting(t.db);
      const rows = Array.from({ length: 1000 }, (_, i) => ({ ...base, email: `p${i}@acme.com`, full_name: `P ${i}` }));
      await contacts.upsertMany(c.db, rows);
      expect(c.count()).toBe(2);
      const res = await contacts.upsertMany(
        c.db,
        rows.map((r, i) => ({ ...r, title: i % 2 ? "VP" : null })),
      );
      expect(res.every((r) => !r.created)).toBe(true);
      expect((await rowsOf(offerId)).filter((r) => r.title === "VP")).toHaveLength(500);
      expect(c.count()).toBe(4);

      const error = await contacts
        .upsertMany(t.db, [
          { ...base, email: "fine@acme.com" },
          { ...base, email: "nope" },
          { ...base, linkedin_url: "https://x.com/a" },
        ])
        .catch((e: unknown) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["2.email", "3.linkedin_url"]);
      expect((await rowsOf(offerId)).some((r) => r.email === "fine@acme.com")).toBe(false);

      const rollback = new Error("rolled back");
      await t.db
        .transaction()
        .execute(async (trx: DbOrTrx) => {
          await contacts.upsertMany(trx, [{ ...base, email: "inside@acme.com" }]);
          throw rollback;
        })
        .catch((e: unknown) => expect(e).toBe(rollback));
      expect((await rowsOf(offerId)).some((r) => r.email === "inside@acme.com")).toBe(false);
    });
  });
});
