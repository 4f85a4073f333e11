/**
 * Demo: wall time of `offerlab demo` from a fresh data directory, as a user runs it after
 * `pnpm install` (a new process through tsx, the embedded PGlite created and migrated, the whole
 * sandbox run, the dashboards). Beside it, the time the demo itself reports (from the first model
 * call to the last tick), so start-up and migration are visible apart. A fresh directory per round.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { log, printTable, roundsOr, stats, writeResult, type Row } from "../lib.js";

const ROUNDS = roundsOr(3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const bin = path.join(root, "apps/cli/src/bin.ts");

export async function run(): Promise<void> {
  const wall: number[] = [];
  const inside: number[] = [];
  let last: { facts?: { sent?: { total?: number } }; simulated?: { ticks?: number } } = {};
  for (let r = 0; r < ROUNDS; r++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-bench-demo-"));
    try {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, ["--import", "tsx", bin, "demo", "--json"], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OFFERLAB_DATA_DIR: path.join(dir, "data") },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      const ms = performance.now() - t0;
      if (res.status !== 0) throw new Error(`offerlab demo exited ${res.status}: ${res.stderr.slice(-2000)}`);
      last = JSON.parse(res.stdout);
      wall.push(ms);
      inside.push((last as { wallMs: number }).wallMs);
      log(`round ${r + 1}: ${(ms / 1000).toFixed(1)} s wall, ${((last as { wallMs: number }).wallMs / 1000).toFixed(1)} s inside the demo`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const w = stats(wall);
  const i = stats(inside);
  const rows: Row[] = [
    { measure: "offerlab demo, wall (fresh data dir)", "median s": w.median / 1000, "min s": w.min / 1000, "max s": w.max / 1000 },
    { measure: "inside the demo (copy → last tick)", "median s": i.median / 1000, "min s": i.min / 1000, "max s": i.max / 1000 },
  ];
  printTable(
    `Demo: ${ROUNDS} runs of \`offerlab demo\` (3 simulated weeks, ${last.simulated?.ticks ?? "?"} ticks, ${last.facts?.sent?.total ?? "?"} sends)`,
    rows,
  );
  writeResult("demo", {
    parameters: { rounds: ROUNDS, weeks: 3 },
    results: {
      wall_ms: w,
      inside_ms: i,
      startup_and_migration_ms_median: w.median - i.median,
      ticks: last.simulated?.ticks,
      sends: last.facts?.sent?.total,
    },
  });
}
