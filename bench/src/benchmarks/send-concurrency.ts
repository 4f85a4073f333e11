/**
 * Send path with a provider that takes time: sends/s of `runSendPath` when every provider call
 * lasts 300 ms or 1.5 s, for one runner at concurrency 1, 4, 16 and 64 and for 4 runners at 16,
 * against the ideal (sends in flight ÷ latency, with at most one in flight per account). Then a
 * paced round: accounts rest between their sends (`send_gap_min_seconds` + variance), and what is
 * counted is how many rows the claim deferred for each send (the claim skips resting accounts).
 * Two more paced rounds count the same (issue 19): accounts that reach their daily limit (the claim
 * skips the rows of a capped account once the reservation has found the cap), and a campaign whose
 * window is closed (one deferral per campaign and account, then everything sent once it opens).
 */
import type { EmailSender, SendEmailInput, SentEmail } from "@offerlab/provider-kit";
import { runSendPath } from "@offerlab/scheduler";
import { sql } from "kysely";
import { freshDb, log, postgresVersion, printTable, roundsOr, scaled, stats, writeResult, type BenchDb, type Row } from "../lib.js";
import { resetQueue, seedBase, seedDueRows, type Base } from "../seed.js";

const LATENCIES = [300, 1500];
const SHAPES: { runners: number; concurrency: number }[] = [
  { runners: 1, concurrency: 1 },
  { runners: 1, concurrency: 4 },
  { runners: 1, concurrency: 16 },
  { runners: 1, concurrency: 64 },
  { runners: 4, concurrency: 16 },
];
const ACCOUNTS = 64;
const ROUNDS = roundsOr(3);
/** Each round is sized to last about this long at the ideal rate. */
const ROUND_SECONDS = scaled(8, 2);

/** Answers after `latencyMs`, like a provider that takes time. */
class SlowSender implements EmailSender {
  readonly provider = "bench";
  calls = 0;
  constructor(private readonly latencyMs: number) {}
  async sendEmail(_input: SendEmailInput): Promise<SentEmail> {
    this.calls++;
    await new Promise((r) => setTimeout(r, this.latencyMs));
    return { trackingId: `t-${this.calls}`, emailId: null };
  }
}

async function round(b: BenchDb, base: Base, latencyMs: number, shape: { runners: number; concurrency: number }, tag: string) {
  const inFlight = Math.min(shape.runners * shape.concurrency, ACCOUNTS);
  const ideal = (inFlight * 1000) / latencyMs;
  const rows = Math.max(2 * inFlight, Math.round(ideal * ROUND_SECONDS));
  await resetQueue(b.db);
  await seedDueRows(b.db, base, rows, tag, new Date(Date.now() - 60_000));
  const dbs = Array.from({ length: shape.runners }, () => b.open(Math.min(shape.concurrency, 16) + 1));
  const t0 = performance.now();
  const out = await Promise.all(
    dbs.map((db, i) =>
      runSendPath({
        db,
        senders: { email: new SlowSender(latencyMs) },
        runnerId: `bench-${i}`,
        accountGapMs: { min: 0, max: 0 },
        concurrency: shape.concurrency,
        providerTimeoutMs: 30_000,
        busyWaitMs: 500,
      }),
    ),
  );
  const ms = performance.now() - t0;
  await Promise.all(dbs.map((d) => d.destroy()));
  const sent = out.reduce((a, s) => a + s.outcomes.sent, 0);
  const errors = out.reduce((a, s) => a + s.errors, 0);
  if (errors || sent !== rows) log(`${shape.runners}×${shape.concurrency} @${latencyMs} ms: ${sent}/${rows} sent, ${errors} errors`);
  const rate = (sent / ms) * 1000;
  return { rate, ideal, efficiency: rate / ideal, rows };
}

/** Accounts rest 2–4 s between sends; the runner is run again until every row is sent. */
async function pacedRound(b: BenchDb, base: Base, tag: string) {
  const accounts = 12;
  const rows = scaled(96, 24);
  await resetQueue(b.db);
  await sql`UPDATE accounts SET send_gap_min_seconds = 2, send_gap_variance_seconds = 2`.execute(b.db);
  // The rows go to the first `accounts` accounts only.
  const ids = base.accountIds.slice(0, accounts);
  await seedDueRows(b.db, { ...base, accountIds: ids }, rows, tag, new Date(Date.now() - 60_000));
  const db = b.open(5);
  let sent = 0;
  let deferred = 0;
  let claims = 0;
  const t0 = performance.now();
  try {
    while (sent < rows && performance.now() - t0 < 600_000) {
      const s = await runSendPath({
        db,
        senders: { email: new SlowSender(300) },
        runnerId: "bench-paced",
        concurrency: 4,
        busyWaitMs: 200,
      });
      sent += s.outcomes.sent;
      deferred += s.outcomes.deferred;
      claims += s.handled;
      if (s.handled === 0) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await db.destroy();
    await sql`UPDATE accounts SET send_gap_min_seconds = NULL, send_gap_variance_seconds = NULL`.execute(b.db);
  }
  return { sent, deferred, claims, ms: performance.now() - t0, rows, accounts };
}

/** Runs the paced runner until `done` or nothing more is handled; counts sends, deferrals, claims. */
async function pacedRuns(db: BenchDb["db"], until: { rows: number; now?: () => Date }) {
  let sent = 0;
  let deferred = 0;
  let claims = 0;
  const t0 = performance.now();
  let idle = 0;
  // Stop once every row is sent, or after two runs in a row that handled nothing with no account
  // resting any more (what is left waits for a limit's period or a window: not today).
  while (sent < until.rows && performance.now() - t0 < 600_000) {
    const s = await runSendPath({
      db,
      senders: { email: new SlowSender(300) },
      runnerId: "bench-paced",
      concurrency: 4,
      busyWaitMs: 200,
      ...(until.now ? { now: until.now } : {}),
    });
    sent += s.outcomes.sent;
    deferred += s.outcomes.deferred;
    claims += s.handled;
    if (s.handled > 0) idle = 0;
    else if (++idle >= 20) break;
    else await new Promise((r) => setTimeout(r, 250));
  }
  return { sent, deferred, claims, ms: performance.now() - t0 };
}

/**
 * Accounts that reach their daily limit: 12 accounts resting 2–4 s, each with 3 sends left today
 * and more rows than that due. Before issue 19's cap marks each held row was claimed and deferred
 * once a day (as many deferrals as held rows); now one per account, when the reservation finds the
 * cap, after which the claim skips the account's rows.
 */
async function cappedRound(b: BenchDb, base: Base, tag: string) {
  const accounts = 12;
  const limit = 3;
  const rows = scaled(240, 120);
  await resetQueue(b.db);
  await sql`UPDATE accounts SET send_gap_min_seconds = 2, send_gap_variance_seconds = 2, daily_limit_emails = ${limit}`.execute(b.db);
  const ids = base.accountIds.slice(0, accounts);
  await seedDueRows(b.db, { ...base, accountIds: ids }, rows, tag, new Date(Date.now() - 60_000));
  const db = b.open(5);
  try {
    const r = await pacedRuns(db, { rows });
    const used = await sql<{ n: number; over: number }>`
      SELECT coalesce(sum(used), 0)::int AS n, count(*) FILTER (WHERE used > ${limit})::int AS over
      FROM account_usage WHERE period = 'day'`.execute(b.db);
    return { ...r, rows, accounts, limit, held: rows - r.sent, counted: used.rows[0]!.n, over_limit: used.rows[0]!.over };
  } finally {
    await db.destroy();
    await sql`UPDATE accounts SET send_gap_min_seconds = NULL, send_gap_variance_seconds = NULL, daily_limit_emails = 1000000`.execute(
      b.db,
    );
  }
}

/**
 * A closed window: the campaign does not send on today's UTC weekday. The runner runs on a clock
 * shifted to today first (every row due, window closed), then to tomorrow 01:00 UTC (open, past
 * the reopening and its jitter), paced 2–4 s, until every row is sent. Before issue 19 every row
 * was claimed and deferred once (a deferral per send); now one per campaign and account.
 */
async function windowRound(b: BenchDb, base: Base, tag: string) {
  const accounts = 12;
  const rows = scaled(96, 24);
  await resetQueue(b.db);
  const today = ((new Date().getUTCDay() + 6) % 7) + 1;
  await sql`UPDATE accounts SET send_gap_min_seconds = 2, send_gap_variance_seconds = 2`.execute(b.db);
  await sql`UPDATE campaigns SET send_days = ${[1, 2, 3, 4, 5, 6, 7].filter((d) => d !== today)}::int[] WHERE id = ${base.campaignId}::uuid`.execute(
    b.db,
  );
  const ids = base.accountIds.slice(0, accounts);
  await seedDueRows(b.db, { ...base, accountIds: ids }, rows, tag, new Date(Date.now() - 60_000));
  const db = b.open(5);
  try {
    const closed = await pacedRuns(db, { rows });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    const shift = midnight.getTime() + 3_600_000 - Date.now();
    const open = await pacedRuns(db, { rows, now: () => new Date(Date.now() + shift) });
    return { closed, open, rows, accounts };
  } finally {
    await db.destroy();
    await sql`UPDATE accounts SET send_gap_min_seconds = NULL, send_gap_variance_seconds = NULL`.execute(b.db);
    await sql`UPDATE campaigns SET send_days = '{1,2,3,4,5,6,7}' WHERE id = ${base.campaignId}::uuid`.execute(b.db);
  }
}

export async function run(): Promise<void> {
  const b = await freshDb("send_concurrency");
  try {
    const base = await seedBase(b.db, ACCOUNTS);
    const samples = new Map<string, { rate: number[]; eff: number[]; ideal: number; rows: number }>();
    let tag = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const latency of LATENCIES) {
        for (const shape of SHAPES) {
          const res = await round(b, base, latency, shape, `c${tag++}`);
          const key = `${latency}|${shape.runners}|${shape.concurrency}`;
          const e = samples.get(key) ?? { rate: [], eff: [], ideal: res.ideal, rows: res.rows };
          e.rate.push(res.rate);
          e.eff.push(res.efficiency);
          samples.set(key, e);
          log(
            `round ${r + 1}/${ROUNDS} ${latency} ms, ${shape.runners} runner(s) × ${shape.concurrency}: ${res.rate.toFixed(2)} sends/s (ideal ${res.ideal.toFixed(2)}, ${(res.efficiency * 100).toFixed(0)}%)`,
          );
        }
      }
    }
    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    for (const latency of LATENCIES) {
      for (const shape of SHAPES) {
        const e = samples.get(`${latency}|${shape.runners}|${shape.concurrency}`)!;
        const entry = {
          latency_ms: latency,
          runners: shape.runners,
          concurrency: shape.concurrency,
          rows_per_round: e.rows,
          sends_per_s_median: stats(e.rate).median,
          ideal_sends_per_s: e.ideal,
          efficiency_median: stats(e.eff).median,
        };
        results.push(entry);
        rows.push({
          "latency ms": latency,
          runners: shape.runners,
          concurrency: shape.concurrency,
          "sends/s (median)": entry.sends_per_s_median,
          ideal: entry.ideal_sends_per_s,
          efficiency: entry.efficiency_median,
        });
      }
    }
    printTable(`Send path with provider latency: ${ACCOUNTS} accounts, no pacing, ${ROUNDS} rounds (medians)`, rows);

    const paced = await pacedRound(b, base, `p${tag++}`);
    const perSend = paced.deferred / Math.max(1, paced.sent);
    printTable(`Paced: ${paced.rows} rows over ${paced.accounts} accounts resting 2–4 s, 300 ms latency, 1 runner × 4`, [
      {
        sent: paced.sent,
        claims: paced.claims,
        deferred: paced.deferred,
        "deferrals/send": perSend,
        seconds: paced.ms / 1000,
      },
    ]);

    const capped = await cappedRound(b, base, `k${tag++}`);
    const cappedPerSend = capped.deferred / Math.max(1, capped.sent);
    printTable(
      `Capped: ${capped.rows} rows over ${capped.accounts} accounts with ${capped.limit} sends left today, resting 2–4 s (before issue 19's marks: ${capped.held} deferrals, one per held row)`,
      [
        {
          sent: capped.sent,
          claims: capped.claims,
          deferred: capped.deferred,
          "deferrals/send": cappedPerSend,
          "over a limit": capped.over_limit,
          seconds: capped.ms / 1000,
        },
      ],
    );

    const window = await windowRound(b, base, `w${tag++}`);
    const sentW = window.closed.sent + window.open.sent;
    const deferredW = window.closed.deferred + window.open.deferred;
    const windowPerSend = deferredW / Math.max(1, sentW);
    printTable(
      `Closed window: ${window.rows} rows over ${window.accounts} accounts, the window closed today, then open (before: ${window.rows} deferrals, one per row)`,
      [
        {
          "claims while closed": window.closed.claims,
          "deferred while closed": window.closed.deferred,
          sent: sentW,
          deferred: deferredW,
          "deferrals/send": windowPerSend,
          seconds: (window.closed.ms + window.open.ms) / 1000,
        },
      ],
    );
    writeResult("send-concurrency", {
      postgres: await postgresVersion(b),
      parameters: { accounts: ACCOUNTS, rounds: ROUNDS, round_seconds: ROUND_SECONDS, latencies_ms: LATENCIES, shapes: SHAPES },
      results,
      paced: { ...paced, deferrals_per_send: perSend },
      capped: { ...capped, deferrals_per_send: cappedPerSend },
      window: { ...window, sent: sentW, deferred: deferredW, deferrals_per_send: windowPerSend },
    });
  } finally {
    await b.drop();
  }
}
