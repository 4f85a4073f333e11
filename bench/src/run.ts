/**
 * `pnpm bench` runs every benchmark; `pnpm bench <name> [<name>…]` runs some. Benchmarks are
 * figures, not gates: nothing here fails on a number. BENCH_SCALE (default 1) shrinks the data
 * sizes and BENCH_ROUNDS overrides the rounds, to validate a script quickly.
 */
import { log } from "./lib.js";

const benchmarks: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  "send-path": () => import("./benchmarks/send-path.js"),
  "send-concurrency": () => import("./benchmarks/send-concurrency.js"),
  "idle-tick": () => import("./benchmarks/idle-tick.js"),
  planning: () => import("./benchmarks/planning.js"),
  views: () => import("./benchmarks/views.js"),
  dashboard: () => import("./benchmarks/dashboard.js"),
  webhooks: () => import("./benchmarks/webhooks.js"),
  import: () => import("./benchmarks/import.js"),
  demo: () => import("./benchmarks/demo.js"),
  startup: () => import("./benchmarks/startup.js"),
  "cold-start": () => import("./benchmarks/cold-start.js"),
};

const asked = process.argv.slice(2).filter((a) => a !== "--");
const unknown = asked.filter((a) => !(a in benchmarks));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${Object.keys(benchmarks).join(", ")}`);
  process.exit(2);
}
for (const name of asked.length ? asked : Object.keys(benchmarks)) {
  log(`— ${name} —`);
  const mod = await benchmarks[name]!();
  await mod.run();
}
