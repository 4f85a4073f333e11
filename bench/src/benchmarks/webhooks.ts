/**
 * Webhook receiver: events/s and ack latency (p50/p99) at fixed request rates, with dedupe on.
 *
 * The server runs as operators run it — its own process (`apps/webhooks/src/bin.ts` through tsx),
 * on local Postgres, logging JSON lines at `info` — so the figures include authentication, body
 * validation, the inbox insert (`ON CONFLICT DO NOTHING` on the dedupe key) and the background
 * drain that applies each event right after the answer. autocannon drives it at a fixed overall
 * rate (latencies corrected for coordinated omission); one delivery in five repeats an earlier
 * event (Unipile's retries), which must answer 200 without a second row.
 *
 * The events are LinkedIn messages our own account sent, echoed back by Unipile: each is applied
 * to the end (decoded, direction checked against the account, closed as `ignored`), so "drained"
 * measures how long the worker needs to finish what the receiver accepted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { accounts, type Db } from "@offerlab/db";
import autocannon from "autocannon";
import { sql } from "kysely";
import { freshDb, log, postgresVersion, printTable, roundsOr, SCALE, writeResult, type Row } from "../lib.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const serverBin = path.join(repoRoot, "apps/webhooks/src/bin.ts");

const SECRET = "bench-webhook-secret-0123456789abcdef0123456789";
const HEADER = "x-offerlab-webhook-secret";
const ACCOUNT = "BENCHLINKEDIN0000000001";
const SELF = "ACoAAAbenchSenderSelf0001";
/** Requests per second to hold, in turn (`BENCH_RATES=50,100` overrides). */
const RATES = (process.env.BENCH_RATES ?? "50,100,200,400").split(",").map(Number);
/** Seconds per rate. */
const SECONDS = Math.max(2, Math.round(10 * SCALE));
const DUPLICATE_SHARE = 0.2;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", serverBin], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: databaseUrl,
      OFFERLAB_WEBHOOK_SECRET: SECRET,
      PORT: String(port),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`webhook server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`webhook server did not start in 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The `message_received` echo of a message our account sent (`n` makes it unique). */
function echo(n: number): string {
  return JSON.stringify({
    event: "message_received",
    webhook_name: "li-messages",
    account_id: ACCOUNT,
    account_type: "LINKEDIN",
    account_info: { type: "LINKEDIN", feature: "classic", user_id: SELF },
    chat_id: `benchchat${n % 500}`,
    message_id: `benchmsg${n}`,
    timestamp: new Date().toISOString(),
    message: "Thanks for connecting! Quick question about onboarding at Acme.",
    sender: {
      attendee_id: "att_self",
      attendee_name: "Bench Sender",
      attendee_provider_id: SELF,
      attendee_profile_url: `https://www.linkedin.com/in/${SELF}/`,
    },
    attendees: [
      { attendee_id: `att_${n}`, attendee_name: "Someone", attendee_provider_id: `ACoAAAprospect${n % 500}`, attendee_profile_url: null },
    ],
  });
}

interface Load {
  rate: number;
  result: autocannon.Result;
  unique: number;
  duplicates: number;
}

async function load(url: string, rate: number, first: number): Promise<Load> {
  let n = first;
  let unique = 0;
  let duplicates = 0;
  const result = await autocannon({
    url: `${url}/webhooks/unipile`,
    method: "POST",
    headers: { "content-type": "application/json", [HEADER]: SECRET },
    connections: Math.min(50, Math.max(4, Math.ceil(rate / 10))),
    overallRate: rate,
    duration: SECONDS,
    requests: [
      {
        setupRequest(req) {
          // One delivery in five repeats an earlier event: Unipile's retries.
          const repeat = n > first && Math.random() < DUPLICATE_SHARE;
          if (repeat) duplicates++;
          else unique++;
          const id = repeat ? first + Math.floor(Math.random() * (n - first)) : n++;
          return { ...req, body: echo(id) };
        },
      },
    ],
  });
  return { rate, result, unique, duplicates };
}

async function pending(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'pending'`.execute(db);
  return r.rows[0]!.n;
}

export async function run(): Promise<void> {
  const b = await freshDb("webhooks");
  let child: ChildProcess | null = null;
  try {
    await accounts.create(b.db, { name: "bench_linkedin", type: "linkedin", owner: "bench", unipile_account_id: ACCOUNT });
    const port = await freePort();
    child = await startServer(b.url, port);
    const url = `http://127.0.0.1:${port}`;
    log(`webhook server up on ${url}`);
    // Warm-up: connections, plan caches, the JIT.
    await load(url, 50, 10_000_000);
    await sql`TRUNCATE webhook_inbox`.execute(b.db);

    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    let first = 0;
    for (const rate of RATES) {
      for (let round = 0; round < roundsOr(1); round++) {
        const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox`.execute(b.db)).rows[0]!.n;
        const l = await load(url, rate, first);
        first += l.unique + 1;
        const t0 = performance.now();
        while ((await pending(b.db)) > 0 && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
        const drainMs = performance.now() - t0;
        const after = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_inbox`.execute(b.db)).rows[0]!.n;
        const ok = l.result["2xx"];
        const r = l.result;
        const row: Row = {
          "target req/s": rate,
          "acked req/s": ok / r.duration,
          "ack p50 ms": r.latency.p50,
          "ack p99 ms": r.latency.p99,
          "ack max ms": r.latency.max,
          "non-2xx": r.non2xx,
          errors: r.errors,
          "new rows": after - before,
          "unique sent": l.unique,
          "repeats sent": l.duplicates,
          "drained after ms": drainMs,
        };
        rows.push(row);
        results.push({
          target_rate: rate,
          duration_s: r.duration,
          acked: ok,
          acked_per_s: ok / r.duration,
          latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
          non_2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          new_rows: after - before,
          unique_events_sent: l.unique,
          repeats_sent: l.duplicates,
          drained_after_ms: drainMs,
        });
        log(`${rate} req/s: ${ok} acked, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${after - before} new rows`);
      }
    }
    const stored = await sql<{
      status: string;
      n: number;
    }>`SELECT status, count(*)::int AS n FROM webhook_inbox GROUP BY status ORDER BY status`.execute(b.db);
    printTable(
      `Webhook receiver: ${SECONDS} s per rate, ${Math.round(DUPLICATE_SHARE * 100)} % repeated deliveries, one server process on local Postgres`,
      rows,
    );
    writeResult("webhooks", {
      postgres: await postgresVersion(b),
      method:
        "apps/webhooks/src/bin.ts in its own process (tsx), JSON logs at info discarded; autocannon at a fixed overall rate (coordinated omission corrected); each rate measured after the previous one drained",
      parameters: {
        rates: RATES,
        seconds_per_rate: SECONDS,
        duplicate_share: DUPLICATE_SHARE,
        event: "message_received echo of our own message (applied to `ignored`)",
      },
      results,
      inbox_by_status: Object.fromEntries(stored.rows.map((r) => [r.status, r.n])),
      notes: [
        "new rows equal unique events acked: every repeat answered 200 without a row (dedupe on the provider's message id)",
        "drained after: time from the end of the load until no event was pending, i.e. how far processing lagged the acks",
      ],
    });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await b.drop();
  }
}
