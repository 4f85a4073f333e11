import { DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS, OfferlabError, type OfferlabErrorOptions } from "@offerlab/core";

/** The webhook server's configuration, read from the environment once at start-up. */
export interface WebhookServerConfig {
  /** Shared secret Unipile sends in `secretHeader` (`OFFERLAB_WEBHOOK_SECRET`, at least 32 characters). */
  secret: string;
  /** Header the secret is read from (`OFFERLAB_WEBHOOK_SECRET_HEADER`). Default `x-offerlab-webhook-secret`. */
  secretHeader: string;
  /** Port to listen on (`PORT`). Default 8787. */
  port: number;
  /** Largest accepted body in bytes (`OFFERLAB_WEBHOOK_MAX_BODY`). Default 256 KiB. */
  maxBodyBytes: number;
  /**
   * The secret set on the Cal.com webhook (`OFFERLAB_CALCOM_WEBHOOK_SECRET`); it keys the
   * `X-Cal-Signature-256` HMAC. Null: `/webhooks/calcom` answers 404 and writes nothing.
   */
  calcomSecret: string | null;
  /**
   * The `signing_key` of the Calendly webhook subscription (`OFFERLAB_CALENDLY_SIGNING_KEY`). Null:
   * `/webhooks/calendly` answers 404 and writes nothing.
   */
  calendlySigningKey: string | null;
  /**
   * How far a booking's signed time (Calendly's `t`, Cal.com's `createdAt`) may lie from now, in
   * seconds (`OFFERLAB_BOOKING_REPLAY_WINDOW`). Default 300.
   */
  bookingReplayWindowSeconds: number;
}

export const DEFAULT_SECRET_HEADER = "x-offerlab-webhook-secret";
export const DEFAULT_PORT = 8787;
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
export const MIN_SECRET_LENGTH = 32;
/** Shortest accepted Cal.com secret or Calendly signing key. */
export const MIN_BOOKING_SECRET_LENGTH = 16;

/** A configuration problem: the message names the variable and what to set. */
export class ConfigError extends OfferlabError {
  override readonly name = "ConfigError";
  constructor(message: string, options?: OfferlabErrorOptions) {
    super("config_invalid", message, options);
  }

  /** True for a ConfigError of any copy of this package. */
  static override isInstance(error: unknown): error is ConfigError {
    return OfferlabError.isNamed(error, "ConfigError");
  }
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > max) {
    throw new ConfigError(`${name} must be a whole number between 1 and ${max}, got "${raw}"`);
  }
  return n;
}

/**
 * Reads the server's configuration. Refuses to start without a secret of at least 32 characters:
 * an unauthenticated webhook endpoint would let anyone mark prospects as replied or unsubscribed.
 */
export function loadWebhookConfig(env: Record<string, string | undefined> = process.env): WebhookServerConfig {
  const secret = env.OFFERLAB_WEBHOOK_SECRET ?? "";
  if (!secret) {
    throw new ConfigError(
      "OFFERLAB_WEBHOOK_SECRET is not set: generate one with `openssl rand -hex 32` (or `offerlab webhooks register`) and set it in the environment",
    );
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `OFFERLAB_WEBHOOK_SECRET is ${secret.length} characters long; it must be at least ${MIN_SECRET_LENGTH} (generate one with \`openssl rand -hex 32\`)`,
    );
  }
  const secretHeader = (env.OFFERLAB_WEBHOOK_SECRET_HEADER?.trim() || DEFAULT_SECRET_HEADER).toLowerCase();
  if (!/^[a-z0-9-]+$/.test(secretHeader)) {
    throw new ConfigError(`OFFERLAB_WEBHOOK_SECRET_HEADER must be a header name (letters, digits, dashes), got "${secretHeader}"`);
  }
  return {
    secret,
    secretHeader,
    port: positiveInt(env, "PORT", DEFAULT_PORT, 65535),
    maxBodyBytes: positiveInt(env, "OFFERLAB_WEBHOOK_MAX_BODY", DEFAULT_MAX_BODY_BYTES, 16 * 1024 * 1024),
    calcomSecret: bookingSecret(env, "OFFERLAB_CALCOM_WEBHOOK_SECRET"),
    calendlySigningKey: bookingSecret(env, "OFFERLAB_CALENDLY_SIGNING_KEY"),
    bookingReplayWindowSeconds: positiveInt(env, "OFFERLAB_BOOKING_REPLAY_WINDOW", DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS, 86_400),
  };
}

/**
 * A booking tool's secret: optional (its route stays off without it), but when set it must be
 * long enough that nobody can guess it and forge meetings.
 */
function bookingSecret(env: Record<string, string | undefined>, name: string): string | null {
  const value = env[name]?.trim() ?? "";
  if (!value) return null;
  if (value.length < MIN_BOOKING_SECRET_LENGTH) {
    throw new ConfigError(
      `${name} is ${value.length} characters long; it must be at least ${MIN_BOOKING_SECRET_LENGTH} (generate one with \`openssl rand -hex 32\` and set the same value in the booking tool)`,
    );
  }
  return value;
}
