/**
 * The HTTP layer every adapter's `<vendor>-api.ts` is built on: timeouts through AbortSignal,
 * JSON and multipart bodies, zod parsing that keeps the raw body on a mismatch, retries for safe
 * reads only, and the rule that a non-safe call which may have reached the vendor fails as
 * `unknown_outcome`, never as a retryable error.
 */
import type { z } from "zod";
import { kindForStatus, ProviderError } from "./errors.js";
import type { ProviderErrorKind } from "./errors.js";
import { joinUrl } from "./config.js";
import { parseRetryAfter, withRetry } from "./retry.js";
import type { RetryOptions } from "./retry.js";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type FormValue = string | number | boolean | Blob | null | undefined | readonly (string | Blob)[];
/** The slice of `fetch` an adapter needs; pass your own for tests, proxies or middleware. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Default request timeout of the kit, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Everything an error mapper knows about a failed response. */
export interface HttpErrorContext {
  provider: string;
  method: HttpMethod;
  /** Path relative to the base URL, without the query string. */
  path: string;
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  body: unknown;
  rawBody: string;
  /** Whether the call was safe to repeat. */
  safe: boolean;
  /** The `Retry-After` header in ms, when present and readable. */
  retryAfterMs: number | undefined;
}

/** Turns a vendor's error response into a ProviderError. One per vendor (`<vendor>-error.ts`). */
export type ErrorMapper = (context: HttpErrorContext) => ProviderError;

export interface HttpClientOptions {
  /** Short vendor name (`unipile`), used in messages and errors. */
  provider: string;
  /** Resolved on every request, so options and env vars are read at call time. */
  baseUrl: () => string;
  /** Headers added to every request (auth), resolved on every request. May throw missing config. */
  headers?: () => Record<string, string>;
  /** Default: the global `fetch`, looked up at call time so test interceptors apply. */
  fetch?: FetchLike | undefined;
  /** Per-request timeout in ms. Default 30 000. */
  timeoutMs?: number | undefined;
  /** Retry policy for safe reads. Sends are never retried whatever this says. */
  retry?: RetryOptions | undefined;
  /** Default: {@link defaultErrorMapper}. */
  mapError?: ErrorMapper;
}

export interface HttpRequest<T> {
  method: HttpMethod;
  /** Path relative to the base URL, e.g. `/users/invite`. */
  path: string;
  /** Arrays repeat the parameter; `undefined` and `null` are left out. */
  query?: Record<string, QueryValue>;
  /** JSON body; sets `Content-Type: application/json`. */
  json?: unknown;
  /**
   * Multipart body. `fetch` sets the Content-Type with its boundary. Arrays repeat the field,
   * booleans become `true`/`false`, `undefined` and `null` are left out.
   */
  form?: FormData | Record<string, FormValue>;
  headers?: Record<string, string>;
  /** Parses the success body; a mismatch is a ProviderError carrying the raw body. */
  schema?: z.ZodType<T>;
  /**
   * Whether the call may be repeated without effect. Default: true for GET and HEAD, false for
   * everything else. Only safe calls are retried; a non-safe call that may have reached the
   * vendor and failed without a definite answer throws `unknown_outcome`.
   */
  safe?: boolean;
  timeoutMs?: number;
  /** Cancels the call (and any retry wait). */
  signal?: AbortSignal | undefined;
  /** Overrides the client's retry policy for this call. */
  retry?: RetryOptions;
}

export interface HttpResult<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface HttpClient {
  readonly provider: string;
  request<T = unknown>(request: HttpRequest<T>): Promise<HttpResult<T>>;
  /** The full URL a request would go to (for logs and tests). */
  url(path: string, query?: Record<string, QueryValue>): string;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const provider = options.provider;
  const mapError = options.mapError ?? defaultErrorMapper;
  const url = (path: string, query?: Record<string, QueryValue>) => buildUrl(options.baseUrl(), path, query);

  async function attempt<T>(req: HttpRequest<T>, safe: boolean): Promise<HttpResult<T>> {
    const target = url(req.path, req.query);
    const headers = new Headers({ accept: "application/json", ...options.headers?.(), ...req.headers });
    let body: RequestInit["body"];
    if (req.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      // fetch must set multipart/form-data with its boundary itself.
      headers.delete("content-type");
      body = req.form instanceof FormData ? req.form : toFormData(req.form);
    }
    if (req.signal?.aborted) throw req.signal.reason;

    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutMarker(timeoutMs)), timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    let response: Response;
    let rawBody: string;
    try {
      response = await doFetch(target, { method: req.method, headers, body, signal });
      rawBody = await response.text();
    } catch (error) {
      throw transportError(provider, req, safe, error, timeout.signal.aborted, timeoutMs);
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) {
      const context: HttpErrorContext = {
        provider,
        method: req.method,
        path: req.path,
        status: response.status,
        headers: response.headers,
        body: tryParseJson(rawBody),
        rawBody,
        safe,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
      };
      let error = mapError(context);
      if (error.retryAfterMs === undefined && context.retryAfterMs !== undefined) {
        error = reclassify(error, error.kind, { retryAfterMs: context.retryAfterMs });
      }
      // A 5xx or timeout after a send left: the vendor may have acted. Only a definite refusal
      // (4xx, 429) means nothing happened.
      if (!safe && error.kind === "transient") {
        error = reclassify(error, "unknown_outcome", { retryable: false });
      }
      throw error;
    }

    if (!req.schema) {
      return { data: (rawBody === "" ? undefined : tryParseJson(rawBody)) as T, status: response.status, headers: response.headers };
    }
    const parsedJson = tryParseJson(rawBody, NOT_JSON);
    if (parsedJson === NOT_JSON) {
      throw badBody(provider, req, safe, response.status, rawBody, "malformed_response", "response is not JSON");
    }
    const parsed = req.schema.safeParse(parsedJson);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw badBody(
        provider,
        req,
        safe,
        response.status,
        rawBody,
        "unexpected_response",
        `response did not match: ${issues}`,
        parsed.error,
      );
    }
    return { data: parsed.data, status: response.status, headers: response.headers };
  }

  return {
    provider,
    url,
    request<T>(req: HttpRequest<T>) {
      const safe = req.safe ?? (req.method === "GET" || req.method === "HEAD");
      const retry = { ...options.retry, ...req.retry };
      return withRetry(() => attempt(req, safe), { ...retry, safe, ...(req.signal ? { signal: req.signal } : {}) });
    },
  };
}

/**
 * The fallback mapper: kind from the status, the vendor code from `code`, `type` or `error`, the
 * message from `message`, `title`, `detail` or `error_description`.
 */
export function defaultErrorMapper(context: HttpErrorContext): ProviderError {
  const body = (typeof context.body === "object" && context.body !== null ? context.body : {}) as Record<string, unknown>;
  const code = firstString(body.code, body.type, body.error);
  const vendorMessage = firstString(body.message, body.title, body.detail, body.error_description);
  return new ProviderError({
    kind: kindForStatus(context.status),
    provider: context.provider,
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(context.retryAfterMs !== undefined ? { retryAfterMs: context.retryAfterMs } : {}),
  });
}

/** A copy of `error` with another kind (and optionally other fields), keeping the original as cause. */
export function reclassify(
  error: ProviderError,
  kind: ProviderErrorKind,
  patch: { retryAfterMs?: number; retryable?: boolean; reason?: string; message?: string } = {},
): ProviderError {
  return new ProviderError({
    kind,
    provider: error.provider,
    message: patch.message ?? error.message,
    ...(error.vendorCode !== undefined ? { vendorCode: error.vendorCode } : {}),
    ...(error.vendorMessage !== undefined ? { vendorMessage: error.vendorMessage } : {}),
    ...((patch.reason ?? error.reason) !== undefined ? { reason: (patch.reason ?? error.reason) as string } : {}),
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...((patch.retryAfterMs ?? error.retryAfterMs) !== undefined
      ? { retryAfterMs: (patch.retryAfterMs ?? error.retryAfterMs) as number }
      : {}),
    ...(error.rawBody !== undefined ? { rawBody: error.rawBody } : {}),
    retryable: patch.retryable ?? (kind === error.kind ? error.retryable : kind === "transient" || kind === "rate_limited"),
    cause: error.cause ?? error,
  });
}

/** Builds `base + path + ?query`, repeating array parameters and leaving out empty ones. */
export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const url = new URL(joinUrl(baseUrl, path));
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
    else url.searchParams.append(key, String(value));
  }
  return url.toString();
}

/** A multipart body from a record: arrays repeat the field, `undefined`/`null` are left out. */
export function toFormData(fields: Record<string, FormValue>): FormData {
  const form = new FormData();
  const add = (key: string, v: string | number | boolean | Blob) => {
    if (v instanceof Blob) form.append(key, v);
    else form.append(key, String(v));
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value as readonly (string | Blob)[]) add(key, v);
    else add(key, value as string | number | boolean | Blob);
  }
  return form;
}

const NOT_JSON = Symbol("not-json");
function tryParseJson(text: string): unknown;
function tryParseJson<F>(text: string, fallback: F): unknown;
function tryParseJson(text: string, fallback: unknown = undefined): unknown {
  if (text.trim() === "") return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === "string" && v !== "") return v;
  return undefined;
}

// Internal: the abort reason of `request`'s own timeout. `transportError` turns the aborted fetch
// into a ProviderError, so it never leaves this file: no OfferlabError, no code.
class TimeoutMarker extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

// Connection-phase failures: the request certainly never reached the vendor.
const neverSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL", "UND_ERR_CONNECT_TIMEOUT"]);

function transportError(
  provider: string,
  req: HttpRequest<unknown>,
  safe: boolean,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
): unknown {
  if (ProviderError.isInstance(error)) return error;
  const where = `${req.method} ${req.path}`;
  if (timedOut) {
    return new ProviderError({
      kind: safe ? "transient" : "unknown_outcome",
      provider,
      message: `${where} timed out after ${timeoutMs} ms${safe ? "" : "; the vendor may have acted (unknown outcome)"}`,
      reason: "timeout",
      retryable: safe,
      cause: error,
    });
  }
  if (req.signal?.aborted) {
    // Cancelled by the caller. For a send in flight, cancelling does not undo it.
    if (safe) return req.signal.reason;
    return new ProviderError({
      kind: "unknown_outcome",
      provider,
      message: `${where} was cancelled while in flight; the vendor may have acted (unknown outcome)`,
      reason: "aborted",
      retryable: false,
      cause: req.signal.reason,
    });
  }
  const code = errorCode(error);
  const neverSent = code !== undefined && neverSentCodes.has(code);
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({
    kind: safe || neverSent ? "transient" : "unknown_outcome",
    provider,
    message: `${where} failed: ${message}${safe || neverSent ? "" : "; the vendor may have acted (unknown outcome)"}`,
    reason: "network_error",
    ...(code ? { vendorCode: code } : {}),
    retryable: safe || neverSent,
    cause: error,
  });
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, i = 0; e && typeof e === "object" && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function badBody(
  provider: string,
  req: HttpRequest<unknown>,
  safe: boolean,
  status: number,
  rawBody: string,
  reason: string,
  detail: string,
  cause?: unknown,
): ProviderError {
  return new ProviderError({
    // A send answered 2xx probably happened, but without its ids we cannot record it: reconcile.
    kind: safe ? "transient" : "unknown_outcome",
    provider,
    message: `${req.method} ${req.path} returned ${status} with an unexpected body: ${detail}`,
    reason,
    status,
    rawBody,
    // The same body would come back; retrying a read that may cost credits is not worth it.
    retryable: false,
    cause,
  });
}
