/** Cancel a campaign for good: its queued sends are cancelled and its sequences end. */
import { ValidationError, type CampaignStatus } from "@offerlab/core";
import { campaignAdmin, type Campaign } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface CancelCampaignInput {
  /** The campaign's id, slug or name. */
  campaign: string;
  /** Must be true: a cancelled campaign cannot be restarted. */
  confirm: boolean;
}

export interface CancelCampaignResult {
  campaign: Campaign;
  previous: CampaignStatus;
  queueCancelled: number;
  sequencesStopped: number;
}

export async function cancelCampaign(ctx: OperationContext, input: CancelCampaignInput): Promise<CancelCampaignResult> {
  if (input.confirm !== true) {
    throw new ValidationError("cancellation", [
      { field: "confirm", message: "cancelling is final (the campaign cannot be restarted): confirm it, or pause the campaign instead" },
    ]);
  }
  const now = nowOf(ctx);
  return inTransaction(ctx.db, (trx) => campaignAdmin.cancel(trx, input.campaign, { now }));
}
