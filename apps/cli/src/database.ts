import { openDatabase as open, PendingMigrationsError, resolveDatabaseTarget, type Db } from "@offerlab/db";
import { CliError, type Io } from "./output.js";

/**
 * Opens the database for a command (`@offerlab/db`'s `openDatabase`: the embedded database is
 * migrated on first use, a PostgreSQL database with pending migrations is refused), turning its
 * failures into the CLI's errors: a bad configuration exits 2, anything else 1.
 */
export async function openDatabase(io: Io, options: { migrateEmbedded?: boolean } = {}): Promise<Db> {
  let description: string;
  try {
    description = resolveDatabaseTarget({ env: io.env }).description;
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
  try {
    return (await open({ env: io.env, checkMigrations: options.migrateEmbedded !== false })).db;
  } catch (error) {
    if (PendingMigrationsError.isInstance(error)) throw new CliError(error.message);
    throw new CliError(`cannot use ${description}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
