import { OfferlabError } from "@offerlab/core";
import { sql, type Kysely } from "kysely";
import type { Database } from "./database.generated.js";
import type { Migration } from "./migration-types.js";
import { bundledMigrations } from "./migrations.generated.js";

export type { Migration } from "./migration-types.js";
export { bundledMigrations };

/** Where applied migrations are recorded: the same table the Supabase CLI uses. */
const TABLE = "supabase_migrations.schema_migrations";

export interface MigrateResult {
  /** Versions this call applied, in order. */
  applied: string[];
  /** Versions that were already applied before this call. */
  alreadyApplied: string[];
}

export interface MigrationStatus {
  applied: { version: string; name: string | null }[];
  pending: { version: string; name: string }[];
  /** Versions recorded in the database that this package does not know (a newer offerlab ran). */
  unknown: string[];
}

// Any database handle works: the migration bookkeeping is not part of the typed schema.
type AnyDb = Kysely<Database> | Kysely<unknown>;

const RACE_CODES = new Set(["23505", "42P06", "42P07"]);

function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { code?: string }).code : undefined;
}

/**
 * Creates the bookkeeping table like `supabase db push` does. Two processes creating it at the
 * same moment can collide in the catalog (a unique violation on pg_type even with IF NOT EXISTS);
 * the loser retries and finds it there.
 */
async function ensureMigrationsTable(db: AnyDb): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql
        .raw(
          `CREATE SCHEMA IF NOT EXISTS supabase_migrations;
           CREATE TABLE IF NOT EXISTS ${TABLE} (version text NOT NULL PRIMARY KEY);
           ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS statements text[];
           ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS name text;`,
        )
        .execute(db as Kysely<unknown>);
      return;
    } catch (error) {
      if (attempt < 3 && RACE_CODES.has(pgCode(error) ?? "")) continue;
      throw error;
    }
  }
}

async function tableExists(db: AnyDb): Promise<boolean> {
  const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass(${TABLE}) IS NOT NULL AS exists`.execute(db as Kysely<unknown>);
  return rows[0]?.exists === true;
}

async function appliedVersions(db: AnyDb): Promise<{ version: string; name: string | null }[]> {
  if (!(await tableExists(db))) return [];
  const { rows } = await sql<{ version: string; name: string | null }>`
    SELECT version, name FROM supabase_migrations.schema_migrations ORDER BY version`.execute(db as Kysely<unknown>);
  return rows;
}

function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i - 1]!.version >= migrations[i]!.version) {
      throw new Error(`migrations out of order: ${migrations[i - 1]!.version} before ${migrations[i]!.version}`);
    }
  }
}

/**
 * Applies every pending migration in order, each in its own transaction, and records it in
 * `supabase_migrations.schema_migrations` as the Supabase CLI does (so `supabase migration list`
 * agrees). Running it again is a no-op.
 *
 * Safe when several processes start at once: each migration's transaction first takes a lock on
 * the bookkeeping table that only one transaction can hold, then re-checks whether the version is
 * still pending. The lock lives and dies with the transaction, so this works through Supabase's
 * transaction pooler (no session-level advisory lock).
 */
export async function migrate(db: AnyDb, options: { migrations?: readonly Migration[] } = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? bundledMigrations;
  checkOrder(migrations);
  await ensureMigrationsTable(db);
  const before = new Set((await appliedVersions(db)).map((r) => r.version));
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (before.has(m.version)) {
      result.alreadyApplied.push(m.version);
      continue;
    }
    const appliedNow = await (db as Kysely<unknown>).transaction().execute(async (trx) => {
      await sql.raw(`LOCK TABLE ${TABLE} IN SHARE ROW EXCLUSIVE MODE`).execute(trx);
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM supabase_migrations.schema_migrations WHERE version = ${m.version}`.execute(trx);
      if ((rows[0]?.n ?? 0) > 0) return false;
      try {
        await sql.raw(m.sql).execute(trx);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new OfferlabError("command_failed", `migration ${m.version}_${m.name} failed: ${message}`, { cause: error });
      }
      await sql`
        INSERT INTO supabase_migrations.schema_migrations (version, name, statements)
        VALUES (${m.version}, ${m.name}, ARRAY[${m.sql}]::text[])`.execute(trx);
      return true;
    });
    (appliedNow ? result.applied : result.alreadyApplied).push(m.version);
  }
  return result;
}

/** Which migrations the database has and which it still needs. Reads only. */
export async function migrationStatus(db: AnyDb, options: { migrations?: readonly Migration[] } = {}): Promise<MigrationStatus> {
  const migrations = options.migrations ?? bundledMigrations;
  const applied = await appliedVersions(db);
  const done = new Set(applied.map((a) => a.version));
  const known = new Set(migrations.map((m) => m.version));
  return {
    applied,
    pending: migrations.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
    unknown: applied.filter((a) => !known.has(a.version)).map((a) => a.version),
  };
}
