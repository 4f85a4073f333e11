/**
 * Dashboard: server time per page of the web dashboard (`createDashboardApp(...).request(path)`,
 * so routing, the queries and the JSX rendering, without a socket) on the views benchmark's dataset
 * (200k contacts, 1M outreach_history rows, 100k campaign contacts, queue rows and messages): every
 * page, and the leads table with filters, a search, a sort and a deep keyset page. p50/p95 over
 * BENCH_ROUNDS rounds (default 20) after one warm-up; the target is a p95 of 200 ms or less.
 *
 * PostgreSQL by default (a fresh database on BENCH_DATABASE_URL / TEST_DATABASE_URL);
 * BENCH_ENGINE=pglite runs the same on an in-memory PGlite.
 */
import { createDb, migrate, type Db } from "@offerlab/db";
import { createDashboardApp } from "@offerlab/dashboard";
import { sql } from "kysely";
import { freshDb, log, printTable, roundsOr, stats, timed, writeResult, type Row } from "../lib.js";
import { seed } from "./views.js";

const RUNS = roundsOr(20);
const TARGET_MS = 200;
const ENGINE = process.env.BENCH_ENGINE === "pglite" ? "pglite" : "postgres";

/** A keyset cursor as the leads page writes it (base64url of `[sort value, id]`). */
const cursor = (value: string | number, id: string) => Buffer.from(JSON.stringify([value, id])).toString("base64url");

const serverVersion = async (db: Db) => (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!.server_version;

async function openEngine(): Promise<{ db: Db; version: string; drop(): Promise<void> }> {
  if (ENGINE === "pglite") {
    const db = createDb({ dataDir: "memory://", env: {} });
    await migrate(db);
    return { db, version: `PGlite (PostgreSQL ${await serverVersion(db)})`, drop: () => db.destroy() };
  }
  const b = await freshDb("dashboard");
  return { db: b.db, version: `PostgreSQL ${await serverVersion(b.db)}`, drop: () => b.drop() };
}

export async function run(): Promise<void> {
  const e = await openEngine();
  try {
    const db = e.db;
    const t0 = performance.now();
    const ids = await seed(db);
    const seedMs = performance.now() - t0;
    log(`${ENGINE}: seeded in ${(seedMs / 1000).toFixed(1)} s`);
    const person = (await sql<{ id: string }>`SELECT contact_id AS id FROM campaign_contacts ORDER BY id LIMIT 1`.execute(db)).rows[0]!.id;
    const appNow = createDashboardApp({ db });
    // The deep page: the keyset cursor of a row 90 % down the name order (a page nobody reaches by
    // clicking next, but a shared link or the CSV export of a filter does).
    const deep = cursor("person 90000", "00000000-0000-0000-0000-000000000000");
    const pages: [string, string][] = [
      ["overview", "/"],
      ["offers", "/offers"],
      ["offer", `/offers/${ids.offerId}`],
      ["campaigns", "/campaigns"],
      ["campaign", `/campaigns/${ids.campaignId}`],
      ["person", `/people/${person}`],
      ["replies", "/replies"],
      ["schedule", "/schedule"],
      ["accounts", "/accounts"],
      ["activity", "/activity"],
      ["tools", "/tools"],
      ["leads", "/leads"],
      ["leads: offer + status", `/leads?offer=${ids.offerId}&status=ready`],
      ["leads: campaign", `/leads?campaign=${ids.campaignId}`],
      ["leads: min fit + degree", "/leads?fit=8&degree=2"],
      ["leads: search name", "/leads?q=person%2012345"],
      ["leads: search domain", "/leads?q=company1234.example"],
      ["leads: search (no match)", "/leads?q=nobody-here"],
      ["leads: sort name", "/leads?sort=name&dir=asc"],
      ["leads: sort company desc", "/leads?sort=company&dir=desc"],
      ["leads: deep keyset page", `/leads?sort=name&dir=asc&after=${deep}`],
    ];
    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    // The seeded senders are not linked to Unipile and the offers are drafts, so today's schedule
    // only counts their rows. The last page is the schedule again once every account and offer can
    // send: its due rows are then predicted, each account's up to what it can still send today.
    const sendable = async () => {
      await sql`UPDATE offers SET status = 'active'`.execute(db);
      await sql`UPDATE accounts SET status = 'active', health_score = 100, unipile_account_id = 'bench-' || name`.execute(db);
    };
    pages.push(["schedule (every sender can send)", "/schedule"]);
    // The same at fixed times of today (UTC; the seeded windows are 09:00–17:00 UTC): before the
    // windows open every due row is put off to the opening, mid-window the windows' end is near.
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const at = (hour: number) => createDashboardApp({ db, now: () => new Date(today + hour * 3_600_000 + 30_000) });
    const pinned = new Map([
      ["schedule (every sender can send) at 00:00 UTC", at(0)],
      ["schedule (every sender can send) at 12:00 UTC", at(12)],
    ]);
    for (const name of pinned.keys()) pages.push([name, "/schedule"]);
    for (const [name, path] of pages) {
      if (name === "schedule (every sender can send)") await sendable();
      const app = pinned.get(name) ?? appNow;
      const warm = await app.request(path);
      if (warm.status !== 200) throw new Error(`${name}: ${path} answered ${warm.status}: ${(await warm.text()).slice(0, 300)}`);
      const bytes = (await warm.text()).length;
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push((await timed(async () => (await app.request(path)).text())).ms);
      const st = stats(times);
      const miss = st.p95 > TARGET_MS;
      results.push({ page: name, path, bytes, ms: st, meets_target: !miss });
      rows.push({ page: name, "p50 ms": st.median, "p95 ms": st.p95, KB: Math.round(bytes / 1024), target: miss ? "MISS" : "ok" });
      log(`${name}: p50 ${st.median.toFixed(1)} ms, p95 ${st.p95.toFixed(1)} ms`);
    }
    printTable(`Dashboard pages on ${ENGINE}, views dataset; ${RUNS} rounds each; target p95 ≤ ${TARGET_MS} ms`, rows);
    writeResult(ENGINE === "pglite" ? "dashboard-pglite" : "dashboard", {
      engine: e.version,
      parameters: { runs: RUNS, target_ms: TARGET_MS },
      seed_ms: seedMs,
      results,
    });
  } finally {
    await e.drop();
  }
}
