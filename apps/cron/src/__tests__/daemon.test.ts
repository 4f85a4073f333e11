/**
 * The daemon: ticks on its schedule until stopped, waits out a database that stops answering (a
 * Postgres restart, simulated by cutting a TCP proxy in front of it) and carries on, and the bin
 * stops cleanly on SIGTERM.
 */
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@offerlab/db";
import { createTestDb } from "@offerlab/db/testing";
import { describe, expect, it } from "vitest";
import { runDaemon } from "../daemon.js";
import { createLogger } from "../logger.js";
import { memoryLog } from "./world.js";

const PG = Boolean(process.env.TEST_DATABASE_URL);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, "../bin.ts");

describe("runDaemon", () => {
  it("ticks on its schedule and stops when asked, after the running tick", async () => {
    const t = await createTestDb("pglite");
    try {
      const controller = new AbortController();
      const log = memoryLog();
      const starts: number[] = [];
      const result = await runDaemon({
        db: t.db,
        schedule: "* * * * * *",
        logger: createLogger({ destination: log }),
        signal: controller.signal,
        jobs: ["warming", "plan", "credits"],
        onTick: (s) => {
          starts.push(Date.parse(s.startedAt));
          if (starts.length === 3) controller.abort();
        },
      });
      expect(result).toEqual({ ticks: 3, unreachable: 0 });
      // One tick per second of the schedule, never two in the same second.
      expect(new Set(starts.map((s) => Math.floor(s / 1000))).size).toBe(3);
      expect(log.parsed().map((l) => l.msg)).toEqual(["daemon started", "tick", "tick", "tick", "daemon stopped"]);
    } finally {
      await t.drop();
    }
  });

  it.runIf(PG)("waits with back-off while the database is down, and carries on when it is back", async () => {
    const t = await createTestDb("postgres");
    const target = new URL(t.url!);
    // A TCP proxy in front of Postgres: closing it (and every connection through it) is what a
    // Postgres restart looks like to the runner.
    const sockets = new Set<net.Socket>();
    const makeProxy = () =>
      net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
      });
    let proxy = makeProxy();
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const port = (proxy.address() as net.AddressInfo).port;
    const viaProxy = new URL(t.url!);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(port);
    const db = createDb({ databaseUrl: viaProxy.toString(), env: {}, maxConnections: 2 });
    const controller = new AbortController();
    const log = memoryLog();
    let ticks = 0;
    let phase: "up" | "down" | "back" = "up";
    let ticksAfterRestart = 0;
    try {
      const daemon = runDaemon({
        db,
        schedule: "* * * * * *",
        logger: createLogger({ destination: log }),
        signal: controller.signal,
        jobs: ["warming", "reap", "plan", "daily_counters", "credits"],
        backoffMs: 200,
        maxBackoffMs: 400,
        onTick: (s) => {
          ticks++;
          if (phase === "back" && s.errors === 0) ticksAfterRestart++;
          if (ticksAfterRestart >= 2) controller.abort();
        },
      });
      while (ticks < 1) await new Promise((r) => setTimeout(r, 50));
      // "Restart": stop listening and cut every connection.
      phase = "down";
      await new Promise<void>((r) => {
        proxy.close(() => r());
        for (const s of sockets) s.destroy();
      });
      while (!log.parsed().some((l) => l.msg === "database unreachable; waiting before the next try"))
        await new Promise((r) => setTimeout(r, 50));
      proxy = makeProxy();
      await new Promise<void>((r) => proxy.listen(port, "127.0.0.1", () => r()));
      phase = "back";
      const result = await daemon;
      expect(result.unreachable).toBeGreaterThanOrEqual(1);
      expect(ticksAfterRestart).toBeGreaterThanOrEqual(2);
      const msgs = log.parsed().map((l) => l.msg);
      expect(msgs).toContain("database reachable again");
      expect(msgs.at(-1)).toBe("daemon stopped");
      // Back-off is bounded and the waits were logged with their attempt number.
      const waits = log.parsed().filter((l) => l.msg === "database unreachable; waiting before the next try");
      expect(waits[0]).toMatchObject({ attempt: 1, retryInMs: 200 });
      expect(waits.every((w) => Number(w.retryInMs) <= 400)).toBe(true);
    } finally {
      controller.abort();
      await db.destroy();
      proxy.close();
      for (const s of sockets) s.destroy();
      await t.drop();
    }
  });
});

describe("the offerlab-cron bin", () => {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OFFERLAB_DATA_DIR: "memory://" };

  it("`once` runs one tick, logs it as JSON and exits 0 (no Unipile: sending is skipped, with the reason)", () => {
    const res = spawnSync(process.execPath, ["--import", "tsx", bin, "once"], { env, encoding: "utf8", timeout: 120_000 });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const lines = res.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/Unipile is not configured/), "cron ready", "tick"]);
    expect(lines.at(-1)).toMatchObject({
      claimed: 0,
      sent: 0,
      errors: 0,
      jobs: { send: { skipped: expect.stringMatching(/UNIPILE_API_KEY/) } },
    });
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "on a PostgreSQL database with pending migrations: one line that says to run `offerlab db migrate`, exit 1, no stack",
    async () => {
      const t = await createTestDb("postgres", { migrate: false });
      try {
        for (const mode of ["once", "daemon"]) {
          const res = spawnSync(process.execPath, ["--import", "tsx", bin, mode], {
            env: { ...env, DATABASE_URL: t.url! },
            encoding: "utf8",
            timeout: 60_000,
          });
          expect(res.stderr, mode).toMatch(
            /^offerlab cron: PostgreSQL at \S+ has \d+ pending migration\(s\): run `offerlab db migrate` first\n$/,
          );
          expect(res.status, mode).toBe(1);
        }
      } finally {
        await t.drop();
      }
    },
  );

  it("names a wrong schedule and exits 2; without a mode prints the usage", () => {
    const bad = spawnSync(process.execPath, ["--import", "tsx", bin, "daemon"], {
      env: { ...env, OFFERLAB_CRON_SCHEDULE: "every minute" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/OFFERLAB_CRON_SCHEDULE is not a valid cron expression/);
    const none = spawnSync(process.execPath, ["--import", "tsx", bin], { env, encoding: "utf8", timeout: 60_000 });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/usage: offerlab-cron once\|daemon/);
  });

  it("`daemon` stops cleanly on SIGTERM after its running tick", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", bin, "daemon", "--schedule", "* * * * * *"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!out.includes('"msg":"tick"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('"msg":"tick"');
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toBe("");
    const msgs = out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toContain("stopping: no new claims; finishing the send in flight");
    expect(msgs.at(-1)).toBe("daemon stopped");
  });
});
