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
 * The account stratum is the account that will send the experiment's step. With one account of
 * that channel it is that account. With a pool, the sender is chosen here, at enrolment, and pinned
 * (the sticky `linkedin_account_id` / `email_account_id` the planner keeps to, as it does for every
 * contact after a first send): for each contact the account of its rotation pool with the fewest
 * contacts in the experiment so far, preferring accounts that can send now. So every account gets
 * its share and, within each account, the arms stay balanced: sender reputation is not confounded
 * with the arm. Limits are untouched: a pinned contact waits for its account's capacity like any
 * contact already under way.
 */
import { channelActionType, schedulingStepChannel, SchedulingConfig, type MessageActionType, type TargetCriteria } from "@offerlab/core";
import {
  accounts as accountRows,
  contacts as contactRows,
  experiments,
  type Account,
  type AssignmentInput,
  type Campaign,
  type DbOrTrx,
  type ExperimentWithArms,
} from "@offerlab/db";
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
import { accountKey, accountTypeFor, contactKey, rotationPool, sendBlock } from "@offerlab/scheduler";

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
function allocationDesignOf(e: ExperimentWithArms): AllocationDesign {
  return {
    arms: e.arms.map((a) => a.arm_key),
    seed: e.experiment.slug,
    floor: Number(e.experiment.allocation_floor),
    minMaturedForAdaptive: e.experiment.min_matured_for_adaptive,
  };
}

/**
 * Where an experiment's allocation stands now, on the matured outcomes of `facts`: the phase
 * (balanced until every arm has enough matured contacts, then Thompson), and `draw`, which gives the
 * arm of the contact at position `index` of `stratum` — keyed by the stratum and the position, never
 * a database-generated id, so the same story draws the same arms. Both allocation paths (a campaign's
 * own enrolment and `enrolExperiment`) draw through it.
 */
export function allocationState(
  e: ExperimentWithArms,
  facts: Parameters<typeof countContacts>[0],
  now: Date,
): { phase: "balanced" | "thompson"; draw(stratum: string, index: number): Assignment } {
  const design = allocationDesignOf(e);
  const counts = countContacts(
    facts,
    e.arms.map((a) => a.id),
    { metric: e.experiment.primary_metric, maturityDays: e.experiment.maturity_days, now },
  );
  const matured = counts.map((c) => ({ armId: e.arms.find((a) => a.id === c.group)!.arm_key, n: c.matured, successes: c.successes }));
  const phase = allocationPhase(design, matured);
  const batch = now.toISOString().slice(0, 10);
  const probabilities = phase === "thompson" ? thompsonProbabilities(design, matured, batch) : null;
  return {
    phase,
    draw: (stratum, index) =>
      probabilities
        ? assignWithProbabilities(design, probabilities, batch, `${stratum}:${index}`)
        : balancedAssignment(design, stratum, index),
  };
}

/** The campaign's accounts that may send `action` (account_id and account_ids), in natural-key order. */
export async function senderAccounts(trx: DbOrTrx, campaign: Campaign, type: "linkedin" | "email"): Promise<Account[]> {
  const ids = new Set<string>();
  if (campaign.account_id) ids.add(campaign.account_id);
  for (const a of campaign.account_ids ?? []) ids.add(a.id);
  const rows = (await accountRows.list(trx, { type })).filter((a) => ids.has(a.id));
  return rows.sort((a, b) => (accountKey(a) < accountKey(b) ? -1 : accountKey(a) > accountKey(b) ? 1 : 0));
}

/** The action of the step an experiment tests (its step, else the sequence's first). */
function stepAction(campaign: Campaign, step: number | null): MessageActionType | null {
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  if (!config.success) return null;
  const s = config.data.steps.find((x) => x.step === step) ?? config.data.steps[0];
  return s ? channelActionType[schedulingStepChannel[s.type]] : null;
}

/**
 * Each fresh contact's sender stratum: with one account of the channel, that account; with a pool,
 * the account chosen and pinned now (see the module note). Returns the strata by contact id and the
 * pins to write.
 */
async function senderStrata(
  trx: DbOrTrx,
  campaign: Campaign,
  e: ExperimentWithArms,
  fresh: readonly { contactId: string; campaignContactId: string }[],
  icp: string,
  now: Date,
): Promise<{ strata: Map<string, string>; pins: { campaignContactId: string; accountId: string }[]; channel: "linkedin" | "email" }> {
  const action = stepAction(campaign, e.experiment.sequence_step) ?? "connection_request";
  const channel = accountTypeFor(action);
  const accounts = await senderAccounts(trx, campaign, channel);
  const strata = new Map<string, string>();
  const pins: { campaignContactId: string; accountId: string }[] = [];
  if (accounts.length <= 1) {
    const account = accounts[0] ? accountKey(accounts[0]) : "none";
    for (const x of fresh) strata.set(x.contactId, stratumKey({ account, icp }));
    return { strata, pins, channel };
  }
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  const allowBurner = config.success && config.data.use_burner_accounts === true;
  const needKeys = accounts.some((a) => a.rotation_set === "odd" || a.rotation_set === "even");
  const keys = needKeys
    ? new Map((await contactRows.listByOffer(trx, campaign.offer_id)).map((c) => [c.id, contactKey(c)]))
    : new Map<string, string>();
  const pinned = await experiments.pinnedSenders(
    trx,
    channel,
    fresh.map((x) => x.campaignContactId),
  );
  const counts = await experiments.stratumCounts(trx, e.experiment.id);
  const countOf = (key: string) => counts.get(stratumKey({ account: key, icp })) ?? 0;
  for (const x of fresh) {
    const already = pinned.get(x.campaignContactId);
    const own = already ? accounts.find((a) => a.id === already) : undefined;
    let chosen: Account | undefined = own;
    if (!chosen) {
      const pool = rotationPool(accounts, { action, contactKey: keys.get(x.contactId) ?? x.contactId, allowBurner });
      const ready = pool.filter((a) => sendBlock(a, now) === null);
      for (const a of ready.length > 0 ? ready : pool) {
        if (!chosen || countOf(accountKey(a)) < countOf(accountKey(chosen))) chosen = a;
      }
      if (chosen) pins.push({ campaignContactId: x.campaignContactId, accountId: chosen.id });
    }
    const key = chosen ? accountKey(chosen) : `pool:${accounts.length}`;
    const stratum = stratumKey({ account: key, icp });
    counts.set(stratum, (counts.get(stratum) ?? 0) + 1);
    strata.set(x.contactId, stratum);
  }
  return { strata, pins, channel };
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
  const icp = criteria.icp_target ?? "any";
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
      const state = allocationState(e, await experiments.armFacts(trx, e.experiment.id), now);
      policy = state.phase;
      const senders = await senderStrata(trx, campaign, e, fresh, icp, now);
      await experiments.pinSenders(trx, senders.channel, senders.pins);
      const positions = await experiments.stratumCounts(trx, e.experiment.id);
      for (const x of fresh) {
        const stratum = senders.strata.get(x.contactId)!;
        const index = positions.get(stratum) ?? 0;
        positions.set(stratum, index + 1);
        const a = state.draw(stratum, index);
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
      const first = await senderAccounts(trx, campaign, accountTypeFor(stepAction(campaign, null) ?? "connection_request"));
      const stratum = stratumKey({ account: first.length === 1 ? accountKey(first[0]!) : `pool:${first.length}`, icp });
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

/** What {@link repinExperimentContacts} did. */
export interface RepinSummary {
  /** Experiment contacts moved to a remaining account of the campaign (nothing had gone to them from the removed one). */
  repinned: number;
  /** Experiment contacts left with the removed account: something went to them from it (a thread, an invitation), or no remaining account of their pool can send the step. */
  kept: number;
}

/**
 * Accounts taken off a campaign (`editCampaign`), in its transaction: the experiment contacts
 * whose sender was pinned at enrolment to one of them, and to whom nothing has gone from it yet,
 * get a remaining account of their rotation pool instead, so they are not stranded. Their arm
 * stays (it was drawn at enrolment, with its probability); their stratum becomes the new
 * account's. Each goes to the account whose stratum has the fewest contacts of its arm (then the
 * fewest contacts, then the key), so the strata stay balanced where the remaining accounts allow.
 * Contacts with something sent or in flight from the removed account keep it (their thread lives
 * there), as every contact under way does.
 */
export async function repinExperimentContacts(trx: DbOrTrx, campaign: Campaign, removedIds: readonly string[]): Promise<RepinSummary> {
  const out: RepinSummary = { repinned: 0, kept: 0 };
  if (removedIds.length === 0) return out;
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  const allowBurner = config.success && config.data.use_burner_accounts === true;
  for (const channel of ["linkedin", "email"] as const) {
    const pinned = await experiments.pinnedToAccounts(trx, campaign.id, channel, removedIds);
    if (pinned.length === 0) continue;
    const remaining = (await senderAccounts(trx, campaign, channel)).filter((a) => !removedIds.includes(a.id));
    const needKeys = remaining.some((a) => a.rotation_set === "odd" || a.rotation_set === "even");
    const keys = needKeys
      ? new Map((await contactRows.listByOffer(trx, campaign.offer_id)).map((c) => [c.id, contactKey(c)]))
      : new Map<string, string>();
    const action: MessageActionType = channel === "email" ? "email" : "connection_request";
    // Per experiment: contacts per stratum and per (stratum, arm), from its assignments.
    const tallies = new Map<string, { total: Map<string, number>; byArm: Map<string, number> }>();
    const tallyOf = async (experimentId: string) => {
      let t = tallies.get(experimentId);
      if (!t) {
        const rows = await experiments.assignments(trx, experimentId);
        t = { total: new Map(), byArm: new Map() };
        for (const r of rows) {
          t.total.set(r.stratum, (t.total.get(r.stratum) ?? 0) + 1);
          t.byArm.set(`${r.stratum}#${r.arm_id}`, (t.byArm.get(`${r.stratum}#${r.arm_id}`) ?? 0) + 1);
        }
        tallies.set(experimentId, t);
      }
      return t;
    };
    const moves: { campaignContactId: string; accountId: string; assignmentId: string; stratum: string }[] = [];
    for (const p of pinned) {
      const pool = rotationPool(remaining, { action, contactKey: keys.get(p.contactId) ?? p.contactId, allowBurner });
      if (p.underWay || pool.length === 0) {
        out.kept++;
        continue;
      }
      const t = await tallyOf(p.experimentId);
      const icp = /(?:^|\|)icp=([^|]*)/.exec(p.stratum)?.[1] ?? "any";
      const strataOf = (a: Account) => stratumKey({ account: accountKey(a), icp });
      let chosen: Account | undefined;
      const score = (a: Account) => [t.byArm.get(`${strataOf(a)}#${p.armId}`) ?? 0, t.total.get(strataOf(a)) ?? 0] as const;
      for (const a of pool) {
        if (!chosen) chosen = a;
        else {
          const [x1, y1] = score(a);
          const [x0, y0] = score(chosen);
          if (x1 < x0 || (x1 === x0 && y1 < y0)) chosen = a;
        }
      }
      const stratum = strataOf(chosen!);
      const dec = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 1) - 1);
      const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      dec(t.total, p.stratum);
      dec(t.byArm, `${p.stratum}#${p.armId}`);
      inc(t.total, stratum);
      inc(t.byArm, `${stratum}#${p.armId}`);
      moves.push({ campaignContactId: p.campaignContactId, accountId: chosen!.id, assignmentId: p.assignmentId, stratum });
    }
    out.repinned += await experiments.repin(trx, channel, moves);
  }
  return out;
}
