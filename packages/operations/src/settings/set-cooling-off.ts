/**
 * Set the cooling-off window: no first touch from a new campaign within this many days of our last
 * touch of a person (invariant 4; docs/contact-status.md). The views, enrolment, the send path and
 * `why` all read it. Throws `ValidationError` (`invalid_input`) outside 1–3650 whole days.
 */
import { settings, type Settings } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export interface SetCoolingOffResult {
  previous: Settings;
  settings: Settings;
}

export function setCoolingOff(ctx: OperationContext, input: { days: number }): Promise<SetCoolingOffResult> {
  return inTransaction(ctx.db, async (trx) => {
    const previous = await settings.get(trx);
    return { previous, settings: await settings.setCoolingOffDays(trx, input.days) };
  });
}
