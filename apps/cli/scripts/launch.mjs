#!/usr/bin/env node
// The CLI in a checkout: `pnpm offerlab …` and `pnpm demo` (the root package's scripts) run this.
//
// It runs the built bundle (dist/bin.js) when the build is current — built from exactly the sources
// in this checkout (build-inputs.mjs) — and otherwise the TypeScript sources through tsx, so a
// command never runs stale code. The bundle starts several times faster (BENCHMARKS.md, start-up).
// Running the sources prints one line on stderr saying why and how to get the fast start back;
// OFFERLAB_FROM_SOURCE=1 asks for the sources (silently) even when the build is current.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkBuildInputs } from "./build-inputs.mjs";

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let entry = path.join(cliDir, "src", "bin.ts");
const check = process.env.OFFERLAB_FROM_SOURCE === "1" ? null : checkBuildInputs(cliDir);
if (check?.fresh) {
  entry = path.join(cliDir, "dist", "bin.js");
} else {
  if (check) process.stderr.write(`offerlab: running the sources through tsx (${check.reason}); \`pnpm build\` makes it start faster\n`);
  // What `node --import tsx` does, in this process: TypeScript (ESM and CommonJS) from here on.
  await import("tsx");
}
// The CLI reads its arguments from process.argv; make it look as if the entry had been started.
process.argv[1] = entry;
await import(pathToFileURL(entry).href);
