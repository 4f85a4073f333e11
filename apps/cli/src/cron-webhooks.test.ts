/**
 * `offerlab cron …` and `offerlab webhooks …` as a user runs them (in-process, captured output):
 * one tick from the environment or the sandbox, the webhooks registered with the sandbox's Unipile,
 * and the errors that name what to set. (Registration against Unipile's own fake, duplicates and
 * `--replace` included, is tested in apps/webhooks.)
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, LOCK_FILE } from "@offerlab/db";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliEntry } from "./test-support/cli-process.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-cron-cli-"));
  dirs.push(d);
  return path.join(d, "data");
}

async function cli(args: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: process.cwd() };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

describe("offerlab cron", () => {
  it("`cron once` runs one tick and logs it as a JSON line; without Unipile it sends nothing and says why", async () => {
    const res = await cli(["cron", "once"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!.msg).toMatch(/Unipile is not configured \(UNIPILE_API_KEY, UNIPILE_DSN \(or UNIPILE_BASE_URL\)\)/);
    expect(lines.at(-1)).toMatchObject({
      msg: "tick",
      app: "cron",
      claimed: 0,
      errors: 0,
      jobs: { send: { skipped: expect.stringMatching(/UNIPILE_API_KEY/) }, plan: { planned: 0 } },
    });
  });

  it("`cron once --sandbox --pretty` runs against the simulated world and prints for humans", async () => {
    const res = await cli(["cron", "once", "--sandbox", "--pretty"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/sandbox/i);
    expect(res.stdout).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[cron\] tick {2}claimed=0 sent=0/m);
    expect(res.stdout).not.toMatch(/Unipile is not configured/);
  });

  it("sandbox commands take --seed and --start, checked before anything is written, and one-shot ones run at the simulated time", async () => {
    const untouched = dataDir();
    const bad = await cli(["cron", "once", "--sandbox", "--start", "soon"], { OFFERLAB_DATA_DIR: untouched });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'offerlab: --start: a date (YYYY-MM-DD, 08:00 UTC that day), an ISO 8601 time with its offset (2026-03-02T14:30:00Z) or "today" (got "soon")\n',
    );
    const twice = await cli(["accounts", "sync", "--sandbox", "--seed", "a", "--sandbox-seed", "b"], { OFFERLAB_DATA_DIR: untouched });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe("offerlab: --seed: give it once (--sandbox-seed is its older name)\n");
    expect(fs.existsSync(untouched)).toBe(false);

    // Accounts synced on 4 May (simulated), warming from then; a tick on 20 May is in week 3 of
    // the ramp, whatever the day the test runs on.
    const sandboxDir = dataDir();
    expect(
      (await cli(["accounts", "sync", "--sandbox", "--seed", "ramp", "--start", "2026-05-04"], { OFFERLAB_DATA_DIR: sandboxDir })).code,
    ).toBe(0);
    expect(
      (await cli(["cron", "once", "--sandbox", "--seed", "ramp", "--start", "2026-05-20"], { OFFERLAB_DATA_DIR: sandboxDir })).code,
    ).toBe(0);
    const db = createDb({ dataDir: sandboxDir, env: {} });
    try {
      const rows = await db.selectFrom("accounts").select(["warming_started_at", "warming_week"]).execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r).toEqual({ warming_started_at: new Date("2026-05-04T08:00:00.000Z"), warming_week: 3 });
    } finally {
      await db.destroy();
    }
  });

  it("a live `cron once` refuses the sandbox's database, and a sandbox one refuses a live database, before any job runs", async () => {
    const sandboxDir = dataDir();
    expect((await cli(["cron", "once", "--sandbox"], { OFFERLAB_DATA_DIR: sandboxDir })).code).toBe(0);
    const live = await cli(["cron", "once"], {
      OFFERLAB_DATA_DIR: sandboxDir,
      UNIPILE_API_KEY: "real-looking-key",
      UNIPILE_DSN: "api1.unipile.com:13111",
    });
    expect(live.code).toBe(2);
    expect(live.stdout).not.toMatch(/"msg":"tick"/);
    expect(live.stderr).toBe(
      `offerlab: embedded PGlite at ${sandboxDir} holds the sandbox's simulated data (offerlab demo, --sandbox): a live run never reads, reuses, counts or sends to it.\n` +
        "  - to work with the sandbox's data, add --sandbox (or set OFFERLAB_SANDBOX=1)\n" +
        "  - for live work, point OFFERLAB_DATA_DIR at your live database (unset, live data lives in ./.offerlab)\n",
    );
    const liveDir = dataDir();
    expect((await cli(["cron", "once"], { OFFERLAB_DATA_DIR: liveDir })).code).toBe(0);
    const sandbox = await cli(["cron", "once", "--sandbox"], { OFFERLAB_DATA_DIR: liveDir });
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toMatch(
      /holds live data: the sandbox never writes into it\.\n {2}- sandbox runs use their own embedded database \(\.\/\.offerlab-sandbox\) when OFFERLAB_DATA_DIR is not set/,
    );
  });

  it("`cron daemon` names a wrong schedule and exits 2", async () => {
    const res = await cli(["cron", "daemon", "--schedule", "every minute"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--schedule is not a valid cron expression \("every minute"\)/);
    const env = await cli(["cron", "once"], { OFFERLAB_DATA_DIR: dataDir(), OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS: "0" });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS must be a whole number of days between 1 and 365, got "0"/);
  });
});

describe("offerlab serve", () => {
  it("runs the runner, the webhook server and the dashboard in one process that owns the embedded database; a second process is told who holds it", async () => {
    const dir = dataDir();
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      OFFERLAB_DATA_DIR: dir,
      OFFERLAB_WEBHOOK_SECRET: "s".repeat(40),
    };
    const serve = spawn(process.execPath, [...cliEntry(), "serve", "--port", "0", "--dashboard-port", "0", "--schedule", "*/2 * * * * *"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    serve.stdout.on("data", (d: Buffer) => (out += d.toString()));
    serve.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => serve.once("exit", (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /"msg":"webhook server listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"webhook server listening"/.exec(out);
          if (m) {
            clearInterval(timer);
            resolve(Number(m[1] ?? m[2]));
          }
        }, 100);
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
      expect((await fetch(`http://127.0.0.1:${port}/webhooks/unipile`, { method: "POST", body: "{}" })).status).toBe(401);
      // The dashboard on loopback, on the same database.
      const dashboard = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(dashboard).toBeTruthy();
      const overview = await fetch(`${dashboard}/`);
      expect(overview.status).toBe(200);
      expect(await overview.text()).toContain("<title>Overview · offerlab</title>");
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/"msg":"tick"/);
      const second = spawnSync(process.execPath, [...cliEntry(), "cron", "once"], { env, encoding: "utf8", timeout: 60_000 });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(
        `the embedded database at ${dir} can only be used by one process at a time, and it is in use by another process: pid ${serve.pid}, \`offerlab serve`,
      );
      expect(second.stderr).toContain("`offerlab serve` runs the cron daemon and the webhook server in one process");
    } finally {
      serve.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"daemon stopped"/);
    expect(out).toMatch(/"msg":"webhook server stopped"/);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("refuses a dashboard beyond loopback without a token before starting anything", async () => {
    const res = await cli(["serve", "--dashboard-host", "0.0.0.0"], {
      OFFERLAB_DATA_DIR: dataDir(),
      OFFERLAB_WEBHOOK_SECRET: "s".repeat(40),
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a login: set OFFERLAB_DASHBOARD_TOKEN/);
  });

  it("needs the webhook secret, and says what runs without webhooks", async () => {
    const res = await cli(["serve"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/OFFERLAB_WEBHOOK_SECRET.*a runner without webhooks: `offerlab cron daemon`/);
  });
});

describe("offerlab webhooks", () => {
  it("`webhooks serve` refuses to start without a secret of 32 characters or more", async () => {
    const res = await cli(["webhooks", "serve"], { OFFERLAB_DATA_DIR: dataDir(), OFFERLAB_WEBHOOK_SECRET: "too-short" });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/OFFERLAB_WEBHOOK_SECRET is 9 characters long; it must be at least 32/);
  });

  it("`webhooks register` creates the Unipile webhooks with a generated secret and prints how to set it", async () => {
    const res = await cli(["webhooks", "register", "--sandbox", "--url", "https://hooks.example.com"], {});
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/SANDBOX/);
    expect(res.stdout).toMatch(/^Created 5 Unipile webhooks → https:\/\/hooks\.example\.com\/webhooks\/unipile\n/);
    expect(res.stdout).toMatch(/ {2}messaging {7}\S+\n {2}users/);
    expect(res.stdout).toMatch(/\n {2}OFFERLAB_WEBHOOK_SECRET=[0-9a-f]{64}\n/);

    const reused = await cli(
      ["webhooks", "register", "--sandbox", "--url", "https://hooks.example.com/webhooks/unipile", "--secret-from-env", "--json"],
      { OFFERLAB_WEBHOOK_SECRET: "r".repeat(40), OFFERLAB_WEBHOOK_SECRET_HEADER: "X-Hook-Key" },
    );
    expect(reused.code).toBe(0);
    expect(JSON.parse(reused.stdout)).toMatchObject({
      generated: false,
      secret: "r".repeat(40),
      secretHeader: "x-hook-key",
      requestUrl: "https://hooks.example.com/webhooks/unipile",
      created: expect.arrayContaining([expect.objectContaining({ source: "account_status" })]),
    });
    const badUrl = await cli(["webhooks", "register", "--sandbox", "--url", "hooks.example.com"], {});
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/--url must be an absolute URL/);
  });

  it("`webhooks register` without Unipile credentials names the variables and exits 2", async () => {
    const res = await cli(["webhooks", "register", "--url", "https://hooks.example.com"], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/UNIPILE_API_KEY/);
    const bad = await cli(["webhooks", "register", "--url", "https://hooks.example.com", "--secret-from-env"], {
      UNIPILE_API_KEY: "k",
      UNIPILE_DSN: "api1.unipile.com:1",
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--secret-from-env: OFFERLAB_WEBHOOK_SECRET must be set/);
  });
});
