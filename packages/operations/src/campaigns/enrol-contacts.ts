/**
 * Enrol the offer's contacts that match a campaign's target criteria, by the send path's own rules
 * (60 days, do-not-contact, reachable on the first step's channel …), best company fit first.
 */
import {
  channelActionType,
  EmailStatus,
  isUuid,
  schedulingStepChannel,
  ValidationError,
  type FieldIssue,
  type MessageActionType,
} from "@offerlab/core";
import { campaignAdmin, contacts, experiments, settings, suppressions, type EnrolmentSkipReasonStored } from "@offerlab/db";
import { selectForEnrolment, type EnrolmentSelection, type EnrolmentSkipReason } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";
import { allocateEnrolled, type AllocationSummary } from "../experiments/allocate.js";
import { scheduleOf } from "./campaign-schedule.js";
import { lookupConnectionDegrees, type LookupDegreesContext, type LookupDegreesResult } from "./lookup-degrees.js";

/**
 * The skip reasons stored on the contact (`contacts.skip_reason`), in the schema document's seed
 * vocabulary; the other reasons are reported only (they pass: another campaign finishes, a limit).
 */
const STORED_SKIP: Partial<Record<EnrolmentSkipReason, EnrolmentSkipReasonStored>> = {
  "1st_degree": "1st_degree",
  cooling_off: "already_contacted",
  replied: "already_contacted",
  no_email: "no_email",
};

export interface EnrolContactsInput {
  /** The campaign's id, slug or name. */
  campaign: string;
  /**
   * Only these contacts (ids; e.g. a selection in the dashboard's leads table), at most
   * {@link MAX_ENROL_SELECTION}; the campaign's offer, criteria and the send path's rules still
   * apply. Default: every contact of the offer.
   */
  contactIds?: readonly string[];
  /** Enrol at most this many. Default: every eligible contact. */
  limit?: number;
  /** Email statuses a first email may go to. Default: the scheduler's (`valid`). */
  acceptedEmailStatuses?: readonly EmailStatus[];
  /** Report who would be enrolled and skipped; enrol nothing. Default false. */
  dryRun?: boolean;
  /**
   * First look up, on LinkedIn, the connection degree of contacts whose degree is unknown (see
   * {@link lookupConnectionDegrees}); needs `linkedin` in the context. Default false. A dry run
   * looks up too (it spends profile views, and stores the degrees).
   */
  lookupDegrees?: boolean;
  /** At most this many lookups. Default: the lookup's (200). */
  maxLookups?: number;
}

/** The context of {@link enrolContacts}: `linkedin` is needed only with `lookupDegrees`. */
export interface EnrolContactsContext extends OperationContext {
  linkedin?: LookupDegreesContext["linkedin"];
}

/** The most contacts one selection may name (`contactIds`). */
export const MAX_ENROL_SELECTION = 10_000;

export interface EnrolContactsResult {
  /** The campaign's slug (or id). */
  campaign: string;
  dryRun: boolean;
  /** With `contactIds`: how many were named; the others than `matched` are not of the campaign's offer or outside its criteria. */
  selected: number | null;
  /** Contacts matching the target criteria. */
  matched: number;
  wouldAdd: number;
  added: number;
  skipped: EnrolmentSelection["skipped"];
  warnings: EnrolmentSelection["warnings"];
  skippedContacts: (EnrolmentSelection["skippedContacts"][number] & { contact: string })[];
  /** What the degree lookup did, when it ran. */
  lookup: LookupDegreesResult | null;
  /** The cooling-off window the selection used, in days (`offerlab settings show`): `cooling_off` skips are within it. */
  coolingOffDays: number;
  /** The running experiments of the offer the enrolled contacts were allocated in (none on a dry run). */
  experiments: AllocationSummary[];
}

/**
 * Enrols the matching contacts. Contacts skipped for a reason of the seed's vocabulary get it in
 * `contacts.skip_reason` (`1st_degree`; `already_contacted` for cooling off or replied; `no_email`),
 * unless the pipeline had set another reason; contacts enrolled lose an earlier such reason. A dry
 * run stores nothing (but the degrees it looked up).
 */
export async function enrolContacts(ctx: EnrolContactsContext, input: EnrolContactsInput): Promise<EnrolContactsResult> {
  const issues: FieldIssue[] = [];
  if (typeof input.campaign !== "string" || input.campaign.trim() === "")
    issues.push({ field: "campaign", message: "is required (the campaign's id, slug or name)" });
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1))
    issues.push({ field: "limit", message: `must be a whole number of at least 1 (got ${input.limit})` });
  const badStatuses = (input.acceptedEmailStatuses ?? []).filter((s) => !EmailStatus.safeParse(s).success);
  if (badStatuses.length)
    issues.push({
      field: "acceptedEmailStatuses",
      message: `${badStatuses.join(", ")} not allowed; use ${EmailStatus.options.join(", ")}`,
    });
  if (input.lookupDegrees === true && !ctx.linkedin)
    issues.push({
      field: "lookupDegrees",
      message: "needs a LinkedIn provider (Unipile): set UNIPILE_API_KEY and UNIPILE_DSN, or use --sandbox",
    });
  if (input.maxLookups !== undefined && (!Number.isInteger(input.maxLookups) || input.maxLookups < 1))
    issues.push({ field: "maxLookups", message: `must be a whole number of at least 1 (got ${input.maxLookups})` });
  if (input.contactIds !== undefined) {
    if (input.contactIds.length === 0) issues.push({ field: "contactIds", message: "is empty: select at least one contact" });
    else if (input.contactIds.length > MAX_ENROL_SELECTION)
      issues.push({
        field: "contactIds",
        message: `names ${input.contactIds.length} contacts; enrol at most ${MAX_ENROL_SELECTION} at once (narrow the filter)`,
      });
    const bad = input.contactIds.find((id) => !isUuid(id));
    if (bad !== undefined) issues.push({ field: "contactIds", message: `"${bad}" is not a contact id` });
  }
  if (issues.length) throw new ValidationError("enrolment", issues);
  const contactIds = input.contactIds ? [...new Set(input.contactIds)] : undefined;
  const now = nowOf(ctx);
  const dryRun = input.dryRun === true;
  // Outside the enrolment's transaction: the lookups are provider calls.
  const lookup =
    input.lookupDegrees === true
      ? await lookupConnectionDegrees(
          { db: ctx.db, linkedin: ctx.linkedin!, ...(ctx.now ? { now: ctx.now } : {}) },
          { campaign: input.campaign, ...(input.maxLookups !== undefined ? { limit: input.maxLookups } : {}) },
        )
      : null;
  return inTransaction(ctx.db, async (trx) => {
    const { campaign, candidates: matched } = await campaignAdmin.candidates(trx, input.campaign, {
      now,
      ...(contactIds ? { contactIds } : {}),
    });
    // The suppression list (invariant 4): a suppressed person is skipped with reason `suppressed`.
    const suppressed = await suppressions.forContacts(
      trx,
      matched.map((c) => c.contactId),
    );
    const candidates = matched.map((c) => (suppressed.has(c.contactId) ? { ...c, person: { ...c.person, suppressed: true } } : c));
    if (campaign.status === "completed" || campaign.status === "cancelled") {
      throw new OperationError(
        "campaign_closed",
        `campaign ${campaign.campaign_slug ?? campaign.id} is ${campaign.status}: contacts cannot join it`,
      );
    }
    const config = scheduleOf(campaign, "; recreate it");
    const actions: MessageActionType[] = config.steps.map((st) => channelActionType[schedulingStepChannel[st.type]]);
    const { coolingOffDays } = await settings.get(trx);
    const criteria = campaign.target_criteria ?? {};
    const selection = selectForEnrolment(candidates, {
      actions,
      now,
      coolingOffDays,
      campaignType: campaign.campaign_type,
      ...(criteria.connection_degrees ? { connectionDegrees: criteria.connection_degrees } : {}),
      ...(criteria.exclude_1st_degree !== undefined ? { exclude1stDegree: criteria.exclude_1st_degree } : {}),
      ...(input.acceptedEmailStatuses ? { acceptedEmailStatuses: [...input.acceptedEmailStatuses] } : {}),
      ...(input.limit !== undefined ? { limit: input.limit } : {}),
    });
    const added = dryRun ? 0 : (await campaignAdmin.enroll(trx, campaign.id, selection.add, { now })).added;
    if (!dryRun) {
      const stored = selection.skippedContacts.flatMap((s) => {
        const reason = STORED_SKIP[s.reason];
        return reason ? [{ contactId: s.contactId, reason }] : [];
      });
      await contacts.markSkippedAtEnrolment(trx, stored);
      await contacts.clearEnrolmentSkip(trx, selection.add);
    }
    // Every contact enrolled joins an arm of each running experiment of the offer, in this transaction.
    const allocated = dryRun
      ? []
      : await allocateEnrolled(trx, campaign, await experiments.campaignContactsOf(trx, campaign.id, selection.add), now);
    const names = new Map(
      candidates.map((c) => [c.contactId, `${c.fullName ?? c.email ?? c.linkedinUrl ?? c.contactId} (${c.companyName})`]),
    );
    return {
      campaign: campaign.campaign_slug ?? campaign.id,
      dryRun,
      selected: contactIds ? contactIds.length : null,
      matched: candidates.length,
      wouldAdd: selection.add.length,
      added,
      skipped: selection.skipped,
      warnings: selection.warnings,
      skippedContacts: selection.skippedContacts.map((x) => ({ ...x, contact: names.get(x.contactId) ?? x.contactId })),
      lookup,
      coolingOffDays,
      experiments: allocated,
    };
  });
}
