import { errorCodeOf } from "@offerlab/core";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createDb, preparedStatementsFor, PREPARED_STATEMENT_MARK } from "./connect.js";
import { createTestDb } from "./testing.js";

describe("preparedStatementsFor", () => {
  it("is on for a direct connection, off through a transaction pooler, and the setting wins", () => {
    expect(preparedStatementsFor("postgres://u@db.example.supabase.co:5432/postgres", {})).toBe(true);
    expect(preparedStatementsFor("postgres://u@aws-0-eu.pooler.supabase.com:5432/postgres", {})).toBe(true);
    expect(preparedStatementsFor("postgres://u@aws-0-eu.pooler.supabase.com:6543/postgres", {})).toBe(false);
    expect(preparedStatementsFor("postgres://u@pgbouncer.internal/app?pgbouncer=true", {})).toBe(false);
    expect(preparedStatementsFor("postgres://u@h:6543/db", { OFFERLAB_PREPARED_STATEMENTS: "on" })).toBe(true);
    expect(preparedStatementsFor("postgres://u@h:5432/db", { OFFERLAB_PREPARED_STATEMENTS: " OFF " })).toBe(false);
  });

  it("refuses a setting it does not know, naming the variable and its values", () => {
    let error: unknown;
    try {
      preparedStatementsFor("postgres://u@h/db", { OFFERLAB_PREPARED_STATEMENTS: "sometimes" });
    } catch (e) {
      error = e;
    }
    expect(errorCodeOf(error)).toBe("config_invalid");
    expect((error as Error).message).toMatch(/OFFERLAB_PREPARED_STATEMENTS must be "on" or "off" \(got "sometimes"\)/);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("named prepared statements on PostgreSQL", () => {
  const prepared = async (db: ReturnType<typeof createDb>) =>
    (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(db)).rows;

  it("prepares the send path's statements once per connection, and nothing else", async () => {
    const t = await createTestDb("postgres");
    const db = createDb({ databaseUrl: t.url!, env: {}, maxConnections: 1 });
    try {
      const marked = sql<{
        n: number;
      }>`${sql.raw(PREPARED_STATEMENT_MARK)} test */ SELECT count(*)::int AS n FROM accounts WHERE id <> ${"00000000-0000-0000-0000-000000000000"}::uuid`;
      expect((await marked.execute(db)).rows).toEqual([{ n: 0 }]);
      expect((await marked.execute(db)).rows).toEqual([{ n: 0 }]);
      await sql`SELECT count(*) FROM accounts WHERE id <> ${"00000000-0000-0000-0000-000000000000"}::uuid`.execute(db);
      const named = await prepared(db);
      expect(named).toHaveLength(1);
      expect(named[0]!.name).toMatch(/^offerlab_0_/);
      expect(named[0]!.statement.startsWith(PREPARED_STATEMENT_MARK)).toBe(true);
    } finally {
      await db.destroy();
      await t.drop();
    }
  });

  it("prepares nothing when turned off", async () => {
    const t = await createTestDb("postgres");
    const db = createDb({ databaseUrl: t.url!, env: { OFFERLAB_PREPARED_STATEMENTS: "off" }, maxConnections: 1 });
    try {
      await sql`${sql.raw(PREPARED_STATEMENT_MARK)} test */ SELECT count(*) FROM accounts WHERE id <> ${"00000000-0000-0000-0000-000000000000"}::uuid`.execute(
        db,
      );
      expect(await prepared(db)).toEqual([]);
    } finally {
      await db.destroy();
      await t.drop();
    }
  });

  it("a statement whose table gained a column fails once, then is prepared again and answers with the new column", async () => {
    const t = await createTestDb("postgres");
    const db = createDb({ databaseUrl: t.url!, env: {}, maxConnections: 1 });
    const other = createDb({ databaseUrl: t.url!, env: { OFFERLAB_PREPARED_STATEMENTS: "off" }, maxConnections: 1 });
    try {
      await sql`CREATE TABLE prepared_probe (id int PRIMARY KEY)`.execute(other);
      await sql`INSERT INTO prepared_probe VALUES (1)`.execute(other);
      const read = sql<
        Record<string, unknown>
      >`${sql.raw(PREPARED_STATEMENT_MARK)} probe */ SELECT * FROM prepared_probe WHERE id = ${1}::int`;
      expect((await read.execute(db)).rows).toEqual([{ id: 1 }]);
      // A migration run by another process while this one keeps its connection.
      await sql`ALTER TABLE prepared_probe ADD COLUMN note text DEFAULT 'x'`.execute(other);
      const failed = await read.execute(db).catch((e: unknown) => e);
      expect((failed as { code?: string }).code).toBe("0A000");
      expect((await read.execute(db)).rows).toEqual([{ id: 1, note: "x" }]);
      expect((await read.execute(db)).rows).toEqual([{ id: 1, note: "x" }]);
    } finally {
      await other.destroy();
      await db.destroy();
      await t.drop();
    }
  });
});
