/**
 * Polling for asynchronous vendor jobs (task runs, crawls, people requests): check until done,
 * with a growing interval, a hard deadline and cancellation.
 */
import { ProviderError } from "./errors.js";
import { sleep as defaultSleep } from "./retry.js";

export interface PollOptions<T> {
  /** Short vendor name, for the deadline error. */
  provider: string;
  /** What is being waited for, for messages (e.g. `crawl 123`). */
  what: string;
  /** One check. It receives the signal so an in-flight check stops on cancel. */
  check: (signal: AbortSignal | undefined) => Promise<T>;
  /** True when the job is finished (successfully or not: the caller inspects the value). */
  isDone: (value: T) => boolean;
  /** First wait between checks, in ms. Default 1 000. */
  intervalMs?: number;
  /** The wait grows by this factor after each check. Default 1.5. */
  backoff?: number;
  /** Longest wait between checks, in ms. Default 15 000. */
  maxIntervalMs?: number;
  /** Give up after this long, in ms, counted from the first check. Default 300 000 (5 minutes). */
  timeoutMs?: number;
  /** Stops polling; the returned promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Called once when polling stops without a result (deadline or cancel), e.g. to cancel the job
   * at the vendor. Its errors are swallowed.
   */
  onAbandon?: (why: "deadline" | "cancelled") => Promise<void> | void;
  /** Called with each unfinished value, e.g. for progress. */
  onProgress?: (value: T, checks: number) => void;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/**
 * Resolves with the first value `isDone` accepts. Rejects with a `transient` ProviderError (reason
 * `poll_deadline`) when the deadline passes, or with the signal's reason when cancelled. Errors
 * thrown by `check` propagate unchanged (use the HTTP client's retries for flaky checks).
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? defaultSleep;
  const deadline = now() + (options.timeoutMs ?? 300_000);
  let interval = options.intervalMs ?? 1_000;
  const maxInterval = options.maxIntervalMs ?? 15_000;
  const factor = options.backoff ?? 1.5;
  let abandoned = false;
  const abandon = async (why: "deadline" | "cancelled") => {
    if (abandoned) return;
    abandoned = true;
    try {
      await options.onAbandon?.(why);
    } catch {
      // Best effort: the job ends at the vendor on its own eventually.
    }
  };

  for (let checks = 1; ; checks++) {
    if (options.signal?.aborted) {
      await abandon("cancelled");
      throw options.signal.reason;
    }
    let value: T;
    try {
      value = await options.check(options.signal);
    } catch (error) {
      if (options.signal?.aborted) await abandon("cancelled");
      throw error;
    }
    if (options.isDone(value)) return value;
    options.onProgress?.(value, checks);
    const remaining = deadline - now();
    if (remaining <= 0) {
      await abandon("deadline");
      throw new ProviderError({
        kind: "transient",
        provider: options.provider,
        message: `${options.what} did not finish within ${options.timeoutMs ?? 300_000} ms (${checks} checks)`,
        reason: "poll_deadline",
        retryable: false,
      });
    }
    try {
      await wait(Math.min(interval, remaining), options.signal);
    } catch (error) {
      await abandon("cancelled");
      throw error;
    }
    interval = Math.min(maxInterval, interval * factor);
  }
}
