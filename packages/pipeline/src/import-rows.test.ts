import { companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ImportRejectedError, importCompanies, importContacts, resolveImportMapping, UnreadableRow } from "./import-rows.js";
import { PipelineInputError } from "./offer.js";

async function* stream<T>(rows: T[]): AsyncGenerator<T> {
  for (const r of rows) yield r;
}

describe("resolveImportMapping", () => {
  it("maps common headers automatically and lets --map win", () => {
    const m = resolveImportMapping("companies", ["Company Name", "Website", "# Employees", "HQ Country", "Owner"]);
    expect(m.columns).toEqual({
      "Company Name": "name",
      Website: "domain",
      "# Employees": "size_exact",
      "HQ Country": "headquarters_country",
    });
    expect(m.ignored).toEqual(["Owner"]);
    const c = resolveImportMapping("contacts", [
      "First Name",
      "Last Name",
      "E-mail",
      "LinkedIn Profile URL",
      "Job Title",
      "Company",
      "Company Website",
    ]);
    expect(c.columns).toEqual({
      "First Name": "first_name",
      "Last Name": "last_name",
      "E-mail": "email",
      "LinkedIn Profile URL": "linkedin_url",
      "Job Title": "title",
      Company: "company_name",
      "Company Website": "company_domain",
    });
    const explicit = resolveImportMapping("contacts", ["Mail", "Org", "Website"], { Org: "company_name", Website: "-" });
    expect(explicit.columns).toEqual({ Org: "company_name", Mail: "email" });
    expect(explicit.ignored).toEqual(["Website"]);
  });

  it("names every mapping problem", () => {
    expect(() => resolveImportMapping("companies", ["Owner"])).toThrow(
      /no column maps to name or domain \(columns: "Owner"\); use --map "<column>=domain"/,
    );
    expect(() => resolveImportMapping("contacts", ["Email"])).toThrow(/no column maps to company_domain or company_name/);
    expect(() => resolveImportMapping("companies", ["Name"], { Nom: "name" })).toThrow(
      /--map: the file has no column "Nom" \(columns: "Name"\)/,
    );
    expect(() => resolveImportMapping("companies", ["A", "B"], { A: "nmae" })).toThrow(
      /--map: "nmae" is not a companies field; fields are name, domain/,
    );
    expect(() => resolveImportMapping("companies", ["A", "B"], { A: "domain", B: "domain" })).toThrow(
      /columns "A" and "B" both map to domain/,
    );
    expect(() => resolveImportMapping("companies", ["Owner"])).toThrow(PipelineInputError);
  });
});

describe.each(testEngines())("import on %s", (engine) => {
  let t: TestDb;
  let db: Db;
  let offerId: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    db = t.db;
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    await db.deleteFrom("offers").execute();
    offerId = (await offers.create(db, { name: `Offer ${Math.random()}`, type: "product", ownership: "internal", description: "x" })).id;
  });
  const companyRows = () => db.selectFrom("companies").selectAll().where("offer_id", "=", offerId).orderBy("name").execute();
  const contactRows = () => db.selectFrom("contacts").selectAll().where("offer_id", "=", offerId).orderBy("full_name").execute();

  it("imports companies: normalised, deduped in the file and across batches, merged into stored ones without blanking", async () => {
    await companies.upsert(db, {
      offer_id: offerId,
      name: "Globex Corp",
      domain: "globex.io",
      description: "Stored description",
      source_tool: "theirstack",
      status: "qualified",
    });
    const rows = [
      { "Company Name": "Acme", Website: "https://www.acme.com/about", Employees: "1,200", Industry: "Software", Country: "US" },
      { "Company Name": "Globex", Website: "globex.io", Employees: "", Industry: "IT Services", Country: "" },
      { "Company Name": "ACME Inc", Website: "acme.com", Employees: "", Industry: "", Country: "United States" },
      { "Company Name": "Nameless Ltd", Website: "", Employees: "12", Industry: "", Country: "" },
      { "Company Name": "nameless ltd", Website: "", Employees: "", Industry: "Retail", Country: "" },
    ];
    const progress: number[] = [];
    const s = await importCompanies(db, stream(rows), { offerId, batchSize: 2, onProgress: (p) => progress.push(p.rows) });
    expect(s).toMatchObject({ rows: 5, invalid: 0, created: 2, merged: 3, duplicatesInFile: 2, written: true, errorCount: 0 });
    expect(progress).toEqual([2, 4, 5]);
    const stored = await companyRows();
    expect(
      stored.map((c) => [
        c.name,
        c.domain,
        c.size_exact,
        c.size,
        c.industry,
        c.headquarters_country,
        c.description,
        c.status,
        c.source_tool,
      ]),
    ).toEqual([
      ["Acme", "acme.com", 1200, "1000+", "Software", "US", null, "new", "import"],
      ["Globex Corp", "globex.io", null, null, "IT Services", null, "Stored description", "qualified", "theirstack"],
      ["Nameless Ltd", null, 12, "11-50", "Retail", null, null, "new", "import"],
    ]);
    expect(stored[0]!.url).toBe("https://acme.com");
    // Importing the same file again changes nothing and creates nothing.
    const again = await importCompanies(db, rows, { offerId });
    expect(again).toMatchObject({ created: 0, merged: 5 });
    expect((await companyRows()).map((c) => c.id)).toEqual(stored.map((c) => c.id));
  });

  it("writes nothing when any row is invalid, reporting each row, column and what is allowed", async () => {
    const rows = [
      { name: "Fine", domain: "fine.io", fit_score: "7", status: "qualified" },
      { name: "Fine too", domain: "fine2.io", fit_score: "", status: "" },
      { name: "", domain: "not a domain", fit_score: "11", status: "hot" },
      { name: "", domain: "", fit_score: "", status: "" },
    ];
    const error = await importCompanies(db, stream(rows), { offerId, batchSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    const s = (error as ImportRejectedError).summary;
    expect((error as Error).message).toBe("2 of 4 rows are invalid; nothing was imported");
    expect(s).toMatchObject({ rows: 4, invalid: 2, written: false, errorCount: 4 });
    expect(s.errors).toEqual([
      {
        row: 3,
        column: "domain",
        field: "domain",
        message: 'is not a domain; write e.g. "acme.com" or "https://acme.com"',
        value: "not a domain",
      },
      { row: 3, column: "fit_score", field: "fit_score", message: "must be a whole number from 1 to 10", value: "11" },
      { row: 3, column: "status", field: "status", message: expect.stringMatching(/^must be one of "new", "qualified"/), value: "hot" },
      { row: 4, column: "name", field: "name", message: "is required: give the company a name or a domain" },
    ]);
    // The first rows were in earlier batches: rolled back with the rest.
    expect(await companyRows()).toEqual([]);

    const skipped = await importCompanies(db, stream(rows), { offerId, batchSize: 1, skipInvalid: true });
    expect(skipped).toMatchObject({ rows: 4, invalid: 2, created: 2, written: true });
    expect((await companyRows()).map((c) => [c.name, c.fit_score, c.priority, c.status])).toEqual([
      ["Fine", 7, "medium", "qualified"],
      ["Fine too", null, null, "new"],
    ]);
  });

  it("counts a row its reader could not read as one invalid row: reported, left out with skipInvalid, and stopping the import without", async () => {
    const rows = [
      { name: "Fine", domain: "fine.io" },
      new UnreadableRow("has 4 fields where the header has 3"),
      { name: "Fine too", domain: "fine2.io" },
    ];
    const error = await importCompanies(db, stream(rows), { offerId, batchSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect((error as ImportRejectedError).summary).toMatchObject({
      rows: 3,
      invalid: 1,
      written: false,
      errors: [{ row: 2, column: "(row)", field: "(row)", message: "has 4 fields where the header has 3" }],
    });
    expect(await companyRows()).toEqual([]);

    const skipped = await importCompanies(db, stream(rows), { offerId, skipInvalid: true });
    expect(skipped).toMatchObject({ rows: 3, invalid: 1, created: 2, written: true, errorCount: 1 });
    expect((await companyRows()).map((c) => c.name)).toEqual(["Fine", "Fine too"]);
  });

  it("refuses a value over its field's size as an invalid row naming the column, the field and the limit", async () => {
    const rows = [
      { "Company Name": "x".repeat(300 * 1024), Website: "huge.io", About: "fine" },
      { "Company Name": "Wordy", Website: "wordy.io", About: "d".repeat(5 * 1024 * 1024) },
      { "Company Name": "Fine", Website: "fine.io", About: "A company." },
    ];
    const error = await importCompanies(db, stream(rows), { offerId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect((error as ImportRejectedError).summary.errors).toEqual([
      { row: 1, column: "Company Name", field: "name", message: "must be at most 300 characters (got 307200)" },
      { row: 2, column: "About", field: "description", message: "must be at most 10000 characters (got 5242880)" },
    ]);
    expect(await companyRows()).toEqual([]);
    const skipped = await importCompanies(db, stream(rows), { offerId, skipInvalid: true });
    expect(skipped).toMatchObject({ invalid: 2, created: 1 });
    expect((await companyRows()).map((c) => c.name)).toEqual(["Fine"]);

    // A contact's company name may create a company: it is held to the company name's size.
    const people = [
      { Email: "ann@big.io", Company: "c".repeat(301), Notes: "" },
      { Email: "bo@big.io", Company: "Big", Notes: "n".repeat(10_001) },
    ];
    const contactError = await importContacts(db, stream(people), { offerId }).catch((e: unknown) => e);
    expect((contactError as ImportRejectedError).summary.errors).toEqual([
      { row: 1, column: "Company", field: "company_name", message: "must be at most 300 characters (got 301)" },
      { row: 2, column: "Notes", field: "notes", message: "must be at most 10000 characters (got 10001)" },
    ]);
    expect(await contactRows()).toEqual([]);
  });

  it("imports contacts: companies found or created, deduped by email and LinkedIn URL, merged without blanking", async () => {
    const acme = (await companies.upsert(db, { offer_id: offerId, name: "Acme", domain: "acme.com", source_tool: "exa" })).company;
    const stored = (
      await contacts.upsert(db, {
        offer_id: offerId,
        company_id: acme.id,
        source_tool: "parallel",
        full_name: "Jane Doe",
        title: "VP Sales",
        linkedin_url: "https://www.linkedin.com/in/jane-doe",
        status: "enriched",
      })
    ).contact;
    const rows = [
      // Matches Jane by LinkedIn URL: fills her email and phone, keeps her title and status.
      {
        "First Name": "Jane",
        "Last Name": "Doe",
        Email: "JANE@acme.com",
        LinkedIn: "linkedin.com/in/jane-doe/",
        Title: "Sales",
        Company: "Acme",
        Website: "acme.com",
        Phone: "+1 555",
        Seniority: "",
      },
      {
        "First Name": "Bob",
        "Last Name": "Roe",
        Email: "bob@globex.io",
        LinkedIn: "",
        Title: "Head of Revenue",
        Company: "Globex",
        Website: "https://globex.io",
        Phone: "",
        Seniority: "",
      },
      // Bob again by email, two batches later: merged, his LinkedIn URL filled in.
      {
        "First Name": "",
        "Last Name": "",
        Email: "Bob@Globex.io",
        LinkedIn: "https://www.linkedin.com/in/bobroe",
        Title: "",
        Company: "",
        Website: "globex.io",
        Phone: "",
        Seniority: "VP",
      },
      {
        "First Name": "Cy",
        "Last Name": "Diaz",
        Email: "",
        LinkedIn: "",
        Title: "Founder",
        Company: "Tiny Shop",
        Website: "",
        Phone: "",
        Seniority: "Founder",
      },
    ];
    const s = await importContacts(db, stream(rows), { offerId, batchSize: 1 });
    expect(s).toMatchObject({ rows: 4, invalid: 0, created: 2, merged: 2, duplicatesInFile: 1, companiesCreated: 2 });
    const people = await contactRows();
    expect(people.map((p) => [p.full_name, p.email, p.linkedin_url, p.title, p.seniority, p.phone, p.status, p.source_tool])).toEqual([
      ["Bob Roe", "bob@globex.io", "https://www.linkedin.com/in/bobroe", "Head of Revenue", "vp", null, "new", "import"],
      ["Cy Diaz", null, null, "Founder", "c_level", null, "new", "import"],
      ["Jane Doe", "jane@acme.com", "https://www.linkedin.com/in/jane-doe", "VP Sales", null, "+1 555", "enriched", "parallel"],
    ]);
    expect(people.find((p) => p.full_name === "Jane Doe")!.id).toBe(stored.id);
    const cos = await companyRows();
    expect(cos.map((c) => [c.name, c.domain, c.source_tool])).toEqual([
      ["Acme", "acme.com", "exa"],
      ["Globex", "globex.io", "import"],
      ["Tiny Shop", null, "import"],
    ]);
    const bob = people.find((p) => p.full_name === "Bob Roe")!;
    expect(bob.company_id).toBe(cos.find((c) => c.domain === "globex.io")!.id);
    // A second import of a name-only person at the same company is the same person.
    const again = await importContacts(db, [{ Name: "cy diaz", Company: "TINY SHOP", Phone: "+33 1" }], { offerId });
    expect(again).toMatchObject({ created: 0, merged: 1, companiesCreated: 0 });
    expect((await contactRows()).find((p) => p.full_name === "Cy Diaz")!.phone).toBe("+33 1");
  });

  it("reports bad contact rows precisely and writes nothing, not even their companies", async () => {
    const rows = [
      { email: "ok@acme.com", company_domain: "acme.com", seniority: "VP", linkedin_url: "" },
      { email: "nope", company_domain: "", seniority: "wizard", linkedin_url: "https://twitter.com/x" },
    ];
    const error = (await importContacts(db, rows, { offerId }).catch((e: unknown) => e)) as ImportRejectedError;
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.summary.errors.map((e) => [e.row, e.field])).toEqual([
      [2, "email"],
      [2, "seniority"],
      [2, "linkedin_url"],
      [2, "company_domain"],
    ]);
    expect(error.summary.errors[2]!.message).toBe("is not a LinkedIn profile URL; expected https://www.linkedin.com/in/<id>");
    expect(await contactRows()).toEqual([]);
    expect(await companyRows()).toEqual([]);
  });

  it("imports a connection degree column (1/2/3, 1st/2nd/3rd) and refuses any other value with a row error", async () => {
    const rows = [
      { Email: "a@acme.com", Company: "Acme", Degree: "1st" },
      { Email: "b@acme.com", Company: "Acme", Degree: "2" },
      { Email: "c@acme.com", Company: "Acme", Degree: "3rd" },
      { Email: "d@acme.com", Company: "Acme", Degree: "" },
    ];
    const summary = await importContacts(db, rows, { offerId });
    expect(summary.created).toBe(4);
    expect((await contactRows()).map((c) => [c.email, c.connection_degree]).sort()).toEqual([
      ["a@acme.com", 1],
      ["b@acme.com", 2],
      ["c@acme.com", 3],
      ["d@acme.com", null],
    ]);
    const bad = (await importContacts(db, [{ Email: "e@acme.com", Company: "Acme", "Connection level": "4th" }], { offerId }).catch(
      (e: unknown) => e,
    )) as ImportRejectedError;
    expect(bad).toBeInstanceOf(ImportRejectedError);
    expect(bad.summary.errors).toEqual([
      {
        row: 1,
        column: "Connection level",
        field: "connection_degree",
        message: 'must be a LinkedIn connection degree: 1, 2 or 3 (or "1st", "2nd", "3rd")',
        value: "4th",
      },
    ]);
    expect((await contactRows()).map((c) => c.email)).not.toContain("e@acme.com");
  });

  it("refuses an unknown offer and an unusable mapping before writing", async () => {
    await expect(importCompanies(db, [{ name: "x" }], { offerId: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(
      /offer 00000000-0000-4000-8000-000000000000 does not exist/,
    );
    await expect(importContacts(db, [{ Email: "a@b.co" }], { offerId })).rejects.toThrow(
      /no column maps to company_domain or company_name/,
    );
    expect(await companyRows()).toEqual([]);
  });

  it("resolves each company once per import: later batches reuse it, however the row writes its domain or name", async () => {
    const acme = (await companies.upsert(db, { offer_id: offerId, name: "Acme", domain: "acme.com", source_tool: "exa" })).company;
    // Counts the statements that read or write companies, through the same connection the import uses.
    const companyStatements: string[] = [];
    const counted = db.withPlugin({
      transformQuery(args) {
        const node = args.node as {
          kind: string;
          from?: { froms: { table?: { identifier?: { name?: string } } }[] };
          into?: { table: { identifier: { name: string } } };
        };
        const table = node.kind === "InsertQueryNode" ? node.into?.table.identifier.name : node.from?.froms[0]?.table?.identifier?.name;
        if (table === "companies") companyStatements.push(node.kind);
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    });
    const rows = [
      { email: "a1@acme.com", company_domain: "acme.com", company_name: "" },
      { email: "g1@globex.io", company_domain: "globex.io", company_name: "Globex" },
      { email: "a2@acme.com", company_domain: "acme.com", company_name: "" },
      { email: "t1@tiny.shop", company_domain: "", company_name: "Tiny Shop" },
      { email: "g2@globex.io", company_domain: "globex.io", company_name: "Globex" },
      { email: "t2@tiny.shop", company_domain: "", company_name: "  TINY SHOP " },
      { email: "a3@acme.com", company_domain: "https://www.acme.com/", company_name: "" },
    ];
    const s = await importContacts(counted, stream(rows), { offerId, batchSize: 2 });
    expect(s).toMatchObject({ rows: 7, created: 7, companiesCreated: 2 });
    const cos = await companyRows();
    expect(cos.map((c) => [c.name, c.domain])).toEqual([
      ["Acme", "acme.com"],
      ["Globex", "globex.io"],
      ["Tiny Shop", null],
    ]);
    const companyOf = new Map((await contactRows()).map((p) => [p.email, cos.find((c) => c.id === p.company_id)?.name]));
    expect(Object.fromEntries(companyOf)).toEqual({
      "a1@acme.com": "Acme",
      "a2@acme.com": "Acme",
      "a3@acme.com": "Acme",
      "g1@globex.io": "Globex",
      "g2@globex.io": "Globex",
      "t1@tiny.shop": "Tiny Shop",
      "t2@tiny.shop": "Tiny Shop",
    });
    expect(cos.find((c) => c.name === "Acme")!.id).toBe(acme.id);
    // Batches of 2 over 7 rows: acme + globex (a read, a create), acme again and tiny shop by name
    // (a read, a create: acme is resolved), globex and tiny shop in other case (nothing), acme's
    // domain as a URL (nothing: the row's domain is normalised when the row is read). Without the
    // import's cache every batch would read.
    expect(companyStatements).toEqual(["SelectQueryNode", "InsertQueryNode", "SelectQueryNode", "InsertQueryNode"]);
  });

  it("streams a 5,000-row file in batches", async () => {
    async function* many() {
      for (let i = 0; i < 5000; i++) {
        yield {
          email: `person${i}@company${i % 250}.com`,
          full_name: `Person ${i}`,
          company_domain: `company${i % 250}.com`,
          title: i % 2 ? "VP Sales" : "CEO",
        };
      }
    }
    const s = await importContacts(db, many(), { offerId });
    expect(s).toMatchObject({ rows: 5000, created: 5000, companiesCreated: 250, merged: 0 });
    const n = await db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("offer_id", "=", offerId)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(5000);
  });

  it("keeps each invalid row's number and message across batches, and merges a person a later batch repeats", async () => {
    const acme = (await companies.upsert(db, { offer_id: offerId, name: "Acme", domain: "acme.com", source_tool: "exa" })).company;
    const stored = (
      await contacts.upsert(db, { offer_id: offerId, company_id: acme.id, source_tool: "exa", email: "kept@acme.com", full_name: "Kept" })
    ).contact;
    const rows = Array.from({ length: 120 }, (_, i) => ({
      email: `p${i}@acme.com`,
      linkedin_url: `linkedin.com/in/p-${i}`,
      company_domain: "acme.com",
      title: "",
    }));
    rows[6] = { ...rows[6]!, email: "not-an-email" };
    rows[63] = { ...rows[63]!, linkedin_url: "https://twitter.com/p63" };
    // Batch 4 repeats batch 1's person (other case, title given) and the person stored before.
    rows[70] = { ...rows[70]!, email: " P3@ACME.COM ", linkedin_url: "", title: "CRO" };
    rows[101] = { ...rows[101]!, email: "KEPT@acme.com", linkedin_url: "", title: "CFO" };
    const s = await importContacts(db, stream(rows), { offerId, batchSize: 25, skipInvalid: true });
    expect(s).toMatchObject({ rows: 120, invalid: 2, created: 116, merged: 2, duplicatesInFile: 1 });
    expect(s.errors).toEqual([
      { row: 7, column: "email", field: "email", message: 'is not an email address (e.g. "jane@acme.com")', value: "not-an-email" },
      {
        row: 64,
        column: "linkedin_url",
        field: "linkedin_url",
        message: "is not a LinkedIn profile URL; expected https://www.linkedin.com/in/<id>",
        value: "https://twitter.com/p63",
      },
    ]);
    const people = await contactRows();
    expect(people).toHaveLength(117);
    expect(people.filter((p) => p.email === "p3@acme.com").map((p) => [p.title, p.linkedin_url])).toEqual([
      ["CRO", "https://www.linkedin.com/in/p-3"],
    ]);
    expect(people.find((p) => p.email === "kept@acme.com")).toMatchObject({ id: stored.id, title: "CFO", source_tool: "exa" });
    expect(people.some((p) => p.email === "p6@acme.com" || p.email === "p63@acme.com")).toBe(false);
  });
});
