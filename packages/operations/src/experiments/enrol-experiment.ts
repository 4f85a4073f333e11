/**
 * An offers experiment randomised over one audience (`offerlab experiments enrol <exp> --from
 * <campaign>`): the contacts a campaign would enrol (its target criteria, by the send path's own
 * rules: cooling off, suppression, reachable on the first step's channel …) are each allocated to
 * one arm, and enrolled in that arm's campaign, in one transaction. The allocation is the copy
 * variants' one: balanced in permuted blocks per stratum (the audience and its ICP segment), then,
 * once every arm has `min_matured_for_adaptive` matured randomised contacts, batched top-two
 * Thompson sampling with the floor (one batch per UTC day); every assignment is recorded with the
 * probabilities used. The report then calls the comparison causal and counts only these contacts;
 * contacts an arm's campaign enrolled by itself (`campaigns add-contacts`) stay observational and
 * are left out of it.
 *
 * Senders: when the arms' campaigns share sender accounts (for their first step's channel), each
 * contact's sender is chosen at enrolment among the shared accounts (the one with the fewest
 * contacts in the experiment so far, preferring accounts that can send now), pinned in the arm's
 * campaign (its sticky sender), and the stratum includes that account: within every account the
 * arms stay balanced, so the sender is not confounded with the arm. When they share none, the
 * stratum is the audience alone and the result (and the report) says the comparison also compares
 * senders.
 *
 * `dryRun`: the same selection and the same draws, and nothing is written: what would be enrolled,
 * per arm and per stratum, and who would be left out and why.
 *
 * Signal stacks and ICP segments are not randomised: they define who is contacted (a contact has
 * the signal or the segment, or not), so their arms are different audiences by nature and stay
 * observational (docs/experiments.md).
 */
import { channelActionType, schedulingStepChannel, ValidationError, type FieldIssue, type MessageActionType } from "@offerlab/core";
import {
  campaignAdmin,
  contacts as contactRows,
  experiments,
  settings,
  suppressions,
  type Account,
  type Campaign,
  type DbOrTrx,
} from "@offerlab/db";
import { stratumKey, type Assignment } from "@offerlab/experiments";
import { accountKey, accountTypeFor, contactKey, rotationPool, selectForEnrolment, sendBlock } from "@offerlab/scheduler";
import { scheduleOf } from "../campaigns/campaign-schedule.js";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { allocateEnrolled, allocationState, senderAccounts } from "./allocate.js";

export interface EnrolExperimentInput {
  /** The experiment (id or slug): a running `offers` experiment. */
  experiment: string;
  /** The campaign whose audience is randomised (id, slug or name): the contacts it would enrol. */
  from: string;
  /**
   * The campaign each arm enrols into, by arm key. Default: the one open campaign (not completed or
   * cancelled) of the arm's offer.
   */
  campaigns?: Record<string, string>;
  /** At most this many contacts. Default: every eligible one. */
  limit?: number;
  /** Show what would be enrolled (per arm and stratum, and who is left out and why); write nothing. */
  dryRun?: boolean;
}

export interface EnrolExperimentResult {
  experiment: string;
  from: string;
  /** Contacts of the audience the campaign's criteria match. */
  matched: number;
  /** Contacts allocated and enrolled now. */
  assigned: number;
  /** Eligible contacts left out: already in the experiment, or already in an arm's campaign. */
  alreadyIn: number;
  skipped: Partial<Record<string, number>>;
  policy: "balanced" | "thompson";
  /** The audience's stratum (without the sender account). */
  stratum: string;
  arms: { key: string; label: string; campaign: string; assigned: number }[];
  /** Contacts allocated (or, on a dry run, that would be) per stratum and arm key. */
  strata: { stratum: string; byArm: Record<string, number> }[];
  /**
   * `shared`: the arms' campaigns share these sender accounts (names), and each contact was pinned
   * to one of them and stratified by it. `differ`: they share none; `note` says what that means.
   */
  senders: { kind: "shared"; accounts: string[] } | { kind: "differ"; note: string };
  /** True when nothing was written. */
  dryRun: boolean;
}

/** What the report and enrolment say when the arms' campaigns share no sender account. */
export const SENDERS_DIFFER_NOTE = "sender accounts differ between arms: the comparison also compares senders";

function stepActions(campaign: Campaign): MessageActionType[] {
  return scheduleOf(campaign, "; recreate it").steps.map((st) => channelActionType[schedulingStepChannel[st.type]]);
}

/**
 * The sender accounts every arm's campaign has for its first step's channel (in natural-key order),
 * with that action; none when the arms' first steps use different channels or share no account.
 */
async function sharedSenders(
  trx: DbOrTrx,
  campaigns: readonly Campaign[],
): Promise<{ accounts: Account[]; action: MessageActionType; channel: "linkedin" | "email" | null; allowBurner: boolean }> {
  const actions = campaigns.map((c) => stepActions(c)[0] ?? "connection_request");
  const action = actions[0] ?? "connection_request";
  const none = { accounts: [], action, channel: null, allowBurner: false };
  if (campaigns.length === 0 || actions.some((a) => accountTypeFor(a) !== accountTypeFor(action))) return none;
  const channel = accountTypeFor(action);
  let shared: Account[] | null = null;
  for (const c of campaigns) {
    const own = await senderAccounts(trx, c, channel);
    shared = shared === null ? own : shared.filter((a) => own.some((b) => b.id === a.id));
  }
  // A burner account sends only for campaigns that opt in: shared only when every arm's does.
  const allowBurner = campaigns.every((c) => scheduleOf(c, "; recreate it").use_burner_accounts === true);
  return shared && shared.length > 0 ? { accounts: shared, action, channel, allowBurner } : none;
}

export async function enrolExperiment(ctx: OperationContext, input: EnrolExperimentInput): Promise<EnrolExperimentResult> {
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1))
    throw new ValidationError("enrolment", [{ field: "limit", message: `must be a whole number of at least 1 (got ${input.limit})` }]);
  const now = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const e = await experiments.getForUpdate(trx, input.experiment);
    const slug = e.experiment.slug;
    const issues: FieldIssue[] = [];
    if (e.experiment.kind === "signal_stacks" || e.experiment.kind === "icp_segments")
      issues.push({
        field: "experiment",
        message: `${slug} compares ${e.experiment.kind === "signal_stacks" ? "signal stacks" : "ICP segments"}: they define who is contacted, so their arms are different audiences and are not randomised (enrol each arm's campaign with campaigns add-contacts); randomise offers or copy variants over one audience`,
      });
    else if (e.experiment.kind === "copy_variants")
      issues.push({
        field: "experiment",
        message: `${slug} compares copy variants: its contacts are randomised when a campaign of its offer enrols them (offerlab campaigns add-contacts)`,
      });
    if (e.experiment.status !== "running")
      issues.push({ field: "experiment", message: `${slug} is ${e.experiment.status}: define another to enrol contacts` });
    if (issues.length) throw new ValidationError("experiment enrolment", issues);

    // Each arm's campaign: named, or the one open campaign of the arm's offer.
    const unknownKeys = Object.keys(input.campaigns ?? {}).filter((k) => !e.arms.some((a) => a.arm_key === k));
    for (const k of unknownKeys)
      issues.push({ field: `campaigns.${k}`, message: `no arm "${k}"; the arms are ${e.arms.map((a) => a.arm_key).join(", ")}` });
    const armCampaigns: Campaign[] = [];
    for (const arm of e.arms) {
      const named = input.campaigns?.[arm.arm_key];
      const field = `campaigns.${arm.arm_key}`;
      let campaign: Campaign | null = null;
      if (named !== undefined) {
        campaign = await campaignAdmin.get(trx, named).catch((error: unknown) => {
          issues.push({ field, message: (error as Error).message });
          return null;
        });
        if (campaign && campaign.offer_id !== arm.offer_id)
          issues.push({ field, message: `campaign ${campaign.campaign_slug ?? campaign.id} is not of arm ${arm.arm_key}'s offer` });
      } else {
        const open = (await campaignAdmin.list(trx, { offerId: arm.offer_id! })).filter(
          (c) => c.status !== "completed" && c.status !== "cancelled",
        );
        if (open.length === 1) campaign = open[0]!;
        else
          issues.push({
            field,
            message:
              open.length === 0
                ? `arm ${arm.arm_key} (${arm.label}) has no open campaign: create one for its offer (offerlab campaigns create)`
                : `arm ${arm.arm_key} (${arm.label}) has ${open.length} open campaigns (${open.map((c) => c.campaign_slug).join(", ")}): name one with --campaign ${arm.arm_key}=<campaign>`,
          });
      }
      if (campaign && (campaign.status === "completed" || campaign.status === "cancelled"))
        issues.push({ field, message: `campaign ${campaign.campaign_slug ?? campaign.id} is ${campaign.status}: contacts cannot join it` });
      if (campaign) armCampaigns.push(campaign);
    }
    if (issues.length) throw new ValidationError("experiment enrolment", issues);

    // The audience: who the `from` campaign would enrol, by the send path's rules.
    const { campaign: from, candidates: matched } = await campaignAdmin.candidates(trx, input.from, { now });
    const suppressed = await suppressions.forContacts(
      trx,
      matched.map((c) => c.contactId),
    );
    const candidates = matched.map((c) => (suppressed.has(c.contactId) ? { ...c, person: { ...c.person, suppressed: true } } : c));
    const { coolingOffDays } = await settings.get(trx);
    const criteria = from.target_criteria ?? {};
    const selection = selectForEnrolment(candidates, {
      actions: stepActions(from),
      now,
      coolingOffDays,
      campaignType: from.campaign_type,
      ...(criteria.connection_degrees ? { connectionDegrees: criteria.connection_degrees } : {}),
      ...(criteria.exclude_1st_degree !== undefined ? { exclude1stDegree: criteria.exclude_1st_degree } : {}),
    });
    // Already in the experiment, or already in an arm's campaign (its own audience): left out.
    const taken = await experiments.assignedContacts(trx, e.experiment.id, selection.add);
    for (const c of armCampaigns) for (const x of await experiments.campaignContactsOf(trx, c.id, selection.add)) taken.add(x.contactId);
    const fresh = selection.add.filter((id) => !taken.has(id));
    const chosen = input.limit !== undefined ? fresh.slice(0, input.limit) : fresh;

    // The phase, on the randomised contacts' matured outcomes.
    const facts = (await experiments.armFacts(trx, e.experiment.id)).filter((f) => f.policy !== "observed");
    const state = allocationState(e, facts, now);
    const audience = { audience: from.campaign_slug ?? from.id, icp: criteria.icp_target ?? "any" };
    const stratum = stratumKey(audience);
    const senders = await sharedSenders(trx, armCampaigns);
    const counts = await experiments.stratumCounts(trx, e.experiment.id);
    const byArm = new Map<string, { contactId: string; a: Assignment; stratum: string; account: Account | null }[]>(
      e.arms.map((a) => [a.arm_key, []]),
    );
    const strata = new Map<string, Record<string, number>>();
    const keys = senders.accounts.some((a) => a.rotation_set === "odd" || a.rotation_set === "even")
      ? new Map((await contactRows.listByOffer(trx, from.offer_id)).map((c) => [c.id, contactKey(c)]))
      : new Map<string, string>();
    for (const contactId of chosen) {
      // The sender first (shared accounts: the one with the fewest contacts in the experiment so
      // far), then the arm, drawn at the contact's position in its stratum (the selection's order,
      // best fit first).
      let account: Account | null = null;
      if (senders.accounts.length > 0) {
        const pool = rotationPool(senders.accounts, {
          action: senders.action,
          contactKey: keys.get(contactId) ?? contactId,
          allowBurner: senders.allowBurner,
        });
        const ready = pool.filter((a) => sendBlock(a, now) === null);
        const countOf = (a: Account) => counts.get(stratumKey({ ...audience, account: accountKey(a) })) ?? 0;
        for (const a of ready.length > 0 ? ready : pool) if (!account || countOf(a) < countOf(account)) account = a;
      }
      const key = account ? stratumKey({ ...audience, account: accountKey(account) }) : stratum;
      const index = counts.get(key) ?? 0;
      counts.set(key, index + 1);
      const a = state.draw(key, index);
      byArm.get(a.armId)!.push({ contactId, a, stratum: key, account });
      const tally = strata.get(key) ?? Object.fromEntries(e.arms.map((x) => [x.arm_key, 0]));
      tally[a.armId] = (tally[a.armId] ?? 0) + 1;
      strata.set(key, tally);
    }
    const dryRun = input.dryRun === true;
    const arms: EnrolExperimentResult["arms"] = [];
    for (const [i, arm] of e.arms.entries()) {
      const campaign = armCampaigns[i]!;
      const picked = byArm.get(arm.arm_key)!;
      if (picked.length > 0 && !dryRun) {
        const ids = picked.map((p) => p.contactId);
        await campaignAdmin.enroll(trx, campaign.id, ids, { now });
        const ccs = await experiments.campaignContactsOf(trx, campaign.id, ids);
        const ccOf = new Map(ccs.map((x) => [x.contactId, x.campaignContactId]));
        if (senders.channel) {
          const pins = picked.flatMap((p) => {
            const cc = ccOf.get(p.contactId);
            return cc && p.account ? [{ campaignContactId: cc, accountId: p.account.id }] : [];
          });
          await experiments.pinSenders(trx, senders.channel, pins);
        }
        await experiments.assign(
          trx,
          picked.map((p) => ({
            experiment_id: e.experiment.id,
            arm_id: arm.id,
            contact_id: p.contactId,
            campaign_contact_id: ccOf.get(p.contactId) ?? null,
            probability: p.a.probability,
            probabilities: p.a.probabilities,
            stratum: p.stratum,
            policy: p.a.phase,
            assigned_at: now,
          })),
        );
        // The other running experiments of the arm's offer (its copy variants) allocate them too.
        await allocateEnrolled(trx, campaign, ccs, now);
      }
      arms.push({ key: arm.arm_key, label: arm.label, campaign: campaign.campaign_slug ?? campaign.id, assigned: picked.length });
    }
    return {
      experiment: slug,
      from: from.campaign_slug ?? from.id,
      matched: candidates.length,
      assigned: chosen.length,
      alreadyIn: selection.add.length - fresh.length,
      skipped: selection.skipped,
      policy: state.phase,
      stratum,
      arms,
      strata: [...strata.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => ({ stratum: k, byArm: v })),
      senders:
        senders.accounts.length > 0
          ? { kind: "shared", accounts: senders.accounts.map((a) => a.name) }
          : { kind: "differ", note: SENDERS_DIFFER_NOTE },
      dryRun,
    };
  });
}
