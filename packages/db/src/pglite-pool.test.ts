import { errorCodeOf } from "@offerlab/core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, resolveDatabaseTarget } from "./connect.js";
import type { Db } from "./connect.js";

describe("PGlite through Kysely's PostgresDialect", () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb({ dataDir: "memory://", env: {} });
    await sql`CREATE TABLE t (id int primary key, n int not null)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it("runs a multi-statement script without parameters, as node-postgres does", async () => {
    await sql.raw("INSERT INTO t VALUES (1, 0); INSERT INTO t VALUES (2, 0);").execute(db);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db);
    expect(rows[0]?.n).toBe(2);
  });

  it("reports affected rows of updates and deletes", async () => {
    const u = await db
      .updateTable("t" as never)
      .set({ n: 1 } as never)
      .executeTakeFirst();
    expect(u.numUpdatedRows).toBe(2n);
    const d = await db
      .deleteFrom("t" as never)
      .where("id" as never, "=", 99 as never)
      .executeTakeFirst();
    expect(d.numDeletedRows).toBe(0n);
  });

  it("serialises transactions: concurrent ones never interleave their statements", async () => {
    const increment = () =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT n FROM t WHERE id = 1`.execute(trx);
        await new Promise((r) => setTimeout(r, 5));
        await sql`UPDATE t SET n = ${rows[0]!.n + 1} WHERE id = 1`.execute(trx);
      });
    const { rows: before } = await sql<{ n: number }>`SELECT n FROM t WHERE id = 1`.execute(db);
    await Promise.all(Array.from({ length: 10 }, increment));
    const { rows: after } = await sql<{ n: number }>`SELECT n FROM t WHERE id = 1`.execute(db);
    expect(after[0]!.n - before[0]!.n).toBe(10);
  });

  it("rolls a failed transaction back and keeps the database usable", async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`UPDATE t SET n = 100 WHERE id = 2`.execute(trx);
        await sql`INSERT INTO t VALUES (1, 0)`.execute(trx);
      }),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await sql<{ n: number }>`SELECT n FROM t WHERE id = 2`.execute(db);
    expect(rows[0]!.n).not.toBe(100);
  });

  it("returns counts and numerics as numbers and dates as plain strings", async () => {
    const { rows } = await sql<{ c: number; d: number; day: string }>`
      SELECT count(*) AS c, 12.5::numeric(5,2) AS d, DATE '2026-03-29' AS day FROM t`.execute(db);
    expect(rows[0]).toEqual({ c: 2, d: 12.5, day: "2026-03-29" });
  });
});

describe("resolveDatabaseTarget", () => {
  it("uses PGlite under ./.offerlab unless DATABASE_URL or OFFERLAB_DATA_DIR says otherwise", () => {
    expect(resolveDatabaseTarget({ env: {} })).toMatchObject({ kind: "pglite", dataDir: expect.stringMatching(/\.offerlab$/) });
    expect(resolveDatabaseTarget({ env: { OFFERLAB_DATA_DIR: "/tmp/x" } })).toMatchObject({ kind: "pglite", dataDir: "/tmp/x" });
    const pgTarget = resolveDatabaseTarget({ env: { DATABASE_URL: "postgres://u:secret@h:5432/db" } });
    expect(pgTarget.kind).toBe("postgres");
    expect(pgTarget.description).not.toContain("secret");
    expect(() => resolveDatabaseTarget({ env: { DATABASE_URL: "mysql://x" } })).toThrow(/DATABASE_URL must be a postgres/);
    try {
      resolveDatabaseTarget({ env: { DATABASE_URL: "mysql://x" } });
    } catch (error) {
      expect(errorCodeOf(error)).toBe("config_invalid");
    }
  });
});
