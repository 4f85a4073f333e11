/**
 * `offerlab dashboard`: its help, its refusals (exit 2, naming the fix) and a real server on the
 * embedded database, started as users start it, that prints its URL and stops cleanly on SIGTERM.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./test-support/cli-db.js";
import { cliEntry } from "./test-support/cli-process.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-dashboard-cli-"));
  dirs.push(d);
  return path.join(d, "data");
}

/** The CLI in-process, from the test's own directory (as the other CLI tests run it). */
const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, env, process.cwd());

describe("offerlab dashboard", () => {
  it("has help that names the default address, the token and an example", async () => {
    const res = await cli(["dashboard", "--help"], {});
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("--port <n>");
    expect(res.stdout).toContain("--host <address>");
    expect(res.stdout).toContain("--json");
    expect(res.stdout).toContain("OFFERLAB_DASHBOARD_TOKEN");
    expect(res.stdout).toContain("offerlab dashboard --sandbox");
  });

  it("refuses another address without a token, a short token and a bad port, with exit code 2", async () => {
    const open = await cli(["dashboard", "--host", "0.0.0.0"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a login: set OFFERLAB_DASHBOARD_TOKEN \(at least 16 characters/);
    const short = await cli(["dashboard", "--host", "0.0.0.0"], { OFFERLAB_DATA_DIR: dataDir(), OFFERLAB_DASHBOARD_TOKEN: "abc" });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/OFFERLAB_DASHBOARD_TOKEN must be at least 16 characters/);
    const port = await cli(["dashboard", "--port", "http"], { OFFERLAB_DATA_DIR: dataDir() });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port: must be a whole number from 0 to 65535 \(got "http"\)/);
  });

  it("says a corrupt session key file is a setting to fix (exit 2), not an address it cannot listen on", async () => {
    const dir = dataDir();
    // A first command makes the embedded database; then the key file beside it is damaged.
    expect((await cli(["offers", "list"], { OFFERLAB_DATA_DIR: dir })).code).toBe(0);
    fs.writeFileSync(path.join(dir, "dashboard-session.key"), "not a key\n");
    // The key signs sign-ins, so it is read when a login is set.
    const res = await cli(["dashboard", "--port", "0"], { OFFERLAB_DATA_DIR: dir, OFFERLAB_DASHBOARD_TOKEN: "t".repeat(24) });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/dashboard-session\.key does not hold a 32-byte key: delete it .* or set OFFERLAB_DASHBOARD_SECRET/);
    expect(res.stderr).not.toMatch(/cannot listen on/);
  });

  it("serves the dashboard on loopback, prints its URL as JSON, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [...cliEntry(), "dashboard", "--port", "0", "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OFFERLAB_DATA_DIR: dataDir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await expect.poll(() => out, { timeout: 60_000 }).toMatch(/\n$/);
      const info = JSON.parse(out) as { url: string; host: string; port: number; protected: boolean };
      expect(info).toMatchObject({ host: "127.0.0.1", protected: false });
      expect(info.url).toBe(`http://127.0.0.1:${info.port}`);
      const res = await fetch(`${info.url}/leads`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("No contacts match.");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(err).toBe("");
  }, 120_000);
});
