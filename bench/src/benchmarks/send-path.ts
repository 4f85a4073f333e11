/**
 * Send path: sends/s of the full `runSendPath` (reap → reconcile → claim, re-check, reserve,
 * attempt, mark sending, provider call, record) with 1, 4 and 8 runners of one lane each, and 4
 * runners of 4 lanes (whose free lanes share one batch claim, issue 19), each with its own pool,
 * against a zero-latency in-process EmailSender — so what is measured is our overhead. Beside it,
 * in the same run and on the same seeded rows: offerlab with its prepared statements off (as
 * through a transaction pooler) at 1 and 4 runners; the send path's earlier 34-statement sequence
 * driven raw with node-postgres (no Kysely, no decisions: a reference kept from the first runs of
 * this benchmark, not today's protocol); and pg-boss doing
 * the equivalent claim (fetch) + complete workload (for 4 × 4: each worker fetches 4 jobs at once
 * and completes them side by side, as the lanes of one batch claim settle their sends).
 */
import type { EmailSender, SendEmailInput, SentEmail } from "@offerlab/provider-kit";
import { runSendPath } from "@offerlab/scheduler";
import { sql } from "kysely";
import pg from "pg";
import PgBoss from "pg-boss";
import {
  countRoundTrips,
  freshDb,
  log,
  postgresVersion,
  printTable,
  roundsOr,
  scaled,
  SEND_PHASES,
  statementPhases,
  statementsByPhase,
  stats,
  writeResult,
  type BenchDb,
  type Row,
} from "../lib.js";
import { resetQueue, seedBase, seedDueRows, type Base } from "../seed.js";

/** Runners × lanes per runner (`concurrency`). */
const CONFIGS: { runners: number; lanes: number }[] = [
  { runners: 1, lanes: 1 },
  { runners: 4, lanes: 1 },
  { runners: 8, lanes: 1 },
  { runners: 4, lanes: 4 },
];
const label = (c: { runners: number; lanes: number }) => `${c.runners}×${c.lanes}`;
const ROWS = scaled(1500, 40);
const ROUNDS = roundsOr(3);
const ACCOUNTS = 64;

/** `offerlab_unprepared`: offerlab with `OFFERLAB_PREPARED_STATEMENTS=off` (as through a transaction pooler). */
type System = "offerlab" | "offerlab_unprepared" | "raw_sql" | "pg_boss";

/** Zero-latency sender: answers at once and records when each call happened (cycle times). */
class InstantSender implements EmailSender {
  readonly provider = "bench";
  calls: number[] = [];
  async sendEmail(_input: SendEmailInput): Promise<SentEmail> {
    this.calls.push(performance.now());
    return { trackingId: `t-${this.calls.length}`, emailId: null };
  }
}

/** Per-send cycle times (ms) from consecutive timestamps of one worker. */
const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);

interface RoundResult {
  sent: number;
  ms: number;
  cycles: number[];
  roundTrips?: number;
}

const rt = countRoundTrips();

/** Rows of the statements-per-phase pass (one runner, one lane: a sequence that can be attributed). */
const PHASE_ROWS = scaled(200, 10);

/**
 * Statements per send, by phase: one runner at `concurrency` (1 unless said) sends PHASE_ROWS rows
 * with every statement's text kept, then each statement is put in its phase (lib.ts
 * `statementsByPhase`). With several lanes the statements of the lanes interleave: the totals are
 * exact, but a BEGIN or COMMIT may be put in a neighbouring lane's phase.
 */
async function phaseCounts(
  b: BenchDb,
  base: Base,
  concurrency = 1,
): Promise<{ sent: number; perSend: Record<string, number>; total: number }> {
  await resetQueue(b.db);
  await seedDueRows(b.db, base, PHASE_ROWS, `phases${concurrency}`, new Date(Date.now() - 60_000));
  const db = b.open(concurrency + 1);
  rt.reset();
  rt.keepTexts(true);
  let out;
  try {
    out = await runSendPath({
      db,
      senders: { email: new InstantSender() },
      runnerId: "bench-phases",
      accountGapMs: { min: 0, max: 0 },
      busyWaitMs: 500,
      concurrency,
    });
  } finally {
    rt.keepTexts(false);
  }
  const counts = statementsByPhase(rt.texts);
  if (process.env.BENCH_PHASE_TRACE === "1") {
    // Every statement of the pass with the phase it counts in (to check the attribution by hand).
    const phases = statementPhases(rt.texts);
    rt.texts.forEach((t, i) => console.log(`${phases[i]!.padEnd(9)} ${t.replace(/\s+/g, " ").slice(0, 160)}`));
  }
  await db.destroy();
  const sent = out.outcomes.sent;
  const perSend = Object.fromEntries(SEND_PHASES.map((p) => [p, counts[p] / sent]));
  return { sent, perSend, total: rt.count / sent };
}

async function offerlabRound(b: BenchDb, runners: number, lanes: number, preparedStatements = true): Promise<RoundResult> {
  const dbs = Array.from({ length: runners }, () => b.open(lanes + 1, { preparedStatements }));
  const senders = dbs.map(() => new InstantSender());
  const t0 = performance.now();
  const out = await Promise.all(
    dbs.map((db, i) =>
      runSendPath({
        db,
        senders: { email: senders[i]! },
        runnerId: `bench-${i}`,
        accountGapMs: { min: 0, max: 0 },
        busyWaitMs: 500,
        concurrency: lanes,
      }),
    ),
  );
  const ms = performance.now() - t0;
  await Promise.all(dbs.map((d) => d.destroy()));
  const sent = out.reduce((a, s) => a + s.outcomes.sent, 0);
  const errors = out.reduce((a, s) => a + s.errors, 0);
  if (errors) log(`offerlab: ${errors} errors in the round`);
  return { sent, ms, cycles: senders.flatMap((s) => gaps(s.calls)) };
}

// ---------------------------------------------------------------------------------------------
// The same statements, raw. Mirrors claim.ts, reserve.ts and attempt.ts (the claim), context.ts (loadContext), quota.ts
// (reserveQuota), call.ts (emailThread) and record.ts (recordSent) for an email step.
// ---------------------------------------------------------------------------------------------

const CLAIM = `SELECT * FROM send_queue WHERE status IN ('pending', 'scheduled') AND scheduled_for <= $1
  AND NOT EXISTS (SELECT send_attempts.id FROM send_attempts WHERE send_attempts.account_id = send_queue.account_id
                  AND send_attempts.status IN ('claimed', 'sending'))
  ORDER BY priority, scheduled_for, id LIMIT 1 FOR UPDATE SKIP LOCKED`;
const WAITING = `SELECT id FROM send_queue WHERE status IN ('pending', 'scheduled') AND scheduled_for <= $1 LIMIT 1`;

async function rawSendOne(c: pg.Client, runnerId: string): Promise<"sent" | "idle" | "busy"> {
  const now = new Date();
  const q = async (text: string, values: unknown[] = []) => (await c.query(text, values)).rows;
  await q("BEGIN");
  let attemptId: string;
  let row: Record<string, unknown>;
  let contact: Record<string, unknown>;
  let person: Record<string, unknown>[];
  let campaign: Record<string, unknown>;
  try {
    const rows = await q(CLAIM, [now]);
    if (rows.length === 0) {
      const waiting = await q(WAITING, [now]);
      await q("COMMIT");
      return waiting.length ? "busy" : "idle";
    }
    row = rows[0]!;
    const acct = await q("SELECT id FROM accounts WHERE id = $1::uuid FOR NO KEY UPDATE SKIP LOCKED", [row.account_id]);
    if (acct.length === 0) {
      await q("ROLLBACK");
      return "busy";
    }
    await q(`UPDATE accounts SET status = 'active', limited_until = NULL WHERE id = $1 AND status = 'limited' AND limited_until <= $2`, [
      row.account_id,
      now,
    ]);
    campaign = (await q("SELECT * FROM campaigns WHERE id = $1", [row.campaign_id]))[0]!;
    await q("SELECT * FROM campaign_contacts WHERE id = $1", [row.campaign_contact_id]);
    contact = (await q("SELECT * FROM contacts WHERE id = $1", [row.contact_id]))[0]!;
    person = await q("SELECT * FROM contacts WHERE (id = $1 OR email = $2)", [contact.id, contact.email]);
    await q("SELECT max(sent_at) AS last FROM outreach_history WHERE contact_id = $1::uuid OR contact_email = $2", [
      contact.id,
      contact.email,
    ]);
    await q("SELECT * FROM accounts WHERE id = $1", [row.account_id]);
    await q(`UPDATE accounts SET next_send_at = $1 WHERE id = $2 AND (next_send_at IS NULL OR next_send_at <= $3) RETURNING id`, [
      now,
      row.account_id,
      now,
    ]);
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const hour = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours()));
    await q(
      `INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
       SELECT $1::uuid, 'day', $2::timestamptz, $3, 1 WHERE $4::int > 0
       ON CONFLICT (account_id, period, period_start, action) DO UPDATE SET used = u.used + 1 WHERE u.used < $5::int RETURNING used`,
      [row.account_id, day, "email", 1_000_000, 1_000_000],
    );
    await q(
      `INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
       SELECT $1::uuid, 'hour', $2::timestamptz, '*', 1 WHERE $3::int > 0
       ON CONFLICT (account_id, period, period_start, action) DO UPDATE SET used = u.used + 1 WHERE u.used < $4::int RETURNING used`,
      [row.account_id, hour, 1_000_000, 1_000_000],
    );
    try {
      attemptId = (
        await q(
          `INSERT INTO send_attempts (send_queue_id, account_id, action_type, runner_id, status, usage_day, usage_hour, lease_until, started_at)
           VALUES ($1, $2, 'email', $3, 'claimed', $4, $5, $6, $7) RETURNING id`,
          [row.id, row.account_id, runnerId, day, hour, new Date(now.getTime() + 120_000), now],
        )
      )[0]!.id as string;
    } catch (error) {
      if ((error as { code?: string }).code === "23505") {
        await q("ROLLBACK");
        return "busy";
      }
      throw error;
    }
    await q(
      `UPDATE send_queue SET status = 'processing', current_attempt_id = $1, attempts = attempts + 1, last_attempt_at = $2, defer_reason = NULL WHERE id = $3`,
      [attemptId, now, row.id],
    );
    await q(`UPDATE messages SET status = 'sending' WHERE send_queue_id = $1 AND status IN ('pending', 'queued')`, [row.id]);
    await q("COMMIT");
  } catch (error) {
    await q("ROLLBACK").catch(() => {});
    throw error;
  }
  await q(`UPDATE send_attempts SET status = 'sending', lease_until = $1 WHERE id = $2 AND status = 'claimed' RETURNING id`, [
    new Date(now.getTime() + 120_000),
    attemptId,
  ]);
  await q(
    `SELECT send_attempts.id, send_attempts.started_at, send_attempts.provider_ids, send_queue.subject FROM send_attempts
     INNER JOIN send_queue ON send_queue.id = send_attempts.send_queue_id
     WHERE send_queue.campaign_contact_id = $1 AND send_queue.channel = 'email' AND send_attempts.status = 'sent'
     ORDER BY send_attempts.started_at LIMIT 1`,
    [row.campaign_contact_id],
  );
  // (the zero-latency provider call would be here)
  const ids = JSON.stringify({ tracking_id: "t", email_id: null });
  await q("BEGIN");
  try {
    await q("SELECT id FROM accounts WHERE id = $1::uuid FOR NO KEY UPDATE", [row.account_id]);
    await q(
      `UPDATE send_attempts SET status = 'sent', finished_at = $1, provider_ids = $2::jsonb WHERE id = $3 AND status IN ('sending', 'unknown') RETURNING account_id`,
      [now, ids, attemptId],
    );
    await q(
      `UPDATE send_queue SET status = 'sent', sent_at = $1, external_message_id = $2, defer_reason = NULL, last_error = NULL, current_attempt_id = $3 WHERE id = $4`,
      [now, "t", attemptId, row.id],
    );
    const msg = await q(
      `UPDATE messages SET status = 'sent', sent_at = $1, external_id = $2, thread_id = NULL, account_id = $3, error_message = NULL WHERE send_queue_id = $4 RETURNING id`,
      [now, "t", row.account_id, row.id],
    );
    await q(
      `INSERT INTO message_events (send_queue_id, contact_id, campaign_id, account_id, event_type, event_data) VALUES ($1, $2, $3, $4, 'sent', $5::jsonb)`,
      [
        row.id,
        row.contact_id,
        row.campaign_id,
        row.account_id,
        JSON.stringify({ attempt_id: attemptId, tracking_id: "t", email_id: null }),
      ],
    );
    await q(
      `INSERT INTO outreach_history (contact_email, contact_linkedin_url, contact_id, campaign_id, offer_id, account_id, send_queue_id, channel, message_subject, message_body, sent_at)
       VALUES ($1, NULL, $2, $3, $4, $5, $6, 'email', $7, $8, $9)`,
      [contact.email, contact.id, campaign.id, campaign.offer_id, row.account_id, row.id, row.subject, row.body, now],
    );
    await q(
      `INSERT INTO account_activity (account_id, message_id, contact_id, action_type, status, created_at) VALUES ($1, $2, $3, 'email', 'success', $4)`,
      [row.account_id, msg[0]?.id ?? null, contact.id, now],
    );
    await q(
      `UPDATE accounts SET today_emails = CASE WHEN (today_last_action_at IS NOT NULL AND date_trunc('day', today_last_action_at AT TIME ZONE 'UTC') = date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC')) THEN today_emails + 1 ELSE 1 END,
       today_last_action_at = $1, total_sent = total_sent + 1 WHERE id = $2`,
      [now, row.account_id],
    );
    await q(
      `UPDATE contacts SET already_contacted = true, last_contacted_at = $1, contact_count = contact_count + 1,
       status = CASE WHEN status IN ('new', 'enriched', 'ready', 'queued') THEN 'contacted' ELSE status END WHERE id = $2`,
      [now, contact.id],
    );
    await q(
      `UPDATE contacts SET global_last_contacted_at = $1, global_contact_count = global_contact_count + 1,
       global_status = CASE WHEN global_status = 'available' THEN 'cooling_off' ELSE global_status END WHERE id = ANY($2::uuid[])`,
      [now, person.map((p) => p.id)],
    );
    await q(
      `UPDATE campaign_contacts SET current_step = GREATEST(current_step, 1), touches = touches + 1, last_step_at = $1, started_at = COALESCE(started_at, $1::timestamptz),
       status = CASE WHEN status IN ('queued', 'in_progress', 'waiting') THEN 'waiting' ELSE status END, next_step_at = $1,
       email_account_id = COALESCE(email_account_id, $2::uuid), email_thread_ref = COALESCE(email_thread_ref, NULL) WHERE id = $3`,
      [now, row.account_id, row.campaign_contact_id],
    );
    await q(
      `UPDATE campaigns SET total_sent = total_sent + 1, first_send_at = COALESCE(first_send_at, $1::timestamptz), last_send_at = $1 WHERE id = $2`,
      [now, campaign.id],
    );
    await q(`UPDATE offers SET total_sent = total_sent + 1 WHERE id = $1`, [campaign.offer_id]);
    await q("COMMIT");
  } catch (error) {
    await q("ROLLBACK").catch(() => {});
    throw error;
  }
  return "sent";
}

async function rawRound(b: BenchDb, runners: number): Promise<RoundResult> {
  const clients = await Promise.all(
    Array.from({ length: runners }, async () => {
      const c = new pg.Client({ connectionString: b.url });
      await c.connect();
      return c;
    }),
  );
  const stamps: number[][] = clients.map(() => []);
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      let busySince: number | null = null;
      for (;;) {
        const r = await rawSendOne(c, `raw-${i}`);
        if (r === "idle") break;
        if (r === "busy") {
          busySince ??= performance.now();
          if (performance.now() - busySince > 500) break;
          await new Promise((res) => setTimeout(res, 5 + Math.random() * 20));
          continue;
        }
        busySince = null;
        sent++;
        stamps[i]!.push(performance.now());
      }
    }),
  );
  const ms = performance.now() - t0;
  await Promise.all(clients.map((c) => c.end()));
  return { sent, ms, cycles: stamps.flatMap(gaps) };
}

// ---------------------------------------------------------------------------------------------
// pg-boss: one queue, one job per send; each worker fetches one job (claim) and completes it.
// ---------------------------------------------------------------------------------------------

let bossQueues = 0;

async function pgBossRound(b: BenchDb, runners: number, n: number, lanes = 1): Promise<RoundResult> {
  const bosses = await Promise.all(
    Array.from({ length: runners }, async (_, i) => {
      const boss = new PgBoss({
        connectionString: b.url,
        max: lanes + 1,
        schema: "pgboss",
        supervise: false,
        schedule: false,
        migrate: i === 0,
      });
      boss.on("error", (e) => log(`pg-boss: ${String(e)}`));
      return boss;
    }),
  );
  await bosses[0]!.start();
  await Promise.all(bosses.slice(1).map((x) => x.start()));
  // A fresh queue (its own partition) per round; completed jobs of earlier rounds stay behind.
  const queue = `send_${++bossQueues}`;
  await bosses[0]!.createQueue(queue);
  await bosses[0]!.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { queueId: i } })));
  const stamps: number[][] = bosses.map(() => []);
  let sent = 0;
  rt.reset();
  const t0 = performance.now();
  await Promise.all(
    bosses.map(async (boss, i) => {
      for (;;) {
        const jobs = await boss.fetch(queue, { batchSize: lanes });
        if (jobs.length === 0) break;
        await Promise.all(
          jobs.map(async (job) => {
            await boss.complete(queue, job.id);
            sent++;
            stamps[i]!.push(performance.now());
          }),
        );
      }
    }),
  );
  const ms = performance.now() - t0;
  const roundTrips = rt.count / sent;
  await Promise.all(bosses.map((x) => x.stop({ graceful: false, wait: true })));
  return { sent, ms, cycles: stamps.flatMap(gaps), roundTrips };
}

export async function run(): Promise<void> {
  const b = await freshDb("send_path");
  try {
    const base: Base = await seedBase(b.db, ACCOUNTS);
    const phases = await phaseCounts(b, base);
    const phases4 = await phaseCounts(b, base, 4);
    printTable(
      `Send path: statements per send by phase (1 runner; concurrency 1: ${phases.sent} sends, concurrency 4: ${phases4.sent} sends)`,
      [phases, phases4].map((ph, i) =>
        Object.fromEntries([
          ["concurrency", i === 0 ? 1 : 4],
          ...SEND_PHASES.map((p) => [p, Math.round(ph.perSend[p]! * 100) / 100]),
          ["total", Math.round(ph.total * 100) / 100],
        ]),
      ),
    );
    // `BENCH_PHASES_ONLY=1`: the statement counts only (deterministic; no timing runs).
    if (process.env.BENCH_PHASES_ONLY === "1") return;
    const samples = new Map<string, { rates: number[]; cycles: number[]; sent: number[]; roundTrips: number[] }>();
    const key = (s: System, c: { runners: number; lanes: number }) => `${s}|${label(c)}`;
    // The raw statement sequence has no lanes: it runs beside the one-lane configurations only.
    // Without prepared statements (a transaction pooler's case) beside one and four one-lane runners.
    const systemsOf = (c: { runners: number; lanes: number }): System[] =>
      c.lanes === 1
        ? c.runners <= 4
          ? ["offerlab", "offerlab_unprepared", "raw_sql", "pg_boss"]
          : ["offerlab", "raw_sql", "pg_boss"]
        : ["offerlab", "pg_boss"];
    let tag = 0;
    const prepare = async () => {
      await resetQueue(b.db);
      await seedDueRows(b.db, base, ROWS, `r${tag++}`, new Date(Date.now() - 60_000));
    };

    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONFIGS) {
        const k = c.runners;
        for (const system of systemsOf(c)) {
          const e0 = samples.get(key(system, c)) ?? { rates: [], cycles: [], sent: [], roundTrips: [] };
          let r: RoundResult;
          if (system === "pg_boss") {
            r = await pgBossRound(b, k, ROWS, c.lanes);
            e0.roundTrips.push(r.roundTrips ?? NaN);
          } else {
            await prepare();
            rt.reset();
            r = system === "raw_sql" ? await rawRound(b, k) : await offerlabRound(b, k, c.lanes, system === "offerlab");
            e0.roundTrips.push(rt.count / r.sent);
            const sentRows = Number(
              (await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_queue WHERE status = 'sent'`.execute(b.db)).rows[0]!.n,
            );
            if (sentRows !== ROWS || r.sent !== ROWS) log(`${system} ${label(c)}: ${r.sent} sends reported, ${sentRows}/${ROWS} rows sent`);
          }
          const e = e0;
          e.rates.push((r.sent / r.ms) * 1000);
          e.cycles.push(...r.cycles);
          e.sent.push(r.sent);
          samples.set(key(system, c), e);
          log(
            `round ${round + 1}/${ROUNDS} ${system} ${label(c)}: ${r.sent} sends in ${r.ms.toFixed(0)} ms = ${((r.sent / r.ms) * 1000).toFixed(0)}/s`,
          );
        }
      }
    }

    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    const median = (s: System, c: { runners: number; lanes: number }) => {
      const e = samples.get(key(s, c));
      return e ? stats(e.rates).median : NaN;
    };
    for (const c of CONFIGS) {
      const k = c.runners;
      for (const system of systemsOf(c)) {
        const e = samples.get(key(system, c))!;
        const rate = stats(e.rates);
        const cyc = stats(e.cycles);
        const entry = {
          system,
          runners: k,
          lanes: c.lanes,
          sends_per_s_median: rate.median,
          sends_per_s_min: rate.min,
          sends_per_s_max: rate.max,
          cycle_ms_p50: cyc.median,
          cycle_ms_p95: cyc.p95,
          cycle_ms_p99: cyc.p99,
          round_trips_per_send: stats(e.roundTrips).median,
          vs_raw_sql: median(system, c) / median("raw_sql", c),
          vs_pg_boss: median(system, c) / median("pg_boss", c),
          vs_1_runner: median(system, c) / median(system, CONFIGS[0]!),
        };
        results.push(entry);
        rows.push({
          system,
          "runners×lanes": label(c),
          "sends/s (median)": Math.round(rate.median),
          "min–max": `${Math.round(rate.min)}–${Math.round(rate.max)}`,
          "cycle ms p50": cyc.median,
          p95: cyc.p95,
          p99: cyc.p99,
          "round trips/send": Math.round(entry.round_trips_per_send * 10) / 10,
          "× raw SQL": entry.vs_raw_sql,
          "× pg-boss": entry.vs_pg_boss,
          "× 1 runner": entry.vs_1_runner,
        });
      }
    }
    printTable(
      `Send path: ${ROWS} due email rows per round over ${ACCOUNTS} accounts, ${ROUNDS} rounds (cycle = time between two sends of one runner)`,
      rows,
    );
    writeResult("send-path", {
      postgres: await postgresVersion(b),
      parameters: { rows_per_round: ROWS, rounds: ROUNDS, accounts: ACCOUNTS, configs: CONFIGS, phase_rows: PHASE_ROWS },
      statements_per_send_by_phase: { ...phases.perSend, total: phases.total, sends: phases.sent },
      statements_per_send_by_phase_concurrency_4: { ...phases4.perSend, total: phases4.total, sends: phases4.sent },
      results,
    });
  } finally {
    await b.drop();
  }
}
