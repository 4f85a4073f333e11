import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-cli-"));
}

/** Runs the real binary in a child process, as a user does. */
function spawnCli(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the CLI in-process with captured output (same code path, no process start-up). */
async function runCli(args: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: repoRoot };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

describe("offerlab CLI as a user runs it", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = path.join(tempDir(), "data");
  });
  afterAll(() => {
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("creates an offer from the example file and lists it (the quick start)", () => {
    const env = { OFFERLAB_DATA_DIR: dataDir };
    const created = spawnCli(["offers", "create", "--file", "examples/offer.yaml", "--json"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const offer = JSON.parse(created.stdout);
    expect(offer).toMatchObject({ slug: "ai-sales-coach", type: "product", status: "draft" });
    expect(offer.description).not.toMatch(/\n$/);

    const listed = spawnCli(["offers", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ai-sales-coach\s+AI Sales Coach\s+product\s+internal\s+draft/);
  });

  it("exits 2 on bad flags, naming each field and what is allowed, and writes nothing", () => {
    const dir = path.join(tempDir(), "data");
    const res = spawnCli(["offers", "create", "--name", "X", "--type", "gadget", "--ownership", "internal"], { OFFERLAB_DATA_DIR: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('type: must be one of "product", "service"');
    expect(res.stderr).toContain("description: is required");
    expect(res.stderr).toContain("nothing was written");
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe("offerlab CLI commands", () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = { OFFERLAB_DATA_DIR: path.join(tempDir(), "data") };
  });

  it("db migrate applies, then reports nothing to apply; db status lists applied versions", async () => {
    const first = await runCli(["db", "migrate", "--json"], env);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.applied.length).toBeGreaterThanOrEqual(3);
    expect(result.database).toContain("embedded PGlite");
    const second = await runCli(["db", "migrate"], env);
    expect(second.stdout).toMatch(/Nothing to apply/);
    const status = await runCli(["db", "status", "--json"], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ kind: "pglite", pending: [], unknown: [] });
  });

  it("creates from flags, shows by slug and id, filters the list by status, all with --json", async () => {
    const created = await runCli(
      [
        "offers",
        "create",
        "--name",
        "Fractional RevOps",
        "--type",
        "service",
        "--ownership",
        "client",
        "--client-name",
        "Acme",
        "--description",
        "RevOps for seed teams",
        "--json",
      ],
      env,
    );
    expect(created.code).toBe(0);
    const offer = JSON.parse(created.stdout);
    expect(offer).toMatchObject({ slug: "fractional-revops", ownership: "client", client_name: "Acme" });

    const bySlug = await runCli(["offers", "show", "fractional-revops", "--json"], env);
    expect(JSON.parse(bySlug.stdout).id).toBe(offer.id);
    const byId = await runCli(["offers", "show", offer.id], env);
    expect(byId.stdout).toMatch(/ownership\s+client \(Acme\)/);

    const drafts = await runCli(["offers", "list", "--status", "draft", "--json"], env);
    expect(JSON.parse(drafts.stdout).map((o: { slug: string }) => o.slug)).toContain("fractional-revops");
    const again = await runCli(
      [
        "offers",
        "create",
        "--name",
        "Fractional RevOps",
        "--type",
        "service",
        "--ownership",
        "internal",
        "--description",
        "x",
        "--if-not-exists",
        "--json",
      ],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: offer.id, ownership: "client" });
    const killed = await runCli(["offers", "list", "--status", "killed", "--json"], env);
    expect(JSON.parse(killed.stdout)).toEqual([]);
  });

  it("reports bad input precisely: unknown status, missing file, invalid file, duplicate slug, unknown offer", async () => {
    const status = await runCli(["offers", "list", "--status", "nope"], env);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/--status: must be one of draft, ready, active, paused, completed, killed/);

    const missing = await runCli(["offers", "create", "--file", "does-not-exist.yaml"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--file: cannot read/);

    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "bad.json"),
      '{"name": "Broken", "type": "product", "ownership": "client", "description": "x", "colour": 1}',
    );
    const bad = await runCli(["offers", "create", "--file", path.join(dir, "bad.json")], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/colour/);
    fs.writeFileSync(
      path.join(dir, "client.json"),
      '{"name": "Client Offer", "type": "product", "ownership": "client", "description": "x"}',
    );
    const noClient = await runCli(["offers", "create", "--file", path.join(dir, "client.json")], env);
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toMatch(/client_name: is required when ownership is "client"/);

    const before = JSON.parse((await runCli(["offers", "list", "--json"], env)).stdout).length;
    const dup = await runCli(
      ["offers", "create", "--name", "Fractional RevOps", "--type", "service", "--ownership", "internal", "--description", "again"],
      env,
    );
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/slug: "fractional-revops" is already used/);
    expect(JSON.parse((await runCli(["offers", "list", "--json"], env)).stdout).length).toBe(before);

    const unknown = await runCli(["offers", "show", "nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('offerlab: offer "nope" not found: see offerlab offers list\n');
  });

  it("offers create and edit refuse text over its field's size: exit 2 naming the field and the limit, nothing written", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "big-name.json"),
      JSON.stringify({ name: "n".repeat(300 * 1024), type: "product", ownership: "internal", description: "x" }),
    );
    const before = JSON.parse((await runCli(["offers", "list", "--json"], env)).stdout).length;
    const created = await runCli(["offers", "create", "--file", path.join(dir, "big-name.json")], env);
    expect(created.code).toBe(2);
    expect(created.stderr).toBe("offerlab: invalid offer; nothing was written:\n  - name: must be at most 200 characters (got 307200)\n");
    expect(JSON.parse((await runCli(["offers", "list", "--json"], env)).stdout).length).toBe(before);

    const target = await runCli(
      ["offers", "create", "--name", "Sized", "--type", "product", "--ownership", "internal", "--description", "Short.", "--json"],
      env,
    );
    expect(target.code).toBe(0);
    fs.writeFileSync(path.join(dir, "big-description.yaml"), `description: ${"d".repeat(5 * 1024 * 1024)}\n`);
    const edited = await runCli(["offers", "edit", "sized", "--file", path.join(dir, "big-description.yaml")], env);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toBe(
      "offerlab: invalid offer; nothing was written:\n  - description: must be at most 10000 characters (got 5242880)\n",
    );
    expect(JSON.parse((await runCli(["offers", "show", "sized", "--json"], env)).stdout)).toMatchObject({ description: "Short." });
  });

  it.runIf(process.env.TEST_DATABASE_URL)("stops on a PostgreSQL database with pending migrations instead of changing it", async () => {
    const { createTestDb } = await import("@offerlab/db/testing");
    const t = await createTestDb("postgres", { migrate: false });
    try {
      const res = await runCli(["offers", "list"], { DATABASE_URL: t.url });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/pending migration\(s\): run `offerlab db migrate` first/);
      // The runner and the webhook server open the database themselves: the same one line, no stack.
      const line = res.stderr;
      expect(line).toMatch(/^offerlab: PostgreSQL at \S+ has \d+ pending migration\(s\): run `offerlab db migrate` first\n$/);
      for (const args of [
        ["cron", "once"],
        ["cron", "daemon"],
        ["webhooks", "serve"],
      ]) {
        const other = await runCli(args, { DATABASE_URL: t.url, OFFERLAB_WEBHOOK_SECRET: "s".repeat(40) });
        expect(other.stderr, args.join(" ")).toBe(line);
        expect(other.code, args.join(" ")).toBe(1);
      }
      const spawned = spawnCli(["cron", "once"], { DATABASE_URL: t.url! });
      expect(spawned.stderr).toBe(line);
      expect(spawned.code).toBe(1);
      const migrated = await runCli(["db", "migrate"], { DATABASE_URL: t.url });
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).not.toContain(new URL(process.env.TEST_DATABASE_URL!).password || "\u0000");
      const listed = await runCli(["offers", "list", "--json"], { DATABASE_URL: t.url });
      expect(JSON.parse(listed.stdout)).toEqual([]);
    } finally {
      await t.drop();
    }
  });

  it("prints help for every command and exits 0", async () => {
    for (const args of [["--help"], ["offers", "create", "--help"], ["db", "--help"]]) {
      const res = await runCli(args, env);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/Usage: offerlab/);
    }
    const unknown = await runCli(["frobnicate"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
  });
});
