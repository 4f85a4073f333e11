/**
 * Idle tick: what a cron tick costs when nothing is due — `runSendPath` (reap, reconcile, one
 * claim attempt) and `planDue` (one look for a due campaign contact) — in wall time and database
 * round trips, on a database that is not empty: 50 accounts, 5,000 queue rows and campaign contacts
 * all due tomorrow, and 5,000 rows already sent.
 *
 * Round trips are counted client-side by wrapping node-postgres's `Client.prototype.query` (see
 * lib.ts): every statement, BEGIN and COMMIT included, is one call and one network round trip.
 * pg_stat_statements would need `shared_preload_libraries` and a server restart, which a benchmark
 * should not do to a shared server; the client count is exact for our own process anyway.
 */
import { planDue, runSendPath } from "@offerlab/scheduler";
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
import { seedBase, seedDueRows } from "../seed.js";

const ROWS = scaled(5000, 50);
const TICKS = roundsOr(200);

export async function run(): Promise<void> {
  const b = await freshDb("idle_tick");
  const rt = countRoundTrips();
  try {
    const base = await seedBase(b.db, 50);
    // History: rows already sent, then rows due tomorrow (nothing due now).
    await seedDueRows(b.db, base, ROWS, "sent", new Date(Date.now() - 86_400_000));
    await sql`UPDATE send_queue SET status = 'sent', sent_at = now() - interval '1 day'`.execute(b.db);
    await sql`UPDATE messages SET status = 'sent', sent_at = now() - interval '1 day'`.execute(b.db);
    await seedDueRows(b.db, base, ROWS, "later", new Date(Date.now() + 86_400_000));
    await sql`UPDATE campaign_contacts SET next_step_at = now() + interval '1 day'`.execute(b.db);
    await sql`ANALYZE`.execute(b.db);

    const db = b.open(2);
    const opts = { db, senders: {}, accountGapMs: { min: 0, max: 0 } };
    // Warm up the pool's connection and the server's plan caches.
    for (let i = 0; i < 5; i++) {
      await runSendPath(opts);
      await planDue({ db });
    }
    const send: number[] = [];
    const plan: number[] = [];
    const both: number[] = [];
    const rts = { send: [] as number[], plan: [] as number[] };
    let statements: string[] = [];
    for (let i = 0; i < TICKS; i++) {
      rt.keepTexts(i === 0);
      rt.reset();
      const s = await timed(() => runSendPath(opts));
      rts.send.push(rt.count);
      if (i === 0) statements = [...rt.texts];
      rt.reset();
      const p = await timed(() => planDue({ db }));
      rts.plan.push(rt.count);
      if (i === 0) statements.push(...rt.texts);
      rt.keepTexts(false);
      if (s.value.handled !== 0 || p.value.planned !== 0) throw new Error("something was due: the idle tick is not idle");
      send.push(s.ms);
      plan.push(p.ms);
      both.push(s.ms + p.ms);
    }
    log(`${TICKS} idle ticks measured`);
    const row = (name: string, v: number[], trips: number[]): Row => {
      const st = stats(v);
      return { part: name, "median ms": st.median, "p95 ms": st.p95, "p99 ms": st.p99, "round trips": stats(trips).median };
    };
    const rows = [
      row("runSendPath (reap + reconcile + claim)", send, rts.send),
      row("planDue", plan, rts.plan),
      row(
        "tick (both)",
        both,
        rts.send.map((x, i) => x + rts.plan[i]!),
      ),
    ];
    printTable(`Idle tick: ${TICKS} ticks, nothing due (${ROWS} rows sent, ${ROWS} due tomorrow, 50 accounts)`, rows);
    writeResult("idle-tick", {
      postgres: await postgresVersion(b),
      method:
        "round trips counted by wrapping pg.Client.prototype.query (one call = one statement = one round trip, BEGIN/COMMIT included)",
      parameters: { ticks: TICKS, rows_sent: ROWS, rows_due_tomorrow: ROWS, accounts: 50 },
      results: {
        send_path: { ms: stats(send), round_trips: stats(rts.send).median },
        plan: { ms: stats(plan), round_trips: stats(rts.plan).median },
        tick: { ms: stats(both), round_trips: stats(rts.send).median + stats(rts.plan).median },
      },
      statements_of_one_tick: statements.map((t) => t.replace(/\s+/g, " ").slice(0, 160)),
    });
  } finally {
    await b.drop();
  }
}
