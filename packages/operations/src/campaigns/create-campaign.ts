/**
 * Create a draft campaign: slug `{type}-{offer}-{channel}-{signal}-{icp}-{account}`, target
 * criteria, schedule, send window and accounts (see `campaignAdmin.create` for the checks).
 */
import { ValidationError } from "@offerlab/core";
import { campaignAdmin, offers, type Campaign, type CampaignCreateRequest } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export type CreateCampaignInput = CampaignCreateRequest;

export interface CreateCampaignResult {
  campaign: Campaign;
  /** The slug of the campaign's offer. */
  offerSlug: string | null;
}

export async function createCampaign(ctx: OperationContext, input: CreateCampaignInput): Promise<CreateCampaignResult> {
  const missing = (["offer", "name", "channel"] as const).filter((k) => !input[k]);
  if (missing.length)
    throw new ValidationError(
      "campaign",
      missing.map((field) => ({ field, message: "is required" })),
    );
  return inTransaction(ctx.db, async (trx) => {
    const campaign = await campaignAdmin.create(trx, input);
    return { campaign, offerSlug: (await offers.get(trx, campaign.offer_id))?.slug ?? null };
  });
}
