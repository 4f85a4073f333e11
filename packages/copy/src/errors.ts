import type { FieldIssue } from "@offerlab/core";
import { OFFERLAB_ERROR } from "@offerlab/core";

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

/**
 * The one error class of `@offerlab/copy`'s LLM calls. Nothing half-valid is ever returned: a
 * caller either gets output that passed core's schema and the copy checks, or this error.
 */
export class GenerationError extends Error {
  readonly [OFFERLAB_ERROR] = true;
  override readonly name = "GenerationError";
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
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.issues = details.issues ?? [];
    this.attempts = details.attempts ?? 0;
    this.retryAfterMs = details.retryAfterMs;
    this.rawText = details.rawText;
    this.statusCode = details.statusCode;
  }

  /** True for a GenerationError from any copy of this package. */
  static isInstance(error: unknown): error is GenerationError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[OFFERLAB_ERROR] === true &&
      (error as { name?: string }).name === "GenerationError"
    );
  }
}
