/**
 * The pre-migrated snapshot a new embedded database starts from: its schema is the migrated
 * schema (the snapshot `pnpm build` ships, when built, and one built here), it is used only when
 * its migrations are the first of the shipped ones unchanged, and a database started from an
 * older one is migrated to the end.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./connect.js";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "./connect.js";
import { bundledMigrations, migrate, migrationStatus } from "./migrate.js";
import { openDatabase } from "./open.js";
import { buildSnapshot, manifestOf, shippedSnapshot, snapshotFits, SNAPSHOT_FILE, SNAPSHOT_MANIFEST, writeSnapshot } from "./snapshot.js";

/** Everything migrations make, as text: tables and columns, constraints, indexes, views, functions, triggers, policies, applied migrations. */
async function schemaOf(db: Db): Promise<Record<string, string[]>> {
  const q = async (text: string) => (await sql<{ x: string }>`${sql.raw(text)}`.execute(db)).rows.map((r) => r.x);
  const ns = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;
  return {
    columns:
      await q(`SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x
      FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`),
    constraints: await q(`SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS x
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${ns} ORDER BY 1`),
    indexes: await q(`SELECT indexdef AS x FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`),
    views: await q(
      `SELECT schemaname || '.' || viewname || ' ' || definition AS x FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    ),
    functions: await q(
      `SELECT pg_get_functiondef(p.oid) AS x FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${ns} AND p.prokind = 'f' ORDER BY 1`,
    ),
    triggers: await q(`SELECT pg_get_triggerdef(t.oid) AS x FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1`),
    policies: await q(
      `SELECT schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') AS x FROM pg_policies ORDER BY 1`,
    ),
    migrations: await q(
      `SELECT version || ' ' || name || ' ' || md5(array_to_string(statements, '')) AS x FROM supabase_migrations.schema_migrations ORDER BY 1`,
    ),
  };
}

const blobOf = (file: string) => new Blob([fs.readFileSync(file)]);

describe("the pre-migrated PGlite snapshot", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-snapshot-"));
  let migrated: Record<string, string[]>;
  beforeAll(async () => {
    const db = createDb({ dataDir: "memory://", env: {} });
    try {
      await migrate(db);
      migrated = await schemaOf(db);
    } finally {
      await db.destroy();
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("holds exactly the migrated schema: one built here, and the one `pnpm build` wrote (when built)", async () => {
    expect(migrated.columns!.length).toBeGreaterThan(100);
    expect(migrated.migrations).toHaveLength(bundledMigrations.length);
    const built = path.join(root, "built");
    writeSnapshot(built, await buildSnapshot());
    const shipped = path.join(path.dirname(new URL(import.meta.url).pathname), "../dist");
    const dirs = [built, ...(fs.existsSync(path.join(shipped, SNAPSHOT_FILE)) ? [shipped] : [])];
    for (const dir of dirs) {
      const blob = shippedSnapshot({ dirs: [dir], migrations: bundledMigrations });
      expect(blob, dir).toBeDefined();
      const db = createDb({ dataDir: "memory://", env: {}, pgliteLoadDataDir: blob });
      try {
        expect((await migrationStatus(db)).pending, dir).toEqual([]);
        expect(await schemaOf(db), dir).toEqual(migrated);
      } finally {
        await db.destroy();
      }
    }
  }, 300_000);

  it("is used only when its migrations are the first of the shipped ones, unchanged, and by the same PGlite", () => {
    const all = bundledMigrations;
    expect(snapshotFits(manifestOf(all), all)).toBe(true);
    // Older than the code: fits (the newer migrations are applied after loading it).
    expect(snapshotFits(manifestOf(all.slice(0, -1)), all)).toBe(true);
    // A migration edited since, one the code no longer ships, another PGlite: never.
    const edited = all.map((m, i) => (i === 3 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    expect(snapshotFits(manifestOf(edited), all)).toBe(false);
    expect(snapshotFits(manifestOf(all), all.slice(0, -1))).toBe(false);
    expect(snapshotFits({ ...manifestOf(all), pglite: "0.3.0" }, all)).toBe(false);
    expect(snapshotFits({ ...manifestOf(all), migrations: [] }, all)).toBe(false);
    // No snapshot where none was written.
    expect(shippedSnapshot({ dirs: [path.join(root, "nowhere")], migrations: all })).toBeUndefined();
  });

  it("a new data directory opened from an older snapshot is migrated to the end, with the migrated schema", async () => {
    const older = path.join(root, "older");
    writeSnapshot(older, await buildSnapshot(bundledMigrations.slice(0, -2)));
    const manifest = JSON.parse(fs.readFileSync(path.join(older, SNAPSHOT_MANIFEST), "utf8"));
    expect(manifest.migrations).toHaveLength(bundledMigrations.length - 2);
    const blob = shippedSnapshot({ dirs: [older], migrations: bundledMigrations });
    expect(blob).toBeDefined();
    const dataDir = path.join(root, "data");
    const { db } = await openDatabase({ dataDir, env: {}, pgliteLoadDataDir: blob! });
    try {
      expect((await migrationStatus(db)).pending).toEqual([]);
      expect(await schemaOf(db)).toEqual(migrated);
    } finally {
      await db.destroy();
    }
    // It is an ordinary data directory from then on.
    const pg = new PGlite(dataDir, { extensions: PGLITE_EXTENSIONS });
    expect((await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM supabase_migrations.schema_migrations")).rows[0]!.n).toBe(
      bundledMigrations.length,
    );
    await pg.close();
    expect(blobOf(path.join(older, SNAPSHOT_FILE)).size).toBeGreaterThan(0);
  }, 300_000);
});
