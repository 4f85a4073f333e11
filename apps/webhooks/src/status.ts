/**
 * HTTP statuses come from core's one table (code → status), shared with the CLI's exit codes and
 * the dashboard: the server never picks a number of its own for an error.
 */
import { httpStatusForCode, httpStatusOf, type ErrorCode } from "@offerlab/core";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The status of a catalogue code, typed for Hono's `c.json`. */
export function statusFor(code: ErrorCode): ContentfulStatusCode {
  return httpStatusForCode(code) as ContentfulStatusCode;
}

/** The status of anything thrown: its code's for an offerlab error, 500 otherwise. */
export function statusOfError(error: unknown): ContentfulStatusCode {
  return httpStatusOf(error) as ContentfulStatusCode;
}

/** The JSON body of every error the server answers: what went wrong in words and its catalogue code. */
export function errorBody(code: ErrorCode, message: string): { error: string; code: ErrorCode } {
  return { error: message, code };
}
