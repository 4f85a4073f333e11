/**
 * The errors operations add to the ones of the packages below them (core's `ValidationError` for
 * input, db's `NotFoundError` for a reference that names nothing, copy's `GenerationError` for a
 * model that failed). Each carries a string `code` from the catalogue below and, like every
 * offerlab error, the `Symbol.for('offerlab.error')` marker, so `isInstance` survives two copies of
 * the package in one install.
 */

const OFFERLAB_ERROR = Symbol.for("offerlab.error");

/** Every code an `OperationError` can carry, with what it means. */
export const OPERATION_ERROR_CODES = {
  campaign_closed: "the campaign is completed or cancelled: nothing can join or restart it",
  campaign_not_paused: "only a paused campaign can be resumed",
  campaign_schedule_invalid: "the campaign's scheduling_config does not parse: recreate the campaign",
  nothing_to_approve: "the offer has no draft template to approve",
  provider_failed: "a provider call the operation needs failed; nothing was changed",
} as const;

export type OperationErrorCode = keyof typeof OPERATION_ERROR_CODES;

/** A request the operation refused or could not carry out; nothing was written. */
export class OperationError extends Error {
  readonly [OFFERLAB_ERROR] = true;
  override readonly name = "OperationError";

  constructor(
    readonly code: OperationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is OperationError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[OFFERLAB_ERROR] === true && (error as { name?: string }).name === "OperationError";
  }
}

/**
 * Whether the error is the caller's to fix (bad request: exit 2, HTTP 4xx) rather than a failure
 * while working (exit 1, HTTP 5xx). One table, so every app maps a code the same way.
 */
export function isRequestError(code: OperationErrorCode): boolean {
  switch (code) {
    case "campaign_closed":
    case "campaign_not_paused":
    case "campaign_schedule_invalid":
    case "nothing_to_approve":
      return true;
    case "provider_failed":
      return false;
    default:
      return assertNever(code);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled operation error code: ${String(value)}`);
}
