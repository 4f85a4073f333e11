/**
 * The CLI's standard output as pipelines use it (the real binary in a child process): a large
 * export waits for the reader without piling up listeners.
 */
import { spawnSync } from "node:child_process";
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
      const made = spawnSync(process.execPath, [...cliEntry(), "db", "migrate"], { cwd: repoRoot, env: { ...baseEnv(), OFFERLAB_DATA_DIR: dataDir }, encoding: "utf8", timeout: 120_000 });
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
      for (let i = 0; i < rows.length; i += 1000) await db.insertInto("companies").values(rows.slice(i, i + 1000)).execute();
    } finally {
      if (!t) await db.destroy();
    }
  }, 180_000);
  afterAll(async () => {
    await t?.drop();
  });

  it(`exports ${ROWS.toLocaleString("en")} rows to a file and to stdout without a MaxListenersExceededWarning`, () => {
    const file = path.join(tmp, `companies-${engine}.csv`);
    const toFile = spawnSync(process.execPath, [...cliEntry(), "export", "companies", "--output", file], { cwd: repoRoot, env: { ...baseEnv(), ...env }, encoding: "utf8", timeout: 120_000 });
    expect(toFile.stderr).toBe(`Exported ${ROWS} companies to ${file}.\n`);
    expect(toFile.status).toBe(0);
    expect(fs.readFileSync(file, "utf8").trimEnd().split("\n")).toHaveLength(ROWS + 1);
    const toStdout = spawnSync(process.execPath, [...cliEntry(), "export", "companies", "--json"], { cwd: repoRoot, env: { ...baseEnv(), ...env }, encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    expect(toStdout.stderr).toBe("");
    expect(toStdout.status).toBe(0);
    expect(JSON.parse(toStdout.stdout)).toHaveLength(ROWS);
  }, 240_000);
});
