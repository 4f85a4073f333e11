/**
 * The gate behind every vendor call: before a call leaves, it takes one unit from the tool's own
 * rate limits (`tools.rate_limit_per_minute` / `_per_day`) through a counter the app provides
 * (`toolRateLimits.consume` of `@offerlab/db`: one row per tool and window, shared by every
 * process on the database).
 *
 * When a window is full the gate waits for it to roll over if that is at most `maxWaitMs` away
 * (a full minute window: at most a minute), then asks again; otherwise (a full day, or a wait
 * longer than allowed) it fails at once with a `rate_limited` ProviderError, reason
 * `local_rate_limit`, that names the tool, the limit and when the window rolls (`retryAfterMs`).
 * The vendor is never called and no usage is recorded for a refused call.
 */
import { ProviderError } from "./errors.js";
import { sleep as defaultSleep } from "./retry.js";
import type { CallGate } from "./usage.js";

/** The counter's answer (the shape of `RateVerdict` in `@offerlab/db`). */
export type RateGateVerdict = { ok: true } | { ok: false; window: "minute" | "day"; limit: number; retryAt: Date };

export interface RateGateOptions {
  /** Takes one call for `tool` at `at`, or says which window is full. */
  consume(tool: string, at: Date): Promise<RateGateVerdict>;
  /** Longest the gate waits for a window to roll, in ms. Default 65 000 (a minute window, with slack). 0 never waits. */
  maxWaitMs?: number;
  /** Injected for tests. Default `Date.now`. */
  now?: () => number;
  /** Injected for tests. Default: a timer that the call's signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Default {@link RateGateOptions.maxWaitMs}. */
export const DEFAULT_RATE_GATE_MAX_WAIT_MS = 65_000;

/** Reason of the error a full window raises. */
export const LOCAL_RATE_LIMIT_REASON = "local_rate_limit";

const MAX_ASKS = 3;

export function createRateGate(options: RateGateOptions): CallGate {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_RATE_GATE_MAX_WAIT_MS;
  return async ({ tool, action, signal }) => {
    const started = now();
    for (let asked = 1; ; asked++) {
      const at = now();
      const verdict = await options.consume(tool, new Date(at));
      if (verdict.ok) return;
      const waitMs = Math.max(0, verdict.retryAt.getTime() - at);
      // Too long to wait, waited long enough already (other runners took the new window too), or
      // asked thrice (a clock that does not move, such as a paused simulated one, never rolls).
      if (at + waitMs - started > maxWaitMs || asked >= MAX_ASKS || signal?.aborted) {
        throw new ProviderError({
          kind: "rate_limited",
          provider: tool,
          message:
            `${action} not sent: ${tool} used up its limit of ${verdict.limit} calls per ${verdict.window} ` +
            `(tools.rate_limit_per_${verdict.window}); the window rolls at ${verdict.retryAt.toISOString()}. ` +
            `Change it with \`offerlab tools limits ${tool}\`.`,
          reason: LOCAL_RATE_LIMIT_REASON,
          retryAfterMs: waitMs,
          retryable: false,
        });
      }
      // A few ms past the boundary, so the next ask falls in the new window whatever the clocks.
      await sleep(waitMs + 5, signal);
    }
  };
}
