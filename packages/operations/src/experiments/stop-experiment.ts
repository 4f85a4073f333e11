/**
 * Stop an experiment: it allocates no more contacts. Contacts already assigned keep their arm (a
 * copy-variant contact still gets its variant for the step), and the report keeps counting them
 * as they mature.
 */
import { experiments, type Experiment } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";

export interface StopExperimentInput {
  /** The experiment's id or slug. */
  experiment: string;
  /** Why (kept with it). */
  reason?: string;
}

export async function stopExperiment(ctx: OperationContext, input: StopExperimentInput): Promise<{ experiment: Experiment }> {
  return inTransaction(ctx.db, async (trx) => {
    const { experiment } = await experiments.get(trx, input.experiment);
    const stopped = await experiments.stop(trx, experiment.id, { now: nowOf(ctx), reason: input.reason?.trim() || null });
    if (!stopped) {
      throw new OperationError(
        "experiment_stopped",
        `experiment ${experiment.slug} was stopped already (${experiment.stopped_at?.toISOString() ?? "earlier"}); see offerlab report --experiment ${experiment.slug}`,
      );
    }
    return { experiment: stopped };
  });
}
