/**
 * `POST /webhooks/unipile`: authenticate (secret header, constant time) → body size limit → JSON
 * → Unipile's zod parser → store in the inbox under the provider's ids → 200 at once. A wrong or
 * missing secret (401), an oversized body (413), malformed JSON or an unknown shape (400) write
 * nothing. Applying the event happens after the answer (the inbox drainer and the cron).
 */
import type { Db } from "@offerlab/db";
import { parseUnipileWebhook, toProviderEvent, type UnipileWebhookPayload } from "@offerlab/provider-unipile";
import { providerEventKey, storeWebhookEvent } from "@offerlab/scheduler";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireSecret } from "../auth.js";
import type { WebhookServerConfig } from "../config.js";
import type { InboxDrainer } from "../inbox.js";
import type { Logger } from "../logger.js";
import { errorBody, statusFor } from "../status.js";

export interface ProviderRouteOptions {
  db: Db;
  config: Pick<WebhookServerConfig, "secret" | "secretHeader" | "maxBodyBytes">;
  logger: Logger;
  now: () => Date;
  drainer: InboxDrainer | null;
}

export function unipileRoute(options: ProviderRouteOptions): Hono {
  const { db, config, logger, now, drainer } = options;
  const route = new Hono();
  route.post(
    "/",
    requireSecret({
      header: config.secretHeader,
      secret: config.secret,
      onReject: (reason) =>
        logger.warn({ provider: "unipile", status: statusFor("unauthorized"), reason }, "webhook rejected: secret header missing or wrong"),
    }),
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) => {
        logger.warn(
          { provider: "unipile", status: statusFor("payload_too_large"), maxBytes: config.maxBodyBytes },
          "webhook rejected: body too large",
        );
        return c.json(
          errorBody("payload_too_large", `body larger than ${config.maxBodyBytes} bytes (OFFERLAB_WEBHOOK_MAX_BODY)`),
          statusFor("payload_too_large"),
        );
      },
    }),
    async (c) => {
      const text = await c.req.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        logger.warn({ provider: "unipile", status: statusFor("invalid_input"), bytes: text.length }, "webhook rejected: malformed JSON");
        return c.json(
          errorBody("invalid_input", `malformed JSON: ${error instanceof Error ? error.message : String(error)}`),
          statusFor("invalid_input"),
        );
      }
      let parsed: UnipileWebhookPayload;
      try {
        parsed = parseUnipileWebhook(body);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn(
          { provider: "unipile", status: statusFor("invalid_input"), problem: message },
          "webhook rejected: unknown or invalid shape",
        );
        return c.json(errorBody("invalid_input", message), statusFor("invalid_input"));
      }
      // The key needs no context: for messages and emails it is the message's own id, the same
      // the inbox sync stores, whichever direction the worker later decides.
      const event = toProviderEvent(parsed);
      const receivedAt = now();
      const stored = await storeWebhookEvent(db, {
        provider: "unipile",
        dedupeKey: providerEventKey(event, receivedAt),
        eventType: event.type,
        payload: body,
        receivedAt,
      });
      logger.info(
        {
          provider: "unipile",
          event: parsed.source === "account_status" ? "account_status" : (body as { event: string }).event,
          eventType: event.type,
          stored: stored.stored,
          inboxId: stored.id,
        },
        stored.stored ? "webhook stored" : "webhook already stored (redelivery)",
      );
      drainer?.kick();
      return c.json({ ok: true, stored: stored.stored, duplicate: !stored.stored }, 200);
    },
  );
  return route;
}
