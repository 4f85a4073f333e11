/**
 * The books the cron keeps: campaign and offer totals, account health (with auto-pause on
 * bounces), the document's today_* counters, and warming weeks. Each function is idempotent and
 * safe to run from several runners at once (they recompute from facts, never increment).
 */
import { accountMetrics, accounts, campaignMetrics } from "@offerlab/db";
import type { Db } from "./types.js";

/** Defaults of account health: documented in the scheduler README. */
export const HEALTH_DEFAULTS = {
  /** Window the rates are computed over. */
  windowDays: 30,
  /** Sends needed before rates mean anything (and before auto-pause can trigger). */
  minSample: 20,
  /** An email account whose bounce rate exceeds this (percent) is paused. */
  autoPauseBounceRate: 5,
  /** Health score = 100 − bounce rate × 8 − spam rate × 20 + reply rate (clamped 0–100). */
} as const;

/**
 * Recomputes campaign metrics (the schema's update_campaign_metrics, every rate per person) and
 * offers' totals, from the facts (`campaignMetrics` in @offerlab/db).
 */
export async function recomputeBooks(db: Db, options: { campaignId?: string } = {}): Promise<{ campaigns: number }> {
  const campaigns = await db
    .selectFrom("campaigns")
    .select("id")
    .$if(Boolean(options.campaignId), (q) => q.where("id", "=", options.campaignId!))
    .execute();
  for (const c of campaigns) await campaignMetrics.recomputeCampaign(db, c.id);
  await campaignMetrics.recomputeOffers(db);
  return { campaigns: campaigns.length };
}

/**
 * Account health from the last `windowDays` of sends: bounce and spam rates per message sent, the
 * reply rate per person contacted (a person who replied counts once), a 0–100
 * score, and auto-pause of an account whose bounce rate is above the threshold once the sample is
 * large enough. Returns the accounts it paused.
 */
export async function recomputeAccountHealth(
  db: Db,
  options: { now?: Date; windowDays?: number; minSample?: number; autoPauseBounceRate?: number } = {},
): Promise<{ updated: number; paused: string[] }> {
  const now = options.now ?? new Date();
  const windowDays = options.windowDays ?? HEALTH_DEFAULTS.windowDays;
  const minSample = options.minSample ?? HEALTH_DEFAULTS.minSample;
  const threshold = options.autoPauseBounceRate ?? HEALTH_DEFAULTS.autoPauseBounceRate;
  const since = new Date(now.getTime() - windowDays * 86_400_000);
  const rows = await accountMetrics.sendFacts(db, since);
  const paused: string[] = [];
  for (const r of rows) {
    const pct = (n: number) => (r.sent > 0 ? Math.round((n / r.sent) * 10_000) / 100 : null);
    const bounce = pct(r.bounced);
    const spam = pct(r.spam);
    // Per person: each person who answered this account counts once, over the people it contacted.
    const reply = r.people > 0 ? Math.round((r.repliedPeople / r.people) * 10_000) / 100 : null;
    const score =
      r.sent >= minSample ? Math.max(0, Math.min(100, Math.round(100 - (bounce ?? 0) * 8 - (spam ?? 0) * 20 + (reply ?? 0)))) : 100;
    const pause = r.type === "email" && r.status === "active" && r.sent >= minSample && (bounce ?? 0) > threshold;
    await accounts.recordHealth(db, r.id, { bounceRate: bounce, spamRate: spam, replyRate: reply, score, at: now, pause });
    if (pause) paused.push(r.id);
  }
  return { updated: rows.length, paused };
}

/**
 * Sets the document's `today_*` counters from `account_usage` for the current UTC day. The limits
 * are enforced on account_usage; this keeps the views that read today_* true after midnight.
 */
export async function syncTodayCounters(db: Db, options: { now?: Date } = {}): Promise<void> {
  const now = options.now ?? new Date();
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  await accounts.syncTodayCounters(db, day);
}

/**
 * Advances warming: an account with `warming_started_at` is in week ⌊days / 7⌋ + 1 (1–4); after
 * four weeks `warming_week` returns to 0 (fully warmed, full limits).
 */
export async function advanceWarming(db: Db, options: { now?: Date } = {}): Promise<{ updated: number }> {
  const now = options.now ?? new Date();
  return { updated: await accounts.advanceWarming(db, now) };
}
