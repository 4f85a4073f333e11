/**
 * The errors operations add to the ones of the packages below them (core's `ValidationError` for
 * input, db's `NotFoundError` for a reference that names nothing, copy's `GenerationError` for a
 * model that failed). An `OperationError` is an `OfferlabError` whose code is one of the
 * catalogue's operation codes (`@offerlab/core`'s `errorCodes`), so every app turns it into an
 * exit code or an HTTP status through core's one table, like any other offerlab error.
 */
import { OfferlabError, operationErrorCodeList, operationErrors, type OfferlabErrorOptions, type OperationErrorCode } from "@offerlab/core";

/**
 * The catalogue codes an `OperationError` can carry: core's operations section, so the list
 * cannot drift from the catalogue (a code is added there, nowhere else).
 */
export const operationErrorCodes: readonly OperationErrorCode[] = operationErrorCodeList;

export type { OperationErrorCode };

/** Each operation code with its sentence, from the catalogue. */
export const OPERATION_ERROR_CODES: Readonly<Record<OperationErrorCode, string>> = operationErrors;

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
