/**
 * Usage wiring: the `onUsage` callback the apps pass to every provider adapter. It records each
 * call in `tool_usage` (and the tool's totals, and its credit balance when the vendor reported
 * one) with the ids the caller attached, and tells a running pipeline what each of its calls
 * cost, so the run's credit budget counts exactly what the vendors reported (billed failures
 * included). Its `gate` is the rate-limit gate the apps pass to the same adapters: every call
 * takes one unit from the tool's `rate_limit_per_minute` / `_per_day` windows in the database.
 */
import { toolRateLimits, toolUsage, type DbOrTrx, type UsageRecord } from "@offerlab/db";
import { createRateGate, type CallGate, type OnUsage, type RateGateOptions, type UsageEvent } from "@offerlab/provider-kit";

/** Context key the pipeline sets on each call so the recorder can hand the event back to it. */
export const PIPELINE_CALL_ID = "pipelineCallId";
/** Context key naming the pipeline run a call belongs to (also filed in `request_params`). */
export const PIPELINE_RUN_ID = "pipelineRunId";

export interface UsageRecorderOptions {
  /**
   * Called when writing the usage row fails (the provider call itself has already succeeded or
   * failed; bookkeeping never changes that). Default: `console.warn`.
   */
  onError?: (error: unknown, event: UsageEvent) => void;
  /** Also called with every event after it is recorded (logging, metrics). Default: none. */
  onEvent?: (event: UsageEvent) => void;
  /**
   * The calls are the sandbox's simulated ones: rows are marked `tool_usage.sandbox` and the tools'
   * running totals (real spend) are left alone. Default false.
   */
  sandbox?: boolean;
  /**
   * How the rate-limit gate waits: `maxWaitMs` (default 65 000: a full minute window is waited
   * out, a full day fails at once), and an injected `now` / `sleep` for tests.
   */
  rateGate?: Omit<RateGateOptions, "consume">;
}

export interface UsageRecorder {
  /** Pass this to every adapter: `createLeadMagic({ onUsage: recorder.onUsage })`. */
  readonly onUsage: OnUsage;
  /** Pass this to every adapter too: `createLeadMagic({ onUsage, gate: recorder.gate })`. */
  readonly gate: CallGate;
  /**
   * Subscribes to the events of one call (matched by the `pipelineCallId` context key).
   * Returns the unsubscribe function. Used by the pipeline; apps do not need it.
   */
  watch(callId: string, listener: (event: UsageEvent) => void): () => void;
}

/** Maps a kit usage event onto a `tool_usage` record (pure; exported for tests and other callers). */
export function usageRecordOf(event: UsageEvent): UsageRecord {
  const ctx = event.context ?? {};
  const runId = ctx[PIPELINE_RUN_ID];
  return {
    tool: event.tool,
    action: event.action,
    status: event.status,
    credits: event.credits,
    durationMs: event.durationMs,
    ...(event.resultsCount !== undefined ? { resultsCount: event.resultsCount } : {}),
    ...(event.request || runId ? { request: { ...event.request, ...(runId ? { pipeline_run_id: runId } : {}) } } : {}),
    ...(event.response ? { response: event.response } : {}),
    ...(event.error ? { error: `${event.error.kind}: ${event.error.message}` } : {}),
    ...(event.balance ? { balance: event.balance } : {}),
    offerId: ctx.offerId ?? null,
    companyId: ctx.companyId ?? null,
    contactId: ctx.contactId ?? null,
  };
}

/**
 * Creates the usage recorder for a database: `const usage = createUsageRecorder(db)`, then
 * `createExa({ onUsage: usage.onUsage })` and `{ db, usage, ... }` as the pipeline context.
 */
export function createUsageRecorder(db: DbOrTrx, options: UsageRecorderOptions = {}): UsageRecorder {
  const listeners = new Map<string, (event: UsageEvent) => void>();
  const onError =
    options.onError ??
    ((error: unknown, event: UsageEvent) => {
      console.warn(
        `[pipeline] could not record usage of ${event.tool} ${event.action}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  const gate = createRateGate({ ...options.rateGate, consume: (tool, at) => toolRateLimits.consume(db, tool, at) });
  return {
    gate,
    async onUsage(event) {
      // The listener first: the budget must see the cost even if the bookkeeping row fails.
      const callId = event.context?.[PIPELINE_CALL_ID];
      if (callId) listeners.get(callId)?.(event);
      try {
        await toolUsage.record(db, { ...usageRecordOf(event), ...(options.sandbox ? { sandbox: true } : {}) });
      } catch (error) {
        onError(error, event);
      }
      options.onEvent?.(event);
    },
    watch(callId, listener) {
      listeners.set(callId, listener);
      return () => {
        listeners.delete(callId);
      };
    },
  };
}
