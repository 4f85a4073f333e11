import { OfferlabError, type ErrorCode, type FieldIssue } from "@offerlab/core";

/**
 * Why a generation failed:
 * - `not_configured`: no model, no `OFFERLAB_LLM`, or its API key is missing.
 * - `refused`: the model declined (content filter / refusal); retrying would not help.
 * - `invalid_output`: every attempt, repairs included, failed validation; `issues` holds the last errors.
 * - `rate_limited`: the provider answered 429 after the SDK's retries; see `retryAfterMs`.
 * - `auth`: the provider rejected the API key (401/403).
 * - `api`: any other provider or network failure.
 */
export type GenerationErrorKind = "not_configured" | "refused" | "invalid_output" | "rate_limited" | "auth" | "api";

/** Each kind's code in offerlab's error catalogue (which decides exit codes and HTTP statuses). */
export const generationErrorCodes = {
  not_configured: "generation_not_configured",
  refused: "generation_refused",
  invalid_output: "generation_invalid_output",
  rate_limited: "generation_rate_limited",
  auth: "generation_auth",
  api: "generation_api",
} as const satisfies Record<GenerationErrorKind, ErrorCode>;

/** The catalogue code of a generation error's kind. */
export type GenerationErrorCode = (typeof generationErrorCodes)[GenerationErrorKind];

/**
 * The one error class of `@offerlab/copy`'s LLM calls. Nothing half-valid is ever returned: a
 * caller either gets output that passed core's schema and the copy checks, or this error.
 */
export class GenerationError extends OfferlabError {
  override readonly name = "GenerationError";
  /** The catalogue code of {@link kind} (`generation_<kind>`). */
  declare readonly code: GenerationErrorCode;
  /** What went wrong; see {@link GenerationErrorKind}. */
  readonly kind: GenerationErrorKind;
  /** Validation errors of the last attempt (`invalid_output`), else empty. */
  readonly issues: FieldIssue[];
  /** Model calls made, repairs included. */
  readonly attempts: number;
  /** How long the provider asked us to wait (`rate_limited`), when it said. */
  readonly retryAfterMs: number | undefined;
  /** The model's last raw text (refusal text, or the invalid output), for logs. */
  readonly rawText: string | undefined;
  /** HTTP status of the provider's answer, when there was one. */
  readonly statusCode: number | undefined;

  constructor(
    kind: GenerationErrorKind,
    message: string,
    details: {
      issues?: FieldIssue[];
      attempts?: number;
      retryAfterMs?: number;
      rawText?: string;
      statusCode?: number;
      cause?: unknown;
    } = {},
  ) {
    super(generationErrorCodes[kind], message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.issues = details.issues ?? [];
    this.attempts = details.attempts ?? 0;
    this.retryAfterMs = details.retryAfterMs;
    this.rawText = details.rawText;
    this.statusCode = details.statusCode;
  }

  /** True for a GenerationError from any copy of this package. */
  static override isInstance(error: unknown): error is GenerationError {
    return OfferlabError.isNamed(error, "GenerationError");
  }
}
