/**
 * The database handle every repository function takes, and the one way to say "run this in a
 * transaction": join the caller's transaction when there is one, open one otherwise.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./database.generated.js";

/** The database, or a transaction of it: every repository function takes either. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>;

/** True when `db` is a transaction (Kysely sets `isTransaction` on both). */
export function isInTransaction(db: DbOrTrx): boolean {
  return "isTransaction" in db && db.isTransaction;
}

/**
 * Runs `work` in a transaction: the caller's own when `db` is one (so several repository calls
 * compose into one all-or-nothing unit, and nothing commits until the caller's transaction does),
 * else a new one that commits when `work` resolves and rolls back when it throws.
 */
export function inTransaction<T>(db: DbOrTrx, work: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  if (isInTransaction(db)) return work(db);
  return (db as Kysely<Database>).transaction().execute(work);
}
