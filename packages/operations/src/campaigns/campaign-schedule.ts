import { SchedulingConfig } from "@offerlab/core";
import type { Campaign } from "@offerlab/db";
import { OperationError } from "../errors.js";

/** The campaign's parsed schedule; an OperationError when it does not parse. */
export function scheduleOf(campaign: Campaign, hint = ""): SchedulingConfig {
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  if (!config.success)
    throw new OperationError(
      "campaign_schedule_invalid",
      `campaign ${campaign.campaign_slug ?? campaign.id} has no valid schedule (scheduling_config)${hint}`,
    );
  return config.data;
}
