/**
 * Typed queries for the ten views of the schema and wrappers for its four functions. Each view
 * query takes an optional filter on the column people filter by and a limit; they read through
 * `security_invoker` views, so Row Level Security applies as for the tables.
 */
import type { GlobalContactStatus, MessageActionType } from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "./database.generated.js";
import type { DbOrTrx } from "./transaction.js";

export type ViewName =
  | "offer_dashboard"
  | "contacts_ready"
  | "account_health"
  | "campaign_performance"
  | "todays_queue"
  | "leads_for_review"
  | "todays_schedule"
  | "account_capacity"
  | "activity_feed"
  | "daily_account_message_volume";

export type ViewRow<V extends ViewName> = Selectable<Database[V]>;

interface Page {
  /** Maximum rows. Default: 1000. */
  limit?: number;
}

const limitOf = (p: Page) => p.limit ?? 1000;

export const views = {
  /** offer_dashboard: every offer with its company, contact and campaign counts and totals. */
  offerDashboard(db: DbOrTrx, opts: Page & { offerId?: string } = {}) {
    let q = db.selectFrom("offer_dashboard").selectAll().orderBy("created_at", "desc").limit(limitOf(opts));
    if (opts.offerId) q = q.where("id", "=", opts.offerId);
    return q.execute();
  },

  /** contacts_ready: contacts of an offer that may be added to outreach now. */
  contactsReady(db: DbOrTrx, opts: Page & { offerId?: string } = {}) {
    let q = db.selectFrom("contacts_ready").selectAll().orderBy("company_fit_score", "desc").orderBy("full_name").limit(limitOf(opts));
    if (opts.offerId) q = q.where("offer_id", "=", opts.offerId);
    return q.execute();
  },

  /** account_health: accounts with remaining daily capacity and whether they can send. */
  accountHealth(db: DbOrTrx, opts: Page = {}) {
    return db.selectFrom("account_health").selectAll().orderBy("name").limit(limitOf(opts)).execute();
  },

  /** campaign_performance: campaigns with live reply, positive and meeting rates. */
  campaignPerformance(db: DbOrTrx, opts: Page & { offerId?: string } = {}) {
    let q = db.selectFrom("campaign_performance").selectAll().orderBy("created_at", "desc").limit(limitOf(opts));
    if (opts.offerId) q = q.where("offer_id", "=", opts.offerId);
    return q.execute();
  },

  /**
   * todays_queue: messages waiting to be sent (`pending`, or `queued` as the planner writes them)
   * that are due, by when they are due (`due_at`: the queue row's time, which the send path moves
   * when it defers a send, else the message's own).
   */
  todaysQueue(db: DbOrTrx, opts: Page = {}) {
    return db.selectFrom("todays_queue").selectAll().orderBy("due_at").limit(limitOf(opts)).execute();
  },

  /**
   * leads_for_review: the Clay-style table of contacts, companies, campaigns and pending sends, plus
   * `effective_global_status`: the row's `global_status` as the send path reads it now
   * (`contact_globally_available`, docs/contact-status.md): `cooling_off` whose window has passed
   * is `available`, `available` touched within the window is `cooling_off`; others as stored.
   */
  leadsForReview(db: DbOrTrx, opts: Page & { campaignId?: string; minFitScore?: number } = {}) {
    let q = db
      .selectFrom("leads_for_review")
      .selectAll()
      .select(
        sql<GlobalContactStatus>`CASE WHEN global_status IN ('available', 'cooling_off') THEN
          CASE WHEN contact_globally_available(global_status, global_last_contacted_at, NOW()) THEN 'available' ELSE 'cooling_off' END
          ELSE global_status END`.as("effective_global_status"),
      )
      .orderBy("fit_score", "desc")
      .orderBy("full_name")
      .limit(limitOf(opts));
    if (opts.campaignId) q = q.where("campaign_id", "=", opts.campaignId);
    if (opts.minFitScore !== undefined) q = q.where("fit_score", ">=", opts.minFitScore);
    return q.execute();
  },

  /** todays_schedule: send_queue rows due today (the session's calendar day). */
  todaysSchedule(db: DbOrTrx, opts: Page = {}) {
    return db.selectFrom("todays_schedule").selectAll().orderBy("scheduled_for").limit(limitOf(opts)).execute();
  },

  /** account_capacity: limits, today's counts and what remains, per account. */
  accountCapacity(db: DbOrTrx, opts: Page = {}) {
    return db.selectFrom("account_capacity").selectAll().orderBy("name").limit(limitOf(opts)).execute();
  },

  /**
   * activity_feed: scheduled and sent outreach, newest first; what happened at the same instant
   * (several accounts send in one cron tick) by kind, campaign and person, so the feed reads the
   * same in two runs of one sandbox seed (row ids differ between them).
   *
   * A send is one row: the view lists a queue row and, once it went out, its outreach_history
   * row too. The queue row of a send (status sent, delivered or bounced: the send path writes the
   * history row in the same transaction) is left out, so the feed shows what is scheduled and what
   * was sent, each once. `everyQueueRow: true` keeps the view's rows as they are.
   */
  activityFeed(db: DbOrTrx, opts: Page & { since?: Date; everyQueueRow?: boolean } = {}) {
    let q = db
      .selectFrom("activity_feed")
      .selectAll()
      .$if(opts.everyQueueRow !== true, (qb) =>
        qb.where((eb) => eb.not(eb.and([eb("activity_type", "=", "scheduled"), eb("status", "in", ["sent", "delivered", "bounced"])]))),
      )
      .orderBy("occurred_at", "desc")
      .orderBy("activity_type")
      .orderBy("campaign_name")
      .orderBy("contact_email")
      .orderBy("contact_linkedin_url")
      .orderBy("contact_name")
      .orderBy("channel")
      .orderBy("item_id")
      .limit(limitOf(opts));
    if (opts.since) q = q.where("occurred_at", ">=", opts.since);
    return q.execute();
  },

  /** daily_account_message_volume: scheduled / pending / sent / errored messages per account and day. */
  dailyAccountMessageVolume(db: DbOrTrx, opts: Page & { accountId?: string } = {}) {
    let q = db.selectFrom("daily_account_message_volume").selectAll().orderBy("day", "desc").limit(limitOf(opts));
    if (opts.accountId) q = q.where("account_id", "=", opts.accountId);
    return q.execute();
  },

  /**
   * The spec's "tool usage stats" query: calls, credits and mean duration per tool over N days,
   * of live calls, or of the sandbox's simulated ones with `sandbox: true` (never both together).
   */
  async toolUsageStats(db: DbOrTrx, opts: { days?: number; sandbox?: boolean } = {}) {
    const days = opts.days ?? 7;
    const { rows } = await sql<{ name: string; total_calls: number; total_credits: number | null; avg_duration: number | null }>`
      SELECT t.name, COUNT(*)::int AS total_calls, SUM(tu.credits_used)::float8 AS total_credits,
             AVG(tu.duration_ms)::float8 AS avg_duration
      FROM tool_usage tu
      JOIN tools t ON tu.tool_id = t.id
      WHERE tu.created_at >= CURRENT_DATE - make_interval(days => ${days})
        AND tu.sandbox = ${opts.sandbox === true}
      GROUP BY t.name
      ORDER BY t.name`.execute(db);
    return rows;
  },
};

/** Wrappers for the schema's four functions. */
export const dbFunctions = {
  /** Sets every account's today_* counters to zero. */
  async resetDailyCounters(db: DbOrTrx): Promise<void> {
    await sql`SELECT reset_daily_counters()`.execute(db);
  },

  /** Whether an account may take one more action of this type now (status, health, daily limit). */
  async canAccountSend(db: DbOrTrx, accountId: string, actionType: MessageActionType): Promise<boolean> {
    const { rows } = await sql<{ ok: boolean }>`SELECT can_account_send(${accountId}::uuid, ${actionType}) AS ok`.execute(db);
    return rows[0]?.ok === true;
  },

  /** Counts one action against the account's today_* counter and lifetime total. */
  async incrementAccountCounter(db: DbOrTrx, accountId: string, actionType: MessageActionType): Promise<void> {
    await sql`SELECT increment_account_counter(${accountId}::uuid, ${actionType})`.execute(db);
  },

  /** Recomputes a campaign's denormalised totals and rates. */
  async updateCampaignMetrics(db: DbOrTrx, campaignId: string): Promise<void> {
    await sql`SELECT update_campaign_metrics(${campaignId}::uuid)`.execute(db);
  },
};
