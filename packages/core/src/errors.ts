/**
 * The one base of offerlab's errors. Every error a person can meet is an `OfferlabError` with a
 * `code` from the catalogue (`error-codes.ts`); apps turn it into an exit code or an HTTP status
 * with {@link exitCodeOf} and {@link httpStatusOf}, never class by class.
 *
 * Checks use the static `isInstance` of a class, not `instanceof`: two copies of a package in one
 * install (an app bundling its own) make two classes, and `instanceof` fails across them. Every
 * offerlab error carries the same marker (`Symbol.for`, shared across copies); a subclass's
 * `isInstance` checks the marker and its `name`.
 */
import { exitCodeByErrorCode, httpStatusByErrorCode, isErrorCode, type ErrorCode, type ErrorExitCode } from "./error-codes.js";

/** Marker shared by every offerlab error class, so checks survive two copies of a package. */
export const OFFERLAB_ERROR = Symbol.for("offerlab.error");

/** Options every offerlab error takes. */
export interface OfferlabErrorOptions {
  /** The error this one wraps (kept as `cause`, for logs). */
  cause?: unknown;
}

export class OfferlabError extends Error {
  readonly [OFFERLAB_ERROR] = true;
  /** What went wrong, from the catalogue; decides the exit code and the HTTP status. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: OfferlabErrorOptions) {
    // Only an options object that names `cause` sets one, as with `Error` itself.
    super(message, options !== undefined && "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.name = "OfferlabError";
  }

  /** True for any offerlab error, of any class, also from another copy of a package. */
  static isInstance(error: unknown): error is OfferlabError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[OFFERLAB_ERROR] === true;
  }

  /**
   * True for an offerlab error whose `name` is `name`, also from another copy of its package.
   * Each subclass's `isInstance` is this check with its own name.
   */
  static isNamed(error: unknown, name: string): boolean {
    return OfferlabError.isInstance(error) && (error as { name?: unknown }).name === name;
  }
}

/**
 * The catalogue code of any thrown value: an offerlab error's own code (also from another copy of
 * a package), `internal` for anything else, or a code this copy does not know.
 */
export function errorCodeOf(error: unknown): ErrorCode {
  if (!OfferlabError.isInstance(error)) return "internal";
  const code = (error as { code?: unknown }).code;
  return isErrorCode(code) ? code : "internal";
}

/** The CLI exit code for any thrown value: by its code; 1 for anything that is not an offerlab error. */
export function exitCodeOf(error: unknown): ErrorExitCode {
  return exitCodeByErrorCode[errorCodeOf(error)];
}

/** The HTTP status for any thrown value: by its code; 500 for anything that is not an offerlab error. */
export function httpStatusOf(error: unknown): number {
  return httpStatusByErrorCode[errorCodeOf(error)];
}
