/**
 * Check a campaign before its launch, without launching it: the same checks as `launchCampaign`
 * (schedule, window, accounts per step, an approved template per step, its offer). A campaign
 * never launched is `ready` exactly when they pass: a passing `draft` becomes `ready`, a `ready` one
 * that no longer passes goes back to `draft`; any other status is reported and left alone.
 */
import type { CampaignStatus, FieldIssue } from "@offerlab/core";
import { campaignAdmin } from "@offerlab/db";
import { checkLaunch } from "@offerlab/scheduler";
import { inTransaction, type OperationContext } from "../context.js";

export interface CheckCampaignResult {
  /** The campaign's slug (or id). */
  campaign: string;
  /** Whether every launch check passes. */
  ok: boolean;
  previous: CampaignStatus;
  status: CampaignStatus;
  /** What stops the launch, each naming the field and the fix (empty when `ok`). */
  problems: FieldIssue[];
  warnings: string[];
  steps: { step: number; channel: string; template: string | null }[];
  /** Contacts still in a sequence. */
  contacts: number;
}

export function checkCampaign(ctx: OperationContext, input: { campaign: string }): Promise<CheckCampaignResult> {
  return inTransaction(ctx.db, async (trx) => {
    const launch = await campaignAdmin.launchContext(trx, input.campaign);
    const check = checkLaunch({ ...launch, offer: { status: launch.offer.status } });
    const ok = check.problems.length === 0;
    const moved = await campaignAdmin.markReadiness(trx, launch.campaign.id, ok);
    return {
      campaign: launch.campaign.campaign_slug ?? launch.campaign.id,
      ok,
      ...moved,
      problems: check.problems,
      warnings: check.warnings,
      steps: check.steps.map((st) => ({ step: st.step, channel: st.channel, template: st.template?.name ?? null })),
      contacts: launch.contacts,
    };
  });
}
