/**
 * The counters audit: every stored counter and rate of campaigns, offers, accounts and contacts
 * (and the rates the views compute from them) beside the same figure recounted from the raw rows
 * — `outreach_history` (one row per recorded send), `messages`, `message_events`, `outcomes` and
 * `campaign_contacts` — by queries written apart from the ones that maintain them. A test runs a
 * whole product run (the demo) and expects no difference. Exported from `@offerlab/db/testing`.
 *
 * What each counter means is docs/schema-notes.md K2 (campaigns), K4 (accounts): rates per person,
 * `total_sent` every message that left, `total_delivered` those without a bounce.
 */
import { sql } from "kysely";
import type { DbOrTrx } from "./transaction.js";

type Figure = number | string | null;
/** Per row (keyed by a natural key: campaign and offer slug, account name, contact email …), its figures. */
export type CounterTable = Record<string, Record<string, Figure>>;

export interface Counters {
  campaigns: CounterTable;
  offers: CounterTable;
  accounts: CounterTable;
  contacts: CounterTable;
  /** `campaign_performance` and `offer_dashboard`: what the dashboards show. */
  views: CounterTable;
}

const rate = (num: string, den: string) =>
  sql.raw(`CASE WHEN (${den}) > 0 THEN LEAST(ROUND((${num})::numeric / (${den}) * 100, 2), 999.99)::float8 END`);
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

async function table(db: DbOrTrx, query: ReturnType<typeof sql<Record<string, unknown>>>): Promise<CounterTable> {
  const { rows } = await query.execute(db);
  const out: CounterTable = {};
  for (const { key, ...figures } of rows) {
    const row: Record<string, Figure> = {};
    for (const [k, v] of Object.entries(figures))
      row[k] = k.endsWith("_at") ? iso(v) : v === null ? null : typeof v === "string" ? v : Number(v);
    out[String(key)] = row;
  }
  return out;
}

/** Every counter as stored (and as the views show it). */
export async function storedCounters(db: DbOrTrx): Promise<Counters> {
  return {
    campaigns: await table(
      db,
      sql`SELECT coalesce(campaign_slug, id::text) AS key, total_contacts, contacts_sent, total_sent, total_delivered, total_opened,
            total_clicked, total_replied, total_positive_replies, total_meetings, reply_rate::float8 AS reply_rate,
            positive_reply_rate::float8 AS positive_reply_rate, meeting_rate::float8 AS meeting_rate, open_rate::float8 AS open_rate,
            first_send_at, last_send_at
          FROM campaigns`,
    ),
    offers: await table(
      db,
      sql`SELECT coalesce(slug, id::text) AS key, total_companies, total_contacts, total_sent, total_replies, total_meetings FROM offers`,
    ),
    accounts: await table(
      db,
      sql`SELECT name AS key, total_sent, total_delivered, total_bounced, total_replies, bounce_rate::float8 AS bounce_rate,
            reply_rate::float8 AS reply_rate
          FROM accounts`,
    ),
    contacts: await table(
      db,
      sql`SELECT coalesce(email, linkedin_url, id::text) || ' / ' || offer_id AS key, contact_count, already_contacted::int AS already_contacted,
            last_contacted_at, global_contact_count, global_last_contacted_at
          FROM contacts`,
    ),
    views: {
      ...(await table(
        db,
        sql`SELECT 'campaign_performance ' || coalesce(campaign_slug, id::text) AS key, current_reply_rate::float8 AS current_reply_rate,
              current_meeting_rate::float8 AS current_meeting_rate, positive_rate::float8 AS positive_rate
            FROM campaign_performance`,
      )),
      ...(await table(
        db,
        sql`SELECT 'offer_dashboard ' || coalesce(slug, id::text) AS key, company_count, contact_count, campaigns_total_sent,
              campaigns_total_replies, campaigns_total_meetings
            FROM offer_dashboard`,
      )),
    },
  };
}

/**
 * Every counter recounted from the raw rows. Account rates use the window of the account's last
 * health check (30 days before `last_health_check`), as the books job computed them.
 */
export async function countersFromFacts(db: DbOrTrx, options: { healthWindowDays?: number } = {}): Promise<Counters> {
  const windowDays = options.healthWindowDays ?? 30;
  // Per campaign: sends from history, bounces / opens / clicks / replies from events, meetings from
  // outcomes (people of the campaign), people from the messages that left.
  const perCampaign = sql`
    WITH f AS (
      SELECT c.id, coalesce(c.campaign_slug, c.id::text) AS key,
        (SELECT count(*) FROM campaign_contacts cc WHERE cc.campaign_id = c.id) AS total_contacts,
        (SELECT count(DISTINCT m.campaign_contact_id) FROM messages m WHERE m.campaign_id = c.id AND m.sent_at IS NOT NULL) AS contacted,
        (SELECT count(DISTINCT m.campaign_contact_id) FROM messages m
          WHERE m.campaign_id = c.id AND m.sent_at IS NOT NULL AND m.channel = 'email') AS emailed,
        (SELECT count(*) FROM outreach_history h WHERE h.campaign_id = c.id) AS sent,
        (SELECT count(DISTINCT e.send_queue_id) FROM message_events e WHERE e.campaign_id = c.id AND e.event_type = 'bounced') AS bounced,
        (SELECT count(DISTINCT e.contact_id) FROM message_events e WHERE e.campaign_id = c.id AND e.event_type IN ('opened', 'clicked')) AS opened,
        (SELECT count(DISTINCT e.contact_id) FROM message_events e WHERE e.campaign_id = c.id AND e.event_type = 'clicked') AS clicked,
        (SELECT count(DISTINCT e.contact_id) FROM message_events e
          WHERE e.campaign_id = c.id AND e.event_type = 'replied' AND e.reply_sentiment IS DISTINCT FROM 'ooo') AS replied,
        (SELECT count(*) FROM (
          SELECT DISTINCT ON (e.contact_id) e.reply_sentiment FROM message_events e
          WHERE e.campaign_id = c.id AND e.event_type = 'replied' AND e.reply_sentiment IS DISTINCT FROM 'ooo'
          ORDER BY e.contact_id, e.created_at DESC) last WHERE last.reply_sentiment = 'positive') AS positive,
        (SELECT count(DISTINCT o.contact_id) FROM outcomes o
          WHERE o.campaign_id = c.id AND o.kind = 'meeting_booked'
            AND EXISTS (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = c.id AND cc.contact_id = o.contact_id)) AS meetings,
        (SELECT min(h.sent_at) FROM outreach_history h WHERE h.campaign_id = c.id) AS first_send_at,
        (SELECT max(h.sent_at) FROM outreach_history h WHERE h.campaign_id = c.id) AS last_send_at
      FROM campaigns c)`;
  const campaigns = await table(
    db,
    sql`${perCampaign}
      SELECT key, total_contacts, contacted AS contacts_sent, sent AS total_sent, sent - bounced AS total_delivered, opened AS total_opened,
        clicked AS total_clicked, replied AS total_replied, positive AS total_positive_replies, meetings AS total_meetings,
        ${rate("replied", "contacted")} AS reply_rate, ${rate("positive", "replied")} AS positive_reply_rate,
        ${rate("meetings", "contacted")} AS meeting_rate, ${rate("opened", "emailed")} AS open_rate, first_send_at, last_send_at
      FROM f`,
  );
  const offerSums = sql`
    ${perCampaign}, o AS (
      SELECT o.id, coalesce(o.slug, o.id::text) AS key,
        (SELECT count(*) FROM companies WHERE offer_id = o.id) AS companies,
        (SELECT count(*) FROM contacts WHERE offer_id = o.id) AS contacts,
        (SELECT coalesce(sum(f.sent), 0) FROM f JOIN campaigns c ON c.id = f.id WHERE c.offer_id = o.id) AS sent,
        (SELECT coalesce(sum(f.replied), 0) FROM f JOIN campaigns c ON c.id = f.id WHERE c.offer_id = o.id) AS replied,
        (SELECT coalesce(sum(f.meetings), 0) FROM f JOIN campaigns c ON c.id = f.id WHERE c.offer_id = o.id) AS meetings
      FROM offers o)`;
  const offers = await table(
    db,
    sql`${offerSums} SELECT key, companies AS total_companies, contacts AS total_contacts, sent AS total_sent, replied AS total_replies,
          meetings AS total_meetings FROM o`,
  );
  const accounts = await table(
    db,
    sql`WITH w AS (SELECT a.*, a.last_health_check - make_interval(days => ${windowDays}) AS since FROM accounts a)
      SELECT a.name AS key,
        (SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id) AS total_sent,
        (SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id)
          - (SELECT count(DISTINCT e.send_queue_id) FROM message_events e WHERE e.account_id = a.id AND e.event_type = 'bounced') AS total_delivered,
        (SELECT count(DISTINCT e.send_queue_id) FROM message_events e WHERE e.account_id = a.id AND e.event_type = 'bounced') AS total_bounced,
        (SELECT count(*) FROM messages m WHERE m.account_id = a.id AND m.replied_at IS NOT NULL) AS total_replies,
        CASE WHEN a.last_health_check IS NULL THEN NULL ELSE ${rate(
          "(SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= a.since AND h.status = 'bounced')",
          "(SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= a.since)",
        )} END AS bounce_rate,
        CASE WHEN a.last_health_check IS NULL THEN NULL ELSE ${rate(
          "(SELECT count(DISTINCT m.contact_id) FROM messages m WHERE m.account_id = a.id AND m.sent_at >= a.since AND m.replied_at IS NOT NULL)",
          "(SELECT count(DISTINCT h.contact_id) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= a.since)",
        )} END AS reply_rate
      FROM w a`,
  );
  // A person is every contact row sharing the email or the LinkedIn URL (invariant 4).
  const contacts = await table(
    db,
    sql`SELECT coalesce(c.email, c.linkedin_url, c.id::text) || ' / ' || c.offer_id AS key,
        (SELECT count(*) FROM outreach_history h WHERE h.contact_id = c.id) AS contact_count,
        (EXISTS (SELECT 1 FROM outreach_history h WHERE h.contact_id = c.id))::int AS already_contacted,
        (SELECT max(h.sent_at) FROM outreach_history h WHERE h.contact_id = c.id) AS last_contacted_at,
        (SELECT count(*) FROM outreach_history h WHERE h.contact_id IN (
          SELECT p.id FROM contacts p WHERE p.id = c.id OR p.email = c.email OR p.linkedin_url = c.linkedin_url)) AS global_contact_count,
        (SELECT max(h.sent_at) FROM outreach_history h WHERE h.contact_id IN (
          SELECT p.id FROM contacts p WHERE p.id = c.id OR p.email = c.email OR p.linkedin_url = c.linkedin_url)) AS global_last_contacted_at
      FROM contacts c`,
  );
  const views = {
    ...(await table(
      db,
      sql`${perCampaign} SELECT 'campaign_performance ' || key AS key, ${rate("replied", "contacted")} AS current_reply_rate,
            ${rate("meetings", "contacted")} AS current_meeting_rate, ${rate("positive", "replied")} AS positive_rate FROM f`,
    )),
    ...(await table(
      db,
      sql`${offerSums} SELECT 'offer_dashboard ' || key AS key, companies AS company_count, contacts AS contact_count,
            sent AS campaigns_total_sent, replied AS campaigns_total_replies, meetings AS campaigns_total_meetings FROM o`,
    )),
  };
  return { campaigns, offers, accounts, contacts, views };
}

/**
 * Every figure whose stored value differs from its recount, as `<table> <key>.<column>: stored X,
 * from the facts Y` (empty when the books are true).
 */
export async function counterMismatches(db: DbOrTrx, options: { healthWindowDays?: number } = {}): Promise<string[]> {
  const stored = await storedCounters(db);
  const facts = await countersFromFacts(db, options);
  const out: string[] = [];
  for (const part of Object.keys(facts) as (keyof Counters)[]) {
    const keys = [...new Set([...Object.keys(stored[part]), ...Object.keys(facts[part])])].sort();
    for (const key of keys) {
      const s = stored[part][key] ?? {};
      const f = facts[part][key] ?? {};
      for (const column of Object.keys(f)) {
        if (s[column] !== f[column]) out.push(`${part} ${key}.${column}: stored ${String(s[column])}, from the facts ${String(f[column])}`);
      }
    }
  }
  return out;
}

/** What a run produced, for "is anything there at all" checks: people who opened, meetings, statuses. */
export interface RunTotals {
  /** Distinct people with an open or click event. */
  opened: number;
  /** Distinct people with a click event. */
  clicked: number;
  /** `meeting_booked` outcomes. */
  meetings: number;
  /** Companies by status. */
  companiesByStatus: Record<string, number>;
  /** Companies past `qualified` (contacted, responded, meeting, converted, …). */
  companiesBeyondQualified: number;
  /** Contacts by status. */
  contactsByStatus: Record<string, number>;
}

export async function runTotals(db: DbOrTrx): Promise<RunTotals> {
  const one = async (q: ReturnType<typeof sql<{ n: number }>>) => Number((await q.execute(db)).rows[0]?.n ?? 0);
  const byStatus = async (q: ReturnType<typeof sql<{ status: string; n: number }>>) =>
    Object.fromEntries((await q.execute(db)).rows.map((r) => [r.status, Number(r.n)]));
  const companiesByStatus = await byStatus(sql`SELECT status, count(*)::int AS n FROM companies GROUP BY status ORDER BY status`);
  const notBeyond = new Set(["new", "qualified", "disqualified"]);
  return {
    opened: await one(sql`SELECT count(DISTINCT contact_id)::int AS n FROM message_events WHERE event_type IN ('opened', 'clicked')`),
    clicked: await one(sql`SELECT count(DISTINCT contact_id)::int AS n FROM message_events WHERE event_type = 'clicked'`),
    meetings: await one(sql`SELECT count(*)::int AS n FROM outcomes WHERE kind = 'meeting_booked'`),
    companiesByStatus,
    companiesBeyondQualified: Object.entries(companiesByStatus)
      .filter(([status]) => !notBeyond.has(status))
      .reduce((sum, [, n]) => sum + n, 0),
    contactsByStatus: await byStatus(sql`SELECT status, count(*)::int AS n FROM contacts GROUP BY status ORDER BY status`),
  };
}
