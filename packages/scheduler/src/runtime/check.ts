/**
 * Step 2 of the send path, inside the claim's transaction: re-check every invariant against the
 * state read under the claim's locks, and decide whether this row may be sent now, must wait
 * (with a reason and a time) or will never be sent (with a reason).
 */
import { channelActionType, type MessageActionType, type MessageChannel } from "@offerlab/core";
import {
  checkEligibility,
  COOLING_OFF_DAYS,
  coolingOffEndsAt,
  effectiveLimits,
  isInWindow,
  nextWindowOpening,
  sendBlock,
  windowFromCampaign,
  type ReasonCode,
} from "../engine/index.js";
import { DEFAULT_MAX_JITTER_MINUTES, jitteredSendTime } from "../engine/jitter.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { sendKey, type SendContext } from "./context.js";
import { usagePeriods } from "./quota.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type Decision =
  | { kind: "go"; action: MessageActionType; dailyLimit: number; hourlyLimit: number }
  | { kind: "defer"; reason: ReasonCode; until: Date }
  | { kind: "skip"; reason: ReasonCode; status: "skipped" | "cancelled" };

/** Campaign-contact statuses that end the person's sequence; each is also the reason code of the skip. */
const STOPPED_CC = new Set<ReasonCode>(["replied", "meeting", "bounced", "unsubscribed", "completed", "failed"]);

function isStopped(status: string): status is ReasonCode {
  return STOPPED_CC.has(status as ReasonCode);
}

/**
 * Whether a reply ends the person's sequence in this campaign: always, unless the campaign's
 * `scheduling_config.stop_on_reply` is false; a negative reply ends it even then.
 */
export function replyStops(schedulingConfig: unknown, sentiment: string | null | undefined): boolean {
  if (sentiment === "negative") return true;
  return (schedulingConfig as { stop_on_reply?: unknown } | null)?.stop_on_reply !== false;
}

/** The natural key of the row being sent: the planner's, else computed from its context. */
export function rowKey(ctx: Pick<SendContext, "row" | "campaign" | "contact">): string {
  return ctx.row.natural_key ?? sendKey(ctx.campaign, ctx.contact, ctx.row.sequence_step);
}

/** The start of the next UTC day: when a daily limit gives capacity again. */
export function nextUtcDay(now: Date): Date {
  return new Date(usagePeriods(now).day.getTime() + DAY);
}

/** Whether the account is one of the campaign's (`account_id` or `account_ids`); true for a campaign that lists none. */
function isCampaignAccount(campaign: Pick<SendContext["campaign"], "account_id" | "account_ids">, accountId: string): boolean {
  const ids = [...(campaign.account_id ? [campaign.account_id] : []), ...(campaign.account_ids ?? []).map((a) => a.id)];
  return ids.length === 0 || ids.includes(accountId);
}

/** Whether the campaign opted in to its burner accounts (core's `SchedulingConfig.use_burner_accounts`). */
function usesBurnerAccounts(campaign: Pick<SendContext["campaign"], "scheduling_config">): boolean {
  return campaign.scheduling_config?.use_burner_accounts === true;
}

/** The action the row's send consumes: its `action_type`, else its channel's. */
export function rowActionOf(ctx: Pick<SendContext, "row">): MessageActionType {
  return (ctx.row.action_type as MessageActionType | null) ?? channelActionType[ctx.row.channel as MessageChannel];
}

/**
 * Decides, from state read inside the claim, whether this row may be sent now. Pure but for
 * `random`, whose draws (the jitter of a reopening window) are named by the row's natural key.
 */
export function decide(ctx: SendContext, now: Date, random: RandomSource = systemRandomSource()): Decision {
  const { campaign, campaignContact: cc, account } = ctx;
  const action = rowActionOf(ctx);

  if (campaign.status === "cancelled" || campaign.status === "completed") {
    return { kind: "skip", reason: "campaign_not_active", status: "cancelled" };
  }
  if (campaign.status !== "active") return { kind: "defer", reason: "campaign_not_active", until: new Date(now.getTime() + HOUR) };
  // A paused, completed or killed offer holds every send of its campaigns; they go on when the
  // offer is active again (its campaigns keep their own status).
  if (ctx.offerStatus !== "active") return { kind: "defer", reason: "offer_not_active", until: new Date(now.getTime() + HOUR) };

  if (cc && isStopped(cc.status)) {
    return { kind: "skip", reason: cc.status === "replied" || cc.replied ? "replied" : cc.status, status: "cancelled" };
  }
  // A reply stops the sequence unless the campaign says `stop_on_reply: false`, and then still
  // when it was negative (an opt-out or a bounce stops the person through their own statuses).
  if (cc?.replied && replyStops(campaign.scheduling_config, cc.reply_sentiment))
    return { kind: "skip", reason: "replied", status: "cancelled" };
  if (cc?.paused_until && cc.paused_until > now) return { kind: "defer", reason: "paused", until: cc.paused_until };
  if (cc?.status === "paused") return { kind: "defer", reason: "paused", until: new Date(now.getTime() + HOUR) };

  const isFirstTouch = !cc || cc.touches === 0;
  const eligibility = checkEligibility(
    {
      rows: ctx.person.map((p) => ({
        global_status: p.global_status,
        status: p.status,
        eligible_for_outreach: p.eligible_for_outreach,
        connection_degree: p.id === ctx.contact.id ? p.connection_degree : null,
      })),
      lastTouchAt: ctx.lastTouchAt,
      suppressed: Boolean(ctx.suppression),
    },
    { isFirstTouch, action, now, coolingOffDays: ctx.coolingOffDays ?? COOLING_OFF_DAYS },
  );
  if (!eligibility.ok) {
    if (eligibility.reason === "cooling_off" && ctx.lastTouchAt) {
      return { kind: "defer", reason: "cooling_off", until: coolingOffEndsAt(ctx.lastTouchAt, ctx.coolingOffDays ?? COOLING_OFF_DAYS) };
    }
    // A suppressed person's row is cancelled: it was never meant to go, and nothing re-plans it.
    return { kind: "skip", reason: eligibility.reason, status: eligibility.reason === "suppressed" ? "cancelled" : "skipped" };
  }

  const window = windowFromCampaign(campaign);
  if (!isInWindow(window, now)) {
    return {
      kind: "defer",
      reason: "window_closed",
      // The account's own jitter (`send_jitter_minutes`, NULL = the default), as the planner draws it.
      until: jitteredSendTime(window, nextWindowOpening(window, now), random.stream(`reopen|${rowKey(ctx)}`), {
        maxJitterMinutes: account?.send_jitter_minutes ?? DEFAULT_MAX_JITTER_MINUTES,
      }),
    };
  }

  if (!account) return { kind: "defer", reason: "no_account", until: new Date(now.getTime() + HOUR) };
  // An account taken off the campaign (`offerlab campaigns edit --accounts`) gets no new claim: the
  // edit cancels its rows, and a row planned while the edit committed is cancelled here. Its copy
  // was rendered for that sender, so it is not handed to another account.
  if (!isCampaignAccount(campaign, account.id)) return { kind: "skip", reason: "sender_unavailable", status: "cancelled" };
  // A burner account sends only for a campaign that opts in (scheduling_config.use_burner_accounts):
  // a row planned on a burner before the campaign turned the option off gets no claim either.
  if (account.rotation_set === "burner" && !usesBurnerAccounts(campaign))
    return { kind: "skip", reason: "sender_unavailable", status: "cancelled" };
  // The same rule the capacity dashboards show (accountStanding): a cooldown waits until it ends;
  // paused, disconnected, unhealthy or unlinked accounts are looked at again in an hour.
  const block = sendBlock(account, now);
  if (block) return { kind: "defer", reason: block.reason, until: block.until ?? new Date(now.getTime() + HOUR) };

  const limits = effectiveLimits(account);
  const dailyLimit = limits[action];
  if (dailyLimit <= 0) return { kind: "defer", reason: "daily_cap", until: nextUtcDay(now) };
  return { kind: "go", action, dailyLimit, hourlyLimit: limits.hourly };
}
