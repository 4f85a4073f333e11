import { NotFoundError, type Db } from "@offerlab/db";
import { errorCodes, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { createWebhookApp } from "../app.js";
import { ConfigError } from "../config.js";
import { createLogger } from "../logger.js";
import { statusFor } from "../status.js";

/** The app with a route that throws `error`; no request reaches the database. */
function appThrowing(error: unknown) {
  const lines: string[] = [];
  const { app } = createWebhookApp({
    db: {} as Db,
    config: { secret: "s".repeat(40), secretHeader: "x-offerlab-webhook-secret", maxBodyBytes: 1024 },
    drainer: false,
    logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }),
  });
  app.get("/boom", () => {
    throw error;
  });
  return { app, lines };
}

describe("the webhook server's errors", () => {
  it("answer an offerlab error with its code's status and, when the sender can fix it, its message", async () => {
    const { app } = appThrowing(new NotFoundError("campaign", "spring"));
    const res = await app.request("/boom");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'campaign "spring" not found: see offerlab campaigns list', code: "not_found" });
  });

  it("answer anything else, and a server-side offerlab error, with a 5xx that Unipile retries and no detail", async () => {
    for (const [error, status, code] of [
      [new Error("connection terminated"), 500, "internal"],
      [new ConfigError("OFFERLAB_WEBHOOK_SECRET is missing"), 500, "config_invalid"],
      [new OfferlabError("database_busy", "held by pid 1"), 503, "database_busy"],
    ] as const) {
      const { app, lines } = appThrowing(error);
      const res = await app.request("/boom");
      expect(res.status, error.message).toBe(status);
      expect(await res.json()).toEqual({ error: "internal error; the delivery will be retried", code });
      expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === "request failed")).toBe(true);
    }
  });

  it("take every status from the catalogue", () => {
    expect([statusFor("unauthorized"), statusFor("payload_too_large"), statusFor("invalid_input"), statusFor("not_found")]).toEqual([
      401, 413, 400, 404,
    ]);
    expect(Object.keys(errorCodes)).toContain(new ConfigError("x").code);
  });
});
