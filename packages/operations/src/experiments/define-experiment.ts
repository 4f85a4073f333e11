/**
 * Define an experiment: a hypothesis, its arms, the primary metric, the maturity window and the
 * decision thresholds, with a plan (matured contacts per arm before any winner can be named)
 * fixed now, because the verdict's guarantee under daily reading depends on it. Every field is
 * checked first; the errors name the field and the fix, and nothing is written.
 */
import { ExperimentKind, ExperimentMetric, slugify, ValidationError, type FieldIssue } from "@offerlab/core";
import { experiments, NotFoundError, resolve, type ExperimentCreateInput, type ExperimentWithArms, type Offer } from "@offerlab/db";
import { planExperiment, resolveDesign, type Plan } from "@offerlab/experiments";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface DefineExperimentArm {
  /**
   * What the arm is: an offer (id, slug or name) for `offers`; the signal stack or ICP segment as
   * the campaigns' target criteria name it (`signal`, `icp_target`) for `signal_stacks` /
   * `icp_segments`; a template (id, its first 8 characters, or name) for `copy_variants`.
   */
  ref: string;
  /** Short key, lowercase (`a`, `b`, `short-copy`). Default: from the label or the position (a, b, c…). */
  key?: string;
  /** Default: the template's variant or name, the offer's name, or the ref. */
  label?: string;
  /** At most one arm; default the first. */
  control?: boolean;
}

export interface DefineExperimentInput {
  name: string;
  /** Default: from the name. */
  slug?: string;
  hypothesis: string;
  kind: ExperimentKind;
  /** The offer (id, slug or name). Required but for a cross-offer `offers` experiment. */
  offer?: string;
  /** `copy_variants`: the sequence step whose copy varies. */
  step?: number;
  arms: readonly DefineExperimentArm[];
  /** Default `positive_reply`. */
  metric?: ExperimentMetric;
  /** Days after the first touch before a contact counts. Default 14. */
  maturityDays?: number;
  /** Matured contacts per arm before any winner. Either this, or `baselineRate` + `targetRate` to size it. */
  plannedMaturedPerArm?: number;
  /** The control's expected rate (e.g. 0.03), with `targetRate`, to size the plan for 80 % power. */
  baselineRate?: number;
  targetRate?: number;
  /** Default 2× the plan. */
  budgetMaturedPerArm?: number;
  /** Default 0.05. */
  falseWinnerRate?: number;
  /** Default 100. */
  minMaturedPerArm?: number;
  /** Default 0.5 points. */
  maxExpectedLossPoints?: number;
  /** Least share of every arm under adaptive allocation. Default 0.1. */
  floor?: number;
  /** Matured contacts every arm needs before allocation turns adaptive. Default 50. */
  minMaturedForAdaptive?: number;
}

export interface DefineExperimentResult extends ExperimentWithArms {
  /** The plan when it was sized from rates (with the power it buys), else null. */
  plan: Plan | null;
  /** True when the arms are randomised over one audience (copy variants): a causal comparison. */
  causal: boolean;
}

const KEY_RE = /^[a-z0-9][a-z0-9_-]*$/;

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Whether an experiment of `kind` randomises one audience (causal) or compares audiences (observational). */
export function isCausal(kind: ExperimentKind): boolean {
  return kind === "copy_variants";
}

export async function defineExperiment(ctx: OperationContext, input: DefineExperimentInput): Promise<DefineExperimentResult> {
  const issues: FieldIssue[] = [];
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (name === "") issues.push({ field: "name", message: 'is required (e.g. --name "Email 1 copy")' });
  const slug = input.slug !== undefined ? String(input.slug).trim() : name === "" ? "" : slugify(name, 60);
  if (name !== "" && !KEY_RE.test(slug)) issues.push({ field: "slug", message: `"${slug}" must be lowercase letters, digits, - or _` });
  const hypothesis = typeof input.hypothesis === "string" ? input.hypothesis.trim() : "";
  if (hypothesis === "") issues.push({ field: "hypothesis", message: "is required: say what you expect and why" });
  const kind = ExperimentKind.safeParse(input.kind);
  if (!kind.success)
    issues.push({ field: "kind", message: `must be one of ${ExperimentKind.options.join(", ")} (got ${JSON.stringify(input.kind)})` });
  const metric = ExperimentMetric.safeParse(input.metric ?? "positive_reply");
  if (!metric.success)
    issues.push({
      field: "metric",
      message: `must be one of ${ExperimentMetric.options.join(", ")} (got ${JSON.stringify(input.metric)})`,
    });
  const maturityDays = input.maturityDays ?? 14;
  if (!Number.isInteger(maturityDays) || maturityDays < 1 || maturityDays > 180)
    issues.push({ field: "maturityDays", message: `must be a whole number of days in [1, 180] (got ${input.maturityDays})` });
  if (kind.success && kind.data !== "offers" && !input.offer)
    issues.push({ field: "offer", message: `is required for ${kind.data} (the offer whose campaigns run it)` });
  if (kind.success && kind.data === "copy_variants") {
    if (!Number.isInteger(input.step) || (input.step ?? 0) < 1)
      issues.push({ field: "step", message: "is required for copy_variants: the sequence step whose copy varies (1 for the first)" });
  } else if (input.step !== undefined) {
    issues.push({ field: "step", message: "only copy_variants experiments vary one step; leave it out" });
  }
  const arms = Array.isArray(input.arms) ? input.arms : [];
  if (arms.length < 2) issues.push({ field: "arms", message: `an experiment compares at least two arms (got ${arms.length})` });
  if (arms.length > 10) issues.push({ field: "arms", message: `at most 10 arms (got ${arms.length})` });
  arms.forEach((a, i) => {
    if (typeof a?.ref !== "string" || a.ref.trim() === "")
      issues.push({ field: `arms[${i}].ref`, message: "is required: what the arm is" });
    if (a?.key !== undefined && !KEY_RE.test(a.key))
      issues.push({ field: `arms[${i}].key`, message: `"${a.key}" must be lowercase letters, digits, - or _` });
  });
  if (arms.filter((a) => a?.control === true).length > 1) issues.push({ field: "arms", message: "at most one arm is the control" });

  // The plan and thresholds, checked by the statistics package's own rules.
  let plan: Plan | null = null;
  let planned = input.plannedMaturedPerArm;
  if (planned === undefined) {
    if (isNum(input.baselineRate) && isNum(input.targetRate)) {
      try {
        plan = planExperiment({
          baselineRate: input.baselineRate,
          targetRate: input.targetRate,
          arms: Math.max(2, arms.length),
          ...(input.falseWinnerRate !== undefined ? { falseWinnerRate: input.falseWinnerRate } : {}),
        });
        planned = plan.plannedMaturedPerArm;
      } catch (e) {
        issues.push({ field: "baselineRate/targetRate", message: (e as Error).message });
      }
    } else {
      issues.push({
        field: "plannedMaturedPerArm",
        message:
          "is required: the matured contacts per arm before any winner, fixed now (e.g. 600), or give baselineRate and targetRate to size it (CLI: --planned, or --baseline and --target)",
      });
    }
  }
  if (planned !== undefined) {
    try {
      resolveDesign({
        plannedMaturedPerArm: planned,
        ...(input.budgetMaturedPerArm !== undefined ? { budgetMaturedPerArm: input.budgetMaturedPerArm } : {}),
        ...(input.falseWinnerRate !== undefined ? { falseWinnerRate: input.falseWinnerRate } : {}),
        ...(input.minMaturedPerArm !== undefined ? { minMaturedPerArm: input.minMaturedPerArm } : {}),
        ...(input.maxExpectedLossPoints !== undefined ? { maxExpectedLossPoints: input.maxExpectedLossPoints } : {}),
      });
    } catch (e) {
      issues.push({ field: "design", message: (e as Error).message.replace(/^design\./, "") });
    }
  }
  const floor = input.floor ?? 0.1;
  if (!isNum(floor) || floor < 0 || floor > 1 / Math.max(2, arms.length) || floor >= 0.5)
    issues.push({
      field: "floor",
      message: `must be between 0 and 1/${Math.max(2, arms.length)}, below 0.5 (got ${input.floor}); e.g. 0.1`,
    });
  const minAdaptive = input.minMaturedForAdaptive ?? 50;
  if (!Number.isInteger(minAdaptive) || minAdaptive < 1)
    issues.push({ field: "minMaturedForAdaptive", message: `must be a whole number of at least 1 (got ${input.minMaturedForAdaptive})` });
  if (issues.length || !kind.success || !metric.success || planned === undefined) throw new ValidationError("experiment", issues);

  return inTransaction(ctx.db, async (trx) => {
    const refIssues: FieldIssue[] = [];
    let offer: Offer | null = null;
    if (input.offer) {
      try {
        offer = await resolve.offer(trx, input.offer);
      } catch (e) {
        if (!NotFoundError.isInstance(e)) throw e;
        refIssues.push({ field: "offer", message: `${e.message}` });
      }
    }
    const rows: ExperimentCreateInput["arms"] = [];
    let channel: string | null = null;
    for (const [i, arm] of arms.entries()) {
      const ref = arm.ref.trim();
      const at = `arms[${i}]`;
      const key = arm.key ?? String.fromCharCode(97 + i);
      const base = { arm_key: key, is_control: arm.control ?? false };
      switch (kind.data) {
        case "offers": {
          try {
            const o = await resolve.offer(trx, ref);
            rows.push({ ...base, label: arm.label ?? o.name, offer_id: o.id });
          } catch (e) {
            if (!NotFoundError.isInstance(e)) throw e;
            refIssues.push({ field: `${at}.ref`, message: e.message });
          }
          break;
        }
        case "signal_stacks":
          rows.push({ ...base, label: arm.label ?? ref, signal_stack: ref });
          break;
        case "icp_segments":
          rows.push({ ...base, label: arm.label ?? ref, icp_segment: ref });
          break;
        case "copy_variants": {
          try {
            const t = await resolve.template(trx, ref);
            const problems: string[] = [];
            if (offer && t.offer_id !== offer.id) problems.push(`belongs to another offer`);
            if (t.campaign_id !== null) problems.push("is a campaign's copy; name the offer template it came from");
            // A template of every step of its channel (sequence_step NULL, e.g. the LinkedIn note) serves step `step` too.
            if (t.sequence_step !== null && t.sequence_step !== input.step)
              problems.push(`is for step ${t.sequence_step}, not step ${input.step}`);
            if (t.status !== "approved") problems.push(`is ${t.status}: approve it first (offerlab templates approve ${t.id.slice(0, 8)})`);
            if (channel !== null && t.channel !== channel) problems.push(`is on ${t.channel} while the other arms are on ${channel}`);
            channel ??= t.channel;
            if (problems.length) refIssues.push({ field: `${at}.ref`, message: `template "${t.name}" ${problems.join("; ")}` });
            else rows.push({ ...base, label: arm.label ?? t.variant ?? t.name, template_id: t.id });
          } catch (e) {
            if (!NotFoundError.isInstance(e)) throw e;
            refIssues.push({ field: `${at}.ref`, message: e.message });
          }
          break;
        }
      }
    }
    const seen = new Map<string, number>();
    rows.forEach((r, i) => {
      if (seen.has(r.arm_key))
        refIssues.push({
          field: `arms[${i}].key`,
          message: `"${r.arm_key}" repeats arms[${seen.get(r.arm_key)}]; give each arm its own key`,
        });
      seen.set(r.arm_key, i);
    });
    const refs = rows.map((r) => r.offer_id ?? r.signal_stack ?? r.icp_segment ?? r.template_id);
    if (new Set(refs).size !== refs.length)
      refIssues.push({ field: "arms", message: "two arms name the same thing; each arm must differ" });
    if (refIssues.length) throw new ValidationError("experiment", refIssues);
    if (!rows.some((r) => r.is_control)) rows[0]!.is_control = true;
    const created = await experiments.create(trx, {
      slug,
      name,
      hypothesis,
      kind: kind.data,
      offer_id: offer?.id ?? null,
      sequence_step: kind.data === "copy_variants" ? input.step! : null,
      primary_metric: metric.data,
      maturity_days: maturityDays,
      planned_matured_per_arm: planned,
      budget_matured_per_arm: input.budgetMaturedPerArm ?? null,
      ...(input.falseWinnerRate !== undefined ? { false_winner_rate: input.falseWinnerRate } : {}),
      ...(input.minMaturedPerArm !== undefined ? { min_matured_per_arm: input.minMaturedPerArm } : {}),
      ...(input.maxExpectedLossPoints !== undefined ? { max_expected_loss_points: input.maxExpectedLossPoints } : {}),
      allocation_floor: floor,
      min_matured_for_adaptive: minAdaptive,
      started_at: nowOf(ctx),
      arms: rows,
    });
    return { ...created, plan, causal: isCausal(kind.data) };
  });
}
