/** The experiments, newest first (optionally of one offer or status), and one with its arms and allocation. */
import { ExperimentStatus, ValidationError } from "@offerlab/core";
import { experiments, resolve, type Experiment, type ExperimentArm } from "@offerlab/db";
import type { OperationContext } from "../context.js";
import { isCausal } from "./define-experiment.js";

export interface ExperimentListRow {
  experiment: Experiment;
  arms: ExperimentArm[];
  offerSlug: string | null;
  assigned: number;
  causal: boolean;
}

export async function listExperiments(
  ctx: OperationContext,
  input: { offer?: string; status?: string } = {},
): Promise<ExperimentListRow[]> {
  const status = input.status === undefined ? null : ExperimentStatus.safeParse(input.status);
  if (status && !status.success) {
    throw new ValidationError("experiments", [
      { field: "status", message: `must be one of ${ExperimentStatus.options.join(", ")} (got "${input.status}")` },
    ]);
  }
  const offerId = input.offer ? (await resolve.offer(ctx.db, input.offer)).id : undefined;
  const rows = await experiments.list(ctx.db, { ...(offerId ? { offerId } : {}), ...(status?.success ? { status: status.data } : {}) });
  return rows.map((r) => ({ ...r, causal: isCausal(r.experiment.kind) }));
}

export interface ShowExperimentResult {
  experiment: Experiment;
  arms: (ExperimentArm & { assigned: number })[];
  causal: boolean;
  /** Assignments per allocation policy (balanced, thompson, observed). */
  byPolicy: Record<string, number>;
  /** Assignments per stratum and arm key. */
  strata: { stratum: string; byArm: Record<string, number> }[];
}

export async function showExperiment(ctx: OperationContext, input: { experiment: string }): Promise<ShowExperimentResult> {
  const { experiment, arms } = await experiments.get(ctx.db, input.experiment);
  const assignments = await experiments.assignments(ctx.db, experiment.id);
  const keyOf = new Map(arms.map((a) => [a.id, a.arm_key]));
  const byPolicy: Record<string, number> = {};
  const strata = new Map<string, Record<string, number>>();
  for (const a of assignments) {
    byPolicy[a.policy] = (byPolicy[a.policy] ?? 0) + 1;
    const row = strata.get(a.stratum) ?? Object.fromEntries(arms.map((x) => [x.arm_key, 0]));
    row[keyOf.get(a.arm_id)!]!++;
    strata.set(a.stratum, row);
  }
  return {
    experiment,
    arms: arms.map((a) => ({ ...a, assigned: assignments.filter((x) => x.arm_id === a.id).length })),
    causal: isCausal(experiment.kind),
    byPolicy,
    strata: [...strata.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([stratum, byArm]) => ({ stratum, byArm })),
  };
}
