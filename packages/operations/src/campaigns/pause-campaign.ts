/** Pause an active campaign: nothing of it is planned or sent until it is resumed. */
import type { CampaignStatus } from "@offerlab/core";
import { campaignAdmin, type Campaign } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export function pauseCampaign(
  ctx: OperationContext,
  input: { campaign: string },
): Promise<{ campaign: Campaign; previous: CampaignStatus }> {
  return inTransaction(ctx.db, (trx) => campaignAdmin.setStatus(trx, input.campaign, "paused"));
}
