/**
 * What the Cal.com and Calendly routes share: the route is off (404, nothing written) until its
 * secret is configured; the raw body is read under the size limit and handed, with the signature
 * header, to `receiveBooking` (operations), which checks the signature in constant time and the
 * replay window before reading anything, then records the meeting or keeps it as unmatched.
 * Answers: 200 (recorded, duplicate, unmatched or ignored), 401 (signature missing, wrong or
 * stale), 400 (not JSON or not the vendor's shape), 413 (too large); none of those writes.
 */
import { errorCodeOf, OfferlabError, type BookingSource } from "@offerlab/core";
import type { Db } from "@offerlab/db";
import { receiveBooking } from "@offerlab/operations";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { WebhookServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { errorBody, statusFor, statusOfError } from "../status.js";

export type BookingRouteConfig = Pick<WebhookServerConfig, "maxBodyBytes"> &
  Partial<Pick<WebhookServerConfig, "calcomSecret" | "calendlySigningKey" | "bookingReplayWindowSeconds">>;

export interface BookingRouteOptions {
  db: Db;
  config: BookingRouteConfig;
  logger: Logger;
  now: () => Date;
}

interface Vendor {
  source: BookingSource;
  name: string;
  header: string;
  envVar: string;
  secret: (config: BookingRouteConfig) => string | null | undefined;
}

export function bookingRoute(vendor: Vendor, options: BookingRouteOptions): Hono {
  const { db, config, logger, now } = options;
  const secret = vendor.secret(config) ?? null;
  const route = new Hono();
  route.post(
    "/",
    async (c, next) => {
      if (secret) return next();
      logger.warn({ provider: vendor.source, status: statusFor("not_found") }, `webhook refused: ${vendor.envVar} is not set`);
      return c.json(
        errorBody("not_found", `${vendor.name} webhooks are not configured here: set ${vendor.envVar} to the webhook's secret`),
        statusFor("not_found"),
      );
    },
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) =>
        c.json(
          errorBody("payload_too_large", `body larger than ${config.maxBodyBytes} bytes (OFFERLAB_WEBHOOK_MAX_BODY)`),
          statusFor("payload_too_large"),
        ),
    }),
    async (c) => {
      const rawBody = await c.req.text();
      try {
        const r = await receiveBooking(
          { db, now },
          {
            source: vendor.source,
            rawBody,
            signature: c.req.header(vendor.header),
            secret: secret!,
            ...(config.bookingReplayWindowSeconds !== undefined ? { replayWindowSeconds: config.bookingReplayWindowSeconds } : {}),
          },
        );
        const log = { provider: vendor.source, status: r.status };
        if (r.status === "ignored") {
          logger.info({ ...log, trigger: r.trigger }, `webhook ignored: ${r.why}`);
          return c.json({ ok: true, status: r.status, trigger: r.trigger }, 200);
        }
        if (r.status === "unmatched") {
          logger.warn({ ...log, bookingId: r.unmatched.id, duplicate: !r.created }, "booking for nobody we know: kept as unmatched");
          return c.json({ ok: true, status: r.status, duplicate: !r.created, unmatchedId: r.unmatched.id }, 200);
        }
        logger.info({ ...log, outcomeId: r.outcome.id, campaign: r.campaignSlug }, "booking recorded");
        return c.json(
          {
            ok: true,
            status: r.status,
            duplicate: r.status === "duplicate",
            outcomeId: r.outcome.id,
            kind: r.outcome.kind,
            campaign: r.campaignSlug,
          },
          200,
        );
      } catch (error) {
        const status = statusOfError(error);
        // A sender's mistake (401, 400) is answered with what is wrong; anything else goes to the
        // app's error handler as a 5xx, so the tool retries and nothing is lost.
        if (status >= 500 || !OfferlabError.isInstance(error)) throw error;
        logger.warn({ provider: vendor.source, status, problem: error.message }, "webhook rejected");
        return c.json(errorBody(errorCodeOf(error), error.message), status);
      }
    },
  );
  return route;
}
