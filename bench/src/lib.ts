/**
 * Shared helpers of the benchmarks: a fresh Postgres database per benchmark (created and dropped
 * the way `@offerlab/db/testing`'s createTestDb does), round-trip counting, statistics, and the
 * table + JSON report (also written to bench/results/<name>.json).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, migrate, type Db } from "@offerlab/db";
import pg from "pg";

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Size factor: `BENCH_SCALE=0.05 pnpm bench views` runs a small version (to validate a script). */
export const SCALE = Number(process.env.BENCH_SCALE ?? "1");
export const scaled = (n: number, min = 1) => Math.max(min, Math.round(n * SCALE));
/** Rounds per measurement (`BENCH_ROUNDS`). */
export const roundsOr = (n: number) => Number(process.env.BENCH_ROUNDS ?? n);

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface BenchDb {
  name: string;
  url: string;
  /** A Kysely over `createDb` (10 connections unless told). */
  db: Db;
  /** Opens another pool on the same database (one per runner); `preparedStatements` as `createDb`'s (default: its own). */
  open(maxConnections?: number, options?: { preparedStatements?: boolean }): Db;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database named offerlab_bench_<label>_<pid>_<random>; `drop()` removes it,
 * unless BENCH_KEEP=1 (to look at a benchmark's data afterwards, e.g. EXPLAIN a view by hand).
 */
export async function freshDb(label: string, options: { migrate?: boolean } = {}): Promise<BenchDb> {
  const name = `offerlab_bench_${label.replace(/\W/g, "_")}_${process.pid}_${randomBytes(3).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  const db = createDb({ databaseUrl: url, env: {} });
  if (options.migrate !== false) await migrate(db);
  const extra: Db[] = [];
  const drop = async () => {
    await Promise.all(extra.map((d) => d.destroy()));
    await db.destroy();
    if (process.env.BENCH_KEEP === "1") {
      log(`BENCH_KEEP=1: kept database ${name} (${url}); drop it with DROP DATABASE ${name}`);
      return;
    }
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  // A benchmark stopped with Ctrl-C still drops its database.
  process.once("SIGINT", () => void drop().finally(() => process.exit(130)));
  return {
    name,
    url,
    db,
    open(maxConnections = 2, options = {}) {
      const d = createDb({ databaseUrl: url, env: {}, maxConnections, ...options });
      extra.push(d);
      return d;
    },
    drop,
  };
}

async function adminQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * Counts database round trips by wrapping `pg.Client.prototype.query`: every statement node-postgres
 * sends (BEGIN and COMMIT included) is one call and one round trip (the extended protocol sends
 * parse/bind/execute/sync together and waits once). The pools of `createDb` use this `pg` module,
 * so everything Kysely runs is counted, and nothing else is.
 */
const roundTripState = { count: 0, texts: [] as string[], values: [] as unknown[][], keep: false };

/**
 * With `BENCH_PROFILE=1`, the time each statement took (from the call to its answer), summed by the
 * statement's first 100 characters and printed at exit, longest total first: which statements
 * dominate a benchmark.
 */
const profile = process.env.BENCH_PROFILE === "1" ? new Map<string, { n: number; ms: number }>() : null;
if (profile) {
  process.on("exit", () => {
    const top = [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
    console.log("\nStatements by total time (BENCH_PROFILE=1):");
    for (const [text, { n, ms }] of top) console.log(`${ms.toFixed(0).padStart(9)} ms ${String(n).padStart(8)}×  ${text}`);
  });
}

// Installed at once when profiling, so that benchmarks that do not count round trips are profiled too.
if (profile) countRoundTrips();

export function countRoundTrips(): {
  reset(): void;
  readonly count: number;
  readonly texts: string[];
  readonly values: unknown[][];
  keepTexts(on: boolean): void;
} {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __benchWrapped?: boolean };
  // One counter per process: the wrapper is installed once, and every benchmark of a
  // `pnpm bench a b c` run reads (and resets) the same state.
  const state = roundTripState;
  if (!proto.__benchWrapped) {
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      state.count++;
      if (state.keep) {
        const a = args[0] as string | { text?: string };
        state.texts.push(typeof a === "string" ? a : (a?.text ?? "?"));
        state.values.push(Array.isArray(args[1]) ? (args[1] as unknown[]) : []);
      }
      const result = original.apply(this, args);
      if (profile && result instanceof Promise) {
        const a = args[0] as string | { text?: string };
        const key = (typeof a === "string" ? a : (a?.text ?? "?")).replace(/\s+/g, " ").slice(0, 100);
        const t0 = performance.now();
        const add = () => {
          const e = profile.get(key) ?? { n: 0, ms: 0 };
          e.n++;
          e.ms += performance.now() - t0;
          profile.set(key, e);
        };
        result.then(add, add);
      }
      return result;
    };
    proto.__benchWrapped = true;
  }
  return {
    reset() {
      state.count = 0;
      state.texts = [];
      state.values = [];
    },
    get count() {
      return state.count;
    },
    get texts() {
      return state.texts;
    },
    get values() {
      return state.values;
    },
    keepTexts(on: boolean) {
      state.keep = on;
    },
  };
}

// --------------------------------------------------------------------------------------------
// Statistics
// --------------------------------------------------------------------------------------------

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank]!;
}

export interface Stats {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function stats(values: number[]): Stats {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

// --------------------------------------------------------------------------------------------
// Report
// --------------------------------------------------------------------------------------------

export function machine() {
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    loadavg: os.loadavg().map((x) => round(x, 2)),
  };
}

export async function postgresVersion(db: BenchDb): Promise<string> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]!.v;
  } finally {
    await c.end();
  }
}

export type Row = Record<string, string | number | null>;

/** Prints rows as an aligned text table. */
export function printTable(title: string, rows: Row[]): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "number" ? String(round(v)) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "results");

/** Prints the JSON and writes it to bench/results/<name>.json. */
export function writeResult(name: string, result: Record<string, unknown>): void {
  const doc = { benchmark: name, at: new Date().toISOString(), scale: SCALE, machine: machine(), ...result };
  const json = JSON.stringify(doc, null, 2);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, `${name}.json`), json + "\n");
  console.log(`\nJSON (also in bench/results/${name}.json):`);
  console.log(json);
}

export function log(msg: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

// --------------------------------------------------------------------------------------------
// Statements per phase of the send path
// --------------------------------------------------------------------------------------------

/** The send path's phases, in the order one send goes through them (SEND-PATH.md 2.2). */
export const SEND_PHASES = ["claim", "check", "reserve", "attempt", "call-mark", "record", "other"] as const;
export type SendPhase = (typeof SEND_PHASES)[number];

/**
 * What a single statement of the send path does, from its text (null: BEGIN / COMMIT / ROLLBACK,
 * which belong to the transaction around them). Merged statements are named by the latest phase
 * they reach (a claim that also reserves and opens the attempt counts as `attempt`).
 */
function statementPhase(text: string): SendPhase | null {
  const t = text.replace(/\s+/g, " ").trim();
  if (/^(begin|commit|rollback)\b/i.test(t)) return null;
  const has = (re: RegExp) => re.test(t);
  // The merged claim (SEND-PATH.md "one statement per phase"): tagged by a leading comment.
  const tag = /^\/\* send-path:([a-z-]+) \*\//.exec(t);
  // The reservation and the attempt's insert are one statement (reserve.ts): it reaches `attempt`.
  if (tag?.[1] === "reserve") return "attempt";
  // An attempt's move (attempts.ts): to `sending` before the call, else the outcome's recording.
  if (tag?.[1] === "attempt") return has(/set "status" = \$1, "lease_until"/i) ? "call-mark" : "record";
  if (tag) return (SEND_PHASES as readonly string[]).includes(tag[1]!) ? (tag[1] as SendPhase) : "other";
  // The claim's reservation and attempt in one statement (scheduler reserve.ts `reserveAndOpen`).
  if (has(/insert into "?send_attempts"? /i) && has(/account_usage/i)) return "attempt";
  if (has(/offerlab_settings|lease_until" < |"status" in \(\$1, \$2\) and "lease_until"|from "send_attempts" where "status" in \(\$1\)/i))
    return "other";
  if (has(/^insert into "send_attempts"/i) || has(/^update "send_queue" set "status" = \$1, "current_attempt_id"/i)) return "attempt";
  if (has(/^update "messages" set "status" = \$1 where "send_queue_id" = \$2 and "status" in/i)) return "attempt";
  if (has(/from "send_queue" .*for update|^select "id" from "send_queue"/i)) return "claim";
  if (has(/FOR NO KEY UPDATE SKIP LOCKED/i) || has(/^update "accounts" set "status" = \$1, "limited_until"/i)) return "claim";
  if (has(/account_usage|campaign_usage|^update "accounts" set "next_send_at"/i)) return "reserve";
  if (
    has(
      /^update "send_attempts" set "status" = \$1, "lease_until"|^update "send_attempts" set "provider_ids"|"send_attempts"\."provider_ids"/i,
    )
  )
    return "call-mark";
  if (has(/^select .*from "(campaigns|campaign_contacts|contacts|accounts)"|"ct"\.\*|FROM outreach_history/i) && !has(/for no key update/i))
    return "check";
  return "record";
}

/**
 * Statements per phase of a recorded statement sequence (`countRoundTrips().texts` of a
 * single-lane run): BEGIN takes the phase of the statement after it, COMMIT and ROLLBACK the
 * phase of the one before. Statements of the recording transaction (the account lock, the fenced
 * attempt update and everything after it) count as `record`.
 */
export function statementsByPhase(texts: string[]): Record<SendPhase, number> {
  const out = Object.fromEntries(SEND_PHASES.map((p) => [p, 0])) as Record<SendPhase, number>;
  for (const p of statementPhases(texts)) out[p]++;
  return out;
}

/** The phase each statement of a recorded sequence counts in (`statementsByPhase`'s attribution). */
export function statementPhases(texts: string[]): SendPhase[] {
  const phases = texts.map(statementPhase);
  const out: SendPhase[] = [];
  let last: SendPhase = "other";
  for (let i = 0; i < phases.length; i++) {
    let p = phases[i] ?? null;
    if (p === null) {
      if (/^\s*begin/i.test(texts[i]!)) p = phases.slice(i + 1).find((x): x is SendPhase => x !== null) ?? last;
      else p = last;
    }
    out.push(p);
    last = p;
  }
  return out;
}
