export { ConfigError, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, DEFAULT_SECRET_HEADER, loadWebhookConfig, MIN_SECRET_LENGTH } from "./config.js";
export type { WebhookServerConfig } from "./config.js";
