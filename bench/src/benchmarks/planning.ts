/**
 * Planning: `planDue` over 100k campaign contacts with a 3-step email sequence across 50 accounts
 * (10 active campaigns of 10k contacts, 5 accounts each, approved templates for the three steps),
 * seeded with INSERT … SELECT generate_series. Every contact's step 1 is due: each round is a full
 * pass, one `planDue` call allowed to plan every contact (batches of due contacts picked with SKIP
 * LOCKED, engine, account choice, render + lint in memory, multi-row queue and message inserts),
 * timed end to end; then the planned state is reset (queue rows and messages deleted, campaign
 * contacts due again) for the next round. Measured with one planner (its default two batches in
 * flight, and one batch at a time) and with two planners at once. The
 * pick query's plan is printed (EXPLAIN ANALYZE).
 */
import { planDue } from "@offerlab/scheduler";
import { sql } from "kysely";
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

const CONTACTS = scaled(100_000, 500);
const CAMPAIGNS = 10;
const ACCOUNTS = 50;
const ROUNDS = roundsOr(3);

const PICK = `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT cc.* FROM campaign_contacts cc JOIN campaigns c ON c.id = cc.campaign_id
WHERE c.status = 'active' AND cc.status IN ('queued', 'in_progress', 'waiting')
  AND (cc.next_step_at IS NULL OR cc.next_step_at <= now())
  AND (cc.paused_until IS NULL OR cc.paused_until <= now())
  AND NOT EXISTS (SELECT sq.id FROM send_queue sq WHERE sq.campaign_contact_id = cc.id AND sq.status IN ('pending', 'scheduled', 'processing') OFFSET 0)
ORDER BY cc.next_step_at, cc.natural_key, cc.id LIMIT 250 FOR UPDATE OF cc SKIP LOCKED`;

/** Every campaign contact due again, nothing planned: the state the seed left. */
async function reset(db: Parameters<typeof planDue>[0]["db"]): Promise<void> {
  await sql`DELETE FROM messages`.execute(db);
  await sql`DELETE FROM send_queue`.execute(db);
  await sql`UPDATE campaign_contacts SET status = 'queued', next_step_at = NULL, started_at = NULL, max_step = NULL`.execute(db);
  await sql`UPDATE contacts SET status = 'ready'`.execute(db);
  // The emptied queue and messages keep their statistics (VACUUM without ANALYZE), as tables a
  // pass fills again do in production: analysed empty, the foreign-key checks of the inserts into
  // messages cached a sequential scan of send_queue for the whole next pass on a server without
  // autovacuum (BENCHMARKS.md, "Planning": the one-batch-at-a-time pass's 264 s).
  await sql`VACUUM send_queue, messages`.execute(db);
  await sql`VACUUM ANALYZE campaign_contacts, contacts`.execute(db);
}

export async function run(): Promise<void> {
  const b = await freshDb("planning");
  const rt = countRoundTrips();
  try {
    const db = b.db;
    const t0 = performance.now();
    const { rows: offer } = await sql<{ id: string }>`
      INSERT INTO offers (name, type, ownership, description, status) VALUES ('Bench', 'product', 'internal', 'Cuts ramp time in half.', 'active') RETURNING id`.execute(
      db,
    );
    const offerId = offer[0]!.id;
    await sql`INSERT INTO companies (offer_id, name, domain, source_tool)
      SELECT ${offerId}::uuid, 'Company ' || g, 'company' || g || '.example', 'bench' FROM generate_series(1, 100) g`.execute(db);
    await sql`INSERT INTO accounts (name, type, owner, email_address, unipile_account_id, daily_limit_emails, hourly_limit)
      SELECT 'sender' || g || '@offerlab-demo.com', 'email', 'bench', 'sender' || g || '@offerlab-demo.com', 'MAILBOX' || lpad(g::text, 15, '0'), 1000000, 1000000
      FROM generate_series(1, ${ACCOUNTS}::int) g`.execute(db);
    const steps = JSON.stringify({
      steps: [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
        { step: 3, type: "email", delay_days: 4, condition: "no_reply" },
      ],
      stop_on_reply: true,
    });
    // Campaign k gets accounts 5k+1 … 5k+5 (account_ids is a JSON array of {id, name, type}).
    await sql`INSERT INTO campaigns (name, offer_id, channel, status, timezone, send_window_start, send_window_end, send_days, account_ids, scheduling_config)
      SELECT 'Campaign ' || k, ${offerId}::uuid, 'email', 'active', 'UTC', '00:00', '23:59:59', ARRAY[1,2,3,4,5,6,7],
             (SELECT jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'type', a.type))
                FROM (SELECT id, name, type, row_number() OVER (ORDER BY name) AS n FROM accounts) a
               WHERE (a.n - 1) / ${ACCOUNTS / CAMPAIGNS}::int = k - 1),
             ${steps}::jsonb
      FROM generate_series(1, ${CAMPAIGNS}::int) k`.execute(db);
    await sql`INSERT INTO message_templates (offer_id, name, channel, sequence_step, subject, body, status) VALUES
      (${offerId}::uuid, 'email 1', 'email', 1, 'Ramp time at {{company.name}}', 'Hi {{first_name|there}}, quick question about onboarding at {{company.name}}.', 'approved'),
      (${offerId}::uuid, 'email 2', 'email', 2, '', 'Following up, {{first_name|there}}.', 'approved'),
      (${offerId}::uuid, 'email 3', 'email', 3, '', 'Last note, {{first_name|there}}.', 'approved')`.execute(db);
    await sql`INSERT INTO contacts (offer_id, company_id, source_tool, first_name, full_name, email, status)
      SELECT ${offerId}::uuid, co.ids[1 + g % 100], 'bench', 'Person', 'Person ' || g, 'p' || g || '@company' || (g % 100) || '.example', 'ready'
      FROM generate_series(1, ${CONTACTS}::int) g, (SELECT array_agg(id ORDER BY name) AS ids FROM companies) co`.execute(db);
    await sql`INSERT INTO campaign_contacts (campaign_id, contact_id, status, added_at)
      SELECT ca.ids[1 + (row_number() OVER (ORDER BY ct.id)) % ${CAMPAIGNS}::int], ct.id, 'queued', now() - interval '1 minute'
      FROM contacts ct, (SELECT array_agg(id ORDER BY name) AS ids FROM campaigns) ca`.execute(db);
    await sql`VACUUM ANALYZE`.execute(db);
    const seedMs = performance.now() - t0;
    log(`seeded ${CONTACTS} contacts / campaign contacts in ${(seedMs / 1000).toFixed(1)} s`);

    const explainBefore = (await sql.raw<{ "QUERY PLAN": string }>(PICK).execute(db)).rows.map((r) => r["QUERY PLAN"]);

    // Warm-up, then full passes with one planner, then with two at once.
    await planDue({ db, limit: 20 });
    await reset(db);
    const single: number[] = [];
    const passMs: number[] = [];
    const trips: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r > 0) await reset(db);
      rt.reset();
      const { ms, value } = await timed(() => planDue({ db, limit: CONTACTS }));
      trips.push(rt.count / Math.max(1, value.planned));
      if (value.planned !== CONTACTS) log(`planned ${value.planned} of ${CONTACTS}: ${JSON.stringify(value)}`);
      single.push((value.planned / ms) * 1000);
      passMs.push(ms);
      log(`1 planner round ${r + 1}: ${value.planned} planned in ${(ms / 1000).toFixed(1)} s`);
    }
    // The same pass with one batch at a time (concurrency 1), to show what the batches in flight give.
    const serialMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await reset(db);
      const { ms, value } = await timed(() => planDue({ db, limit: CONTACTS, concurrency: 1 }));
      if (value.planned !== CONTACTS) log(`planned ${value.planned} of ${CONTACTS} one batch at a time`);
      serialMs.push(ms);
      log(`1 planner, 1 batch at a time, round ${r + 1}: ${value.planned} planned in ${(ms / 1000).toFixed(1)} s`);
    }
    const explainAfter = (await sql.raw<{ "QUERY PLAN": string }>(PICK).execute(db)).rows.map((r) => r["QUERY PLAN"]);
    const planned = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_queue`.execute(db)).rows[0]!.n);
    const dbs = [b.open(2), b.open(2)];
    const double: number[] = [];
    const doublePassMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await reset(db);
      const { ms, value } = await timed(() => Promise.all(dbs.map((d) => planDue({ db: d, limit: CONTACTS }))));
      const n = value.reduce((a, s) => a + s.planned, 0);
      if (n !== CONTACTS) log(`2 planners planned ${n} of ${CONTACTS}`);
      double.push((n / ms) * 1000);
      doublePassMs.push(ms);
      log(`2 planners round ${r + 1}: ${n} planned in ${(ms / 1000).toFixed(1)} s`);
    }

    const s1 = stats(single);
    const s2 = stats(double);
    const p1 = stats(passMs);
    const p2 = stats(doublePassMs);
    const p0 = stats(serialMs);
    const rows: Row[] = [
      {
        planners: "1, 1 batch at a time",
        "full pass (s, median)": p0.median / 1000,
        "min–max (s)": `${(p0.min / 1000).toFixed(1)}–${(p0.max / 1000).toFixed(1)}`,
        "contacts/s": (CONTACTS / p0.median) * 1000,
        "round trips/contact": null,
        "× 1 planner": ((CONTACTS / p0.median) * 1000) / s1.median,
      },
      {
        planners: 1,
        "full pass (s, median)": p1.median / 1000,
        "min–max (s)": `${(p1.min / 1000).toFixed(1)}–${(p1.max / 1000).toFixed(1)}`,
        "contacts/s": s1.median,
        "round trips/contact": stats(trips).median,
        "× 1 planner": 1,
      },
      {
        planners: 2,
        "full pass (s, median)": p2.median / 1000,
        "min–max (s)": `${(p2.min / 1000).toFixed(1)}–${(p2.max / 1000).toFixed(1)}`,
        "contacts/s": s2.median,
        "round trips/contact": null,
        "× 1 planner": s2.median / s1.median,
      },
    ];
    printTable(
      `Planning: full passes over ${CONTACTS} campaign contacts × 3 email steps, ${CAMPAIGNS} campaigns, ${ACCOUNTS} accounts; ${ROUNDS} rounds`,
      rows,
    );
    console.log("\nEXPLAIN ANALYZE of the planner's pick (before planning):\n" + explainBefore.join("\n"));
    console.log(`\n… and after ${planned} queue rows exist:\n` + explainAfter.join("\n"));
    writeResult("planning", {
      postgres: await postgresVersion(b),
      parameters: { campaign_contacts: CONTACTS, steps: 3, campaigns: CAMPAIGNS, accounts: ACCOUNTS, rounds: ROUNDS },
      seed_ms: seedMs,
      results: {
        one_planner_one_batch_at_a_time: { full_pass_ms: p0 },
        one_planner: { full_pass_ms: p1, contacts_per_s: s1, round_trips_per_contact: stats(trips).median },
        two_planners: { full_pass_ms: p2, contacts_per_s: s2, vs_one: s2.median / s1.median },
      },
      explain_pick_before: explainBefore,
      explain_pick_after: explainAfter,
    });
  } finally {
    await b.drop();
  }
}
