/**
 * Retries for safe reads, in one place. Sends are never retried here: a caller that passes
 * `safe: false` gets exactly one attempt whatever happens.
 */
import { ProviderError } from "./errors.js";

export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. `1` disables retries. */
  maxAttempts?: number;
  /** Base of the exponential backoff, in ms. Default 500. */
  baseDelayMs?: number;
  /**
   * Longest wait between two attempts, in ms. Default 30 000. A `Retry-After` longer than this is
   * not waited out in-process: the error is thrown (with its `retryAfterMs`) so the caller can defer.
   */
  maxDelayMs?: number;
  /** Injected for tests. Default: a timer that stops early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests: a number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called before each wait, e.g. for logging. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export interface RetryCall extends RetryOptions {
  /**
   * Whether the call is safe to repeat (a read, or a write the vendor deduplicates). Unsafe calls
   * run exactly once.
   */
  safe: boolean;
  /** Stops waiting and retrying when aborted. */
  signal?: AbortSignal;
}

export const defaultRetryOptions = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 } as const;

/** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? defaultRetryOptions.baseDelayMs;
  const max = options.maxDelayMs ?? defaultRetryOptions.maxDelayMs;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into milliseconds, or `undefined`
 * when absent or unreadable. Negative values become 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Sleeps `ms`, rejecting with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn`, retrying retryable ProviderErrors (`transient`, `rate_limited`) when `safe` is true.
 * A `retryAfterMs` on the error is honoured when it is at most `maxDelayMs`; a longer one ends the
 * retries. Anything that is not a retryable ProviderError is thrown at once.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, call: RetryCall): Promise<T> {
  const maxAttempts = call.safe ? Math.max(1, call.maxAttempts ?? defaultRetryOptions.maxAttempts) : 1;
  const maxDelay = call.maxDelayMs ?? defaultRetryOptions.maxDelayMs;
  const wait = call.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !ProviderError.isInstance(error) || !error.retryable) throw error;
      if (error.kind !== "transient" && error.kind !== "rate_limited") throw error;
      if (call.signal?.aborted) throw error;
      let delayMs: number;
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > maxDelay) throw error;
        delayMs = error.retryAfterMs;
      } else {
        delayMs = backoffDelay(attempt, call);
      }
      call.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, call.signal);
    }
  }
}
