/**
 * Cold start of the embedded database (issue 19), in this process, each round on a new data
 * directory: PGlite's initdb and every migration (what a first run did before the shipped
 * snapshot), `openDatabase` on a new directory (what a first run does now: it starts from the
 * pre-migrated snapshot `pnpm build` writes into @offerlab/db's dist), and `openDatabase` on an
 * existing directory (every later command). Needs `pnpm build` for the snapshot row (without a
 * snapshot that row migrates from scratch, and says so).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, migrate, openDatabase, shippedSnapshot } from "@offerlab/db";
import { log, printTable, roundsOr, stats, writeResult, type Row } from "../lib.js";

const ROUNDS = roundsOr(5);

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-bench-cold-"));
  const snapshot = shippedSnapshot() !== undefined;
  if (!snapshot) log("no shipped PGlite snapshot (run `pnpm build`): the openDatabase row migrates from scratch");
  const existing = path.join(dir, "existing");
  const ways: { name: string; fresh: boolean; fn: (dataDir: string) => Promise<void> }[] = [
    {
      name: "initdb + every migration (before)",
      fresh: true,
      fn: async (dataDir) => {
        const db = createDb({ dataDir, env: {} });
        await migrate(db);
        await db.destroy();
      },
    },
    {
      name: `openDatabase, new directory (${snapshot ? "from the snapshot" : "no snapshot"})`,
      fresh: true,
      fn: async (dataDir) => (await openDatabase({ dataDir, env: {} })).db.destroy(),
    },
    {
      name: "openDatabase, existing directory",
      fresh: false,
      fn: async (dataDir) => (await openDatabase({ dataDir, env: {} })).db.destroy(),
    },
  ];
  try {
    await (await openDatabase({ dataDir: existing, env: {} })).db.destroy();
    const rows: Row[] = [];
    const results: Record<string, unknown> = {};
    for (const [i, w] of ways.entries()) {
      const ms: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const dataDir = w.fresh ? path.join(dir, `new-${i}-${r}`) : existing;
        const t0 = performance.now();
        await w.fn(dataDir);
        ms.push(performance.now() - t0);
        if (w.fresh) fs.rmSync(dataDir, { recursive: true, force: true });
      }
      const s = stats(ms);
      log(`${w.name}: median ${(s.median / 1000).toFixed(2)} s`);
      rows.push({ "embedded database": w.name, "median s": s.median / 1000, "min s": s.min / 1000, "max s": s.max / 1000 });
      results[w.name] = s;
    }
    printTable(`Cold start of the embedded database: ${ROUNDS} rounds (median, min, max wall time)`, rows);
    writeResult("cold-start", { parameters: { rounds: ROUNDS, snapshot }, results });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
