/**
 * The app on Node's HTTP server (`@hono/node-server`), and a clean stop: no new connections,
 * requests in flight answered, the running inbox drain finished.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createWebhookApp, type WebhookAppOptions } from "./app.js";
import type { WebhookServerConfig } from "./config.js";
import { createLogger } from "./logger.js";

export interface StartWebhookServerOptions extends Omit<WebhookAppOptions, "config"> {
  config: Pick<WebhookServerConfig, "secret" | "secretHeader" | "maxBodyBytes" | "port"> &
    Partial<Pick<WebhookServerConfig, "calcomSecret" | "calendlySigningKey" | "bookingReplayWindowSeconds">>;
  /** Interface to listen on. Default `0.0.0.0` (every interface, as platforms expect). */
  hostname?: string;
}

export interface RunningWebhookServer {
  /** `http://<host>:<port>`, with the port actually bound (useful with port 0). */
  url: string;
  port: number;
  /** Stops accepting, answers what is in flight, waits for the inbox drain. Idempotent. */
  close(): Promise<void>;
}

export async function startWebhookServer(options: StartWebhookServerOptions): Promise<RunningWebhookServer> {
  const logger = options.logger ?? createLogger();
  const { app, drainer } = createWebhookApp({ ...options, logger });
  const hostname = options.hostname ?? "0.0.0.0";
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.config.port, hostname }, (info: AddressInfo) =>
      resolve({ server: s, port: info.port }),
    );
    s.once("error", reject);
  });
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  const url = `http://${shown}:${port}`;
  logger.info(
    {
      port,
      hostname,
      header: options.config.secretHeader,
      maxBodyBytes: options.config.maxBodyBytes,
      // Which booking routes are on (never the secrets themselves).
      calcom: Boolean(options.config.calcomSecret),
      calendly: Boolean(options.config.calendlySigningKey),
    },
    "webhook server listening",
  );
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
        await drainer?.stop();
        logger.info("webhook server stopped");
      })();
      return closing;
    },
  };
}
