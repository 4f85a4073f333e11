import { OfferlabError } from "@offerlab/core";
import { createDb, databaseTargetOf, resolveDatabaseTarget, type CreateDbOptions, type DatabaseTarget, type Db } from "./connect.js";
import { claimDataMode, type DataModeMark } from "./data-mode.js";
import { migrate, migrationStatus } from "./migrate.js";
import { shippedSnapshot } from "./snapshot.js";

/** A PostgreSQL database that still needs migrations: nothing was changed; run `offerlab db migrate`. */
export class PendingMigrationsError extends OfferlabError {
  constructor(
    readonly description: string,
    readonly pending: readonly { version: string; name: string }[],
  ) {
    super("pending_migrations", `${description} has ${pending.length} pending migration(s): run \`offerlab db migrate\` first`);
    this.name = "PendingMigrationsError";
  }

  /** True for a PendingMigrationsError of any copy of this package (the apps bundle their own). */
  static override isInstance(error: unknown): error is PendingMigrationsError {
    return OfferlabError.isNamed(error, "PendingMigrationsError");
  }
}

/**
 * Opens the database the way every offerlab process does (CLI commands, the cron runner, the
 * webhook server). The embedded PGlite database belongs to offerlab, so it is migrated on first
 * use; a PostgreSQL database is never changed behind the operator's back: pending migrations
 * close the pool and throw {@link PendingMigrationsError}. Then the database's world is checked
 * (`claimDataMode`): a live run (the default) refuses a database the sandbox filled, a sandbox run
 * (`sandbox: true`, whose embedded default is `./.offerlab-sandbox`) refuses a live one, with
 * `DataModeMismatchError`; an unmarked database is marked. Any failure closes the pool and is
 * rethrown. `checkMigrations: false` skips all of this (for `offerlab db migrate|status`). A new
 * embedded database starts from the package's pre-migrated snapshot when it fits (src/snapshot.ts).
 */
export async function openDatabase(
  options: CreateDbOptions & { checkMigrations?: boolean; note?: string } = {},
): Promise<{ db: Db; target: DatabaseTarget; mark: DataModeMark | null }> {
  const { checkMigrations = true, note, ...createOptions } = options;
  // A new embedded database starts from the shipped, pre-migrated snapshot when one fits these
  // migrations (no initdb, no migrations to run); `migrate` below applies any newer ones.
  const fresh = checkMigrations && !createOptions.pgliteLoadDataDir ? resolveDatabaseTarget(createOptions) : undefined;
  const snapshot = fresh?.kind === "pglite" && fresh.isNew ? shippedSnapshot() : undefined;
  const db = createDb(snapshot ? { ...createOptions, pgliteLoadDataDir: snapshot } : createOptions);
  const target = databaseTargetOf(db)!;
  if (!checkMigrations) return { db, target, mark: null };
  try {
    if (target.kind === "pglite") await migrate(db);
    else {
      const { pending } = await migrationStatus(db);
      if (pending.length > 0) throw new PendingMigrationsError(target.description, pending);
    }
    const mark = await claimDataMode(db, options.sandbox ? "sandbox" : "live", {
      description: target.description,
      ...(note ? { note } : {}),
    });
    return { db, target, mark };
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}
