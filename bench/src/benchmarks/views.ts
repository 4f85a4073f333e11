/**
 * Views: p50/p95 of each dashboard view query of `views.*` (packages/db/src/views.ts), called the
 * way the CLI calls them (default limit 1000, the usual filter), on a generated dataset of 200k
 * contacts and 1M outreach_history rows (5 offers, 2,000 companies, 20 campaigns, 50 accounts,
 * 100k campaign contacts, 100k queue rows with their messages). Each view's SQL is captured from
 * the pg client and run again under EXPLAIN (ANALYZE, BUFFERS) to show which indexes it uses.
 */
import { views, type Db } from "@offerlab/db";
import { sql } from "kysely";
import pg from "pg";
import {
  countRoundTrips,
  freshDb,
  log,
  postgresVersion,
  printTable,
  roundsOr,
  scaled,
  stats,
  timed,
  writeResult,
  type Row,
} from "../lib.js";

const CONTACTS = scaled(200_000, 2000);
const HISTORY = scaled(1_000_000, 10_000);
const RUNS = roundsOr(20);

/**
 * The views dataset (also the dashboard benchmark's): CONTACTS contacts and HISTORY history rows
 * as described above, analysed; returns the first offer, campaign and account by name.
 */
export async function seed(db: Db): Promise<{ offerId: string; campaignId: string; accountId: string }> {
  const q = (s: ReturnType<typeof sql>) => s.execute(db);
  await q(
    sql`INSERT INTO offers (name, type, ownership, description) SELECT 'Offer ' || g, 'product', 'internal', 'd' FROM generate_series(1, 5) g`,
  );
  await q(sql`INSERT INTO accounts (name, type, owner, email_address, today_emails)
    SELECT 'sender' || g || '@offerlab-demo.com', 'email', 'bench', 'sender' || g || '@offerlab-demo.com', g % 40 FROM generate_series(1, 50) g`);
  await q(sql`INSERT INTO companies (offer_id, name, domain, source_tool, fit_score)
    SELECT o.ids[1 + g % 5], 'Company ' || g, 'company' || g || '.example', 'bench', 1 + (g * 37) % 10
    FROM generate_series(1, 2000) g, (SELECT array_agg(id ORDER BY name) ids FROM offers) o`);
  // Contact g belongs to company 1 + g % 2000, and so to that company's offer.
  await q(sql`INSERT INTO contacts (offer_id, company_id, source_tool, first_name, full_name, email, linkedin_url, status, connection_degree)
    SELECT c.offer_id, c.id, 'bench', 'P' || g, 'Person ' || g, 'p' || g || '@' || c.domain, 'https://www.linkedin.com/in/p' || g,
           (ARRAY['new', 'enriched', 'ready', 'contacted'])[1 + g % 4], 2
    FROM generate_series(1, ${CONTACTS}::int) g
    JOIN (SELECT id, offer_id, domain, row_number() OVER (ORDER BY name) - 1 AS n FROM companies) c ON c.n = g % 2000`);
  await q(sql`INSERT INTO campaigns (name, offer_id, channel, status, timezone, send_window_start, send_window_end, total_sent, total_replied)
    SELECT 'Campaign ' || k, o.ids[1 + k % 5], 'email', 'active', 'UTC', '09:00', '17:00', 5000, 250
    FROM generate_series(1, 20) k, (SELECT array_agg(id ORDER BY name) ids FROM offers) o`);
  // Half of the contacts are in a campaign of their offer.
  await q(sql`INSERT INTO campaign_contacts (campaign_id, contact_id, status)
    SELECT (SELECT id FROM campaigns ca WHERE ca.offer_id = ct.offer_id ORDER BY ca.name LIMIT 1 OFFSET (ct.n / 5) % 4), ct.id, 'in_progress'
    FROM (SELECT id, offer_id, row_number() OVER (ORDER BY id) AS n FROM contacts) ct WHERE ct.n % 2 = 0`);
  // One queue row (and message) per campaign contact: 20 % pending (some due today), the rest sent.
  await q(sql`INSERT INTO send_queue (campaign_id, campaign_contact_id, contact_id, account_id, channel, action_type, sequence_step, subject, body, scheduled_for, status, sent_at)
    SELECT cc.campaign_id, cc.id, cc.contact_id, a.ids[1 + cc.n % 50], 'email', 'email', 1, 'Hello', 'Hi there.',
           CASE WHEN cc.n % 5 = 0 THEN now() - interval '1 hour' + (cc.n % 48) * interval '1 hour' ELSE now() - (cc.n % 365) * interval '1 day' END,
           CASE WHEN cc.n % 5 = 0 THEN 'pending' ELSE 'sent' END,
           CASE WHEN cc.n % 5 = 0 THEN NULL ELSE now() - (cc.n % 365) * interval '1 day' END
    FROM (SELECT id, campaign_id, contact_id, row_number() OVER (ORDER BY id) AS n FROM campaign_contacts) cc,
         (SELECT array_agg(id ORDER BY name) ids FROM accounts) a`);
  await q(sql`INSERT INTO messages (campaign_contact_id, campaign_id, contact_id, account_id, send_queue_id, channel, action_type, sequence_step, subject, body, status, scheduled_at, sent_at)
    SELECT q.campaign_contact_id, q.campaign_id, q.contact_id, q.account_id, q.id, 'email', 'email', 1, q.subject, q.body,
           q.status, q.scheduled_for, q.sent_at FROM send_queue q`);
  // 1M rows of history over the last two years, spread over contacts, campaigns and accounts.
  await q(sql`INSERT INTO outreach_history (contact_email, contact_id, campaign_id, offer_id, account_id, channel, message_subject, sent_at)
    SELECT 'p' || (1 + g % ${CONTACTS}::int) || '@x.example', NULL, ca.ids[1 + g % 20], NULL, a.ids[1 + g % 50], 'email', 'Hello',
           now() - (g % 730) * interval '1 day' - (g % 86400) * interval '1 second'
    FROM generate_series(1, ${HISTORY}::int) g, (SELECT array_agg(id ORDER BY name) ids FROM campaigns) ca, (SELECT array_agg(id ORDER BY name) ids FROM accounts) a`);
  await q(sql`VACUUM ANALYZE`);
  const one = async (t: string) => (await sql.raw<{ id: string }>(`SELECT id FROM ${t} ORDER BY name LIMIT 1`).execute(db)).rows[0]!.id;
  return { offerId: await one("offers"), campaignId: await one("campaigns"), accountId: await one("accounts") };
}

export async function run(): Promise<void> {
  const b = await freshDb("views");
  const rt = countRoundTrips();
  try {
    const db = b.db;
    const t0 = performance.now();
    const ids = await seed(db);
    const seedMs = performance.now() - t0;
    const counts = (
      await sql<{ t: string; n: number }>`
      SELECT 'contacts' t, count(*)::int n FROM contacts UNION ALL SELECT 'outreach_history', count(*)::int FROM outreach_history
      UNION ALL SELECT 'send_queue', count(*)::int FROM send_queue UNION ALL SELECT 'campaign_contacts', count(*)::int FROM campaign_contacts`.execute(
        db,
      )
    ).rows;
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s: ${counts.map((c) => `${c.t} ${c.n}`).join(", ")}`);

    const weekAgo = new Date(Date.now() - 7 * 86_400_000);
    const cases: [string, () => Promise<unknown[]>][] = [
      ["offerDashboard()", () => views.offerDashboard(db)],
      ["contactsReady({offerId})", () => views.contactsReady(db, { offerId: ids.offerId })],
      ["accountHealth()", () => views.accountHealth(db)],
      ["campaignPerformance({offerId})", () => views.campaignPerformance(db, { offerId: ids.offerId })],
      ["todaysQueue()", () => views.todaysQueue(db)],
      ["leadsForReview({campaignId})", () => views.leadsForReview(db, { campaignId: ids.campaignId })],
      ["leadsForReview()", () => views.leadsForReview(db)],
      ["todaysSchedule()", () => views.todaysSchedule(db)],
      ["accountCapacity()", () => views.accountCapacity(db)],
      ["activityFeed()", () => views.activityFeed(db)],
      ["activityFeed({since: 7 days})", () => views.activityFeed(db, { since: weekAgo })],
      ["dailyAccountMessageVolume({accountId})", () => views.dailyAccountMessageVolume(db, { accountId: ids.accountId })],
      ["dailyAccountMessageVolume()", () => views.dailyAccountMessageVolume(db)],
    ];
    const client = new pg.Client({ connectionString: b.url });
    // Dropping the database at the end terminates this session; that must not crash the process.
    client.on("error", () => {});
    await client.connect();
    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    const explains: Record<string, string[]> = {};
    for (const [name, fn] of cases) {
      rt.keepTexts(true);
      rt.reset();
      const first = await fn();
      const text = rt.texts[0];
      const values = rt.values[0] ?? [];
      if (!text) throw new Error(`${name}: no statement was captured (round-trip counting is not wired to this pg module)`);
      rt.keepTexts(false);
      await fn();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push((await timed(fn)).ms);
      const plan = (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values)).rows.map(
        (r) => r["QUERY PLAN"],
      );
      explains[name] = plan;
      const idx = [
        ...new Set(
          plan.flatMap((l) =>
            [...l.matchAll(/(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)/g)].map((m) => m[1]!),
          ),
        ),
      ];
      const seq = [...new Set(plan.flatMap((l) => [...l.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!)))];
      const st = stats(times);
      results.push({ view: name, rows: first.length, ms: st, indexes: idx, seq_scans: seq, sql: text });
      rows.push({
        view: name,
        rows: first.length,
        "p50 ms": st.median,
        "p95 ms": st.p95,
        "index scans": idx.join(" ") || "-",
        "seq scans": seq.join(" ") || "-",
      });
      log(`${name}: p50 ${st.median.toFixed(1)} ms`);
    }
    await client.end();
    printTable(`Views: ${counts.map((c) => `${c.n} ${c.t}`).join(", ")}; ${RUNS} runs each (limit 1000)`, rows);
    for (const [name, plan] of Object.entries(explains)) console.log(`\nEXPLAIN ANALYZE ${name}:\n${plan.join("\n")}`);
    writeResult("views", {
      postgres: await postgresVersion(b),
      parameters: { contacts: CONTACTS, outreach_history: HISTORY, runs: RUNS, counts },
      seed_ms: seedMs,
      results,
      explain: explains,
    });
  } finally {
    await b.drop();
  }
}
