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

  it("PendingMigrationsError.isInstance knows the error from another copy of the package by its marker", () => {
    const fromAnotherCopy = Object.assign(new Error("x has 1 pending migration(s)"), {
      name: "PendingMigrationsError",
      [Symbol.for("offerlab.error")]: true,
    });
    expect(PendingMigrationsError.isInstance(fromAnotherCopy)).toBe(true);
    expect(PendingMigrationsError.isInstance(new Error("x"))).toBe(false);
    expect(PendingMigrationsError.isInstance(null)).toBe(false);
  });

  it.runIf(process.env.TEST_DATABASE_URL)("refuses a PostgreSQL database with pending migrations and changes nothing", async () => {
    const t = await createTestDb("postgres", { migrate: false });
    try {
      const refused = await openDatabase({ databaseUrl: t.url!, env: {} }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PendingMigrationsError);
      expect(PendingMigrationsError.isInstance(refused)).toBe(true);
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
