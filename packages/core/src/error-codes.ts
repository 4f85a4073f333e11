/**
 * The one catalogue of error codes: every error a person can meet (in the CLI, from the webhook
 * server, later in the dashboard) carries one of these codes, and each code has one sentence that
 * says what it means. Two pure tables map a code to the CLI's exit code and to an HTTP status, so
 * every app answers the same error the same way (trpc's `rpc/codes.ts` and
 * `getHTTPStatusCode.ts`; better-auth's `defineErrorCodes`).
 *
 * Adding a code: add its sentence here, then its exit code and HTTP status below (the tables are
 * `Record<ErrorCode, …>`, so a missing entry does not compile).
 */

/**
 * The catalogue's operation codes: what a person asked for cannot be done as things stand. They
 * are the codes of `@offerlab/operations`' `OperationError`, derived from this section, so adding
 * one here is all it takes (and the only way) to give an operation a new code.
 */
export const operationErrors = {
  campaign_closed: "The campaign is completed or cancelled: nothing can join or restart it.",
  campaign_not_paused: "Only a paused campaign can be resumed.",
  campaign_schedule_invalid: "The campaign's scheduling_config does not parse: recreate the campaign.",
  nothing_to_approve: "The offer has no draft template to approve.",
  provider_failed: "A provider call the operation needed failed; nothing was changed.",
  experiment_stopped: "The experiment is stopped: it allocates no more contacts and cannot be stopped again.",
} as const satisfies Record<string, string>;

/** A code of the catalogue's operations section. */
export type OperationErrorCode = keyof typeof operationErrors;

/** Every operation code, in catalogue order. */
export const operationErrorCodeList = Object.keys(operationErrors) as OperationErrorCode[];

/** Each code with the one sentence that says what it means. */
export const errorCodes = {
  // Input and references
  invalid_input: "The input is invalid (a field, a file or a value breaks a rule); nothing was written.",
  invalid_usage: "The command cannot run as asked (a flag, an argument or a setting is wrong or missing); nothing was written.",
  not_found: "A reference names nothing of its kind.",
  ambiguous_reference: "A reference names more than one row; pass the id instead.",
  unauthorized: "The request did not prove who sent it (a missing or wrong secret).",
  payload_too_large: "The request body is larger than the server accepts.",
  config_invalid: "A configuration value (an environment variable or an option) is missing or invalid.",

  // The database
  pending_migrations: "The PostgreSQL database has migrations to apply first (`offerlab db migrate`); nothing was changed.",
  data_mode_mismatch: "The database belongs to the other world (live or sandbox); nothing was changed.",
  database_busy: "The embedded database is open in another process; nothing was opened.",

  // Work that failed
  command_failed: "The command failed while working.",
  pipeline_input: "The pipeline cannot run as asked (a missing offer, an unusable ICP, a bad step or option); nothing was run.",
  pipeline_run_failed: "A pipeline run stopped on an unexpected error; the run is recorded and can be resumed.",
  budget_reached:
    "A pipeline run stopped at its credit budget, which counts every credit the run spent (its resumes included); what it bought is kept, and a resume with a larger total continues it.",
  import_rejected: "Some rows of the import are invalid; nothing was imported.",
  send_window_invalid: "A send window (time zone, hours or days) is invalid or never opens.",

  // Vendors (`ProviderError`'s kinds)
  provider_auth: "A provider refused our credentials (missing, invalid or expired key; a disconnected or restricted account).",
  provider_credits: "A provider account is out of credits or quota.",
  provider_rate_limited: "A provider is rate limiting us; try again later.",
  provider_invalid: "A provider refused the request as it stands; retrying will not help.",
  provider_not_found: "A provider says the resource (account, profile, chat, email, job) does not exist.",
  provider_transient: "A provider failed in a way worth retrying later (5xx, network error, timeout, bad body).",
  provider_unknown_outcome: "A provider call that acts (a send) may or may not have happened; it is reconciled before any retry.",

  // The language model (`GenerationError`'s kinds)
  generation_not_configured: "No language model is configured (`OFFERLAB_LLM` and its API key).",
  generation_refused: "The language model declined to generate the text.",
  generation_invalid_output: "The language model's output failed validation on every attempt; nothing was kept.",
  generation_rate_limited: "The language model provider is rate limiting us; try again later.",
  generation_auth: "The language model provider rejected the API key.",
  generation_api: "The language model call failed (provider or network error).",

  // Operations (what a person asked for cannot be done as things stand): `operationErrors` above.
  ...operationErrors,

  // Anything else
  internal: "An unexpected error (a bug, or a dependency such as the database going away).",
} as const satisfies Record<string, string>;

/** A code of the catalogue. */
export type ErrorCode = keyof typeof errorCodes;

/** Every code, in catalogue order. */
export const errorCodeList = Object.keys(errorCodes) as ErrorCode[];

/** True when `value` is a code of the catalogue. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(errorCodes, value);
}

/**
 * The CLI's exit codes: 0 success, 1 a failure while working, 2 bad input (nothing was written),
 * 3 a pipeline run stopped at its credit budget (what it bought is kept; a script can tell "resume
 * with more credits" from a failure).
 */
export const exitCodes = { ok: 0, failure: 1, usage: 2, budget: 3 } as const;

/** An exit code an error can end a command with. */
export type ErrorExitCode = typeof exitCodes.failure | typeof exitCodes.usage | typeof exitCodes.budget;

const { failure, usage, budget } = exitCodes;

/**
 * Code → CLI exit code: 2 when the person can fix it by changing what they asked for or where
 * (input, references, configuration, the other world's database), 1 when the work failed
 * (vendors, the model, a bug), 3 when a pipeline run stopped at its credit budget. A PostgreSQL database with pending migrations and an embedded
 * database held by another process exit 1, as they always have.
 */
export const exitCodeByErrorCode: Readonly<Record<ErrorCode, ErrorExitCode>> = {
  invalid_input: usage,
  invalid_usage: usage,
  not_found: usage,
  ambiguous_reference: usage,
  unauthorized: usage,
  payload_too_large: usage,
  config_invalid: usage,
  pending_migrations: failure,
  data_mode_mismatch: usage,
  database_busy: failure,
  command_failed: failure,
  pipeline_input: usage,
  pipeline_run_failed: failure,
  budget_reached: budget,
  import_rejected: usage,
  send_window_invalid: usage,
  provider_auth: failure,
  provider_credits: failure,
  provider_rate_limited: failure,
  provider_invalid: failure,
  provider_not_found: failure,
  provider_transient: failure,
  provider_unknown_outcome: failure,
  generation_not_configured: usage,
  generation_refused: failure,
  generation_invalid_output: failure,
  generation_rate_limited: failure,
  generation_auth: failure,
  generation_api: failure,
  campaign_closed: usage,
  campaign_not_paused: usage,
  campaign_schedule_invalid: usage,
  nothing_to_approve: usage,
  provider_failed: failure,
  experiment_stopped: usage,
  internal: failure,
};

/**
 * Code → HTTP status. 4xx when the client can fix the request; 5xx when the server or something
 * behind it failed (our configuration, the database, a vendor, the model), so a caller that
 * retries on 5xx (Unipile does) tries again later. A vendor refusing our own credentials is a
 * 502, not a 401: the client did nothing wrong.
 */
export const httpStatusByErrorCode: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  invalid_usage: 400,
  not_found: 404,
  ambiguous_reference: 409,
  unauthorized: 401,
  payload_too_large: 413,
  config_invalid: 500,
  pending_migrations: 503,
  data_mode_mismatch: 409,
  database_busy: 503,
  command_failed: 500,
  pipeline_input: 400,
  pipeline_run_failed: 500,
  budget_reached: 402,
  import_rejected: 422,
  send_window_invalid: 400,
  provider_auth: 502,
  provider_credits: 402,
  provider_rate_limited: 429,
  provider_invalid: 422,
  provider_not_found: 404,
  provider_transient: 503,
  provider_unknown_outcome: 502,
  generation_not_configured: 503,
  generation_refused: 422,
  generation_invalid_output: 502,
  generation_rate_limited: 429,
  generation_auth: 502,
  generation_api: 502,
  campaign_closed: 409,
  campaign_not_paused: 409,
  campaign_schedule_invalid: 422,
  nothing_to_approve: 409,
  provider_failed: 502,
  experiment_stopped: 409,
  internal: 500,
};

/** The CLI exit code of a code. */
export function exitCodeForCode(code: ErrorCode): ErrorExitCode {
  return exitCodeByErrorCode[code];
}

/** The HTTP status of a code. */
export function httpStatusForCode(code: ErrorCode): number {
  return httpStatusByErrorCode[code];
}
