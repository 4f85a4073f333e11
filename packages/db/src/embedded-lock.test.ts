import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "./connect.js";
import { EmbeddedDatabaseBusyError, LOCK_FILE } from "./embedded-lock.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Another process holding the embedded database open, as `offerlab cron daemon` would. */
function holder(dataDir: string): Promise<ChildProcess> {
  const script = `
    import { createDb } from ${JSON.stringify(pathToFileURL(path.join(here, "connect.ts")).href)};
    const db = createDb({ dataDir: ${JSON.stringify(dataDir)}, env: {} });
    await db.selectNoFrom((eb) => eb.lit(1).as("x")).execute();
    process.stdout.write("ready\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--import", tsx, "--input-type=module", "--eval", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve(child));
    child.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
  });
}

describe("one process per embedded database", () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-lock-"));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, "data");
  };

  it("refuses a second process, naming the holder's pid and what to do instead; takes over once it is killed", async () => {
    const dataDir = tempDir();
    const child = await holder(dataDir);
    cleanup.push(() => child.kill("SIGKILL"));
    const refused = (() => {
      try {
        createDb({ dataDir, env: {} });
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(EmbeddedDatabaseBusyError.isInstance(refused)).toBe(true);
    const message = (refused as Error).message;
    expect(message).toContain(`pid ${child.pid}`);
    expect(message).toContain("offerlab serve");
    expect(message).toContain("DATABASE_URL");

    // SIGKILL leaves the lock behind; the next process sees its owner is gone and takes over.
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);
    const db = createDb({ dataDir, env: {} });
    try {
      expect((await sql<{ x: number }>`SELECT 1 AS x`.execute(db)).rows).toEqual([{ x: 1 }]);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    } finally {
      await db.destroy();
    }
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it("refuses a second open in the same process, and gives the directory back on destroy, even without a query", async () => {
    const dataDir = tempDir();
    const first = createDb({ dataDir, env: {} });
    expect(() => createDb({ dataDir, env: {} })).toThrow(/this process already has it open/);
    await first.destroy();
    const second = createDb({ dataDir, env: {} });
    await sql`SELECT 1`.execute(second);
    await second.destroy();
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it("takes no lock for a throwaway in-memory database", async () => {
    const a = createDb({ dataDir: "memory://", env: {} });
    const b = createDb({ dataDir: "memory://", env: {} });
    await Promise.all([sql`SELECT 1`.execute(a), sql`SELECT 1`.execute(b)]);
    await Promise.all([a.destroy(), b.destroy()]);
  });
});
