import { createDb, databaseTargetOf, migrate, migrationStatus, type Db } from "@offerlab/db";
import { CliError, type Io } from "./output.js";

/**
 * Opens the database for a command. The embedded PGlite database belongs to offerlab, so it is
 * migrated on first use; a PostgreSQL database is never changed behind the user's back: pending
 * migrations stop the command with the instruction to run `offerlab db migrate`.
 */
export async function openDatabase(io: Io, options: { migrateEmbedded?: boolean } = {}): Promise<Db> {
  let db: Db;
  try {
    db = createDb({ env: io.env });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
  const target = databaseTargetOf(db)!;
  try {
    if (options.migrateEmbedded !== false && target.kind === "pglite") {
      await migrate(db);
    } else if (options.migrateEmbedded !== false) {
      const status = await migrationStatus(db);
      if (status.pending.length > 0) {
        await db.destroy();
        throw new CliError(
          `${target.description} has ${status.pending.length} pending migration(s): run \`offerlab db migrate\` first`,
        );
      }
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    await db.destroy().catch(() => undefined);
    throw new CliError(`cannot use ${target.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return db;
}
