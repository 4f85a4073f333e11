import { OFFERLAB_ERROR } from "@offerlab/core";
import { createDb, databaseTargetOf, type CreateDbOptions, type DatabaseTarget, type Db } from "./connect.js";
import { migrate, migrationStatus } from "./migrate.js";

/** A PostgreSQL database that still needs migrations: nothing was changed; run `offerlab db migrate`. */
export class PendingMigrationsError extends Error {
  readonly [OFFERLAB_ERROR] = true;

  constructor(
    readonly description: string,
    readonly pending: readonly { version: string; name: string }[],
  ) {
    super(`${description} has ${pending.length} pending migration(s): run \`offerlab db migrate\` first`);
    this.name = "PendingMigrationsError";
  }

  /** True for a PendingMigrationsError of any copy of this package (the apps bundle their own). */
  static isInstance(error: unknown): error is PendingMigrationsError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[OFFERLAB_ERROR] === true &&
      (error as { name?: string }).name === "PendingMigrationsError"
    );
  }
}

/**
 * Opens the database the way every offerlab process does (CLI commands, the cron runner, the
 * webhook server). The embedded PGlite database belongs to offerlab, so it is migrated on first
 * use; a PostgreSQL database is never changed behind the operator's back: pending migrations
 * close the pool and throw {@link PendingMigrationsError}. Any other failure closes the pool and
 * is rethrown. `checkMigrations: false` skips both (for `offerlab db migrate|status`).
 */
export async function openDatabase(options: CreateDbOptions & { checkMigrations?: boolean } = {}): Promise<{ db: Db; target: DatabaseTarget }> {
  const { checkMigrations = true, ...createOptions } = options;
  const db = createDb(createOptions);
  const target = databaseTargetOf(db)!;
  if (!checkMigrations) return { db, target };
  try {
    if (target.kind === "pglite") await migrate(db);
    else {
      const { pending } = await migrationStatus(db);
      if (pending.length > 0) throw new PendingMigrationsError(target.description, pending);
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return { db, target };
}
