import { normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import { contacts as contactsRepo, views, type Db } from "@offerlab/db";
import { describeReason, isReasonCode } from "@offerlab/scheduler";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag}: must be a whole number of at least 1 (got "${value}")`, EXIT.usage);
  return n;
}

async function withDb<T>(io: Io, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(io);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

function print(io: Io, asJson: boolean | undefined, rows: Record<string, unknown>[], columns: { key: string; title?: string; max?: number }[], empty: string) {
  if (asJson) io.stdout(json(rows));
  else if (rows.length === 0) io.stdout(`${empty}\n`);
  else io.stdout(table(rows, columns));
}

/** Dashboards: terminal tables over the schema's views. */
export function registerDashboardCommands(program: Command, io: Io): void {
  program
    .command("leads")
    .description("Leads for review: contacts with their company, campaign and next send (leads_for_review)")
    .option("--campaign <id>", "only this campaign")
    .option("--min-fit <score>", "only companies with at least this fit score (1-10)")
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .action(async (o: { campaign?: string; minFit?: string; limit?: string; json?: boolean }) => {
      const limit = positiveInt("--limit", o.limit, 50);
      const minFitScore = o.minFit === undefined ? undefined : positiveInt("--min-fit", o.minFit, 1);
      const rows = await withDb(io, (db) =>
        views.leadsForReview(db, { limit, ...(o.campaign ? { campaignId: o.campaign } : {}), ...(minFitScore ? { minFitScore } : {}) }),
      );
      print(io, o.json, rows, [
        { key: "full_name", title: "contact", max: 24 },
        { key: "title", max: 22 },
        { key: "company_name", title: "company", max: 22 },
        { key: "fit_score", title: "fit" },
        { key: "email_status", title: "email" },
        { key: "connection_degree", title: "deg" },
        { key: "global_status", title: "global" },
        { key: "campaign_name", title: "campaign", max: 20 },
        { key: "queue_status", title: "queue" },
        { key: "scheduled_for", title: "next send" },
      ], "No leads yet: discover companies and people first.");
    });

  program
    .command("schedule")
    .description("Today's schedule: sends due today (todays_schedule)")
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .action(async (o: { limit?: string; json?: boolean }) => {
      const rows = await withDb(io, (db) => views.todaysSchedule(db, { limit: positiveInt("--limit", o.limit, 50) }));
      print(io, o.json, rows, [
        { key: "scheduled_for", title: "at" },
        { key: "channel" },
        { key: "contact_name", title: "contact", max: 24 },
        { key: "company_name", title: "company", max: 22 },
        { key: "campaign_name", title: "campaign", max: 20 },
        { key: "account_name", title: "account", max: 20 },
        { key: "status" },
        { key: "defer_reason", title: "why waiting" },
      ], "Nothing scheduled today.");
    });

  program
    .command("capacity")
    .description("Account capacity: limits, today's use and what remains (account_capacity)")
    .option("--json", "print rows as JSON")
    .action(async (o: { json?: boolean }) => {
      const rows = await withDb(io, (db) => views.accountCapacity(db));
      print(io, o.json, rows, [
        { key: "name", title: "account", max: 28 },
        { key: "type" },
        { key: "status" },
        { key: "health_score", title: "health" },
        { key: "connections_remaining", title: "invites left" },
        { key: "messages_remaining", title: "messages left" },
        { key: "emails_remaining", title: "emails left" },
        { key: "can_send_now", title: "can send" },
      ], "No accounts yet.");
    });

  program
    .command("activity")
    .description("Activity feed: scheduled and sent outreach, newest first (activity_feed)")
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .action(async (o: { limit?: string; json?: boolean }) => {
      const rows = await withDb(io, (db) => views.activityFeed(db, { limit: positiveInt("--limit", o.limit, 50) }));
      print(io, o.json, rows, [
        { key: "occurred_at", title: "when" },
        { key: "activity_type", title: "what" },
        { key: "status" },
        { key: "channel" },
        { key: "contact_name", title: "contact", max: 24 },
        { key: "company_name", title: "company", max: 22 },
        { key: "account_name", title: "account", max: 20 },
      ], "No activity yet.");
    });

  program
    .command("performance")
    .description("Campaign and offer performance (campaign_performance, offer_dashboard)")
    .option("--offer <id>", "only this offer")
    .option("--json", "print both tables as JSON")
    .action(async (o: { offer?: string; json?: boolean }) => {
      const { campaigns, offers } = await withDb(io, async (db) => ({
        campaigns: await views.campaignPerformance(db, o.offer ? { offerId: o.offer } : {}),
        offers: await views.offerDashboard(db, o.offer ? { offerId: o.offer } : {}),
      }));
      if (o.json) {
        io.stdout(json({ campaigns, offers }));
        return;
      }
      io.stdout("Offers\n");
      print(io, false, offers, [
        { key: "name", title: "offer", max: 28 },
        { key: "status" },
        { key: "company_count", title: "companies" },
        { key: "contact_count", title: "contacts" },
        { key: "campaign_count", title: "campaigns" },
        { key: "campaigns_total_sent", title: "sent" },
        { key: "campaigns_total_replies", title: "replies" },
        { key: "campaigns_total_meetings", title: "meetings" },
      ], "No offers yet.");
      io.stdout("\nCampaigns\n");
      print(io, false, campaigns, [
        { key: "name", title: "campaign", max: 28 },
        { key: "offer_name", title: "offer", max: 20 },
        { key: "status" },
        { key: "total_sent", title: "sent" },
        { key: "total_replied", title: "replies" },
        { key: "current_reply_rate", title: "reply %" },
        { key: "positive_rate", title: "positive %" },
        { key: "current_meeting_rate", title: "meeting %" },
      ], "No campaigns yet.");
    });

  program
    .command("tools")
    .description("Provider tools")
    .command("usage")
    .description("Calls, credits and mean duration per tool over the last N days")
    .option("--days <n>", "window in days (default 7)")
    .option("--json", "print rows as JSON")
    .action(async (o: { days?: string; json?: boolean }) => {
      const rows = await withDb(io, (db) => views.toolUsageStats(db, { days: positiveInt("--days", o.days, 7) }));
      print(io, o.json, rows, [{ key: "name", title: "tool" }, { key: "total_calls", title: "calls" }, { key: "total_credits", title: "credits" }, { key: "avg_duration", title: "avg ms" }], "No provider calls recorded in that window.");
    });

  program
    .command("why")
    .description("Everything offerlab did or did not do for one person, and why")
    .argument("<person>", "an email address or a LinkedIn profile URL")
    .option("--json", "print the story as JSON")
    .action(async (person: string, o: { json?: boolean }) => {
      const email = normalizeEmail(person);
      const linkedinUrl = email ? null : normalizeLinkedInUrl(person);
      if (!email && !linkedinUrl) {
        throw new CliError(`"${person}" is neither an email address nor a LinkedIn profile URL (https://www.linkedin.com/in/<id>)`, EXIT.usage);
      }
      const story = await withDb(io, async (db) => {
        const rows = await contactsRepo.findPerson(db, { email, linkedinUrl });
        const ids = rows.map((r) => r.id);
        if (ids.length === 0) return null;
        const enrolments = await db
          .selectFrom("campaign_contacts as cc")
          .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
          .select(["c.name as campaign", "cc.status", "cc.current_step", "cc.touches", "cc.next_step_at", "cc.stop_reason", "cc.replied"])
          .where("cc.contact_id", "in", ids)
          .execute();
        const sends = await db
          .selectFrom("send_queue as sq")
          .innerJoin("campaigns as c", "c.id", "sq.campaign_id")
          .leftJoin("accounts as a", "a.id", "sq.account_id")
          .select(["c.name as campaign", "sq.sequence_step as step", "sq.channel", "sq.status", "sq.scheduled_for", "sq.sent_at", "sq.defer_reason", "sq.last_error", "a.name as account"])
          .where("sq.contact_id", "in", ids)
          .orderBy("sq.scheduled_for")
          .execute();
        return {
          person: { email, linkedin_url: linkedinUrl, rows: rows.map((r) => ({ id: r.id, offer_id: r.offer_id, status: r.status, global_status: r.global_status, last_contacted: r.global_last_contacted_at })) },
          campaigns: enrolments,
          sends: sends.map((s) => ({ ...s, why: s.defer_reason ? (isReasonCode(s.defer_reason) ? describeReason(s.defer_reason) : s.defer_reason) : null })),
        };
      });
      if (!story) throw new CliError(`no contact matches ${email ?? linkedinUrl}`, EXIT.failure);
      if (o.json) {
        io.stdout(json(story));
        return;
      }
      io.stdout(`${email ?? linkedinUrl}: ${story.person.rows.length} contact row(s), global status ${story.person.rows[0]?.global_status}\n\n`);
      print(io, false, story.campaigns, [{ key: "campaign", max: 28 }, { key: "status" }, { key: "current_step", title: "step" }, { key: "touches" }, { key: "next_step_at", title: "next step" }, { key: "stop_reason", title: "stopped because", max: 40 }], "Not in any campaign.");
      io.stdout("\n");
      print(io, false, story.sends, [{ key: "campaign", max: 20 }, { key: "step" }, { key: "channel" }, { key: "status" }, { key: "scheduled_for", title: "scheduled" }, { key: "sent_at", title: "sent" }, { key: "account", max: 20 }, { key: "why", max: 60 }], "Nothing queued for this person.");
    });
}
