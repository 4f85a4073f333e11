import { describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "./migrate.js";
import { openDatabase, PendingMigrationsError } from "./open.js";
import { createTestDb } from "./testing.js";

describe("openDatabase", () => {
  it("migrates the embedded database on first use", async () => {
    const { db, target } = await openDatabase({ dataDir: "memory://", env: {} });
    try {
      expect(target.kind).toBe("pglite");
      expect((await migrationStatus(db)).pending).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it("skips migrating when told not to check (offerlab db migrate|status)", async () => {
    const { db } = await openDatabase({ dataDir: "memory://", env: {}, checkMigrations: false });
    try {
      expect((await migrationStatus(db)).applied).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)("refuses a PostgreSQL database with pending migrations and changes nothing", async () => {
    const t = await createTestDb("postgres", { migrate: false });
    try {
      const refused = await openDatabase({ databaseUrl: t.url!, env: {} }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PendingMigrationsError);
      expect((refused as PendingMigrationsError).message).toMatch(/has \d+ pending migration\(s\): run `offerlab db migrate` first/);
      expect((await migrationStatus(t.db)).applied).toEqual([]);
      await migrate(t.db);
      const { db, target } = await openDatabase({ databaseUrl: t.url!, env: {} });
      expect(target.kind).toBe("postgres");
      await db.destroy();
    } finally {
      await t.drop();
    }
  });
});
