import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, contacts, offers, suppressions } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

describe.each(testEngines())("suppressions on %s", (engine) => {
  let t: TestDb;
  let jane: string;
  let joe: string;
  let gmailPerson: string;
  let other: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const a = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
    const acme = (await companies.upsert(db, { offer_id: a.id, name: "Acme", domain: "acme.com", source_tool: "m" })).company;
    const beta = (await companies.upsert(db, { offer_id: a.id, name: "Beta", domain: "beta.io", source_tool: "m" })).company;
    const up = async (v: Record<string, unknown>) => (await contacts.upsert(db, { offer_id: a.id, source_tool: "m", ...v })).contact.id;
    jane = await up({ company_id: acme.id, full_name: "Jane", email: "jane@acme.com", linkedin_url: "https://linkedin.com/in/jane-doe" });
    joe = await up({ company_id: acme.id, full_name: "Joe", linkedin_url: "https://linkedin.com/in/joe" });
    gmailPerson = await up({ company_id: beta.id, full_name: "Gil", email: "gil@gmail.com" });
    other = await up({ company_id: beta.id, full_name: "Ola", email: "ola@beta.io" });
  }, 60_000);
  afterAll(() => t?.drop());

  it("adds idempotently with normalised values, lists, removes", async () => {
    const first = await suppressions.add(t.db, { kind: "email", value: " Jane@ACME.com ", reason: "asked by mail" });
    expect(first.created).toBe(true);
    expect(first.suppression).toMatchObject({ kind: "email", value: "jane@acme.com", reason: "asked by mail", source: "manual" });
    const again = await suppressions.add(t.db, { kind: "email", value: "jane@acme.com", reason: "other", source: "csv" });
    expect(again).toMatchObject({ created: false, suppression: { id: first.suppression.id, reason: "asked by mail" } });
    expect((await suppressions.list(t.db)).map((s) => s.value)).toEqual(["jane@acme.com"]);
    expect(await suppressions.forContact(t.db, jane)).toMatchObject({ kind: "email", value: "jane@acme.com" });
    expect(await suppressions.forContact(t.db, joe)).toBeNull();
    expect((await suppressions.remove(t.db, "email", "JANE@acme.com"))?.id).toBe(first.suppression.id);
    expect(await suppressions.remove(t.db, "email", "jane@acme.com")).toBeNull();
    expect(await suppressions.forContact(t.db, jane)).toBeNull();
  });

  it("refuses an invalid value or a blank reason", async () => {
    await expect(suppressions.add(t.db, { kind: "email", value: "not-an-email", reason: "x" })).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(suppressions.add(t.db, { kind: "domain", value: "acme.com", reason: "  " })).rejects.toThrow(/reason/);
    expect(await suppressions.list(t.db)).toEqual([]);
  });

  it("matches by LinkedIn URL", async () => {
    await suppressions.add(t.db, { kind: "linkedin", value: "https://www.linkedin.com/in/joe/", reason: "r" });
    expect((await suppressions.forContact(t.db, joe))?.kind).toBe("linkedin");
    expect(await suppressions.contactsMatching(t.db, { kind: "linkedin", value: "https://www.linkedin.com/in/joe" })).toEqual([joe]);
    await suppressions.remove(t.db, "linkedin", "https://www.linkedin.com/in/joe");
  });

  it("a domain suppresses everyone at it, by email domain or company domain", async () => {
    const { suppression } = await suppressions.add(t.db, { kind: "domain", value: "https://www.acme.com/about", reason: "customer" });
    expect(suppression.value).toBe("acme.com");
    const found = await suppressions.forContacts(t.db, [jane, joe, gmailPerson, other]);
    expect([...found.keys()].sort()).toEqual([jane, joe].sort());
    expect((await suppressions.contactsMatching(t.db, suppression)).sort()).toEqual([jane, joe].sort());
    // beta.io by company domain (gil's email is at gmail.com) and by email domain.
    const beta = await suppressions.add(t.db, { kind: "domain", value: "beta.io", reason: "competitor" });
    expect((await suppressions.contactsMatching(t.db, beta.suppression)).sort()).toEqual([gmailPerson, other].sort());
    await suppressions.remove(t.db, "domain", "acme.com");
    await suppressions.remove(t.db, "domain", "beta.io");
  });

  it("reads a person's rows (any offer) with the entry that stops them, as forContacts says, in one read", async () => {
    const janeRow = await t.db.selectFrom("contacts").selectAll().where("id", "=", jane).executeTakeFirstOrThrow();
    // Jane's twin in another offer, matched by her LinkedIn URL only.
    const b = await offers.create(t.db, { name: "Other", type: "service", ownership: "internal", description: "d" });
    const bCo = (await companies.upsert(t.db, { offer_id: b.id, name: "Acme", domain: "acme.com", source_tool: "m" })).company;
    const twin = (
      await contacts.upsert(t.db, {
        offer_id: b.id,
        company_id: bCo.id,
        source_tool: "m",
        full_name: "Jane D",
        linkedin_url: "https://www.linkedin.com/in/jane-doe/",
      })
    ).contact.id;
    const clean = await suppressions.ofPerson(t.db, janeRow);
    expect(clean.person.map((p) => p.id).sort()).toEqual([jane, twin].sort());
    expect(clean.suppression).toBeNull();

    // The twin's entry stops Jane too; with two entries, the first by kind then value, as forContacts picks.
    await suppressions.add(t.db, { kind: "linkedin", value: "linkedin.com/in/jane-doe", reason: "customer" });
    await suppressions.add(t.db, { kind: "domain", value: "acme.com", reason: "competitor" });
    const stopped = await suppressions.ofPerson(t.db, { ...janeRow, email: "JANE@acme.com" });
    expect(stopped.person.map((p) => p.id).sort()).toEqual([jane, twin].sort());
    expect(stopped.suppression).toEqual((await suppressions.forContacts(t.db, [jane])).get(jane));
    expect(stopped.suppression).toMatchObject({ kind: "domain", value: "acme.com" });
    await suppressions.remove(t.db, "domain", "acme.com");
    expect((await suppressions.ofPerson(t.db, janeRow)).suppression).toMatchObject({ kind: "linkedin", reason: "customer" });
    await suppressions.remove(t.db, "linkedin", "linkedin.com/in/jane-doe");
  });

  it("the CHECK constraints hold", async () => {
    await expect(
      t.db
        .insertInto("suppressions")
        .values({ kind: "phone" as never, value: "x", reason: "r" })
        .execute(),
    ).rejects.toThrow();
    await expect(t.db.insertInto("suppressions").values({ kind: "email", value: "a@b.co", reason: "" }).execute()).rejects.toThrow();
  });
});
