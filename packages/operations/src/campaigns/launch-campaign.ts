/**
 * Check a campaign (schedule, window, accounts per step, an approved template per step, its
 * offer) and start it. Nothing changes when a check fails; each problem names what to fix. For a
 * multi-channel campaign the offer's templates are bound to the campaign's steps.
 */
import { ValidationError, type CampaignStatus } from "@offerlab/core";
import { campaignAdmin, type Campaign, type DbOrTrx } from "@offerlab/db";
import { checkLaunch } from "@offerlab/scheduler";
import { inTransaction, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";

export interface LaunchCampaignResult {
  campaign: Campaign;
  previous: CampaignStatus;
  /** The offer was draft, ready or paused and is active now. */
  offerActivated: boolean;
  /** Offer templates bound to campaign steps. */
  bound: number;
  warnings: string[];
  steps: { step: number; channel: string; template: string | null; bound: boolean }[];
  /** Contacts still in a sequence. */
  contacts: number;
}

/** Launch or resume, in one transaction: the checks read what the launch writes. */
export async function startCampaign(trx: DbOrTrx, ref: string, resume: boolean): Promise<LaunchCampaignResult> {
  const ctx = await campaignAdmin.launchContext(trx, ref);
  const name = ctx.campaign.campaign_slug ?? ctx.campaign.id;
  if (resume && ctx.campaign.status !== "paused") {
    throw new OperationError(
      "campaign_not_paused",
      `campaign ${name} is ${ctx.campaign.status}, not paused${ctx.campaign.status === "draft" || ctx.campaign.status === "ready" ? ": use `offerlab campaigns launch`" : ""}`,
    );
  }
  const check = checkLaunch({ ...ctx, offer: { status: ctx.offer.status } });
  if (check.problems.length) throw new ValidationError(`campaign ${name} (it was not ${resume ? "resumed" : "launched"})`, check.problems);
  const bindings = check.steps.filter((st) => st.bind && st.template).map((st) => ({ templateId: st.template!.id, step: st.step }));
  const launched = await campaignAdmin.launch(trx, ctx.campaign.id, bindings);
  return {
    ...launched,
    warnings: check.warnings,
    steps: check.steps.map((st) => ({ step: st.step, channel: st.channel, template: st.template?.name ?? null, bound: st.bind })),
    contacts: ctx.contacts,
  };
}

export function launchCampaign(ctx: OperationContext, input: { campaign: string }): Promise<LaunchCampaignResult> {
  return inTransaction(ctx.db, (trx) => startCampaign(trx, input.campaign, false));
}
