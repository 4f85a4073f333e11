/**
 * The CLI's standard output as pipelines use it (the real binary in a child process): a reader
 * that goes away early (`offerlab … | head -1`) ends the command quietly with exit code 0, and a
 * large export waits for the reader without piling up listeners.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, offers, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-stdout-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" });

/**
 * Runs the CLI with a standard output whose reader goes away: at once (`after: 0`), or after
 * the first line, like `| head -1`. Resolves with the exit code, stderr and what was read.
 */
function spawnIntoClosingReader(args: string[], env: Record<string, string>, after: 0 | 1) {
  return new Promise<{ code: number | null; signal: string | null; stderr: string; read: string }>((resolve) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: repoRoot,
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let read = "";
    let stderr = "";
    if (after === 0) child.stdout.destroy();
    else {
      child.stdout.on("data", (d: Buffer) => {
        read += d.toString();
        if (read.includes("\n")) child.stdout.destroy();
      });
    }
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, read });
    });
  });
}

describe("a standard output closed early", () => {
  it("`offerlab --help` into a reader that is already gone: exit 0, nothing on stderr", async () => {
    const res = await spawnIntoClosingReader(["--help"], { OFFERLAB_DATA_DIR: path.join(tmp, "help") }, 0);
    expect(res.stderr).toBe("");
    expect(res).toMatchObject({ code: 0, signal: null });
  }, 120_000);
});

const ROWS = 3_000;

describe.each(testEngines())("exports on %s", (engine) => {
  let env: Record<string, string>;
  let t: TestDb | undefined;

  beforeAll(async () => {
    let db: Db;
    if (engine === "postgres") {
      t = await createTestDb("postgres");
      db = t.db;
      env = { DATABASE_URL: t.url! };
    } else {
      const dataDir = path.join(tmp, "data");
      // The embedded database as the CLI makes it, then filled in-process (faster than importing).
      const made = spawnSync(process.execPath, [...cliEntry(), "db", "migrate"], {
        cwd: repoRoot,
        env: { ...baseEnv(), OFFERLAB_DATA_DIR: dataDir },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(made.status, made.stderr).toBe(0);
      db = createDb({ dataDir, env: {} });
      env = { OFFERLAB_DATA_DIR: dataDir };
    }
    try {
      const offer = await offers.create(db, { name: "Export", type: "product", ownership: "internal", description: "x" });
      const rows = Array.from({ length: ROWS }, (_, i) => ({
        offer_id: offer.id,
        name: `Company ${i}`,
        domain: `company${i}.example.com`,
        industry: "Software",
        fit_reasoning: `Fit ${i % 10}/10: a reasoning long enough to make the export a few hundred kilobytes.`,
        source_tool: "test",
      }));
      for (let i = 0; i < rows.length; i += 1000)
        await db
          .insertInto("companies")
          .values(rows.slice(i, i + 1000))
          .execute();
    } finally {
      if (!t) await db.destroy();
    }
  }, 180_000);
  afterAll(async () => {
    await t?.drop();
  });

  it("a command that reads the database, into a reader that is already gone: exit 0, nothing on stderr", async () => {
    for (const args of [
      ["offers", "list"],
      ["export", "companies", "--offer", "export"],
    ]) {
      const res = await spawnIntoClosingReader(args, env, 0);
      expect(res.stderr, args.join(" ")).toBe("");
      expect(res, args.join(" ")).toMatchObject({ code: 0, signal: null });
    }
  }, 240_000);

  it("`export companies | head -1`: the first line, then exit 0 and nothing on stderr (CSV and JSON)", async () => {
    for (const args of [
      ["export", "companies"],
      ["export", "companies", "--json"],
    ]) {
      const res = await spawnIntoClosingReader(args, env, 1);
      expect(res.stderr, args.join(" ")).toBe("");
      expect(res, args.join(" ")).toMatchObject({ code: 0, signal: null });
      expect(res.read.split("\n")[0]).toMatch(args.includes("--json") ? /^\[$/ : /^id,offer,name,domain,/);
    }
  }, 240_000);

  it(`exports ${ROWS.toLocaleString("en")} rows to a file and to stdout without a MaxListenersExceededWarning`, () => {
    const file = path.join(tmp, `companies-${engine}.csv`);
    const toFile = spawnSync(process.execPath, [...cliEntry(), "export", "companies", "--output", file], {
      cwd: repoRoot,
      env: { ...baseEnv(), ...env },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(toFile.stderr).toBe(`Exported ${ROWS} companies to ${file}.\n`);
    expect(toFile.status).toBe(0);
    expect(fs.readFileSync(file, "utf8").trimEnd().split("\n")).toHaveLength(ROWS + 1);
    const toStdout = spawnSync(process.execPath, [...cliEntry(), "export", "companies", "--json"], {
      cwd: repoRoot,
      env: { ...baseEnv(), ...env },
      encoding: "utf8",
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(toStdout.stderr).toBe("");
    expect(toStdout.status).toBe(0);
    expect(JSON.parse(toStdout.stdout)).toHaveLength(ROWS);
  }, 240_000);
});
