/** Resume a paused campaign, after the same checks as a launch. */
import { inTransaction, type OperationContext } from "../context.js";
import { startCampaign, type LaunchCampaignResult } from "./launch-campaign.js";

export function resumeCampaign(ctx: OperationContext, input: { campaign: string }): Promise<LaunchCampaignResult> {
  return inTransaction(ctx.db, (trx) => startCampaign(trx, input.campaign, true));
}
