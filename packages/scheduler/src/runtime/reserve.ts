/**
 * Step 3 of the send path, inside the claim's transaction: reserve the account's capacity for this
 * send with guarded statements only (no read-then-write), so no limit is exceeded however many
 * runners race: the account's next slot (the randomised gap between two sends), then one unit of
 * its daily limit for the action and one of its hourly limit, then one unit of the campaign's day
 * (its `daily_send_cap`, per calendar day in the campaign's time zone).
 */
import { accounts, type Database } from "@offerlab/db";
import type { Transaction } from "kysely";
import type { ReasonCode } from "../engine/reasons.js";
import { accountGapMs } from "../engine/jitter.js";
import { nextUtcDay, rowKey, type Decision } from "./check.js";
import { accountKey, type SendContext } from "./context.js";
import type { Resolved } from "./options.js";
import { campaignDay, nextCampaignDay, releaseQuota, reserveCampaignQuota, reserveQuota, usagePeriods } from "./quota.js";

const HOUR = 3_600_000;

export type Reservation =
  { ok: true; usageDay: Date; usageHour: Date; campaignDay: string | null } | { ok: false; reason: ReasonCode; until: Date };

/**
 * The rest after a send of this account, in seconds: its `send_gap_min_seconds` plus up to its
 * `send_gap_variance_seconds`; each one left unset (null) comes from the runner's `accountGapMs`
 * (minimum `min`, variance `max - min`).
 */
export function accountGapSeconds(
  account: { send_gap_min_seconds: number | null; send_gap_variance_seconds: number | null },
  fallback: { min: number; max: number },
): { minSeconds: number; maxSeconds: number } {
  const minSeconds = account.send_gap_min_seconds ?? fallback.min / 1000;
  const variance = account.send_gap_variance_seconds ?? Math.max(0, fallback.max - fallback.min) / 1000;
  return { minSeconds, maxSeconds: minSeconds + variance };
}

export async function reserveCapacity(
  trx: Transaction<Database>,
  o: Pick<Resolved, "accountGapMs" | "random">,
  ctx: SendContext,
  go: Extract<Decision, { kind: "go" }>,
  now: Date,
): Promise<Reservation> {
  const account = ctx.account!;
  // Pacing: one guarded update claims the account's next slot, its rest drawn from the account's
  // own gap and variance (`accounts limits --gap --gap-variance`), else the runner's default.
  const { minSeconds, maxSeconds } = accountGapSeconds(account, o.accountGapMs);
  const gap = maxSeconds > 0 ? accountGapMs(o.random.stream(`gap|${accountKey(account)}|${rowKey(ctx)}`), { minSeconds, maxSeconds }) : 0;
  const paced = await accounts.takeSendSlot(trx, account.id, { now, nextAt: new Date(now.getTime() + gap) });
  if (!paced) {
    return {
      ok: false,
      reason: "min_gap",
      until: account.next_send_at && account.next_send_at > now ? account.next_send_at : new Date(now.getTime() + 1000),
    };
  }

  const refused = await reserveQuota(trx, {
    accountId: account.id,
    action: go.action,
    dailyLimit: go.dailyLimit,
    hourlyLimit: go.hourlyLimit,
    now,
  });
  const { day, hour } = usagePeriods(now);
  if (refused) {
    // The slot was not used: the account's next send may come as soon as it could before.
    await accounts.restoreSendSlot(trx, account.id, account.next_send_at);
    return { ok: false, reason: refused, until: refused === "daily_cap" ? nextUtcDay(now) : new Date(hour.getTime() + HOUR) };
  }

  // The campaign's own cap comes last: its row is shared by every account of the campaign, so it
  // is held for the shortest time (the rest of this transaction). A campaign without a cap is not
  // counted: its sends take no shared row at all.
  const { campaign } = ctx;
  if (campaign.daily_send_cap === null) return { ok: true, usageDay: day, usageHour: hour, campaignDay: null };
  const localDay = campaignDay(campaign.timezone, now);
  if (!(await reserveCampaignQuota(trx, { campaignId: campaign.id, day: localDay, cap: campaign.daily_send_cap }))) {
    await releaseQuota(trx, { accountId: account.id, action: go.action, usageDay: day, usageHour: hour });
    await accounts.restoreSendSlot(trx, account.id, account.next_send_at);
    return { ok: false, reason: "campaign_daily_cap", until: nextCampaignDay(campaign.timezone, now) };
  }
  return { ok: true, usageDay: day, usageHour: hour, campaignDay: localDay };
}
