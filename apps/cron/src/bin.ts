#!/usr/bin/env node
import { exitCodeOf } from "@offerlab/core";
import { validateSchedule } from "./config.js";
import { cronDaemon, cronOnce } from "./main.js";

const usage = 'usage: offerlab-cron once|daemon [--pretty] [--schedule "<cron expression>"]';
const args = process.argv.slice(2);
const mode = args[0];
const pretty = args.includes("--pretty") || undefined;
const at = args.indexOf("--schedule");
const schedule = at >= 0 ? args[at + 1] : undefined;

async function main(): Promise<number> {
  if (mode !== "once" && mode !== "daemon") {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (schedule !== undefined) validateSchedule(schedule, "--schedule");
  if (mode === "once") {
    const tick = await cronOnce({ pretty });
    // A job that failed makes the platform's cron run show as failed.
    return tick.errors > 0 ? 1 : 0;
  }
  await cronDaemon({ pretty, ...(schedule ? { schedule } : {}) });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`offerlab cron: ${error instanceof Error ? error.message : String(error)}\n`);
    // A bad configuration exits 2, pending migrations or a busy database 1, …: core's one table.
    process.exitCode = exitCodeOf(error);
  },
);
