/**
 * The report: per experiment (`experimentReport`), or for any offer broken down by signal, ICP,
 * variant, step or sender account (`offerReport`). Reads come from `@offerlab/db`, every number
 * from `@offerlab/experiments` (counting matured contacts, intervals, the seeded posterior, the
 * verdict); this only puts them together. The same data always gives the same numbers: the Monte
 * Carlo seed is derived from the counts.
 */
import { ExperimentMetric, ValidationError, type ExperimentKind } from "@offerlab/core";
import { BREAKDOWNS, experiments, resolve, type Breakdown, type Experiment } from "@offerlab/db";
import {
  analyzeExperiment,
  countContacts,
  effectiveCounts,
  rateInterval,
  weightedArmRates,
  type ExperimentDesign,
  type ExperimentReport,
  type GroupCounts,
  type RateInterval,
  type Verdict,
} from "@offerlab/experiments";
import { nowOf, type OperationContext } from "../context.js";
import { isCausal } from "./define-experiment.js";
import { SENDERS_DIFFER_NOTE } from "./enrol-experiment.js";

export interface ReportArm {
  /** The arm's key, or the breakdown's group. */
  key: string;
  label: string;
  control: boolean;
  enrolled: number;
  contacted: number;
  matured: number;
  /** Contacted, still inside the maturity window: never counted as failures. */
  maturing: number;
  /** Of the matured, within the window. */
  replies: number;
  positiveReplies: number;
  meetings: number;
  /** Of the matured: the primary metric. */
  successes: number;
  /** Early outcomes of maturing contacts: shown, not counted. */
  maturingSuccesses: number;
  /** successes / matured; null with none matured. */
  rate: number | null;
  interval: RateInterval;
  pBest: number | null;
  pBeatsControl: number | null;
  expectedLossPoints: number | null;
  /** Rate weighted by 1 / assignment probability, when any assignment was adaptive; else null. */
  weightedRate: number | null;
  /**
   * When any assignment was adaptive: the effective matured contacts and successes behind P(best),
   * P(beats control), expected loss and the verdict (inverse-probability weighted); else null.
   */
  effective: { matured: number; successes: number } | null;
}

export interface ReportResult {
  /** What is reported: an experiment, or an offer by a dimension. */
  subject:
    | { type: "experiment"; slug: string; name: string; hypothesis: string; kind: ExperimentKind; status: string }
    | { type: "offer"; slug: string; by: Breakdown };
  offer: string | null;
  metric: ExperimentMetric;
  maturityDays: number;
  /** `causal`: arms randomised over one audience; `observational`: different audiences. */
  comparison: "causal" | "observational";
  /** The comparison in words; when the arms' senders differ (offers), it says so too. */
  comparisonNote: string;
  /**
   * Offers experiments (each arm its own campaign): whether the arms' contacts were sent from the
   * same accounts. `stratified`: each contact's sender was fixed at enrolment among the accounts
   * the arms' campaigns share, and the arms balanced within each; `shared`: the campaigns send from
   * the same accounts; `differ`: they do not, so the comparison also compares senders. Null for
   * other kinds (one campaign, stratified by account at enrolment) and offer breakdowns.
   */
  senders: { kind: "stratified" | "shared" | "differ"; note: string } | null;
  arms: ReportArm[];
  /** Null when fewer than two groups have contacts. */
  verdict: Verdict | null;
  /** Contacts still maturing, over all arms. */
  maturing: number;
  plan: { plannedMaturedPerArm: number; budgetMaturedPerArm: number; informationFraction: number; pBestThreshold: number | null } | null;
  guarantee: string | null;
  seed: string | null;
  asOf: string;
}

const CAUSAL_NOTE = "causal: contacts were randomised between the arms over one audience, so a difference is the arms' effect";
const OBSERVATIONAL_NOTE =
  "observational: the arms are different audiences (or moments of one sequence), so a difference may come from who was contacted, not from the arm";

function armOf(
  c: GroupCounts,
  label: string,
  control: boolean,
  r: ExperimentReport["arms"][number] | null,
  weighted: number | null,
  interval: RateInterval,
): ReportArm {
  return {
    key: c.group,
    label,
    control,
    enrolled: c.enrolled,
    contacted: c.contacted,
    matured: c.matured,
    maturing: c.maturing,
    replies: c.replies,
    positiveReplies: c.positiveReplies,
    meetings: c.meetings,
    successes: c.successes,
    maturingSuccesses: c.maturingSuccesses,
    rate: c.matured === 0 ? null : c.successes / c.matured,
    interval,
    pBest: r?.pBest ?? null,
    pBeatsControl: r?.pBeatsControl ?? null,
    expectedLossPoints: r?.expectedLossPoints ?? null,
    weightedRate: weighted,
    effective: weighted === null || !r ? null : { matured: r.evidence.n, successes: r.evidence.successes },
  };
}

function analyze(
  counts: readonly GroupCounts[],
  design: ExperimentDesign,
  controlKey: string,
  effective?: readonly { armId: string; n: number; successes: number }[],
): ExperimentReport {
  return analyzeExperiment(
    counts.map((c) => ({
      armId: c.group,
      enrolled: c.enrolled,
      contacted: c.contacted,
      matured: c.matured,
      successes: c.successes,
      maturing: c.maturing,
      maturingSuccesses: c.maturingSuccesses,
    })),
    { design, controlArmId: controlKey, ...(effective ? { effective } : {}) },
  );
}

function designOf(e: Experiment): ExperimentDesign {
  return {
    plannedMaturedPerArm: e.planned_matured_per_arm,
    ...(e.budget_matured_per_arm !== null ? { budgetMaturedPerArm: e.budget_matured_per_arm } : {}),
    falseWinnerRate: Number(e.false_winner_rate),
    minMaturedPerArm: e.min_matured_per_arm,
    maxExpectedLossPoints: Number(e.max_expected_loss_points),
  };
}

/** Whether the arms of an offers experiment were sent from the same accounts (see `ReportResult.senders`). */
function sendersOf(groups: Awaited<ReturnType<typeof experiments.armSenders>>, causal: boolean): ReportResult["senders"] {
  const relevant = causal ? groups.filter((g) => g.policy !== "observed") : groups;
  if (relevant.length === 0) return null;
  if (relevant.every((g) => /(?:^|\|)account=/.test(g.stratum)))
    return {
      kind: "stratified",
      note: "the arms share their senders: each contact's sender was fixed at enrolment among the accounts the arms' campaigns share, and the arms are balanced within each account",
    };
  const byArm = new Map<string, Set<string>>();
  for (const g of relevant) {
    const set = byArm.get(g.armId) ?? new Set<string>();
    for (const id of g.accountIds) set.add(id);
    byArm.set(g.armId, set);
  }
  const sets = [...byArm.values()];
  const same = sets.every((x) => x.size === sets[0]!.size && [...x].every((id) => sets[0]!.has(id)));
  if (sets.length < 2 || same) return { kind: "shared", note: "the arms' campaigns send from the same accounts" };
  return { kind: "differ", note: SENDERS_DIFFER_NOTE };
}

/** The report of one experiment (id or slug). */
export async function experimentReport(ctx: OperationContext, input: { experiment: string }): Promise<ReportResult> {
  const now = nowOf(ctx);
  const { experiment: e, arms } = await experiments.get(ctx.db, input.experiment);
  const all = await experiments.armFacts(ctx.db, e.id);
  // An audience experiment (offers) some of whose contacts the experiment randomised itself
  // (`experiments enrol`): the comparison is causal over those, and the contacts the arms' own
  // campaigns enrolled (observed) are left out of it.
  const randomised = isCausal(e.kind) ? all : all.filter((f) => f.policy !== "observed");
  const causal = isCausal(e.kind) || randomised.length > 0;
  const facts = causal ? randomised : all;
  const leftOut = all.length - facts.length;
  const keyOf = new Map(arms.map((a) => [a.id, a.arm_key]));
  const keyed = facts.map((f) => ({ ...f, group: keyOf.get(f.group)! }));
  const counts = countContacts(
    keyed,
    arms.map((a) => a.arm_key),
    { metric: e.primary_metric, maturityDays: e.maturity_days, now },
  );
  const control = arms.find((a) => a.is_control) ?? arms[0]!;
  // After any adaptive assignment the verdict is computed on inverse-probability-weighted effective
  // counts (the recorded probabilities), so a period when an arm got most contacts does not pass for its effect.
  const adaptive = keyed.some((f) => f.policy === "thompson");
  const records = adaptive
    ? keyed.map((f) => {
        const c = countContacts([f], [], { metric: e.primary_metric, maturityDays: e.maturity_days, now })[0]!;
        return { armId: f.group, probability: f.probability, matured: c.matured === 1, success: c.successes === 1 };
      })
    : null;
  const keys = arms.map((a) => a.arm_key);
  const weighted = records ? weightedArmRates(keys, records) : null;
  const report = analyze(counts, designOf(e), control.arm_key, records ? effectiveCounts(keys, records) : undefined);
  const offer = e.offer_id ? await resolve.offer(ctx.db, e.offer_id) : null;
  const senders = e.kind === "offers" ? sendersOf(await experiments.armSenders(ctx.db, e.id), causal) : null;
  const comparisonNote = !causal
    ? OBSERVATIONAL_NOTE
    : isCausal(e.kind)
      ? CAUSAL_NOTE
      : `${CAUSAL_NOTE} (offerlab experiments enrol)` +
        (leftOut > 0 ? `; ${leftOut} contact(s) the arms' campaigns enrolled by themselves are observational and left out` : "");
  return {
    subject: { type: "experiment", slug: e.slug, name: e.name, hypothesis: e.hypothesis, kind: e.kind, status: e.status },
    offer: offer?.slug ?? null,
    metric: e.primary_metric,
    maturityDays: e.maturity_days,
    comparison: causal ? "causal" : "observational",
    comparisonNote: senders?.kind === "differ" ? `${comparisonNote}; ${senders.note}` : comparisonNote,
    senders,
    arms: counts.map((c, i) => {
      const arm = arms[i]!;
      const r = report.arms[i]!;
      return armOf(c, arm.label, arm.is_control, r, weighted?.find((w) => w.armId === arm.arm_key)?.rate ?? null, r.interval);
    }),
    verdict: report.verdict,
    maturing: report.maturing,
    plan: {
      plannedMaturedPerArm: report.design.plannedMaturedPerArm,
      budgetMaturedPerArm: report.design.budgetMaturedPerArm,
      informationFraction: report.informationFraction,
      pBestThreshold: report.pBestThreshold,
    },
    guarantee: report.guarantee,
    seed: report.seed,
    asOf: now.toISOString(),
  };
}

export interface OfferReportInput {
  /** The offer (id, slug or name). */
  offer: string;
  by: Breakdown;
  /** Default `positive_reply`. */
  metric?: ExperimentMetric;
  /** Default 14. */
  maturityDays?: number;
}

/**
 * An offer's contacts broken down by one dimension. Always observational. The verdict uses the
 * default design with the plan at the minimum (100 matured per group): a lead worth an experiment,
 * not a conclusion.
 */
export async function offerReport(ctx: OperationContext, input: OfferReportInput): Promise<ReportResult> {
  const issues: { field: string; message: string }[] = [];
  if (!(BREAKDOWNS as readonly string[]).includes(input.by))
    issues.push({ field: "by", message: `must be one of ${BREAKDOWNS.join(", ")} (got "${input.by}")` });
  const metric = ExperimentMetric.safeParse(input.metric ?? "positive_reply");
  if (!metric.success)
    issues.push({ field: "metric", message: `must be one of ${ExperimentMetric.options.join(", ")} (got "${input.metric}")` });
  const maturityDays = input.maturityDays ?? 14;
  if (!Number.isInteger(maturityDays) || maturityDays < 1 || maturityDays > 180)
    issues.push({ field: "maturityDays", message: `must be a whole number of days in [1, 180] (got ${input.maturityDays})` });
  if (issues.length || !metric.success) throw new ValidationError("report", issues);
  const now = nowOf(ctx);
  const offer = await resolve.offer(ctx.db, input.offer);
  const facts = await experiments.offerFacts(ctx.db, offer.id, input.by);
  const counts = countContacts(facts, [], { metric: metric.data, maturityDays, now }).sort((a, b) =>
    a.group < b.group ? -1 : a.group > b.group ? 1 : 0,
  );
  const report = counts.length >= 2 ? analyze(counts, { plannedMaturedPerArm: 100 }, counts[0]!.group) : null;
  return {
    subject: { type: "offer", slug: offer.slug ?? offer.id, by: input.by },
    offer: offer.slug ?? offer.id,
    metric: metric.data,
    maturityDays,
    comparison: "observational",
    comparisonNote: OBSERVATIONAL_NOTE,
    senders: null,
    arms: counts.map((c, i) => {
      const r = report?.arms[i] ?? null;
      const interval = r?.interval ?? rateInterval(c.successes, c.matured, "jeffreys");
      return armOf(c, c.group, false, r, null, interval);
    }),
    verdict: report?.verdict ?? null,
    maturing: counts.reduce((s, c) => s + c.maturing, 0),
    plan: null,
    guarantee: null,
    seed: report?.seed ?? null,
    asOf: now.toISOString(),
  };
}
