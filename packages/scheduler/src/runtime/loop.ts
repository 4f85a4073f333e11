import { systemRandomSource } from "../engine/random.js";
import { readTickSettings, type TickSettings } from "./context.js";
import { dispatchOne } from "./dispatch.js";
import { reapExpired } from "./reaper.js";
import { reconcileUnknown, type ReconcileOptions, type ReconcileSummary } from "./reconciler.js";
import { RunnerCrash, type DispatchOutcome, type SendPathOptions } from "./types.js";

export interface RunOptions extends SendPathOptions {
  /**
   * The reconciliation pass before sending: its bounds (see `ReconcileOptions`), or `false` when
   * the caller runs `reconcileUnknown` itself (the cron tick does, as its own job). Default: a pass
   * with the default bounds.
   */
  reconcile?: ReconcileOptions | false;
  /** Stop after this many handled rows. Default: until nothing is due. */
  max?: number;
  /** Stop when this signal aborts (SIGTERM): no new claim starts; an in-flight send finishes. */
  signal?: AbortSignal;
  /** Called on a database or unexpected error before the loop backs off and goes on. */
  onError?: (error: unknown) => void;
  /** First back-off after an error, doubled up to 30 s. Default 250 ms. */
  errorBackoffMs?: number;
  /** How long to keep waiting while every due row's account is mid-send elsewhere. Default 2 000 ms. */
  busyWaitMs?: number;
  /** Give up after this many consecutive errors (then rethrow). Default 20. */
  maxConsecutiveErrors?: number;
}

export interface RunSummary {
  handled: number;
  outcomes: Record<DispatchOutcome["kind"], number>;
  deferred: Record<string, number>;
  errors: number;
  reaped: { requeued: number; unknown: number };
  reconciled: ReconcileSummary;
}

/**
 * One runner's tick: reap lapsed leases, reconcile the unknown outcomes whose check is due (a
 * bounded pass, see `reconcileUnknown`), then send due rows until none is due. A database error (a killed connection, a Postgres restart) does not end it: it
 * backs off and carries on, because every step is safe to repeat.
 */
export async function runSendPath(options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = {
    handled: 0,
    outcomes: { idle: 0, busy: 0, deferred: 0, skipped: 0, sent: 0, refused: 0, unknown: 0, lost: 0 },
    deferred: {},
    errors: 0,
    reaped: { requeued: 0, unknown: 0 },
    reconciled: { sent: 0, notSent: 0, cannotTell: 0, undetermined: 0, postponed: 0 },
  };
  let consecutive = 0;
  let backoff = options.errorBackoffMs ?? 250;
  const guard = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      const out = await fn();
      consecutive = 0;
      backoff = options.errorBackoffMs ?? 250;
      return out;
    } catch (error) {
      if (error instanceof RunnerCrash) throw error;
      summary.errors++;
      consecutive++;
      options.onError?.(error);
      if (consecutive >= (options.maxConsecutiveErrors ?? 20)) throw error;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 30_000);
      return undefined;
    }
  };
  const reaped = await guard(() => reapExpired(options));
  if (reaped) summary.reaped = reaped;
  if (options.reconcile !== false) {
    const bounds = options.reconcile ?? {};
    const reconciled = await guard(() => reconcileUnknown({ ...options, ...bounds }));
    if (reconciled) summary.reconciled = reconciled;
  }
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const busyWaitMs = options.busyWaitMs ?? 2_000;
  // Spreads the waits of runners that found each other busy (through the injected source, like
  // every draw of the scheduler).
  const waits = (options.random ?? systemRandomSource()).stream(`busy-wait|${options.runnerId ?? "runner"}`);
  let busySince: number | null = null;
  // The settings (the cooling-off window) are read once for the tick, not once per claimed row.
  let tick: TickSettings | undefined;
  while (summary.handled < max && !options.signal?.aborted) {
    const out = await guard(async () => dispatchOne(options, (tick ??= await readTickSettings(options.db))));
    if (!out) continue;
    if (out.kind === "idle") break;
    if (out.kind === "busy") {
      // Other runners are sending from every account with due rows: wait for one to finish,
      // but not forever (a hung runner's account frees only when the reaper takes its lease).
      busySince ??= Date.now();
      if (Date.now() - busySince > busyWaitMs) break;
      await new Promise((r) => setTimeout(r, 5 + waits() * 20));
      continue;
    }
    busySince = null;
    summary.handled++;
    summary.outcomes[out.kind]++;
    if (out.kind === "deferred") summary.deferred[out.reason] = (summary.deferred[out.reason] ?? 0) + 1;
  }
  return summary;
}
