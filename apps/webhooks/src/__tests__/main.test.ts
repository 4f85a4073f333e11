/** The server as an operator starts it: from the environment, refusing a weak secret, stopping cleanly. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDb } from "@offerlab/db/testing";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { serveWebhooks } from "../main.js";
import { memoryLog, SECRET } from "./world.js";
import { createLogger } from "../logger.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, "../bin.ts");

describe("serveWebhooks", () => {
  it("refuses to start without a secret of at least 32 characters, before opening anything", async () => {
    await expect(serveWebhooks({ env: { OFFERLAB_DATA_DIR: "memory://" } })).rejects.toThrow(ConfigError);
    await expect(serveWebhooks({ env: { OFFERLAB_DATA_DIR: "memory://", OFFERLAB_WEBHOOK_SECRET: "short" } })).rejects.toThrow(
      /at least 32/,
    );
  });

  it("serves from the environment (embedded database migrated on first use) and stops when asked", async () => {
    const controller = new AbortController();
    const log = memoryLog();
    let url = "";
    const running = serveWebhooks({
      env: { OFFERLAB_DATA_DIR: "memory://", OFFERLAB_WEBHOOK_SECRET: SECRET },
      port: 0,
      signal: controller.signal,
      logger: createLogger({ destination: log }),
      onListening: (s) => {
        url = s.url;
      },
    });
    while (!url) await new Promise((r) => setTimeout(r, 20));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/webhooks/unipile`, { method: "POST", body: "{}" })).status).toBe(401);
    controller.abort();
    await running;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(log.parsed().map((l) => l.msg)).toEqual(
      expect.arrayContaining(["database ready", "webhook server listening", "webhook server stopped"]),
    );
    expect(log.lines.join("")).not.toContain(SECRET);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "the bin, on a PostgreSQL database with pending migrations, says to run `offerlab db migrate` in one line and exits 1",
    async () => {
      const t = await createTestDb("postgres", { migrate: false });
      try {
        const res = spawnSync(process.execPath, ["--import", "tsx", bin], {
          env: { PATH: process.env.PATH ?? "", DATABASE_URL: t.url!, OFFERLAB_WEBHOOK_SECRET: SECRET },
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(res.stderr).toMatch(
          /^offerlab webhooks: PostgreSQL at \S+ has \d+ pending migration\(s\): run `offerlab db migrate` first\n$/,
        );
        expect(res.status).toBe(1);
      } finally {
        await t.drop();
      }
    },
  );

  it("the bin exits with 2 and names the variable when the secret is missing", () => {
    const res = spawnSync(process.execPath, ["--import", "tsx", bin], {
      env: { PATH: process.env.PATH ?? "", OFFERLAB_DATA_DIR: "memory://" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/OFFERLAB_WEBHOOK_SECRET is not set/);
  });
});
