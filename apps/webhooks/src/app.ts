/**
 * The webhook server as a Hono app, usable in-process (the CLI, the demo on a simulated clock,
 * tests): one route module per provider under `/webhooks/<provider>` (unipile, calcom, calendly), `GET /healthz` (the process
 * answers) and `GET /readyz` (the database answers).
 */
import { errorCodeOf, OfferlabError } from "@offerlab/core";
import type { Db } from "@offerlab/db";
import { databaseReachable, type ReplyClassifier } from "@offerlab/scheduler";
import { Hono } from "hono";
import type { WebhookServerConfig } from "./config.js";
import { createInboxDrainer, type InboxDrainer } from "./inbox.js";
import { createLogger, type Logger } from "./logger.js";
import { calcomRoute } from "./routes/calcom.js";
import { calendlyRoute } from "./routes/calendly.js";
import { unipileRoute } from "./routes/unipile.js";
import { errorBody, statusFor, statusOfError } from "./status.js";

export interface WebhookAppOptions {
  /** The offerlab database the inbox lives in. */
  db: Db;
  /**
   * From `loadWebhookConfig()`; the Unipile secret, its header and the body limit, and the
   * booking tools' secrets (a route whose secret is absent answers 404).
   */
  config: Pick<WebhookServerConfig, "secret" | "secretHeader" | "maxBodyBytes"> &
    Partial<Pick<WebhookServerConfig, "calcomSecret" | "calendlySigningKey" | "bookingReplayWindowSeconds">>;
  /** Default: JSON lines on standard output. */
  logger?: Logger;
  /** The clock stamping received events. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Applies stored events right after answering. Default: a drainer over `db` with this `now`
   * (and `classify`); `false` leaves every event to the cron's inbox job.
   */
  drainer?: InboxDrainer | false;
  /** Reply classifier for the default drainer. */
  classify?: ReplyClassifier;
}

export interface WebhookApp {
  app: Hono;
  /** The drainer applying events after the answer, or null when disabled. */
  drainer: InboxDrainer | null;
}

/** Builds the app and its drainer. `app.request(...)` or `app.fetch` serve it. */
export function createWebhookApp(options: WebhookAppOptions): WebhookApp {
  const logger = options.logger ?? createLogger();
  const now = options.now ?? (() => new Date());
  const drainer =
    options.drainer === false
      ? null
      : (options.drainer ??
        createInboxDrainer({ db: options.db, logger, now, ...(options.classify ? { classify: options.classify } : {}) }));
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    const ready = await databaseReachable(options.db);
    if (!ready) logger.warn("readiness check failed: the database does not answer");
    return c.json({ ready, database: ready ? "reachable" : "unreachable" }, ready ? 200 : 503);
  });
  app.route("/webhooks/unipile", unipileRoute({ db: options.db, config: options.config, logger, now, drainer }));
  // Booking tools: the meeting is recorded in the request (a small transaction), not via the inbox.
  app.route("/webhooks/calcom", calcomRoute({ db: options.db, config: options.config, logger, now }));
  app.route("/webhooks/calendly", calendlyRoute({ db: options.db, config: options.config, logger, now }));
  app.onError((error, c) => {
    // The status of the error's code (core's one table): an offerlab error the sender can fix says
    // what is wrong; anything else (a database error while storing) is a 5xx, which Unipile
    // retries, so nothing is lost.
    const status = statusOfError(error);
    logger.error({ err: error, path: c.req.path, status }, "request failed");
    if (status < 500 && OfferlabError.isInstance(error)) return c.json(errorBody(errorCodeOf(error), error.message), status);
    return c.json(errorBody(errorCodeOf(error), "internal error; the delivery will be retried"), status);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), statusFor("not_found")));
  return { app, drainer };
}
