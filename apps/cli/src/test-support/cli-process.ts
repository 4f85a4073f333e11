/**
 * How tests start the CLI as a user does: from the TypeScript sources through tsx by default, or
 * — with OFFERLAB_TEST_BUILT_CLI=1, which CI sets after `pnpm build` — the built `dist/bin.js`
 * that users install, which also starts several times faster.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Arguments for `spawn(process.execPath, [...cliEntry(), ...args])`. */
export function cliEntry(env: Record<string, string | undefined> = process.env): string[] {
  if (env.OFFERLAB_TEST_BUILT_CLI === "1") {
    const built = path.join(root, "dist", "bin.js");
    if (!fs.existsSync(built)) throw new Error(`OFFERLAB_TEST_BUILT_CLI=1 but ${built} does not exist: run \`pnpm build\` first`);
    return [built];
  }
  // tsx by its resolved location, so the child may run in any working directory (as users do).
  return ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, path.join(root, "src", "bin.ts")];
}
