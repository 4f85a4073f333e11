/**
 * @offerlab/webhooks — the webhook server: Hono on Node, one route module per provider, events
 * stored in the inbox under the provider's ids and applied after the answer.
 */
export {
  ConfigError,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  DEFAULT_SECRET_HEADER,
  loadWebhookConfig,
  MIN_SECRET_LENGTH,
} from "./config.js";
export type { WebhookServerConfig } from "./config.js";
export { createWebhookApp } from "./app.js";
export type { WebhookApp, WebhookAppOptions } from "./app.js";
export { startWebhookServer } from "./server.js";
export type { RunningWebhookServer, StartWebhookServerOptions } from "./server.js";
export { serveWebhooks } from "./main.js";
export type { ServeOptions } from "./main.js";
export { createInboxDrainer } from "./inbox.js";
export type { InboxDrainer, InboxDrainerOptions } from "./inbox.js";
export { decodeUnipile, webhookDecoders } from "./decoders.js";
export { requireSecret, secretsEqual } from "./auth.js";
export { createLogger, prettyLine, redactPaths, REDACTED, scrubSecrets } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
export { generateWebhookSecret, registerUnipileWebhooks, unipileWebhookUrl, UNIPILE_SUBSCRIPTIONS } from "./register.js";
export type { RegisterOptions, RegisterResult } from "./register.js";
