import { createDb, databaseTargetOf, migrate, migrationStatus, type Db } from "@offerlab/db";

/**
 * Opens the database for a long-running process. The embedded PGlite database belongs to offerlab
 * and is migrated on first use; a PostgreSQL database is never changed behind the operator's back:
 * pending migrations stop the start with the instruction to run `offerlab db migrate`.
 */
export async function openServiceDatabase(env: Record<string, string | undefined>): Promise<{ db: Db; description: string }> {
  const db = createDb({ env });
  const target = databaseTargetOf(db)!;
  try {
    if (target.kind === "pglite") await migrate(db);
    else {
      const status = await migrationStatus(db);
      if (status.pending.length > 0) {
        throw new Error(`${target.description} has ${status.pending.length} pending migration(s): run \`offerlab db migrate\` first`);
      }
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return { db, description: target.description };
}
