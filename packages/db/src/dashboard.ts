/**
 * The web dashboard's reads (`@offerlab/dashboard`): KPI tiles per offer, daily sends and replies,
 * alerts, the Clay-style leads table with keyset paging, a campaign's funnel and its per-step and
 * per-variant tables, the reply inbox. Every query is read-only; the dashboard writes through
 * `@offerlab/operations`.
 */
import type { ContactStatus, EmailStatus, GlobalContactStatus, ReplySentiment } from "@offerlab/core";
import { sql, type Expression, type RawBuilder, type SqlBool } from "kysely";
import type { DbOrTrx } from "./transaction.js";
import { lastSendAt } from "./judging-clock.js";

/** One offer's tile: people contacted, replied, positive, meetings, with their denominators. */
export interface OfferKpis {
  offer_id: string;
  offer_name: string;
  offer_slug: string | null;
  status: string;
  contacts: number;
  /** People with at least one message sent (the denominator of the reply and meeting rates). */
  contacted: number;
  replied: number;
  /** Replies classified positive (the numerator of the positive rate; its denominator is `replied`). */
  positive: number;
  meetings: number;
}

export interface PipelineRunRow {
  id: string;
  status: string;
  started_at: Date;
  completed_at: Date | null;
  error_message: string | null;
  sandbox: boolean;
  offer_name: string | null;
  steps_total: number;
  steps_done: number;
  /** The step running, or the first not completed; null when every step is done. */
  current_step: string | null;
}

export interface DailyPoint {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  sends: number;
  replies: number;
}

export interface LeadsFilter {
  offerId?: string;
  campaignId?: string;
  status?: ContactStatus;
  globalStatus?: GlobalContactStatus;
  /** Companies whose fit score is at least this. */
  minFit?: number;
  emailStatus?: EmailStatus;
  degree?: 1 | 2 | 3;
  /** A key of `companies.signals` (`hiring`, `funding` …) or one of its `growth_signals`. */
  signal?: string;
  /** Free text: name, email, title, company (case-insensitive, contains). */
  q?: string;
}

export const LEADS_SORTS = ["name", "company", "fit", "created", "status"] as const;
export type LeadsSort = (typeof LEADS_SORTS)[number];

export interface LeadsPageInput extends LeadsFilter {
  /** Default `created`. */
  sort?: LeadsSort;
  /** Default `desc` for `created` and `fit`, else `asc`. */
  dir?: "asc" | "desc";
  /** The cursor of the previous page's last row (`nextCursor`). */
  after?: string;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface LeadRow {
  id: string;
  full_name: string | null;
  title: string | null;
  email: string | null;
  email_status: string | null;
  linkedin_url: string | null;
  connection_degree: number | null;
  status: string;
  global_status: string;
  eligible_for_outreach: boolean;
  created_at: Date;
  offer_id: string;
  offer_name: string;
  company_id: string;
  company_name: string;
  domain: string | null;
  fit_score: number | null;
  /** The contact's most recent campaign, if any. */
  campaign_id: string | null;
  campaign_name: string | null;
  campaign_contact_status: string | null;
}

export interface LeadsPage {
  rows: LeadRow[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

const sortExpr: Record<LeadsSort, string> = {
  name: "COALESCE(lower(ct.full_name), '')",
  company: "lower(co.name)",
  fit: "COALESCE(co.fit_score, -1)",
  created: "ct.created_at",
  status: "ct.status",
};

function encodeCursor(value: unknown, id: string): string {
  return Buffer.from(JSON.stringify([value instanceof Date ? value.toISOString() : value, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string | number, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[1] === "string" && (typeof v[0] === "string" || typeof v[0] === "number"))
      return [v[0], v[1]];
  } catch {
    // An edited cursor starts from the first page.
  }
  return null;
}

/** The WHERE clause of a leads filter (shared by the page, the count and the bulk selection). */
function leadsWhere(f: LeadsFilter): Expression<SqlBool> {
  const parts = [sql`TRUE`];
  if (f.offerId) parts.push(sql`ct.offer_id = ${f.offerId}::uuid`);
  if (f.campaignId)
    parts.push(
      sql`EXISTS (SELECT 1 FROM campaign_contacts f_cc WHERE f_cc.contact_id = ct.id AND f_cc.campaign_id = ${f.campaignId}::uuid)`,
    );
  if (f.status) parts.push(sql`ct.status = ${f.status}`);
  if (f.globalStatus) parts.push(sql`ct.global_status = ${f.globalStatus}`);
  if (f.minFit !== undefined) parts.push(sql`co.fit_score >= ${f.minFit}`);
  if (f.emailStatus) parts.push(sql`ct.email_status = ${f.emailStatus}`);
  if (f.degree) parts.push(sql`ct.connection_degree = ${f.degree}`);
  if (f.signal)
    parts.push(
      sql`(jsonb_exists(co.signals, ${f.signal}) OR jsonb_exists(COALESCE(co.signals->'growth_signals', '[]'::jsonb), ${f.signal}))`,
    );
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
    // The matching contacts' ids, planned on their own (OFFSET 0 keeps the planner from merging
    // them into the page's query): a bitmap scan of the trigram indexes (migration 20261204003100),
    // the matching companies as an array their company_id index takes. Merged, the planner walked
    // the sort's index or scanned every contact, filtering 200k rows one by one.
    parts.push(
      sql`ct.id IN (SELECT s_ct.id FROM contacts s_ct
        WHERE s_ct.full_name ILIKE ${like} OR s_ct.email ILIKE ${like} OR s_ct.title ILIKE ${like}
          OR s_ct.company_id = ANY(ARRAY(SELECT q_co.id FROM companies q_co WHERE q_co.name ILIKE ${like} OR q_co.domain ILIKE ${like}))
        OFFSET 0)`,
    );
  }
  return sql<SqlBool>`${sql.join(parts, sql` AND `)}`;
}

const num = (v: unknown) => Number(v ?? 0);

export const dashboard = {
  /** One tile per offer (newest first); rates are the caller's division of these counts. */
  async offerKpis(db: DbOrTrx): Promise<OfferKpis[]> {
    const { rows } = await sql<OfferKpis>`
      SELECT o.id AS offer_id, o.name AS offer_name, o.slug AS offer_slug, o.status,
        (SELECT count(*)::int FROM contacts c WHERE c.offer_id = o.id) AS contacts,
        count(DISTINCT cc.contact_id) FILTER (WHERE cc.touches > 0)::int AS contacted,
        count(DISTINCT cc.contact_id) FILTER (WHERE cc.replied)::int AS replied,
        count(DISTINCT cc.contact_id) FILTER (WHERE cc.replied AND cc.reply_sentiment = 'positive')::int AS positive,
        count(DISTINCT cc.contact_id) FILTER (WHERE cc.meeting_booked)::int AS meetings
      FROM offers o
      LEFT JOIN campaigns ca ON ca.offer_id = o.id
      LEFT JOIN campaign_contacts cc ON cc.campaign_id = ca.id
      GROUP BY o.id
      ORDER BY o.created_at DESC, o.id`.execute(db);
    return rows.map((r) => ({
      ...r,
      contacts: num(r.contacts),
      contacted: num(r.contacted),
      replied: num(r.replied),
      positive: num(r.positive),
      meetings: num(r.meetings),
    }));
  },

  /** Sends (messages sent) and replies per UTC day for the `days` days up to `now`, zeros included. */
  async daily(db: DbOrTrx, opts: { now: Date; days?: number; campaignId?: string }): Promise<DailyPoint[]> {
    const days = opts.days ?? 14;
    const campaign = opts.campaignId ? sql`AND m.campaign_id = ${opts.campaignId}::uuid` : sql``;
    // The days shown (UTC) are the series and the only ones counted: grouping every message ever
    // sent by its day cost the overview most of its time at 100k messages.
    const today = new Date(Math.floor(opts.now.getTime() / 86_400_000) * 86_400_000);
    const from = new Date(today.getTime() - (days - 1) * 86_400_000);
    const to = new Date(today.getTime() + 86_400_000);
    const { rows } = await sql<{ day: string; sends: number; replies: number }>`
      WITH d AS (
        SELECT to_char(g, 'YYYY-MM-DD') AS day
        FROM generate_series(${from.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${today.toISOString()}::timestamptz AT TIME ZONE 'UTC',
                             interval '1 day') g
      ), s AS (
        SELECT to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM messages m WHERE m.sent_at >= ${from} AND m.sent_at < ${to} ${campaign} GROUP BY 1
      ), r AS (
        SELECT to_char(m.replied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM messages m WHERE m.replied_at >= ${from} AND m.replied_at < ${to} ${campaign} GROUP BY 1
      )
      SELECT d.day, COALESCE(s.n, 0) AS sends, COALESCE(r.n, 0) AS replies
      FROM d LEFT JOIN s ON s.day = d.day LEFT JOIN r ON r.day = d.day ORDER BY d.day`.execute(db);
    return rows.map((r) => ({ day: r.day, sends: num(r.sends), replies: num(r.replies) }));
  },

  /** When the last message was sent, or null (a chart of a quiet or simulated past ends there). */
  async lastSendAt(db: DbOrTrx): Promise<Date | null> {
    return lastSendAt(db);
  },

  /**
   * The latest pipeline runs with their progress: steps done of steps planned, the step running
   * now (or the first not done), the offer's name. Newest first.
   */
  async pipelineRuns(db: DbOrTrx, opts: { limit?: number } = {}): Promise<PipelineRunRow[]> {
    const rows = await db
      .selectFrom("pipeline_runs as r")
      .leftJoin("offers as o", "o.id", "r.offer_id")
      .select([
        "r.id",
        "r.status",
        "r.started_at",
        "r.completed_at",
        "r.error_message",
        "r.sandbox",
        "o.name as offer_name",
        (eb) =>
          eb
            .selectFrom("pipeline_steps as s")
            .select(sql<number>`count(*)::int`.as("n"))
            .whereRef("s.pipeline_run_id", "=", "r.id")
            .as("steps_total"),
        (eb) =>
          eb
            .selectFrom("pipeline_steps as s")
            .select(sql<number>`count(*)::int`.as("n"))
            .whereRef("s.pipeline_run_id", "=", "r.id")
            .where("s.status", "=", "completed")
            .as("steps_done"),
        (eb) =>
          eb
            .selectFrom("pipeline_steps as s")
            .select("s.step_name")
            .whereRef("s.pipeline_run_id", "=", "r.id")
            .where("s.status", "!=", "completed")
            .orderBy(sql`CASE WHEN s.status = 'running' THEN 0 ELSE 1 END`)
            // Then in the run's order of steps.
            .orderBy(
              sql`(SELECT e.ord FROM jsonb_array_elements_text(r.steps) WITH ORDINALITY AS e(name, ord) WHERE e.name = s.step_name LIMIT 1)`,
            )
            .limit(1)
            .as("current_step"),
      ])
      .orderBy("r.started_at", "desc")
      .orderBy("r.id", "desc")
      .limit(opts.limit ?? 20)
      .execute();
    return rows.map((r) => ({
      ...r,
      steps_total: num(r.steps_total),
      steps_done: num(r.steps_done),
      current_step: r.current_step ?? null,
    }));
  },

  /** Accounts that cannot send for a reason a person must see: not active/warming, or limited now. */
  async accountAlerts(db: DbOrTrx, now: Date) {
    return db
      .selectFrom("accounts")
      .select(["id", "name", "type", "status", "health_score", "limited_until"])
      .where((eb) => eb.or([eb("status", "not in", ["active", "warming"]), eb("limited_until", ">", now), eb("health_score", "<", 30)]))
      .orderBy("name")
      .execute();
  },

  /** Tools whose known credit balance is below `threshold`. */
  lowCreditTools(db: DbOrTrx, threshold: number) {
    return db
      .selectFrom("tools")
      .select(["id", "name", "credits_remaining", "credits_reset_at"])
      .where("credits_remaining", "is not", null)
      .where("credits_remaining", "<", threshold)
      .orderBy("name")
      .execute();
  },

  /** A page of the leads table (keyset paging on the sort key and the id). */
  async leads(db: DbOrTrx, input: LeadsPageInput = {}): Promise<LeadsPage> {
    const sort = input.sort ?? "created";
    const dir = input.dir ?? (sort === "created" || sort === "fit" ? "desc" : "asc");
    const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
    const key = sql.raw(sortExpr[sort]);
    const cmp = sql.raw(dir === "asc" ? ">" : "<");
    const order = sql.raw(dir === "asc" ? "ASC" : "DESC");
    const cursor = input.after ? decodeCursor(input.after) : null;
    const keyset = cursor
      ? sort === "created"
        ? // The cursor keeps the timestamp as the database's text (microseconds: a Date keeps milliseconds only).
          sql`AND (ct.created_at, ct.id) ${cmp} (${String(cursor[0])}::timestamptz, ${cursor[1]}::uuid)`
        : sql`AND (${key}, ct.id) ${cmp} (${cursor[0]}, ${cursor[1]}::uuid)`
      : sql``;
    const { rows } = await sql<LeadRow & { sort_key: unknown }>`
      SELECT ct.id, ct.full_name, ct.title, ct.email, ct.email_status, ct.linkedin_url, ct.connection_degree,
        ct.status, ct.global_status, ct.eligible_for_outreach, ct.created_at,
        o.id AS offer_id, o.name AS offer_name, co.id AS company_id, co.name AS company_name, co.domain, co.fit_score,
        last_cc.campaign_id, last_cc.campaign_name, last_cc.status AS campaign_contact_status,
        ${sort === "created" ? sql`ct.created_at::text` : key} AS sort_key
      FROM contacts ct
      JOIN companies co ON co.id = ct.company_id
      JOIN offers o ON o.id = ct.offer_id
      LEFT JOIN LATERAL (
        SELECT cc.campaign_id, ca.name AS campaign_name, cc.status
        FROM campaign_contacts cc JOIN campaigns ca ON ca.id = cc.campaign_id
        WHERE cc.contact_id = ct.id ORDER BY cc.added_at DESC, cc.id DESC LIMIT 1
      ) last_cc ON TRUE
      WHERE ${leadsWhere(input)} ${keyset}
      ORDER BY ${key} ${order}, ct.id ${order}
      LIMIT ${limit + 1}`.execute(db);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(({ sort_key: _k, ...r }) => ({ ...r, fit_score: r.fit_score === null ? null : Number(r.fit_score) })),
      nextCursor: more && last ? encodeCursor(last.sort_key, last.id) : null,
    };
  },

  /** How many contacts a leads filter matches. */
  async leadsCount(db: DbOrTrx, filter: LeadsFilter = {}): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM contacts ct JOIN companies co ON co.id = ct.company_id WHERE ${leadsWhere(filter)}`.execute(db);
    return num(rows[0]?.n);
  },

  /**
   * How many contacts a leads filter matches, counting no further than `cap` (a broad filter over
   * 200k contacts is "10,000+", not a count of every row on each page view): `capped` says the
   * filter matches more than `cap`.
   */
  async leadsCountUpTo(db: DbOrTrx, filter: LeadsFilter, cap: number): Promise<{ count: number; capped: boolean }> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM contacts ct JOIN companies co ON co.id = ct.company_id WHERE ${leadsWhere(filter)} LIMIT ${cap + 1}
      ) m`.execute(db);
    const n = num(rows[0]?.n);
    return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
  },

  /**
   * The ids a leads filter matches (a bulk action "on the whole filter"), up to `limit`: `more`
   * says the filter matches more than `limit`, so the caller can refuse rather than act on a part
   * of it without a word.
   */
  async leadIdsUpTo(db: DbOrTrx, filter: LeadsFilter, limit: number): Promise<{ ids: string[]; more: boolean }> {
    const { rows } = await sql<{ id: string }>`
      SELECT ct.id FROM contacts ct JOIN companies co ON co.id = ct.company_id
      WHERE ${leadsWhere(filter)} ORDER BY ct.created_at, ct.id LIMIT ${limit + 1}`.execute(db);
    return { ids: rows.slice(0, limit).map((r) => r.id), more: rows.length > limit };
  },

  /**
   * Every lead a filter matches, in the table's shape, `batch` rows at a time (keyset paging by
   * creation time and id, so each batch is one indexed statement whatever the filter's size): the
   * CSV export of a whole filter streams them all.
   */
  async *leadsOfFilter(db: DbOrTrx, filter: LeadsFilter, batch = 1000): AsyncGenerator<LeadRow[]> {
    // The cursor keeps created_at as text: a Date would drop its microseconds and repeat rows.
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const cursor: RawBuilder<unknown> = after ? sql`AND (ct.created_at, ct.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
      const { rows } = await sql<LeadRow & { cursor_at: string }>`
        SELECT ct.id, ct.full_name, ct.title, ct.email, ct.email_status, ct.linkedin_url, ct.connection_degree,
          ct.status, ct.global_status, ct.eligible_for_outreach, ct.created_at, ct.created_at::text AS cursor_at,
          o.id AS offer_id, o.name AS offer_name, co.id AS company_id, co.name AS company_name, co.domain, co.fit_score,
          NULL::uuid AS campaign_id, NULL::text AS campaign_name, NULL::text AS campaign_contact_status
        FROM contacts ct JOIN companies co ON co.id = ct.company_id JOIN offers o ON o.id = ct.offer_id
        WHERE ${leadsWhere(filter)} ${cursor}
        ORDER BY ct.created_at, ct.id LIMIT ${batch}`.execute(db);
      if (rows.length === 0) return;
      yield rows.map(({ cursor_at: _c, ...r }) => r);
      const last = rows[rows.length - 1]!;
      if (rows.length < batch) return;
      after = { at: last.cursor_at, id: last.id };
    }
  },

  /** Leads by id, in the table's shape (the CSV export of a selection). */
  async leadsByIds(db: DbOrTrx, ids: readonly string[]): Promise<LeadRow[]> {
    if (ids.length === 0) return [];
    const out: LeadRow[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const { rows } = await sql<LeadRow>`
        SELECT ct.id, ct.full_name, ct.title, ct.email, ct.email_status, ct.linkedin_url, ct.connection_degree,
          ct.status, ct.global_status, ct.eligible_for_outreach, ct.created_at,
          o.id AS offer_id, o.name AS offer_name, co.id AS company_id, co.name AS company_name, co.domain, co.fit_score,
          NULL::uuid AS campaign_id, NULL::text AS campaign_name, NULL::text AS campaign_contact_status
        FROM contacts ct JOIN companies co ON co.id = ct.company_id JOIN offers o ON o.id = ct.offer_id
        WHERE ct.id IN (${sql.join(chunk.map((id) => sql`${id}::uuid`))})
        ORDER BY ct.created_at, ct.id`.execute(db);
      out.push(...rows);
    }
    return out;
  },

  /** A campaign's funnel: enrolled → contacted → replied → positive → meetings (people). */
  async campaignFunnel(db: DbOrTrx, campaignId: string) {
    const { rows } = await sql<Record<string, number>>`
      SELECT count(*)::int AS enrolled,
        count(*) FILTER (WHERE touches > 0)::int AS contacted,
        count(*) FILTER (WHERE connected_at IS NOT NULL)::int AS connected,
        count(*) FILTER (WHERE opened)::int AS opened,
        count(*) FILTER (WHERE replied)::int AS replied,
        count(*) FILTER (WHERE replied AND reply_sentiment = 'positive')::int AS positive,
        count(*) FILTER (WHERE meeting_booked)::int AS meetings
      FROM campaign_contacts WHERE campaign_id = ${campaignId}::uuid`.execute(db);
    const r = rows[0] ?? {};
    return {
      enrolled: num(r.enrolled),
      contacted: num(r.contacted),
      connected: num(r.connected),
      opened: num(r.opened),
      replied: num(r.replied),
      positive: num(r.positive),
      meetings: num(r.meetings),
    };
  },

  /** Messages per step (`key` the step, `sub` its channel) or per variant (`key` the variant, `sub` its step). */
  async campaignBreakdown(db: DbOrTrx, campaignId: string, by: "step" | "variant") {
    const key = by === "step" ? sql`m.sequence_step::text` : sql`COALESCE(m.variant, '-')`;
    const sub = by === "step" ? sql`m.channel::text` : sql`m.sequence_step::text`;
    const { rows } = await sql<{ key: string; sub: string; sent: number; opened: number; replied: number; positive: number }>`
      SELECT ${key} AS key, ${sub} AS sub, count(*) FILTER (WHERE m.sent_at IS NOT NULL)::int AS sent,
        count(*) FILTER (WHERE m.opened_at IS NOT NULL)::int AS opened,
        count(*) FILTER (WHERE m.replied_at IS NOT NULL)::int AS replied,
        count(*) FILTER (WHERE m.reply_sentiment = 'positive')::int AS positive
      FROM messages m WHERE m.campaign_id = ${campaignId}::uuid
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
    return rows.map((r) => ({
      key: r.key,
      sub: r.sub,
      sent: num(r.sent),
      opened: num(r.opened),
      replied: num(r.replied),
      positive: num(r.positive),
    }));
  },

  /** A campaign's contacts and where each stands. */
  campaignContacts(db: DbOrTrx, campaignId: string, limit = 200) {
    return db
      .selectFrom("campaign_contacts as cc")
      .innerJoin("contacts as ct", "ct.id", "cc.contact_id")
      .leftJoin("companies as co", "co.id", "ct.company_id")
      .select([
        "ct.id as contact_id",
        "ct.full_name",
        "ct.email",
        "co.name as company_name",
        "cc.status",
        "cc.current_step",
        "cc.touches",
        "cc.replied",
        "cc.reply_sentiment",
        "cc.meeting_booked",
        "cc.next_step_at",
        "cc.paused_until",
        "cc.stop_reason",
      ])
      .where("cc.campaign_id", "=", campaignId)
      .orderBy("cc.added_at")
      .orderBy("cc.id")
      .limit(limit)
      .execute();
  },

  /** The reply inbox: replied messages, newest first, optionally by sentiment. */
  replies(db: DbOrTrx, opts: { sentiment?: ReplySentiment | "unlabelled"; limit?: number } = {}) {
    let q = db
      .selectFrom("messages as m")
      .innerJoin("contacts as ct", "ct.id", "m.contact_id")
      .leftJoin("companies as co", "co.id", "ct.company_id")
      .leftJoin("campaigns as ca", "ca.id", "m.campaign_id")
      .select([
        "m.id",
        "m.replied_at",
        "m.reply_text",
        "m.reply_sentiment",
        "m.channel",
        "m.sequence_step",
        "ct.id as contact_id",
        "ct.full_name",
        "ct.email",
        "co.name as company_name",
        "ca.id as campaign_id",
        "ca.name as campaign_name",
      ])
      .where("m.replied_at", "is not", null)
      .orderBy("m.replied_at", "desc")
      .orderBy("m.id")
      .limit(opts.limit ?? 100);
    if (opts.sentiment === "unlabelled") q = q.where("m.reply_sentiment", "is", null);
    else if (opts.sentiment) q = q.where("m.reply_sentiment", "=", opts.sentiment);
    return q.execute();
  },

  /** Offers for the filter menus. */
  offerOptions(db: DbOrTrx) {
    return db.selectFrom("offers").select(["id", "name"]).orderBy("name").execute();
  },

  /** Campaigns for the filter and enrol menus. */
  campaignOptions(db: DbOrTrx) {
    return db.selectFrom("campaigns").select(["id", "name", "status", "offer_id"]).orderBy("name").execute();
  },

  /** A contact's keys (for `personHistory`), or undefined. */
  personKeys(db: DbOrTrx, contactId: string) {
    return db.selectFrom("contacts").select(["id", "email", "linkedin_url", "full_name"]).where("id", "=", contactId).executeTakeFirst();
  },
};
