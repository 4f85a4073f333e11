/**
 * The errors operations add to the ones of the packages below them (core's `ValidationError` for
 * input, db's `NotFoundError` for a reference that names nothing, copy's `GenerationError` for a
 * model that failed). An `OperationError` is an `OfferlabError` whose code is one of the
 * catalogue's operation codes (`@offerlab/core`'s `errorCodes`), so every app turns it into an
 * exit code or an HTTP status through core's one table, like any other offerlab error.
 */
import { errorCodes, OfferlabError, type OfferlabErrorOptions } from "@offerlab/core";

/** The catalogue codes an `OperationError` can carry. */
export const operationErrorCodes = [
  "campaign_closed",
  "campaign_not_paused",
  "campaign_schedule_invalid",
  "nothing_to_approve",
  "provider_failed",
] as const;

export type OperationErrorCode = (typeof operationErrorCodes)[number];

/** Each operation code with its sentence, from the catalogue. */
export const OPERATION_ERROR_CODES: Readonly<Record<OperationErrorCode, string>> = Object.fromEntries(
  operationErrorCodes.map((code) => [code, errorCodes[code]]),
) as Record<OperationErrorCode, string>;

/** A request the operation refused or could not carry out; nothing was written. */
export class OperationError extends OfferlabError {
  declare readonly code: OperationErrorCode;

  constructor(code: OperationErrorCode, message: string, options?: OfferlabErrorOptions) {
    super(code, message, options);
    this.name = "OperationError";
  }

  static override isInstance(error: unknown): error is OperationError {
    return OfferlabError.isNamed(error, "OperationError");
  }
}
