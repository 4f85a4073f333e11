import { campaignAdmin, judgingClock, resolve, views, type Db } from "@offerlab/db";
import { describeUnknownOutcomes, predictTodaysSends, readAccountCapacity, todaysOutlook, unknownOutcomes } from "@offerlab/scheduler";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, table, type Io, type TableColumn } from "../output.js";
import { withLocalTimes } from "../terminal.js";
import { capacityCells, capacityRow, CAPACITY_COLUMNS, reasonLabel } from "./capacity-text.js";

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag}: must be a whole number of at least 1 (got "${value}")`, EXIT.usage);
  return n;
}

/**
 * Each campaign's time zone, by id and by name (views that name the campaign only): tables show
 * times where the campaign sends, with the zone's label. A name two campaigns share in different
 * zones has none (UTC is shown, and labelled).
 */
async function campaignZones(db: Db): Promise<{ byId: Map<string, string>; byName: Map<string, string | null> }> {
  const byId = new Map<string, string>();
  const byName = new Map<string, string | null>();
  for (const c of await campaignAdmin.list(db)) {
    byId.set(c.id, c.timezone);
    byName.set(c.name, byName.has(c.name) && byName.get(c.name) !== c.timezone ? null : c.timezone);
  }
  return { byId, byName };
}

/**
 * The newest activity (`activity_feed`), as JSON gives it (`rows`) and as the terminal table shows
 * it (`local`: each time where its campaign sends, with the zone's label). The activity command
 * and the demo print the same table.
 */
export async function readActivity(db: Db, limit: number): Promise<{ rows: Record<string, unknown>[]; local: Record<string, unknown>[] }> {
  const rows = await views.activityFeed(db, { limit });
  const zones = await campaignZones(db);
  const local = withLocalTimes(rows, ["occurred_at"], (r) => (r.campaign_name ? zones.byName.get(r.campaign_name) : undefined));
  return { rows, local };
}

async function withDb<T>(io: Io, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(io);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

function print(io: Io, asJson: boolean | undefined, rows: Record<string, unknown>[], columns: TableColumn[], empty: string) {
  if (asJson) io.stdout(json(rows));
  else if (rows.length === 0) io.stdout(`${empty}\n`);
  else io.stdout(table(rows, columns, io));
}

/** The columns each dashboard shows in its terminal table (the demo prints the same tables). */
export const DASHBOARD_COLUMNS = {
  /** Over `capacityCells` rows (the scheduler's account standing, not the account_capacity view). */
  capacity: CAPACITY_COLUMNS,
  activity: [
    { key: "occurred_at", title: "when" },
    { key: "activity_type", title: "what" },
    { key: "status" },
    { key: "channel" },
    { key: "contact_name", title: "contact", max: 24 },
    { key: "company_name", title: "company", max: 22, drop: 2 },
    { key: "account_name", title: "account", max: 20, drop: 1 },
  ],
  offers: [
    { key: "name", title: "offer", max: 28 },
    { key: "status" },
    { key: "company_count", title: "companies", drop: 2 },
    { key: "contact_count", title: "contacts", drop: 3 },
    { key: "campaign_count", title: "campaigns", drop: 1 },
    { key: "campaigns_total_sent", title: "sent" },
    { key: "campaigns_total_replies", title: "replies" },
    { key: "campaigns_total_meetings", title: "meetings" },
  ],
  campaigns: [
    { key: "name", title: "campaign", max: 28 },
    { key: "offer_name", title: "offer", max: 20, drop: 1 },
    { key: "status" },
    { key: "total_sent", title: "messages", drop: 3 },
    { key: "contacts_sent", title: "people" },
    { key: "total_opened", title: "opened", drop: 2 },
    { key: "total_replied", title: "replied" },
    { key: "current_reply_rate", title: "reply %" },
    { key: "positive_rate", title: "positive %" },
    { key: "current_meeting_rate", title: "meeting %" },
  ],
} satisfies Record<string, TableColumn[]>;

/**
 * What the campaign table's rates divide by, printed under it (the JSON rows carry the view's
 * `rate_denominator`).
 */
export const RATES_NOTE =
  'Rates are per person, not per message: reply % and meeting % of the people contacted ("people": at least one message sent), positive % of the people who replied; "opened" and "replied" count people, "messages" counts messages.';

/** Dashboards: terminal tables over the schema's views. */
export function registerDashboardCommands(program: Command, io: Io): void {
  program
    .command("leads")
    .description("Leads for review: contacts with their company, campaign and next send (leads_for_review)")
    .option("--campaign <campaign>", "only this campaign (id, slug or name)")
    .option("--min-fit <score>", "only companies with at least this fit score (1-10)")
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .action(async (o: { campaign?: string; minFit?: string; limit?: string; json?: boolean }) => {
      const limit = positiveInt("--limit", o.limit, 50);
      const minFitScore = o.minFit === undefined ? undefined : positiveInt("--min-fit", o.minFit, 1);
      const { rows, zones } = await withDb(io, async (db) => {
        const campaignId = o.campaign ? (await resolve.campaign(db, o.campaign)).id : undefined;
        const rows = await views.leadsForReview(db, {
          limit,
          ...(campaignId ? { campaignId } : {}),
          ...(minFitScore ? { minFitScore } : {}),
        });
        return { rows, zones: await campaignZones(db) };
      });
      print(
        io,
        o.json,
        o.json ? rows : withLocalTimes(rows, ["scheduled_for"], (r) => (r.campaign_name ? zones.byName.get(r.campaign_name) : undefined)),
        [
          { key: "full_name", title: "contact", max: 24 },
          { key: "title", max: 22, drop: 1 },
          { key: "company_name", title: "company", max: 22 },
          { key: "fit_score", title: "fit" },
          { key: "email_status", title: "email", drop: 3 },
          { key: "connection_degree", title: "deg", drop: 2 },
          // As the send path reads it now: a cooling-off window that has passed shows `available`.
          { key: "effective_global_status", title: "global", drop: 4 },
          { key: "campaign_name", title: "campaign", max: 20 },
          { key: "queue_status", title: "queue" },
          { key: "scheduled_for", title: "next send" },
        ],
        "No leads yet: discover companies and people first.",
      );
    });

  program
    .command("schedule")
    .description(
      "Today's schedule: the sends queued for today (todays_schedule), each with when it will really go out within the caps, or why not today",
    )
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .addHelpText(
      "after",
      `
"at" is when a send was planned; the planner does not spread an account's sends over its limits,
so many can be planned for the same minute. "expected" is when it will actually go out: the send
path is replayed over the queue — each claim's own checks (campaign, person, window, account),
the gap between two sends of an account, its daily limit per action and its hourly limit, counted
from what it already sent today — at the cron's minute ticks. Only as many of an account's sends
as it can still send today are replayed, in the order the runners claim them; the ones after them
are counted and wait for tomorrow's capacity. A send that will not go out today says why ("not
today: daily limit used"), or "never" when the send path will skip it. It is a prediction of the queue as it stands: later plans, replies and provider refusals can
change it, and the gap an account keeps between two sends is a fresh random draw in each runner
(90–300 s), so after an account's first send the times are within a few minutes; the caps, the
window and the order are as predicted.
`,
    )
    .action(async (o: { limit?: string; json?: boolean }) => {
      const limit = positiveInt("--limit", o.limit, 50);
      const { rows, sends, zones } = await withDb(io, async (db) => {
        const sends = await predictTodaysSends(db, { now: new Date() });
        return { rows: await views.todaysSchedule(db, { limit }), sends, zones: await campaignZones(db) };
      });
      const out = rows.map((r) => {
        const s = todaysOutlook(sends, r);
        return {
          ...r,
          expected_at: s?.at ?? null,
          goes_today: Boolean(s?.at),
          will_skip: s?.skipped ?? false,
          held_by: s && !s.at ? s.reason : null,
          waits_for: s?.waited ?? [],
        };
      });
      if (o.json) {
        io.stdout(json(out));
        return;
      }
      const localOut = withLocalTimes(out, ["scheduled_for", "expected_at"], (r) =>
        r.campaign_id ? zones.byId.get(r.campaign_id) : undefined,
      ) as typeof out;
      const cells = localOut.map((r) => ({
        ...r,
        expected: r.expected_at ?? (r.will_skip ? "never" : "not today"),
        outlook: r.will_skip
          ? `will be skipped: ${reasonLabel(r.held_by ?? "")}`
          : !r.goes_today
            ? `not today: ${reasonLabel(r.held_by ?? "not_due")}`
            : r.waits_for.length
              ? `after: ${r.waits_for.map(reasonLabel).join(", ")}`
              : "",
      }));
      print(
        io,
        false,
        cells,
        [
          { key: "scheduled_for", title: "at" },
          { key: "expected" },
          { key: "channel" },
          { key: "contact_name", title: "contact", max: 24 },
          { key: "company_name", title: "company", max: 22 },
          { key: "campaign_name", title: "campaign", max: 20 },
          { key: "account_name", title: "account", max: 20 },
          { key: "status" },
          { key: "defer_reason", title: "why waiting" },
          { key: "outlook", max: 60 },
        ],
        "Nothing scheduled today.",
      );
      if (out.length > 0) {
        const today = out.filter((r) => r.goes_today).length;
        const skipped = out.filter((r) => r.will_skip).length;
        io.stdout(
          `\n${today} of these go out today, ${out.length - today - skipped} not today${skipped ? `, ${skipped} will be skipped` : ""}.\n`,
        );
      }
    });

  program
    .command("capacity")
    .description(
      "Account capacity: what each account may still send today and this hour, and whether it can send now (the send path's own rules)",
    )
    .option("--json", "print rows as JSON")
    .addHelpText(
      "after",
      `
The limits are the ones the send path applies: the configured daily limits ramped while the account
is warming, the hourly limit over every action, and what was used this UTC day and hour (the
counters the send path reserves). n/a: the account's type cannot do it (a LinkedIn account sends
no email, a mailbox no invitation). "can send" is no, with the reason and until when, whenever a
send from the account would be refused now: paused, rate-limited, disconnected, status warming,
health below 30, not linked to Unipile, every action at its daily, warming or hourly limit, or the
gap kept between two sends. \`offerlab accounts list\` shows the same. On sandbox data (--sandbox) "now" is
the data's clock (where its simulation stopped), as in \`offerlab why\`.
`,
    )
    .action(async (o: { json?: boolean }) => {
      const { caps, alert } = await withDb(io, async (db) => {
        // Sandbox data is judged on its simulated clock, as `accounts list` and the dashboard do.
        const now = (await judgingClock(db, { now: new Date(), dataClock: "sandbox" })).at;
        return {
          caps: await readAccountCapacity(db, { now }),
          // Sends that may or may not have gone out also hold capacity: say so under the table.
          alert: describeUnknownOutcomes(await unknownOutcomes(db, { now }), now),
        };
      });
      if (o.json) io.stdout(json(caps.map(capacityRow)));
      else print(io, false, caps.map(capacityCells), DASHBOARD_COLUMNS.capacity, "No accounts yet.");
      // With --json the rows stay the whole of stdout; the alert goes to stderr.
      if (alert) (o.json ? io.stderr : io.stdout)(`${o.json ? "" : "\n"}${alert}.\n`);
    });

  program
    .command("activity")
    .description("Activity feed: scheduled and sent outreach, newest first (activity_feed)")
    .option("--limit <n>", "at most n rows (default 50)")
    .option("--json", "print rows as JSON")
    .action(async (o: { limit?: string; json?: boolean }) => {
      const limit = positiveInt("--limit", o.limit, 50);
      const { rows, local } = await withDb(io, (db) => readActivity(db, limit));
      if (o.json) return print(io, true, rows, DASHBOARD_COLUMNS.activity, "");
      print(io, false, local, DASHBOARD_COLUMNS.activity, "No activity yet.");
    });

  program
    .command("performance")
    .description("Campaign and offer performance (campaign_performance, offer_dashboard); rates are per person contacted")
    .option("--offer <offer>", "only this offer (id, slug or name)")
    .option("--json", "print both tables as JSON")
    .action(async (o: { offer?: string; json?: boolean }) => {
      const { campaigns, offers } = await withDb(io, async (db) => {
        const filter = o.offer ? { offerId: (await resolve.offer(db, o.offer)).id } : {};
        return { campaigns: await views.campaignPerformance(db, filter), offers: await views.offerDashboard(db, filter) };
      });
      if (o.json) {
        io.stdout(json({ campaigns, offers }));
        return;
      }
      io.stdout("Offers\n");
      print(io, false, offers, DASHBOARD_COLUMNS.offers, "No offers yet.");
      io.stdout("\nCampaigns\n");
      print(io, false, campaigns, DASHBOARD_COLUMNS.campaigns, "No campaigns yet.");
      if (campaigns.length) io.stdout(`${RATES_NOTE}\n`);
    });

  program
    .command("tools")
    .description("Provider tools")
    .command("usage")
    .description("Calls, credits and mean duration per tool over the last N days")
    .option("--days <n>", "window in days (default 7)")
    .option("--json", "print rows as JSON")
    .action(async (o: { days?: string; json?: boolean }) => {
      const rows = await withDb(io, (db) =>
        views.toolUsageStats(db, { days: positiveInt("--days", o.days, 7), sandbox: io.sandbox === true }),
      );
      print(
        io,
        o.json,
        rows,
        [
          { key: "name", title: "tool" },
          { key: "total_calls", title: "calls" },
          { key: "total_credits", title: "credits" },
          { key: "avg_duration", title: "avg ms" },
        ],
        "No provider calls recorded in that window.",
      );
    });
}
