/**
 * Days to finish a campaign with its current accounts and limits, and what holds it back (the
 * scheduler's forecast, over what the database says now). Reads only.
 */
import { ValidationError } from "@offerlab/core";
import { campaignAdmin, type Campaign } from "@offerlab/db";
import {
  forecastCampaign as forecast,
  readCampaignUsage,
  readUsageMany,
  windowFromCampaign,
  type CampaignForecast,
} from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { scheduleOf } from "./campaign-schedule.js";

export interface ForecastCampaignInput {
  /** The campaign's id, slug or name. */
  campaign: string;
  /** Share of LinkedIn invitations accepted, 0–1. Default: the scheduler's. */
  acceptanceRate?: number;
}

export interface ForecastCampaignResult {
  campaign: Campaign;
  /** Contacts paused for a human (not counted). */
  paused: number;
  forecast: CampaignForecast;
}

export async function forecastCampaign(ctx: OperationContext, input: ForecastCampaignInput): Promise<ForecastCampaignResult> {
  const rate = input.acceptanceRate;
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw new ValidationError("forecast", [{ field: "acceptanceRate", message: `must be a number from 0 to 1 (got ${rate})` }]);
  const now = nowOf(ctx);
  // One snapshot: the campaign, its contacts and its accounts' usage as of the same moment.
  return inTransaction(ctx.db, async (trx) => {
    const c = await campaignAdmin.forecastContext(trx, input.campaign);
    const config = scheduleOf(c.campaign);
    const usage = await readUsageMany(
      trx,
      c.accounts.map((a) => a.id),
      now,
    );
    const accounts = c.accounts.map((a) => ({ ...a, usage: usage.get(a.id)! }));
    const campaignSentToday = c.campaign.daily_send_cap === null ? 0 : await readCampaignUsage(trx, c.campaign, now);
    return {
      campaign: c.campaign,
      paused: c.paused,
      forecast: forecast({
        config,
        window: windowFromCampaign(c.campaign),
        accounts,
        contacts: c.contacts,
        now,
        campaignDailyCap: c.campaign.daily_send_cap,
        campaignSentToday,
        ...(rate !== undefined ? { acceptanceRate: rate } : {}),
      }),
    };
  });
}
