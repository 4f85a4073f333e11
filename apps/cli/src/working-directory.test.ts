/**
 * Where the embedded database is, as git finds `.git`: the nearest `.offerlab` (`.offerlab-sandbox`
 * for sandbox runs) in the user's directory or its parents; a new one only when there is none,
 * said once on stderr. File arguments resolve against the directory the user ran from, also
 * through `pnpm offerlab …` (which runs in the repository's root).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findUpwards, resolveDatabaseTarget } from "@offerlab/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test-support/cli-db.js";
import { cliEntry } from "./test-support/cli-process.js";
import { userWorkingDirectory } from "./working-directory.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");

describe("userWorkingDirectory", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-wd-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const viaPnpm = { INIT_CWD: dir, npm_lifecycle_event: "offerlab", npm_package_name: "offerlab-monorepo" };

  it("follows INIT_CWD for the repository's `pnpm offerlab` and `pnpm demo` scripts", () => {
    expect(userWorkingDirectory(viaPnpm, "/repo")).toBe(dir);
    expect(userWorkingDirectory({ ...viaPnpm, npm_lifecycle_event: "demo" }, "/repo")).toBe(dir);
  });

  it("stays where the process runs otherwise (another script, another package, no INIT_CWD, a missing directory)", () => {
    expect(userWorkingDirectory({ ...viaPnpm, npm_lifecycle_event: "test" }, "/repo")).toBe("/repo");
    expect(userWorkingDirectory({ ...viaPnpm, npm_package_name: "my-app" }, "/repo")).toBe("/repo");
    expect(userWorkingDirectory({ npm_lifecycle_event: "offerlab", npm_package_name: "offerlab-monorepo" }, "/repo")).toBe("/repo");
    expect(userWorkingDirectory({ ...viaPnpm, INIT_CWD: path.join(dir, "gone") }, "/repo")).toBe("/repo");
  });
});

describe("resolveDatabaseTarget finds the nearest .offerlab upwards", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-up-"));
    fs.mkdirSync(path.join(root, "project/.offerlab"), { recursive: true });
    fs.mkdirSync(path.join(root, "project/a/b/c"), { recursive: true });
    fs.mkdirSync(path.join(root, "project/a/.offerlab-sandbox"), { recursive: true });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("uses the nearest one, in the directory or a parent", () => {
    const deep = path.join(root, "project/a/b/c");
    expect(findUpwards(".offerlab", deep)).toBe(path.join(root, "project/.offerlab"));
    expect(resolveDatabaseTarget({ env: {}, cwd: deep })).toMatchObject({ dataDir: path.join(root, "project/.offerlab"), isNew: false });
    // The sandbox's own database is found the same way, and is a different directory.
    expect(resolveDatabaseTarget({ env: {}, cwd: deep, sandbox: true })).toMatchObject({
      dataDir: path.join(root, "project/a/.offerlab-sandbox"),
      isNew: false,
    });
  });

  it("a new one goes in the working directory only when none exists above", () => {
    expect(findUpwards(".offerlab", root)).toBeUndefined();
    expect(resolveDatabaseTarget({ env: {}, cwd: root })).toMatchObject({ dataDir: path.join(root, ".offerlab"), isNew: true });
    expect(resolveDatabaseTarget({ env: {}, cwd: path.join(root, "project"), sandbox: true })).toMatchObject({
      dataDir: path.join(root, "project/.offerlab-sandbox"),
      isNew: true,
    });
  });

  it("OFFERLAB_DATA_DIR wins, relative to the user's directory", () => {
    const deep = path.join(root, "project/a/b/c");
    expect(resolveDatabaseTarget({ env: { OFFERLAB_DATA_DIR: "data" }, cwd: deep })).toMatchObject({
      dataDir: path.join(deep, "data"),
      isNew: true,
    });
    expect(resolveDatabaseTarget({ env: { OFFERLAB_DATA_DIR: "memory://" }, cwd: deep })).toMatchObject({ dataDir: "memory://" });
  });
});

/** What pnpm does for the root `offerlab` script: the CLI runs in the repository, INIT_CWD is the user's. */
function throughPnpmRootScript(args: string[], userDir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      INIT_CWD: userDir,
      npm_lifecycle_event: "offerlab",
      npm_package_name: "offerlab-monorepo",
      ...env,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("the CLI in a project directory", () => {
  let project: string;
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-project-"));
    fs.mkdirSync(path.join(project, "notes/2026"), { recursive: true });
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it("creates the database once, says so once, and a subfolder uses it instead of making its own", async () => {
    const first = await runCli(["offers", "list", "--json"], {}, project);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      `Created a new embedded database at ${path.join(project, ".offerlab")} (no .offerlab in ${project} or its parents). ` +
        `Commands run in ${project} or below use it; set OFFERLAB_DATA_DIR or DATABASE_URL to use another.\n`,
    );
    expect(fs.existsSync(path.join(project, ".offerlab/PG_VERSION"))).toBe(true);

    const again = await runCli(["offers", "list", "--json"], {}, project);
    expect(again).toMatchObject({ code: 0, stderr: "" });

    const sub = path.join(project, "notes/2026");
    const fromSub = await runCli(["db", "status", "--json"], {}, sub);
    expect(fromSub.code).toBe(0);
    expect(fromSub.stderr).toBe("");
    expect(JSON.parse(fromSub.stdout).database).toBe(`embedded PGlite at ${path.join(project, ".offerlab")}`);
    expect(fs.existsSync(path.join(sub, ".offerlab"))).toBe(false);

    // A directory the user names (OFFERLAB_DATA_DIR) is theirs to know about: no note.
    const named = await runCli(["offers", "list", "--json"], { OFFERLAB_DATA_DIR: "named-data" }, sub);
    expect(named).toMatchObject({ code: 0, stderr: "" });
    expect(fs.existsSync(path.join(sub, "named-data/PG_VERSION"))).toBe(true);
  });

  it("through `pnpm offerlab` (run in the repository's root), file arguments resolve against the user's directory", async () => {
    const sub = path.join(project, "notes/2026");
    fs.copyFileSync(path.join(repoRoot, "examples/offer.yaml"), path.join(sub, "my-offer.yaml"));
    const res = throughPnpmRootScript(["offers", "create", "--file", "my-offer.yaml", "--json"], sub);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ slug: "ai-sales-coach" });
    // Written to the project's database (found upwards from the user's directory), not the repository's.
    expect(fs.existsSync(path.join(repoRoot, ".offerlab"))).toBe(false);
    const listed = await runCli(["offers", "list", "--json"], {}, project);
    expect(JSON.parse(listed.stdout).map((o: { slug: string }) => o.slug)).toEqual(["ai-sales-coach"]);
  });

  it("through `pnpm offerlab`, a relative OFFERLAB_DATA_DIR resolves against the user's directory, not the repository's", () => {
    const sub = path.join(project, "notes/2026");
    const res = throughPnpmRootScript(["db", "status", "--json"], sub, { OFFERLAB_DATA_DIR: "relative-data" });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).database).toBe(`embedded PGlite at ${path.join(sub, "relative-data")}`);
    expect(fs.existsSync(path.join(repoRoot, "relative-data"))).toBe(false);
  });
});
