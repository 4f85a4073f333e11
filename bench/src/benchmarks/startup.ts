/**
 * Start-up: how long a CLI command takes from the shell, as a user waits for it — `--help`,
 * `offers list` and `performance` (a dashboard read) — each way side by side in one run:
 * - `pnpm offerlab` in the checkout: the launcher (apps/cli/scripts/launch.mjs), which runs the built
 *   bundle when the build is current (only measured then; see the note otherwise);
 * - `node apps/cli/scripts/launch.mjs`: the same launcher without pnpm (the difference is pnpm's own start);
 * - `node apps/cli/dist/bin.js`: the built bin, what an install runs (the difference to the row above is
 *   the launcher's: a second module and its freshness check);
 * - `pnpm offerlab` with OFFERLAB_FROM_SOURCE=1: the launcher's fallback, the sources through tsx (what a
 *   checkout without a current build runs, and what `pnpm offerlab` always ran before the launcher).
 * Both read commands run on one embedded database, migrated and seeded with the demo once before the
 * rounds, so the figures are start-up plus one read, not migrations. Also the freshness check alone,
 * in a new process each round. Targets (issue 20): `--help` under 1 s and a read command under 2.5 s
 * from a checkout. Needs `pnpm build` for every row but the tsx one (skipped with a note otherwise).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { log, printTable, roundsOr, stats, writeResult, type Row } from "../lib.js";

const ROUNDS = roundsOr(7);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const built = path.join(root, "apps/cli/dist/bin.js");
const launcher = path.join(root, "apps/cli/scripts/launch.mjs");
const buildInputs = path.join(root, "apps/cli/scripts/build-inputs.mjs");

const COMMANDS: { name: string; args: string[] }[] = [
  { name: "--help", args: ["--help"] },
  { name: "offers list", args: ["offers", "list", "--sandbox"] },
  { name: "performance (dashboard)", args: ["performance", "--sandbox"] },
];

export async function run(): Promise<void> {
  const loadavgAtStart = os.loadavg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-bench-startup-"));
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OFFERLAB_DATA_DIR: path.join(dir, "data") };
  const time = (cmd: string, args: string[], extra: Record<string, string> = {}) => {
    const t0 = performance.now();
    const res = spawnSync(cmd, args, { cwd: root, env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${res.status}: ${res.stderr.slice(-2000)}`);
    return ms;
  };
  try {
    log("seeding the database with the demo (once)");
    time("pnpm", ["-s", "offerlab", "demo", "--weeks", "1"]);
    // Whether the build is current, as the launcher decides it (and how long that takes, in a new process).
    const checkScript = `const t0 = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(buildInputs).href)}); const r = m.checkBuildInputs(${JSON.stringify(path.dirname(path.dirname(launcher)))}); console.log(JSON.stringify({ ms: performance.now() - t0, ...r }));`;
    const check = () =>
      JSON.parse(spawnSync(process.execPath, ["--input-type=module", "-e", checkScript], { encoding: "utf8" }).stdout) as {
        ms: number;
        fresh: boolean;
        reason?: string;
      };
    const current = check();
    const fromSource = { OFFERLAB_FROM_SOURCE: "1" };
    const ways: { way: string; cmd: string; pre: string[]; env?: Record<string, string> }[] = [];
    if (current.fresh) {
      ways.push(
        { way: "pnpm offerlab (launcher → bundle)", cmd: "pnpm", pre: ["-s", "offerlab"] },
        { way: "node launch.mjs (launcher → bundle, no pnpm)", cmd: process.execPath, pre: [launcher] },
        { way: "node dist/bin.js (built)", cmd: process.execPath, pre: [built] },
      );
    } else log(`the built CLI is not current (${current.reason}): run \`pnpm build\` for the launcher and built-bin rows`);
    ways.push({ way: "pnpm offerlab, OFFERLAB_FROM_SOURCE=1 (launcher → tsx)", cmd: "pnpm", pre: ["-s", "offerlab"], env: fromSource });
    const rows: Row[] = [];
    const results: Record<string, unknown> = {};
    // Interleaved: each round runs every way once, so a change in the machine's load (other
    // processes) falls on every way alike and the ratios stay comparable.
    for (const c of COMMANDS) {
      for (const w of ways) time(w.cmd, [...w.pre, ...c.args], w.env); // warm the file cache
      const ms = ways.map(() => [] as number[]);
      for (let r = 0; r < ROUNDS; r++) ways.forEach((w, i) => ms[i]!.push(time(w.cmd, [...w.pre, ...c.args], w.env)));
      ways.forEach((w, i) => {
        const s = stats(ms[i]!);
        log(`${w.way} ${c.name}: median ${(s.median / 1000).toFixed(2)} s`);
        rows.push({ way: w.way, command: c.name, "median s": s.median / 1000, "min s": s.min / 1000, "max s": s.max / 1000 });
        results[`${w.way} | ${c.name}`] = s;
      });
    }
    // Ratios against the built bin for the same command, when it was measured.
    for (const row of rows) {
      const bin = rows.find((r) => r.way === "node dist/bin.js (built)" && r.command === row.command);
      row["vs built"] = bin ? `${((row["median s"] as number) / (bin["median s"] as number)).toFixed(2)}×` : "-";
    }
    printTable(`Start-up: ${ROUNDS} rounds per command (median, min, max wall time)`, rows);
    if (current.fresh) {
      const ms: number[] = [];
      for (let r = 0; r < ROUNDS; r++) ms.push(check().ms);
      const s = stats(ms);
      log(`the launcher's freshness check (import + check, new process): median ${s.median.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`);
      results["launcher freshness check (ms)"] = s;
    }
    writeResult("startup", {
      parameters: { rounds: ROUNDS, commands: COMMANDS.map((c) => c.args.join(" ")), loadavgAtStart },
      results,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
