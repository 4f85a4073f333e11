/**
 * The Docker image, checked without a Docker engine (none on CI machines here; the manual check is
 * at the top of apps/cron/Dockerfile): the Dockerfile's properties, what the build context leaves
 * out, the HEALTHCHECK script against a live server and a heartbeat, and the daemon's heartbeat.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDb } from "@offerlab/db/testing";
import { describe, expect, it } from "vitest";
import { runDaemon, type Heartbeat } from "../daemon.js";
import { createLogger } from "../logger.js";
import { memoryLog } from "./world.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const cronDir = path.resolve(here, "../..");
const repoRoot = path.resolve(cronDir, "../..");
const dockerfile = fs.readFileSync(path.join(cronDir, "Dockerfile"), "utf8");
const healthcheck = path.join(cronDir, "docker-healthcheck.mjs");

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!current && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue;
    current += (current ? " " : "") + line.replace(/\\$/, "").trim();
    if (!line.endsWith("\\")) {
      const m = /^(\w+)\s+(.*)$/.exec(current)!;
      out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
      current = "";
    }
  }
  return out;
}

/** Docker's .dockerignore rules: `**`, `*`, `?`, `!` exceptions, last match wins, a directory excludes what it holds. */
function ignoredBy(patterns: string[], file: string): boolean {
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith("!");
    const pattern = (negate ? p.slice(1) : p).replace(/^\//, "");
    const re = new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === "**/"
            ? "(.*/)?"
            : part === "**"
              ? ".*"
              : part === "*"
                ? "[^/]*"
                : part === "?"
                  ? "[^/]"
                  : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
        )
        .join("")}(/.*)?$`,
    );
    if (re.test(file)) ignored = !negate;
  }
  return ignored;
}

const readIgnore = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

describe("apps/cron/Dockerfile", () => {
  const steps = parseDockerfile(dockerfile);
  const stages = steps.filter((s) => s.op === "FROM");
  const runtimeStart = steps.indexOf(stages.at(-1)!);
  const runtime = steps.slice(runtimeStart);
  const nodeVersion = /ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1];

  it("is a multi-stage build on a supported Node LTS slim image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(["22", "24"]).toContain(nodeVersion);
    for (const s of stages) expect(s.args).toMatch(/^node:\$\{NODE_VERSION\}-slim AS \w+$/);
    expect(stages.at(-1)!.args).toMatch(/AS runtime$/);
  });

  it("builds in the first stage and ships only `pnpm deploy --prod` output", () => {
    const build = steps.slice(0, runtimeStart).find((s) => s.op === "RUN" && s.args.includes("pnpm install"));
    expect(build?.args).toContain("pnpm install --frozen-lockfile");
    expect(build?.args).toMatch(/pnpm --filter offerlab deploy (--legacy )?--prod \/out/);
    const copies = runtime.filter((s) => s.op === "COPY");
    expect(copies.length).toBeGreaterThan(0);
    // The runtime stage copies nothing from the host context: only the deployed output.
    for (const c of copies) expect(c.args).toMatch(/^--from=build \/out /);
    expect(runtime.some((s) => s.op === "RUN" && /pnpm (install|build)/.test(s.args))).toBe(false);
    expect(runtime.find((s) => s.op === "ENV")?.args).toContain("NODE_ENV=production");
  });

  it("runs as a non-root user, with a health check and the CLI as entrypoint", () => {
    const user = runtime.filter((s) => s.op === "USER").at(-1);
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    const hc = runtime.find((s) => s.op === "HEALTHCHECK");
    expect(hc?.args).toMatch(/--interval=\d+s/);
    expect(hc?.args).toContain('CMD ["node", "/app/docker-healthcheck.mjs"]');
    expect(steps.slice(0, runtimeStart).some((s) => s.op === "RUN" && s.args.includes("docker-healthcheck.mjs /out/"))).toBe(true);
    expect(runtime.find((s) => s.op === "ENTRYPOINT")?.args).toBe('["node", "bin/offerlab.js"]');
    // The entrypoint exists in what `pnpm deploy` copies (the package's `files`).
    const cliPkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "apps/cli/package.json"), "utf8")) as {
      files: string[];
      bin: Record<string, string>;
    };
    expect(cliPkg.files).toContain("bin");
    expect(cliPkg.bin.offerlab).toBe("./bin/offerlab.js");
  });
});

describe("the build context (.dockerignore)", () => {
  const buildkit = readIgnore(path.join(cronDir, "Dockerfile.dockerignore"));
  const root = readIgnore(path.join(repoRoot, ".dockerignore"));

  it("is the same list for BuildKit (Dockerfile.dockerignore) and other builders (root .dockerignore)", () => {
    expect(root).toEqual(buildkit);
  });

  it.each([
    ".env",
    ".env.local",
    "apps/cli/.env",
    ".offerlab/PG_VERSION",
    ".offerlab-sandbox/base/1",
    "apps/cli/.offerlab/offerlab.lock",
    "node_modules/kysely/package.json",
    "packages/db/node_modules/pg/index.js",
    "apps/cli/dist/bin.js",
    "packages/core/dist/index.js",
    ".git/HEAD",
  ])("leaves out %s", (file) => {
    expect(ignoredBy(buildkit, file)).toBe(true);
  });

  it.each([
    ".env.example",
    "pnpm-lock.yaml",
    "package.json",
    "apps/cli/src/bin.ts",
    "apps/cron/docker-healthcheck.mjs",
    "supabase/migrations/x.sql",
  ])("keeps %s", (file) => {
    expect(ignoredBy(buildkit, file)).toBe(false);
  });
});

function runHealthcheck(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [healthcheck, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout.trim() };
}

describe("docker-healthcheck.mjs", () => {
  it("webhooks serve: healthy when /healthz answers 200, unhealthy when nothing listens", async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === "/healthz" ? 200 : 404).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const up = await new Promise<{ code: number | null; out: string }>((resolve) => {
        // Async spawn: the server answers from this process's event loop.
        import("node:child_process").then(({ execFile }) =>
          execFile(
            process.execPath,
            [healthcheck, "node", "bin/offerlab.js", "webhooks", "serve"],
            { env: { PORT: String(port) } },
            (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout.trim() }),
          ),
        );
      });
      expect(up).toEqual({ code: 0, out: "healthz answered 200" });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const down = runHealthcheck(["node", "bin/offerlab.js", "webhooks", "serve"], { PORT: String(port) });
    expect(down.code).toBe(1);
    expect(down.out).toContain(`healthz did not answer on port ${port}`);
  });

  it("cron daemon: healthy while the next tick is not overdue, unhealthy once it is", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-hc-"));
    const file = path.join(dir, "heartbeat.json");
    try {
      const args = ["node", "bin/offerlab.js", "cron", "daemon"];
      expect(runHealthcheck(args, { OFFERLAB_HEARTBEAT_FILE: file })).toEqual({ code: 1, out: `no heartbeat yet at ${file}` });
      const fresh: Heartbeat = { at: new Date().toISOString(), next: new Date(Date.now() + 60_000).toISOString() };
      fs.writeFileSync(file, JSON.stringify(fresh));
      expect(runHealthcheck(args, { OFFERLAB_HEARTBEAT_FILE: file }).code).toBe(0);
      const stale: Heartbeat = { at: new Date(Date.now() - 3_600_000).toISOString(), next: new Date(Date.now() - 1_800_000).toISOString() };
      fs.writeFileSync(file, JSON.stringify(stale));
      const r = runHealthcheck(args, { OFFERLAB_HEARTBEAT_FILE: file });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/1800 s overdue/);
      // A longer grace tolerates a long tick.
      expect(runHealthcheck(args, { OFFERLAB_HEARTBEAT_FILE: file, OFFERLAB_HEALTHCHECK_GRACE_SECONDS: "3600" }).code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a one-off command (cron once) is healthy while it runs", () => {
    expect(runHealthcheck(["node", "bin/offerlab.js", "cron", "once"], {}).code).toBe(0);
  });
});

describe("the daemon's heartbeat", () => {
  it("is written at start and after each tick with the next tick due", async () => {
    const t = await createTestDb("pglite");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-hb-"));
    const file = path.join(dir, "heartbeat.json");
    try {
      const controller = new AbortController();
      const beats: Heartbeat[] = [];
      await runDaemon({
        db: t.db,
        schedule: "* * * * * *",
        heartbeatFile: file,
        logger: createLogger({ destination: memoryLog() }),
        signal: controller.signal,
        jobs: ["warming"],
        onTick: () => {
          beats.push(JSON.parse(fs.readFileSync(file, "utf8")) as Heartbeat);
          if (beats.length === 2) controller.abort();
        },
      });
      expect(beats).toHaveLength(2);
      for (const b of beats) {
        expect(Date.parse(b.next!)).toBeGreaterThan(Date.parse(b.at));
        expect(Date.parse(b.next!) - Date.parse(b.at)).toBeLessThanOrEqual(1000);
      }
      expect(Date.parse(beats[1]!.at)).toBeGreaterThan(Date.parse(beats[0]!.at));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await t.drop();
    }
  });
});
