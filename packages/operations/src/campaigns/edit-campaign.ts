/**
 * Change a campaign's send window, send days, time zone, accounts or daily cap, draft or live, with
 * the checks of `createCampaign` (db's `sendWindowIssues`, `dailySendCapIssue` and the accounts
 * against the channel and the schedule: one validation, not a copy). The daily cap
 * (`daily_send_cap`, null clears it) counts the campaign's sends per calendar day in its time
 * zone; the send path enforces it at the claim, and rows it deferred are judged again at once. In the same transaction the change reaches every send not
 * yet claimed: rows of an account taken off the campaign go out from a remaining account when
 * nothing went to the person from the removed one and the step needs no relation with it (a
 * first email, an invitation: `rerouteSends`, the copy rendered again for the new sender); the
 * others (a follow-up in a thread, a LinkedIn message to a connection) are cancelled
 * (`sender_unavailable`; the claim refuses them too). Rows waiting for the old window are judged
 * again by the new one. A send already claimed finishes. Experiment contacts whose sender was
 * pinned at enrolment to a removed account, and to whom nothing has gone from it, get a remaining
 * account instead (keeping the strata balanced: `repinExperimentContacts`), and their waiting
 * rows follow. All in one transaction; nothing is written when a check fails.
 */
import { ValidationError } from "@offerlab/core";
import { campaignAdmin, type CampaignSettingsChange, type CampaignSettingsPatch } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";
import type { RepinSummary } from "../experiments/allocate.js";
import { rerouteSends, type RerouteSummary } from "./reroute-sends.js";

export interface EditCampaignInput extends CampaignSettingsPatch {
  /** The campaign's id, slug or name. */
  campaign: string;
}

export interface EditCampaignResult extends CampaignSettingsChange {
  /**
   * Experiment contacts pinned to a removed account: moved to a remaining one (`repinned`, not
   * counted in `contactsStranded`), or kept (something went to them from it already). Their
   * waiting sends are among `queueMoved`.
   */
  experimentContacts: RepinSummary;
}

export async function editCampaign(ctx: OperationContext, input: EditCampaignInput): Promise<EditCampaignResult> {
  const { campaign: ref, ...patch } = input;
  if (Object.values(patch).every((v) => v === undefined)) {
    throw new ValidationError("campaign", [
      { field: "(input)", message: "nothing to change: give a window, send days, a time zone, accounts or a daily cap" },
    ]);
  }
  const now = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const campaign = await campaignAdmin.get(trx, ref);
    if (campaign.status === "completed" || campaign.status === "cancelled") {
      throw new OperationError(
        "campaign_closed",
        `campaign ${campaign.campaign_slug ?? campaign.id} is ${campaign.status}: it cannot be edited`,
      );
    }
    let rerouted: RerouteSummary | null = null;
    const change = await campaignAdmin.changeSettings(trx, campaign.id, patch, {
      now,
      reroute: async (t, c, removedIds) => {
        rerouted = await rerouteSends(t, c, removedIds, now);
        return rerouted.moved;
      },
    });
    const experimentContacts = (rerouted as RerouteSummary | null)?.experimentContacts ?? { repinned: 0, kept: 0 };
    return { ...change, experimentContacts };
  });
}
