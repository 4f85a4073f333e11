import { NotFoundError } from "@offerlab/db";
import { ImportRejectedError, UnreadableRow } from "@offerlab/pipeline";
import { describe, expect, it } from "vitest";
import { baseOffer, clock, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { createOffer } from "../offers/create-offer.js";
import { importRecords } from "./import-records.js";

describe.each(testEngines())("importRecords on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  async function* stream<T>(rows: T[]) {
    for (const r of rows) yield r;
  }

  const count = async (table: "contacts" | "companies", offerId: string) =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("offer_id", "=", offerId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("imports contacts into the offer named by slug: staged in batches, deduped in the file and against what is stored, companies merged by domain", async () => {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name: "Import Op", ...copy } });
    const rows = [
      { Name: "Ada One", Email: "ada@acme.com", Company: "Acme", Website: "https://www.acme.com/" },
      { Name: "Bo Two", Email: "bo@acme.com", Company: "ACME Inc", Website: "acme.com" },
      // The same person as the first row, written otherwise: merged, and the title fills the empty field.
      { Name: "", Email: "  ADA@acme.com ", Company: "Acme", Website: "acme.com", Title: "VP Sales" },
      { Name: "Cy Three", Email: "cy@beta.io", Company: "Beta", Website: "beta.io" },
    ];
    const { offer: named, summary } = await importRecords(ctx, {
      kind: "contacts",
      offer: offer.slug!,
      rows: stream(rows.map((r) => ({ Title: "", ...r }))),
      batchSize: 2,
    });
    expect(named).toEqual({ id: offer.id, slug: offer.slug, name: offer.name });
    expect(summary).toMatchObject({ rows: 4, invalid: 0, created: 3, merged: 1, duplicatesInFile: 1, companiesCreated: 2, written: true });
    expect(await count("contacts", offer.id)).toBe(3);
    expect(await count("companies", offer.id)).toBe(2);
    const ada = await t.db
      .selectFrom("contacts")
      .selectAll()
      .where("offer_id", "=", offer.id)
      .where("email", "=", "ada@acme.com")
      .executeTakeFirstOrThrow();
    expect(ada).toMatchObject({ full_name: "Ada One", title: "VP Sales" });

    // Again: everything merges, nothing new.
    const again = await importRecords(ctx, { kind: "contacts", offer: offer.id, rows: rows.slice(0, 2) });
    expect(again.summary).toMatchObject({ created: 0, merged: 2, companiesCreated: 0 });
    expect(await count("contacts", offer.id)).toBe(3);
  });

  it("an invalid or unreadable row: nothing written, the row-level report on the error with the offer; --skip-invalid writes the others", async () => {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name: "Import Rejects", ...copy } });
    const rows = () =>
      stream<Record<string, unknown> | UnreadableRow>([
        { email: "ok@gamma.io", company: "Gamma" },
        { email: "not-an-email", company: "Gamma" },
        new UnreadableRow("has 4 fields where the header has 2"),
      ]);
    const error = await importRecords(ctx, { kind: "contacts", offer: offer.slug!, rows: rows() }).catch((e: unknown) => e);
    expect(ImportRejectedError.isInstance(error)).toBe(true);
    const rejected = error as ImportRejectedError;
    expect(rejected.offer).toEqual({ id: offer.id, slug: offer.slug });
    expect(rejected.summary).toMatchObject({ rows: 3, invalid: 2, written: false });
    expect(rejected.summary.errors).toEqual([
      expect.objectContaining({ row: 2, column: "email", field: "email", value: "not-an-email" }),
      { row: 3, column: "(row)", field: "(row)", message: "has 4 fields where the header has 2" },
    ]);
    expect(await count("contacts", offer.id)).toBe(0);
    expect(await count("companies", offer.id)).toBe(0);

    const skipped = await importRecords(ctx, { kind: "contacts", offer: offer.slug!, rows: rows(), skipInvalid: true });
    expect(skipped.summary).toMatchObject({ rows: 3, invalid: 2, created: 1, written: true });
    expect(await count("contacts", offer.id)).toBe(1);
  });

  it("an offer that names nothing is a NotFoundError; nothing is read from the rows", async () => {
    let read = 0;
    async function* rows() {
      read++;
      yield { email: "x@y.io", company: "Y" };
    }
    const error = await importRecords(ctx, { kind: "contacts", offer: "no-such-offer", rows: rows() }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(read).toBe(0);
  });
});
