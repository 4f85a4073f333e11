// Whether the built CLI (dist/) is current: built from exactly the sources in this checkout.
//
// The build (tsup.config.ts) writes dist/build-inputs.json: when the build started and what the
// bundle was made of (every module of ours esbuild read: the CLI's and the workspace packages'
// sources; for third-party code, its package's package.json and the lockfile; the build's
// configuration), each with the SHA-1 of its content. The checkout launcher (launch.mjs,
// `pnpm offerlab`) runs the bundle only if none of them changed since: a stat per file, and a hash
// only for a file modified after the build started (a checkout, or a bundle restored from turbo's
// cache, rewrites files with the same content). Plain JavaScript on purpose: the check runs before
// anything could compile TypeScript.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Where the build writes its inputs, relative to the CLI package (not published: see package.json `files`). */
export const BUILD_INPUTS_FILE = "dist/build-inputs.json";

/**
 * A file modified less than this before the build started is not trusted by its time alone: some file
 * systems keep modification times to the second (or two), so an edit just after the build started can
 * carry an earlier time. Such a file is compared by content, and the build records no content for a
 * file it cannot be sure it read as it is now.
 */
export const SLACK_MS = 2000;

const MANIFEST_VERSION = 1;

// node:crypto only when a file needs hashing: the launcher's usual path only stats.
const require = createRequire(import.meta.url);
function sha1(file) {
  return require("node:crypto").createHash("sha1").update(fs.readFileSync(file)).digest("hex");
}

/** esbuild's metafile also lists virtual inputs (`<define:…>`, `(disabled):fs`): only real files count. */
function isFile(input) {
  return !input.startsWith("<") && !input.startsWith("(") && !input.includes(":");
}

/** `../../node_modules/.pnpm/x@1/node_modules/@scope/x/dist/a.js` → `…/node_modules/@scope/x/package.json`. */
function thirdPartyManifest(input) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return null;
  const length = parts[at + 1]?.startsWith("@") ? 3 : 2;
  return [...parts.slice(0, at + length), "package.json"].join("/");
}

/**
 * What shapes the bundle besides the modules it contains: the build's own configuration, the
 * lockfile (which versions of third-party code are inlined), and the package.json (exports, imports)
 * and tsconfig.json (JSX) of every workspace package a module comes from. Relative to `cliDir`.
 */
function configurationOf(cliDir, modules) {
  const root = path.resolve(cliDir, "../..");
  const files = new Set(["tsup.config.ts", "package.json", "tsconfig.json"]);
  for (const file of ["pnpm-lock.yaml", "tsconfig.base.json"]) files.add(path.relative(cliDir, path.join(root, file)));
  const dirs = new Set();
  for (const input of modules) {
    let dir = path.dirname(path.resolve(cliDir, input));
    while (dir.startsWith(root) && dir !== root && !dirs.has(dir)) {
      dirs.add(dir);
      if (fs.existsSync(path.join(dir, "package.json"))) {
        for (const name of ["package.json", "tsconfig.json"]) {
          if (fs.existsSync(path.join(dir, name))) files.add(path.relative(cliDir, path.join(dir, name)));
        }
        break;
      }
      dir = path.dirname(dir);
    }
  }
  return [...files].filter((file) => fs.existsSync(path.resolve(cliDir, file)));
}

/**
 * Writes dist/build-inputs.json. Called by the build once the bundle is written.
 * @param {{ cliDir: string, startedAt: number, inputs: readonly string[] }} build
 *   `startedAt`: when the build started (ms since the epoch); `inputs`: the metafile's input paths,
 *   relative to `cliDir` (esbuild's working directory).
 */
export function writeBuildInputs({ cliDir, startedAt, inputs }) {
  const modules = [...new Set(inputs)].filter(isFile);
  // Third-party code is installed, not edited: it stands for itself by its package's manifest (the
  // version) and the lockfile, so the launcher stats a few dozen files for it instead of a thousand.
  const ours = modules.filter((input) => thirdPartyManifest(input) === null);
  const theirs = modules.map(thirdPartyManifest).filter((file) => file !== null);
  const files = {};
  for (const input of [...new Set([...ours, ...theirs, ...configurationOf(cliDir, ours)])].sort()) {
    const file = path.resolve(cliDir, input);
    const stat = fs.statSync(file);
    // Modified around or after the start: esbuild may have read another content than the file's
    // now, so record none and let the launcher treat the file as changed until the next build.
    files[input] = stat.mtimeMs + SLACK_MS <= startedAt ? sha1(file) : null;
  }
  const out = path.join(cliDir, BUILD_INPUTS_FILE);
  fs.writeFileSync(out, JSON.stringify({ version: MANIFEST_VERSION, startedAt, files }) + "\n");
  return out;
}

/**
 * Whether `cliDir`'s dist is current: `{ fresh: true }`, or `{ fresh: false, reason }` naming the
 * first thing that makes it stale (no build, an input changed, added or removed since the build).
 * @param {string} cliDir
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function checkBuildInputs(cliDir) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(cliDir, BUILD_INPUTS_FILE), "utf8"));
  } catch {
    return { fresh: false, reason: "apps/cli is not built" };
  }
  if (manifest?.version !== MANIFEST_VERSION || typeof manifest.startedAt !== "number" || typeof manifest.files !== "object") {
    return { fresh: false, reason: `${BUILD_INPUTS_FILE} is from another version of the build` };
  }
  const trustedBefore = manifest.startedAt - SLACK_MS;
  for (const [input, hash] of Object.entries(manifest.files)) {
    const file = path.resolve(cliDir, input);
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return { fresh: false, reason: `${input} was removed since the build` };
    }
    if (stat.mtimeMs < trustedBefore) continue;
    if (hash === null || sha1(file) !== hash) return { fresh: false, reason: `${input} changed since the build` };
  }
  return { fresh: true };
}
