/**
 * What every operation runs with: the database and the clock. Operations that talk to a provider
 * or a model take a context that extends this one with exactly the capability they use.
 */
import type { Db, DbOrTrx } from "@offerlab/db";

export interface OperationContext {
  /** The database (a pool, or an embedded PGlite); each operation opens its own transaction on it. */
  db: Db;
  /**
   * The clock: warming starts, enrolment times, cancellations and forecasts read it. Default: the
   * wall clock. A sandbox run passes its simulated clock.
   */
  now?: () => Date;
}

/** The context's time now. */
export function nowOf(ctx: Pick<OperationContext, "now">): Date {
  return ctx.now ? ctx.now() : new Date();
}

/**
 * Runs `work` in one transaction, or inside the caller's when `db` already is one, so an
 * operation either writes everything it decided or nothing.
 */
export function inTransaction<T>(db: DbOrTrx, work: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  if ("isTransaction" in db && db.isTransaction) return work(db);
  return (db as Db).transaction().execute(work);
}
