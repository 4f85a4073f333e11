import { offers, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, exportRows, type ExportKind, type ExportRow } from "./export-rows.js";
import { importCompanies, importContacts } from "./import-rows.js";

/** Every exported row, sorted by name: rows created by one statement share their creation time, so their order is their ids'. */
async function all(db: Db, kind: ExportKind, options: Parameters<typeof exportRows>[2] = {}): Promise<ExportRow[]> {
  const out: ExportRow[] = [];
  const ids = new Set<unknown>();
  for await (const r of exportRows(db, kind, options)) {
    expect(ids.has(r.id)).toBe(false);
    ids.add(r.id);
    out.push(r);
  }
  const key = (r: ExportRow) => String(r.full_name ?? r.name);
  return out.sort((a, b) => key(a).localeCompare(key(b)));
}

describe.each(testEngines())("export on %s", (engine) => {
  let t: TestDb;
  let db: Db;
  let offerId: string;
  let otherId: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    db = t.db;
    offerId = (await offers.create(db, { name: "Main", type: "product", ownership: "internal", description: "x" })).id;
    otherId = (await offers.create(db, { name: "Other", type: "product", ownership: "internal", description: "x" })).id;
    await importCompanies(
      db,
      [
        { name: "Acme", domain: "acme.com", fit_score: "9", status: "qualified" },
        { name: "Bad Co", domain: "bad.co", status: "disqualified" },
      ],
      { offerId },
    );
    await db
      .updateTable("companies")
      .set({
        signals: sql`signals || ${JSON.stringify({ website: { headline: "We build rockets", hiring: "We're hiring" } })}::jsonb` as never,
      })
      .where("domain", "=", "acme.com")
      .execute();
    const people = [
      {
        full_name: "Ann Ready",
        email: "ann@acme.com",
        email_status: "valid",
        status: "enriched",
        company_domain: "acme.com",
        buyer_fit_score: "9",
      },
      { full_name: "Ben New", email: "ben@acme.com", email_status: "", status: "new", company_domain: "acme.com", buyer_fit_score: "" },
      {
        full_name: "Cat Skip",
        email: "cat@acme.com",
        email_status: "valid",
        status: "skip",
        company_domain: "acme.com",
        buyer_fit_score: "2",
      },
      {
        full_name: "Dan Dnc",
        email: "dan@acme.com",
        email_status: "valid",
        status: "enriched",
        company_domain: "acme.com",
        buyer_fit_score: "8",
      },
      {
        full_name: "Eve Bad",
        email: "eve@bad.co",
        email_status: "valid",
        status: "enriched",
        company_domain: "bad.co",
        buyer_fit_score: "8",
      },
      {
        full_name: "Fay Ready",
        email: "fay@acme.com",
        email_status: "risky",
        status: "ready",
        company_domain: "acme.com",
        buyer_fit_score: "6",
      },
    ];
    await importContacts(db, people, { offerId });
    await db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("email", "=", "dan@acme.com").execute();
    await importContacts(db, [{ full_name: "Zed Other", email: "zed@other.io", company_domain: "other.io", status: "enriched" }], {
      offerId: otherId,
    });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("exports contacts of one offer with their company, every row once across pages", async () => {
    const rows = await all(db, "contacts", { offerId, pageSize: 2 });
    expect(rows.map((r) => r.full_name)).toEqual(["Ann Ready", "Ben New", "Cat Skip", "Dan Dnc", "Eve Bad", "Fay Ready"]);
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS.contacts]);
    expect(rows[0]).toMatchObject({
      offer: "main",
      email: "ann@acme.com",
      email_status: "valid",
      buyer_fit_score: 9,
      priority: "high",
      company_name: "Acme",
      company_domain: "acme.com",
      status: "enriched",
    });
    expect(rows[1]).toMatchObject({ email_status: null, buyer_fit_score: null });
    expect(typeof rows[0]!.created_at).toBe("string");
    expect((await all(db, "contacts", { pageSize: 3 })).map((r) => r.full_name)).toContain("Zed Other");
  });

  it("exports leads: only people we may contact now, with the personalisation of their company", async () => {
    const leads = await all(db, "leads", { offerId, pageSize: 1 });
    expect(leads.map((r) => r.full_name)).toEqual(["Ann Ready", "Fay Ready"]);
    expect(leads[0]).toMatchObject({
      company_fit_score: 9,
      company_priority: "high",
      website_headline: "We build rockets",
      website_hiring: "We're hiring",
      website_summary: null,
    });
    expect(Object.keys(leads[0]!)).toEqual([...EXPORT_COLUMNS.leads]);
  });

  it("exports leads: a person cooling off is left out until the window from our last touch has passed, like contacts_ready", async () => {
    const day = 24 * 60 * 60 * 1000;
    const fay = (
      await db
        .selectFrom("contacts")
        .select("id")
        .where("full_name", "=", "Fay Ready")
        .where("offer_id", "=", offerId)
        .executeTakeFirstOrThrow()
    ).id;
    const setTouch = (status: "available" | "cooling_off", at: Date | null) =>
      db.updateTable("contacts").set({ global_status: status, global_last_contacted_at: at }).where("id", "=", fay).execute();
    const names = async () => (await all(db, "leads", { offerId })).map((r) => r.full_name);
    const ready = async () =>
      (
        await sql<{ full_name: string }>`SELECT full_name FROM contacts_ready WHERE offer_id = ${offerId} ORDER BY full_name`.execute(db)
      ).rows.map((r) => r.full_name);
    try {
      await setTouch("cooling_off", new Date(Date.now() - 10 * day));
      expect(await names()).toEqual(["Ann Ready"]);
      // contacts_ready also lists people of disqualified companies (Eve Bad); only Fay matters here.
      expect(await ready()).not.toContain("Fay Ready");
      await setTouch("cooling_off", new Date(Date.now() - 61 * day));
      expect(await names()).toEqual(["Ann Ready", "Fay Ready"]);
      expect(await ready()).toContain("Fay Ready");
    } finally {
      await setTouch("available", null);
    }
  });

  it("exports companies, and an exported contacts file imports back into another offer unchanged", async () => {
    const cos = await all(db, "companies", { offerId });
    expect(cos.map((c) => [c.name, c.domain, c.status, c.fit_score, c.website_headline])).toEqual([
      ["Acme", "acme.com", "qualified", 9, "We build rockets"],
      ["Bad Co", "bad.co", "disqualified", null, null],
    ]);
    const copy = (await offers.create(db, { name: "Copy", type: "product", ownership: "internal", description: "x" })).id;
    const exported = await all(db, "contacts", { offerId });
    // As a CSV round trip would give them: every cell text.
    const asText = exported.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? "" : String(v)])));
    const res = await importContacts(db, asText, { offerId: copy });
    expect(res.mapping.ignored.sort()).toEqual(["created_at", "id", "offer", "skip_reason", "source_tool"]);
    expect(res).toMatchObject({ created: 6, companiesCreated: 2 });
    const back = await all(db, "contacts", { offerId: copy });
    const strip = (r: ExportRow) => ({ ...r, id: null, offer: null, created_at: null, source_tool: null, skip_reason: null });
    expect(back.map(strip)).toEqual(exported.map(strip));
  });
});
