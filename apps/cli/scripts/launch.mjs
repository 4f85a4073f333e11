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

/**
 * Which entry to run: `{ way: "bundle", entry }` or `{ way: "sources", entry, reason }`.
 * @param {string} dir the CLI package's directory
 * @param {Readonly<Record<string, string | undefined>>} env
 */
export function chooseEntry(dir = cliDir, env = process.env) {
  const sources = path.join(dir, "src", "bin.ts");
  if (env.OFFERLAB_FROM_SOURCE === "1") return { way: "sources", entry: sources, reason: null };
  const check = checkBuildInputs(dir);
  if (check.fresh) return { way: "bundle", entry: path.join(dir, "dist", "bin.js") };
  return { way: "sources", entry: sources, reason: check.reason };
}

async function main() {
  const choice = chooseEntry();
  if (choice.way === "sources") {
    if (choice.reason) {
      process.stderr.write(`offerlab: running the sources through tsx (${choice.reason}); \`pnpm build\` makes it start faster\n`);
    }
    // What `node --import tsx` does, in this process: TypeScript (ESM and CommonJS) from here on.
    await import("tsx");
  }
  // The CLI reads its arguments from process.argv; make it look as if the entry had been started.
  process.argv[1] = choice.entry;
  await import(pathToFileURL(choice.entry).href);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
