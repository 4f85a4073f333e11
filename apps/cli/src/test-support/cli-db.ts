/**
 * A database for in-process CLI tests on each engine: an embedded PGlite data directory (what
 * users get by default) or, with TEST_DATABASE_URL, a fresh PostgreSQL database the CLI reaches
 * through DATABASE_URL. `seed` writes through the repositories; `run` runs the CLI against it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, migrate, type Db } from "@offerlab/db";
import { createTestDb, type TestEngine } from "@offerlab/db/testing";
import { run } from "../cli.js";
import type { Io } from "../output.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface CliDatabase {
  engine: TestEngine;
  /** The environment that points the CLI at this database. */
  env: Record<string, string>;
  /** Runs `fn` on the database (PGlite's directory is opened for it and closed again: one process at a time). */
  seed<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Runs the CLI in-process with captured output. */
  run(args: string[], options?: { cwd?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  drop(): Promise<void>;
}

/** Runs the CLI in-process with `env` and `cwd` (default: the repository's root), capturing its output. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string = repoRoot,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

/** A migrated, empty database on `engine` for CLI tests. */
export async function cliDatabase(engine: TestEngine): Promise<CliDatabase> {
  let env: Record<string, string>;
  let seed: CliDatabase["seed"];
  let drop: () => Promise<void>;
  if (engine === "postgres") {
    const t = await createTestDb("postgres");
    env = { DATABASE_URL: t.url! };
    seed = (fn) => fn(t.db);
    drop = () => t.drop();
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-cli-db-"));
    const dataDir = path.join(dir, "data");
    env = { OFFERLAB_DATA_DIR: dataDir };
    seed = async (fn) => {
      const db = createDb({ dataDir, env: {} });
      try {
        await migrate(db);
        return await fn(db);
      } finally {
        await db.destroy();
      }
    };
    drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    engine,
    env,
    seed,
    drop,
    run: (args, options = {}) => runCli(args, env, options.cwd),
  };
}
