import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { takeEnvFileFlag } from "./env-file.js";
import type { Io } from "./output.js";

/** Runs `db status --json` in `cwd` and returns the database it would use (the env decides it). */
async function databaseIn(cwd: string, env: Record<string, string | undefined>, extra: string[] = []) {
  const out = { stdout: "", stderr: "" };
  const io: Io = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env, cwd };
  const code = await run(["node", "offerlab", ...extra, "db", "status", "--json"], io);
  return { code, database: code === 0 ? (JSON.parse(out.stdout) as { database: string }).database : null, ...out };
}

/** A directory with these files; `$DIR` in them is the directory (the data directory resolves against the process's). */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-env-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text.replaceAll("$DIR", dir));
  return dir;
}

describe("the CLI loads .env", () => {
  it("from the working directory, as `offerlab init` says (cp .env.example .env)", async () => {
    const dir = project({ ".env": '# comment\nOFFERLAB_DATA_DIR=$DIR/from-dotenv\nOFFERLAB_CRON_SCHEDULE="* * * * *"\n' });
    const env: Record<string, string | undefined> = {};
    const r = await databaseIn(dir, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.database).toBe(`embedded PGlite at ${path.join(dir, "from-dotenv")}`);
    // The caller's environment object is not modified (only the process's own is filled in).
    expect(env).toEqual({});
  });

  it("lets the real environment win over .env", async () => {
    const dir = project({ ".env": "OFFERLAB_DATA_DIR=$DIR/from-dotenv\n" });
    const r = await databaseIn(dir, { OFFERLAB_DATA_DIR: path.join(dir, "from-shell") });
    expect(r.code, r.stderr).toBe(0);
    expect(r.database).toBe(`embedded PGlite at ${path.join(dir, "from-shell")}`);
    expect(fs.existsSync(path.join(dir, "from-dotenv"))).toBe(false);
  });

  it("reads --env-file <path> instead of .env (anywhere on the line), relative to the working directory", async () => {
    const dir = project({ ".env": "OFFERLAB_DATA_DIR=$DIR/from-dotenv\n", "prod.env": "OFFERLAB_DATA_DIR=$DIR/from-prod\n" });
    const before = await databaseIn(dir, {}, ["--env-file", "prod.env"]);
    expect(before.database).toBe(`embedded PGlite at ${path.join(dir, "from-prod")}`);
    const after = await databaseIn(dir, {}, ["--env-file=prod.env"]);
    expect(after.database).toBe(`embedded PGlite at ${path.join(dir, "from-prod")}`);
    expect(fs.existsSync(path.join(dir, "from-dotenv"))).toBe(false);
  });

  it("works without a .env, and refuses a --env-file that does not exist (exit 2, nothing created)", async () => {
    const dir = project({});
    const none = await databaseIn(dir, { OFFERLAB_DATA_DIR: path.join(dir, "data") });
    expect(none.code, none.stderr).toBe(0);
    const missing = await databaseIn(dir, {}, ["--env-file", "nope.env"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--env-file: cannot read ${path.join(dir, "nope.env")} (ENOENT)`);
    expect(fs.readdirSync(dir).sort()).toEqual(["data"]);
  });

  it("reads init's .env.example once copied to .env, as a shell does (the cron schedule is quoted)", async () => {
    const dir = project({});
    const out = { stdout: "", stderr: "" };
    const io: Io = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env: {}, cwd: dir };
    expect(await run(["node", "offerlab", "init", dir], io), out.stderr).toBe(0);
    fs.copyFileSync(path.join(dir, ".env.example"), path.join(dir, ".env"));
    const text = fs.readFileSync(path.join(dir, ".env"), "utf8");
    expect(text).toContain('OFFERLAB_CRON_SCHEDULE="* * * * *"');
    expect(parseEnv(text).OFFERLAB_CRON_SCHEDULE).toBe("* * * * *");
    // `set -a; . ./.env` (how many deploy scripts load it): unquoted, `* * * * *` ran a command.
    const shell = execFileSync("sh", ["-c", 'set -a; . ./.env; printf %s "$OFFERLAB_CRON_SCHEDULE"'], { cwd: dir, encoding: "utf8" });
    expect(shell).toBe("* * * * *");
  });

  it("takes the flag out of the arguments, but not after --", () => {
    expect(takeEnvFileFlag(["offers", "list", "--env-file", "a.env", "--json"])).toEqual({
      args: ["offers", "list", "--json"],
      envFile: "a.env",
    });
    expect(takeEnvFileFlag(["x", "--", "--env-file", "a"])).toEqual({ args: ["x", "--", "--env-file", "a"], envFile: undefined });
    expect(() => takeEnvFileFlag(["offers", "--env-file"])).toThrow(/--env-file: give a path/);
  });
});
