import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction, offers, type DbOrTrx } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const offerInput = { type: "product", ownership: "internal", description: "x" } as const;

describe.each(testEngines())("inTransaction on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t.drop();
  });
  const txid = async (db: DbOrTrx) => (await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(db)).rows[0]!.id;
  const stored = async (slug: string) => (await offers.get(t.db, slug)) !== undefined;

  it("opens a transaction when given the database: committed when the work resolves, rolled back when it throws", async () => {
    const outside = [await txid(t.db), await txid(t.db)];
    // Outside a transaction every statement is its own.
    expect(outside[0]).not.toBe(outside[1]);
    await inTransaction(t.db, async (trx) => {
      expect("isTransaction" in trx && trx.isTransaction).toBe(true);
      const a = await txid(trx);
      await offers.create(trx, { ...offerInput, name: "Kept", slug: "kept" });
      expect(await txid(trx)).toBe(a);
    });
    expect(await stored("kept")).toBe(true);

    const error = await inTransaction(t.db, async (trx) => {
      await offers.create(trx, { ...offerInput, name: "Dropped", slug: "dropped" });
      throw new Error("boom");
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("boom");
    expect(await stored("dropped")).toBe(false);
  });

  it("joins the caller's open transaction: same transaction, nothing committed before the caller commits, rolled back with it", async () => {
    const rollback = new Error("caller rolls back");
    const error = await t.db
      .transaction()
      .execute(async (outer) => {
        const outerId = await txid(outer);
        const value = await inTransaction(outer, async (inner) => {
          expect(inner).toBe(outer);
          expect(await txid(inner)).toBe(outerId);
          await offers.create(inner, { ...offerInput, name: "Joined", slug: "joined" });
          return 42;
        });
        expect(value).toBe(42);
        // Written in the caller's transaction, visible there, not committed yet.
        expect(await offers.get(outer, "joined")).toBeDefined();
        throw rollback;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(rollback);
    expect(await stored("joined")).toBe(false);
  });
});
