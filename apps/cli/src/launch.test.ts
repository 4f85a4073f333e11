/**
 * The checkout launcher (scripts/launch.mjs, what `pnpm offerlab` and `pnpm demo` run): the built
 * bundle when it was built from exactly the sources here, the sources through tsx otherwise. On real
 * files in a temporary copy of the repository's layout; modification times are set explicitly.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILD_INPUTS_FILE, SLACK_MS, checkBuildInputs, writeBuildInputs } from "../scripts/build-inputs.mjs";

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(cliRoot, "../..");

const HOUR = 3600_000;
let root: string;
let cli: string;

/** Writes a file with its modification time `agoMs` before now. */
function put(rel: string, content: string, agoMs = HOUR): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  setAge(rel, agoMs);
}
function setAge(rel: string, agoMs: number): void {
  const t = (Date.now() - agoMs) / 1000;
  fs.utimesSync(path.join(root, rel), t, t);
}

/** A repository in miniature: the CLI with a bundle and its sources, one workspace package it bundles. */
function checkout(): void {
  put("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  put("tsconfig.base.json", "{}\n");
  put("packages/core/package.json", '{ "name": "@offerlab/core" }\n');
  put("packages/core/src/index.ts", 'export const core: string = "core";\n');
  put("node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/package.json", '{ "name": "@scope/x", "version": "1.0.0" }\n');
  put("node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/index.js", "export const x = 1;\n");
  put("apps/cli/package.json", '{ "name": "offerlab", "type": "module" }\n');
  put("apps/cli/tsconfig.json", "{}\n");
  put("apps/cli/tsup.config.ts", "export default {};\n");
  put("apps/cli/src/a.ts", 'export const a: string = "a";\n');
  // The sources say "sources", the bundle "bundle": which one ran is what the test reads.
  put(
    "apps/cli/src/bin.ts",
    'const way: string = "sources";\nconsole.log(way, JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = 3;\n',
  );
  put("apps/cli/dist/bin.js", 'console.log("bundle", JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = 3;\n');
  for (const script of ["launch.mjs", "build-inputs.mjs"]) {
    fs.mkdirSync(path.join(cli, "scripts"), { recursive: true });
    fs.copyFileSync(path.join(cliRoot, "scripts", script), path.join(cli, "scripts", script));
  }
  // tsx, as the CLI package resolves it.
  fs.symlinkSync(path.join(cliRoot, "node_modules"), path.join(cli, "node_modules"), "dir");
}

/** What the build does once the bundle is written, with the metafile inputs of the miniature bundle. */
function build(startedAt = Date.now()): void {
  writeBuildInputs({
    cliDir: cli,
    startedAt,
    inputs: [
      "src/bin.ts",
      "src/a.ts",
      "../../packages/core/src/index.ts",
      "../../node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/index.js",
      "<runtime>",
    ],
  });
}

function launch(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [path.join(cli, "scripts", "launch.mjs"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-launch-"));
  cli = path.join(root, "apps", "cli");
  checkout();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the build's inputs", () => {
  it("list what the bundle was built from: our modules, third-party packages by their manifest, the configuration around them, each with its content's hash", () => {
    build();
    const manifest = JSON.parse(fs.readFileSync(path.join(cli, BUILD_INPUTS_FILE), "utf8")) as { files: Record<string, string | null> };
    expect(Object.keys(manifest.files).sort()).toEqual(
      [
        "../../node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/package.json",
        "../../packages/core/package.json",
        "../../packages/core/src/index.ts",
        "../../pnpm-lock.yaml",
        "../../tsconfig.base.json",
        "package.json",
        "src/a.ts",
        "src/bin.ts",
        "tsconfig.json",
        "tsup.config.ts",
      ].sort(),
    );
    expect(Object.values(manifest.files).every((hash) => typeof hash === "string" && /^[0-9a-f]{40}$/.test(hash))).toBe(true);
  });

  it("are current until an input's content changes, whatever happens to its modification time", () => {
    build();
    expect(checkBuildInputs(cli)).toEqual({ fresh: true });
    // A checkout (or turbo restoring the bundle) rewrites files with the same content.
    setAge("packages/core/src/index.ts", 0);
    setAge("apps/cli/src/a.ts", -HOUR);
    expect(checkBuildInputs(cli)).toEqual({ fresh: true });
    put("packages/core/src/index.ts", 'export const core: string = "changed";\n', 0);
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "../../packages/core/src/index.ts changed since the build" });
    // Back to what was built: current again.
    put("packages/core/src/index.ts", 'export const core: string = "core";\n', 0);
    expect(checkBuildInputs(cli)).toEqual({ fresh: true });
  });

  it("are stale when an input is removed, or a package's manifest or the lockfile changes", () => {
    build();
    fs.rmSync(path.join(cli, "src/a.ts"));
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "src/a.ts was removed since the build" });
    put("apps/cli/src/a.ts", 'export const a: string = "a";\n');
    expect(checkBuildInputs(cli).fresh).toBe(true);
    put("packages/core/package.json", '{ "name": "@offerlab/core", "exports": "./src/other.ts" }\n', 0);
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "../../packages/core/package.json changed since the build" });
    put("packages/core/package.json", '{ "name": "@offerlab/core" }\n');
    put("pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters: {}\n", 0);
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "../../pnpm-lock.yaml changed since the build" });
    put("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    put("node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/package.json", '{ "name": "@scope/x", "version": "1.0.1" }\n', 0);
    expect(checkBuildInputs(cli)).toEqual({
      fresh: false,
      reason: "../../node_modules/.pnpm/@scope+x@1.0.0/node_modules/@scope/x/package.json changed since the build",
    });
  });

  it("do not vouch for a file modified as the build started: its content may not be what was bundled", () => {
    const startedAt = Date.now();
    setAge("apps/cli/src/a.ts", SLACK_MS / 2);
    build(startedAt);
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "src/a.ts changed since the build" });
  });

  it("are missing without a build, and another manifest version is not trusted", () => {
    expect(checkBuildInputs(cli)).toEqual({ fresh: false, reason: "apps/cli is not built" });
    build();
    const file = path.join(cli, BUILD_INPUTS_FILE);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), version: 0 }));
    expect(checkBuildInputs(cli).fresh).toBe(false);
  });
});

describe("the launcher (`pnpm offerlab`)", () => {
  it("runs the bundle, silently, when the build is current; arguments and the exit code pass through", () => {
    build();
    const res = launch(["offers", "list", "--json"]);
    expect(res.stdout).toBe('bundle ["offers","list","--json"]\n');
    expect(res.stderr).toBe("");
    expect(res.status).toBe(3);
  });

  it("runs the sources through tsx, with a one-line note, when a source is newer than the build", () => {
    build();
    put("packages/core/src/index.ts", 'export const core: string = "edited";\n', 0);
    const res = launch(["--help"]);
    expect(res.stdout).toBe('sources ["--help"]\n');
    expect(res.stderr).toBe(
      "offerlab: running the sources through tsx (../../packages/core/src/index.ts changed since the build); `pnpm build` makes it start faster\n",
    );
    expect(res.status).toBe(3);
  });

  it("runs the sources in a fresh clone (no build), and when OFFERLAB_FROM_SOURCE=1 asks for them", () => {
    fs.rmSync(path.join(cli, "dist"), { recursive: true });
    const clone = launch(["demo"]);
    expect(clone.stdout).toBe('sources ["demo"]\n');
    expect(clone.stderr).toContain("(apps/cli is not built)");
    put("apps/cli/dist/bin.js", 'console.log("bundle");\n');
    build();
    const asked = launch(["demo"], { OFFERLAB_FROM_SOURCE: "1" });
    expect(asked.stdout).toBe('sources ["demo"]\n');
    expect(asked.stderr).toBe("");
  });
});

describe("in this repository", () => {
  it("`pnpm offerlab` and `pnpm demo` go through the launcher", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.offerlab).toBe("node apps/cli/scripts/launch.mjs");
    expect(scripts.demo).toBe("node apps/cli/scripts/launch.mjs demo");
  });

  it.runIf(fs.existsSync(path.join(cliRoot, BUILD_INPUTS_FILE)))(
    "the CLI's build records the sources it bundles from the CLI and the workspace packages",
    () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(cliRoot, BUILD_INPUTS_FILE), "utf8")) as {
        files: Record<string, string | null>;
      };
      const files = Object.keys(manifest.files);
      for (const file of [
        "src/bin.ts",
        "src/cli.ts",
        "../../packages/core/src/index.ts",
        "../../packages/db/src/migrate.ts",
        "tsup.config.ts",
      ]) {
        expect(files).toContain(file);
      }
      // Third-party code by its package's manifest only: a few dozen files to stat, not a thousand.
      expect(files.filter((file) => file.includes("node_modules/") && !file.endsWith("/package.json"))).toEqual([]);
    },
  );
});
