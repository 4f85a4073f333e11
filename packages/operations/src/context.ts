/**
 * What every operation runs with: the database and the clock. Operations that talk to a provider
 * or a model take a context that extends this one with exactly the capability they use.
 */
import type { Db } from "@offerlab/db";

/** One transaction per operation, joining the caller's when there is one: db's helper, re-exported. */
export { inTransaction } from "@offerlab/db";

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
