/**
 * Enrol the offer's contacts that match a campaign's target criteria, by the send path's own rules
 * (60 days, do-not-contact, reachable on the first step's channel …), best company fit first.
 */
import {
  channelActionType,
  EmailStatus,
  schedulingStepChannel,
  ValidationError,
  type FieldIssue,
  type MessageActionType,
} from "@offerlab/core";
import { campaignAdmin, settings, suppressions } from "@offerlab/db";
import { selectForEnrolment, type EnrolmentSelection } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";
import { scheduleOf } from "./campaign-schedule.js";

export interface EnrolContactsInput {
  /** The campaign's id, slug or name. */
  campaign: string;
  /** Enrol at most this many. Default: every eligible contact. */
  limit?: number;
  /** Email statuses a first email may go to. Default: the scheduler's (`valid`). */
  acceptedEmailStatuses?: readonly EmailStatus[];
  /** Report who would be enrolled and skipped; enrol nothing. Default false. */
  dryRun?: boolean;
}

export interface EnrolContactsResult {
  /** The campaign's slug (or id). */
  campaign: string;
  dryRun: boolean;
  /** Contacts matching the target criteria. */
  matched: number;
  wouldAdd: number;
  added: number;
  skipped: EnrolmentSelection["skipped"];
  warnings: EnrolmentSelection["warnings"];
  skippedContacts: (EnrolmentSelection["skippedContacts"][number] & { contact: string })[];
  /** The cooling-off window the selection used, in days (`offerlab settings show`): `cooling_off` skips are within it. */
  coolingOffDays: number;
}

export async function enrolContacts(ctx: OperationContext, input: EnrolContactsInput): Promise<EnrolContactsResult> {
  const issues: FieldIssue[] = [];
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1))
    issues.push({ field: "limit", message: `must be a whole number of at least 1 (got ${input.limit})` });
  const badStatuses = (input.acceptedEmailStatuses ?? []).filter((s) => !EmailStatus.safeParse(s).success);
  if (badStatuses.length)
    issues.push({
      field: "acceptedEmailStatuses",
      message: `${badStatuses.join(", ")} not allowed; use ${EmailStatus.options.join(", ")}`,
    });
  if (issues.length) throw new ValidationError("enrolment", issues);
  const now = nowOf(ctx);
  const dryRun = input.dryRun === true;
  return inTransaction(ctx.db, async (trx) => {
    const { campaign, candidates: matched } = await campaignAdmin.candidates(trx, input.campaign, { now });
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
    const selection = selectForEnrolment(candidates, {
      actions,
      now,
      coolingOffDays,
      ...(input.acceptedEmailStatuses ? { acceptedEmailStatuses: [...input.acceptedEmailStatuses] } : {}),
      ...(input.limit !== undefined ? { limit: input.limit } : {}),
    });
    const added = dryRun ? 0 : (await campaignAdmin.enroll(trx, campaign.id, selection.add, { now })).added;
    const names = new Map(
      candidates.map((c) => [c.contactId, `${c.fullName ?? c.email ?? c.linkedinUrl ?? c.contactId} (${c.companyName})`]),
    );
    return {
      campaign: campaign.campaign_slug ?? campaign.id,
      dryRun,
      matched: candidates.length,
      wouldAdd: selection.add.length,
      added,
      skipped: selection.skipped,
      warnings: selection.warnings,
      skippedContacts: selection.skippedContacts.map((x) => ({ ...x, contact: names.get(x.contactId) ?? x.contactId })),
      coolingOffDays,
    };
  });
}
