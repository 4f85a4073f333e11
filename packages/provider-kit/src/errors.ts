/**
 * The one error class every provider adapter throws. The scheduler and the pipeline act on `kind`
 * alone; the vendor's own code and message ride along for logs and for precise reasons.
 */
import { OfferlabError, type ErrorCode } from "@offerlab/core";

export const providerErrorKinds = [
  /** Missing, invalid or expired credentials; a disconnected or restricted account. */
  "auth",
  /** Out of credits or quota that only money (or a new period) restores. */
  "credits",
  /** Too many requests now; `retryAfterMs` says how long to cool down when known. */
  "rate_limited",
  /** The request was refused as it stands (bad input, refused recipient); retrying will not help. */
  "invalid",
  /** The resource (account, profile, chat, email, job) does not exist. */
  "not_found",
  /** A failure worth retrying later for a safe read: 5xx, network error, timeout, bad body. */
  "transient",
  /**
   * A non-safe call (a send) whose request may have reached the vendor and whose result we do not
   * know: a timeout, a dropped connection or a 5xx after the request left. Never retry blindly;
   * reconcile with a safe read first.
   */
  "unknown_outcome",
] as const;
export type ProviderErrorKind = (typeof providerErrorKinds)[number];

/** Each kind's code in offerlab's error catalogue (which decides exit codes and HTTP statuses). */
export const providerErrorCodes = {
  auth: "provider_auth",
  credits: "provider_credits",
  rate_limited: "provider_rate_limited",
  invalid: "provider_invalid",
  not_found: "provider_not_found",
  transient: "provider_transient",
  unknown_outcome: "provider_unknown_outcome",
} as const satisfies Record<ProviderErrorKind, ErrorCode>;

/** The catalogue code of a provider error's kind. */
export type ProviderErrorCode = (typeof providerErrorCodes)[ProviderErrorKind];

export interface ProviderErrorOptions {
  kind: ProviderErrorKind;
  /** Short vendor name, e.g. `unipile`. Used as the `[provider-<name>]` message prefix. */
  provider: string;
  message: string;
  /**
   * The vendor's machine-readable code (e.g. `errors/already_invited_recently`), when it gives one.
   * (`code` is the error's catalogue code, from `kind`.)
   */
  vendorCode?: string;
  /** The vendor's human message, when it gives one. */
  vendorMessage?: string;
  /**
   * A precise, stable reason of ours for the scheduler and the CLI ("already_invited_recently",
   * "no_connection_with_recipient", "timeout", "missing_config"...). Defaults to `vendorCode`.
   */
  reason?: string;
  /** HTTP status of the vendor's answer, when there was one. */
  status?: number;
  /** How long to wait before trying again, in ms, when the vendor said or we know. */
  retryAfterMs?: number;
  /** The raw response body (truncated), kept when a body did not parse or did not match. */
  rawBody?: string;
  /**
   * Whether the kit's retry helper may retry this error on a safe read. Default: true for
   * `transient` and `rate_limited`, false otherwise.
   */
  retryable?: boolean;
  cause?: unknown;
}

/** Bodies kept on errors are truncated to this many characters. */
export const MAX_RAW_BODY_CHARS = 4000;

export class ProviderError extends OfferlabError {
  override readonly name = "ProviderError";
  /** The catalogue code of {@link kind} (`provider_<kind>`). */
  declare readonly code: ProviderErrorCode;
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** The vendor's own machine-readable code, when it gave one. */
  readonly vendorCode: string | undefined;
  readonly vendorMessage: string | undefined;
  readonly reason: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly rawBody: string | undefined;
  readonly retryable: boolean;

  constructor(options: ProviderErrorOptions) {
    super(
      providerErrorCodes[options.kind],
      options.message.startsWith("[provider-") ? options.message : `[provider-${options.provider}] ${options.message}`,
      {
        cause: options.cause,
      },
    );
    this.kind = options.kind;
    this.provider = options.provider;
    this.vendorCode = options.vendorCode;
    this.vendorMessage = options.vendorMessage;
    this.reason = options.reason ?? options.vendorCode;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.rawBody = options.rawBody === undefined ? undefined : truncate(options.rawBody, MAX_RAW_BODY_CHARS);
    this.retryable = options.retryable ?? (options.kind === "transient" || options.kind === "rate_limited");
  }

  /** True for any offerlab provider error, even one thrown by another copy of this package. */
  static override isInstance(error: unknown): error is ProviderError {
    // The marker is shared by every offerlab error class (core's ValidationError too): check the name.
    return OfferlabError.isNamed(error, "ProviderError");
  }

  /** A plain object for logs and `tool_usage.error_message` (no raw body, no cause). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      provider: this.provider,
      message: this.message,
      code: this.code,
      vendorCode: this.vendorCode,
      reason: this.reason,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** True when `error` is a ProviderError of one of `kinds`. */
export function isProviderError(error: unknown, ...kinds: ProviderErrorKind[]): error is ProviderError {
  return ProviderError.isInstance(error) && (kinds.length === 0 || kinds.includes(error.kind));
}

/**
 * The kind an HTTP status maps to when the vendor's body says nothing more precise. Vendor error
 * mappers start from this and refine it with the vendor's own codes.
 */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 402) return "credits";
  if (status === 404 || status === 410) return "not_found";
  if (status === 408) return "transient";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "transient";
  return "invalid";
}

/**
 * The error for a missing option, in the one message shape every adapter uses:
 * `[provider-unipile] missing apiKey: pass { apiKey } or set UNIPILE_API_KEY`.
 */
export function missingConfigError(provider: string, option: string, envVar?: string): ProviderError {
  const hint = envVar ? `pass { ${option} } or set ${envVar}` : `pass { ${option} }`;
  return new ProviderError({
    kind: option === "apiKey" ? "auth" : "invalid",
    provider,
    message: `[provider-${provider}] missing ${option}: ${hint}`,
    reason: "missing_config",
    retryable: false,
  });
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…[truncated ${s.length - max} chars]`;
}
