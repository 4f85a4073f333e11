/**
 * The settings aggregate: `offerlab_settings`, at most one row (docs/contact-status.md). No row
 * means every default. Today it holds the cooling-off window, which the views read through the SQL
 * function `offerlab_cooling_off_days()` and the TypeScript paths (send path, enrolment, `why`)
 * through {@link settings.get}, so both use the same number.
 */
import { COOLING_OFF_DAYS_RANGE, DEFAULT_COOLING_OFF_DAYS, ValidationError } from "@offerlab/core";
import { sql } from "kysely";
import type { DbOrTrx } from "../transaction.js";

// The rule's parameters live in core (cooling-off.ts); re-exported here, where callers found them.
export { COOLING_OFF_DAYS_RANGE, DEFAULT_COOLING_OFF_DAYS };

export interface Settings {
  /** No first touch from a new campaign within this many days of our last touch. Default 60. */
  coolingOffDays: number;
}

export const settings = {
  async get(db: DbOrTrx): Promise<Settings> {
    const row = await db.selectFrom("offerlab_settings").select("cooling_off_days").where("singleton", "=", true).executeTakeFirst();
    return { coolingOffDays: row?.cooling_off_days ?? DEFAULT_COOLING_OFF_DAYS };
  },

  /** Sets the cooling-off window; throws `ValidationError` outside 1–3650 days or for a non-integer. */
  async setCoolingOffDays(db: DbOrTrx, days: number): Promise<Settings> {
    if (!Number.isInteger(days) || days < COOLING_OFF_DAYS_RANGE.min || days > COOLING_OFF_DAYS_RANGE.max) {
      throw new ValidationError("settings", [
        {
          field: "cooling_off_days",
          message: `a whole number of days from ${COOLING_OFF_DAYS_RANGE.min} to ${COOLING_OFF_DAYS_RANGE.max}, got ${days}`,
        },
      ]);
    }
    await db
      .insertInto("offerlab_settings")
      .values({ singleton: true, cooling_off_days: days })
      .onConflict((oc) => oc.column("singleton").doUpdateSet({ cooling_off_days: days, updated_at: sql`NOW()` }))
      .execute();
    return { coolingOffDays: days };
  },
};
