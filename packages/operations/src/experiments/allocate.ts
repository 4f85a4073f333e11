/**
 * Allocation at enrolment: each contact a campaign enrols joins an arm of every running experiment
 * of the campaign's offer, recorded with the probabilities used.
 *
 * - `copy_variants` (one audience, randomised): balanced and stratified by sender account and ICP
 *   segment (`balancedAssignment`, permuted blocks per stratum), then, once every arm has
 *   `min_matured_for_adaptive` matured contacts, batched top-two Thompson sampling on matured
 *   outcomes with a floor per arm (`thompsonProbabilities`, one batch per UTC day).
 * - `offers`, `signal_stacks`, `icp_segments` (different audiences): the arm is the audience the
 *   contact came from (the campaign's offer, `target_criteria.signal` or `icp_target`), policy
 *   `observed`, probability 1; a campaign that matches no arm assigns nothing.
 *
 * The account stratum is the campaign's sender for the first step's channel when it has exactly
 * one; with a pool the planner picks the sender later, so the stratum is the pool (the report's
 * `--by account` shows the senders).
 */
import { schedulingStepChannel, SchedulingConfig, type TargetCriteria } from "@offerlab/core";
import { experiments, type AssignmentInput, type Campaign, type DbOrTrx, type ExperimentWithArms } from "@offerlab/db";
import {
  allocationPhase,
  assignWithProbabilities,
  balancedAssignment,
  countContacts,
  stratumKey,
  thompsonProbabilities,
  type AllocationDesign,
  type Assignment,
} from "@offerlab/experiments";

export interface AllocationSummary {
  experiment: string;
  assigned: number;
  /** Per arm key. */
  byArm: Record<string, number>;
  policy: "balanced" | "thompson" | "observed";
}

/**
 * The allocation design of an experiment row: arms by key, seeded by the experiment's slug — a
 * natural key, never the database-generated id, so one story (the sandbox's seed and start) always
 * allocates the same contacts to the same arms.
 */
export function allocationDesignOf(e: ExperimentWithArms): AllocationDesign {
  return {
    arms: e.arms.map((a) => a.arm_key),
    seed: e.experiment.slug,
    floor: Number(e.experiment.allocation_floor),
    minMaturedForAdaptive: e.experiment.min_matured_for_adaptive,
  };
}

function accountStratum(campaign: Campaign): string {
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  const first = config.success ? config.data.steps[0] : undefined;
  const channel = first ? schedulingStepChannel[first.type] : null;
  const type = channel === "email" ? "email" : "linkedin";
  const pool = (campaign.account_ids ?? []).filter((a) => a.type === type).map((a) => a.id);
  if (pool.length === 0 && campaign.account_id) return campaign.account_id;
  return pool.length === 1 ? pool[0]! : `pool:${pool.length}`;
}

/** The arm an audience experiment gives this campaign's contacts, or null. */
function observedArm(e: ExperimentWithArms, campaign: Campaign): ExperimentWithArms["arms"][number] | null {
  const criteria = (campaign.target_criteria ?? {}) as TargetCriteria;
  switch (e.experiment.kind) {
    case "offers":
      return e.arms.find((a) => a.offer_id === campaign.offer_id) ?? null;
    case "signal_stacks":
      return e.arms.find((a) => a.signal_stack !== null && a.signal_stack === criteria.signal) ?? null;
    case "icp_segments":
      return e.arms.find((a) => a.icp_segment !== null && a.icp_segment === criteria.icp_target) ?? null;
    default:
      return null;
  }
}

/**
 * Assigns the newly enrolled campaign contacts of `campaign` in every running experiment of its
 * offer, inside the enrolment's transaction. Contacts already in an experiment keep their arm.
 */
export async function allocateEnrolled(
  trx: DbOrTrx,
  campaign: Campaign,
  enrolled: readonly { contactId: string; campaignContactId: string }[],
  now: Date,
): Promise<AllocationSummary[]> {
  if (enrolled.length === 0) return [];
  const running = await experiments.runningForOffer(trx, campaign.offer_id);
  const out: AllocationSummary[] = [];
  const criteria = (campaign.target_criteria ?? {}) as TargetCriteria;
  const stratum = stratumKey({ account: accountStratum(campaign), icp: criteria.icp_target ?? "any" });
  for (const e of running) {
    const already = await experiments.assignedContacts(
      trx,
      e.experiment.id,
      enrolled.map((x) => x.contactId),
    );
    const fresh = enrolled.filter((x) => !already.has(x.contactId));
    if (fresh.length === 0) continue;
    const byKey = new Map(e.arms.map((a) => [a.arm_key, a]));
    const rows: AssignmentInput[] = [];
    let policy: AllocationSummary["policy"] = "observed";
    if (e.experiment.kind === "copy_variants") {
      if (e.experiment.offer_id !== campaign.offer_id) continue;
      const design = allocationDesignOf(e);
      const facts = await experiments.armFacts(trx, e.experiment.id);
      const counts = countContacts(
        facts,
        e.arms.map((a) => a.id),
        { metric: e.experiment.primary_metric, maturityDays: e.experiment.maturity_days, now },
      );
      const matured = counts.map((c) => ({ armId: e.arms.find((a) => a.id === c.group)!.arm_key, n: c.matured, successes: c.successes }));
      const phase = allocationPhase(design, matured);
      policy = phase;
      const batch = now.toISOString().slice(0, 10);
      const probabilities = phase === "thompson" ? thompsonProbabilities(design, matured, batch) : null;
      const positions = await experiments.stratumCounts(trx, e.experiment.id);
      let index = positions.get(stratum) ?? 0;
      for (const x of fresh) {
        const a: Assignment = probabilities
          ? // Keyed by the stratum and the contact's position in it (the enrolment's order), not a
            // database-generated id: the same story draws the same arms.
            assignWithProbabilities(design, probabilities, batch, `${stratum}:${index++}`)
          : balancedAssignment(design, stratum, index++);
        rows.push({
          experiment_id: e.experiment.id,
          arm_id: byKey.get(a.armId)!.id,
          contact_id: x.contactId,
          campaign_contact_id: x.campaignContactId,
          probability: a.probability,
          probabilities: a.probabilities,
          stratum,
          policy: a.phase,
          assigned_at: now,
        });
      }
    } else {
      const arm = observedArm(e, campaign);
      if (!arm) continue;
      for (const x of fresh) {
        rows.push({
          experiment_id: e.experiment.id,
          arm_id: arm.id,
          contact_id: x.contactId,
          campaign_contact_id: x.campaignContactId,
          probability: 1,
          probabilities: { [arm.arm_key]: 1 },
          stratum,
          policy: "observed",
          assigned_at: now,
        });
      }
    }
    await experiments.assign(trx, rows);
    const byArm: Record<string, number> = Object.fromEntries(e.arms.map((a) => [a.arm_key, 0]));
    const keyOf = new Map(e.arms.map((a) => [a.id, a.arm_key]));
    for (const r of rows) byArm[keyOf.get(r.arm_id)!]!++;
    out.push({ experiment: e.experiment.slug, assigned: rows.length, byArm, policy });
  }
  return out;
}
