#!/usr/bin/env node
// The HEALTHCHECK of apps/cron/Dockerfile (plain Node, no dependency). It reads what the container
// runs from PID 1's command line:
// - `webhooks serve` (or `serve`): GET http://127.0.0.1:$PORT/healthz must answer 200;
// - `cron daemon`: the heartbeat file ($OFFERLAB_HEARTBEAT_FILE) must say the next tick is not
//   overdue by more than OFFERLAB_HEALTHCHECK_GRACE_SECONDS (default 600: a tick may be long);
// - anything else (`cron once`, a one-off command): healthy while it runs.
// Exit 0 = healthy, 1 = unhealthy, with one line saying why.
import fs from "node:fs";

export function modeOf(argv) {
  const words = argv.filter((a) => !a.startsWith("-"));
  const i = words.findIndex((w) => w === "webhooks" || w === "serve" || w === "cron");
  if (i < 0) return "other";
  if (words[i] === "serve" || (words[i] === "webhooks" && words[i + 1] === "serve")) return "http";
  if (words[i] === "cron" && words[i + 1] === "daemon") return "daemon";
  return "other";
}

export function checkHeartbeat(text, now, graceSeconds) {
  let beat;
  try {
    beat = JSON.parse(text);
  } catch {
    return { ok: false, why: "heartbeat file is not JSON" };
  }
  if (!beat.next) return { ok: false, why: "the daemon's schedule has no next tick" };
  const overdue = (now - Date.parse(beat.next)) / 1000;
  return overdue > graceSeconds
    ? { ok: false, why: `tick due at ${beat.next} is ${Math.round(overdue)} s overdue (last sign of life ${beat.at})` }
    : { ok: true, why: `last sign of life ${beat.at}, next tick ${beat.next}` };
}

async function main(env = process.env) {
  let argv = process.argv.slice(2);
  if (argv.length === 0) {
    try {
      argv = fs.readFileSync("/proc/1/cmdline", "utf8").split("\0").filter(Boolean);
    } catch {
      argv = [];
    }
  }
  const mode = modeOf(argv);
  if (mode === "http") {
    const port = env.PORT || "8787";
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
      console.log(`healthz answered ${res.status}`);
      return res.ok ? 0 : 1;
    } catch (error) {
      console.log(`healthz did not answer on port ${port}: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
  }
  if (mode === "daemon") {
    const file = env.OFFERLAB_HEARTBEAT_FILE;
    if (!file) {
      console.log("OFFERLAB_HEARTBEAT_FILE is not set: nothing to check");
      return 0;
    }
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      console.log(`no heartbeat yet at ${file}`);
      return 1;
    }
    const result = checkHeartbeat(text, Date.now(), Number(env.OFFERLAB_HEALTHCHECK_GRACE_SECONDS || 600));
    console.log(result.why);
    return result.ok ? 0 : 1;
  }
  console.log("a one-off command: healthy while it runs");
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
