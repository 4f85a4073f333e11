/**
 * Start-up: how long a CLI command takes from the shell, as a user waits for it — `--help`,
 * `offers list` and `performance` (a dashboard read), each through `pnpm offerlab` in the checkout
 * (pnpm, then tsx compiling the sources) and through the built bin (`node apps/cli/dist/bin.js`,
 * what an install runs). Both read commands run on one embedded database, migrated and seeded with
 * the demo once before the rounds, so the figures are start-up plus one read, not migrations.
 * Targets (issue 20): `--help` under 1 s and a read command under 2.5 s from a checkout.
 * Needs `pnpm build` for the built-bin rows (skipped with a note otherwise).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { log, printTable, roundsOr, stats, writeResult, type Row } from "../lib.js";

const ROUNDS = roundsOr(7);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const built = path.join(root, "apps/cli/dist/bin.js");

const COMMANDS: { name: string; args: string[] }[] = [
  { name: "--help", args: ["--help"] },
  { name: "offers list", args: ["offers", "list", "--sandbox"] },
  { name: "performance (dashboard)", args: ["performance", "--sandbox"] },
];

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-bench-startup-"));
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OFFERLAB_DATA_DIR: path.join(dir, "data") };
  const time = (cmd: string, args: string[]) => {
    const t0 = performance.now();
    const res = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${res.status}: ${res.stderr.slice(-2000)}`);
    return ms;
  };
  try {
    log("seeding the database with the demo (once)");
    time("pnpm", ["-s", "offerlab", "demo", "--weeks", "1"]);
    const ways: { way: string; cmd: string; pre: string[] }[] = [
      { way: "pnpm offerlab (checkout, tsx)", cmd: "pnpm", pre: ["-s", "offerlab"] },
    ];
    if (fs.existsSync(built)) ways.push({ way: "node dist/bin.js (built)", cmd: process.execPath, pre: [built] });
    else log(`${built} does not exist: run \`pnpm build\` for the built-bin rows`);
    const rows: Row[] = [];
    const results: Record<string, unknown> = {};
    for (const w of ways) {
      for (const c of COMMANDS) {
        time(w.cmd, [...w.pre, ...c.args]); // warm the file cache
        const ms: number[] = [];
        for (let r = 0; r < ROUNDS; r++) ms.push(time(w.cmd, [...w.pre, ...c.args]));
        const s = stats(ms);
        log(`${w.way} ${c.name}: median ${(s.median / 1000).toFixed(2)} s`);
        rows.push({ way: w.way, command: c.name, "median s": s.median / 1000, "min s": s.min / 1000, "max s": s.max / 1000 });
        results[`${w.way} | ${c.name}`] = s;
      }
    }
    printTable(`Start-up: ${ROUNDS} rounds per command (median, min, max wall time)`, rows);
    writeResult("startup", { parameters: { rounds: ROUNDS, commands: COMMANDS.map((c) => c.args.join(" ")) }, results });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
