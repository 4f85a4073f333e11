import { systemRandomSource } from "../engine/random.js";
import { readTickSettings, type TickSettings } from "./context.js";
import type { Claimed } from "./attempt.js";
import { dispatchBatch, sendClaimed } from "./dispatch.js";
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
  /** Stop when this signal aborts (SIGTERM): no new claim starts; every in-flight send finishes and is recorded before the run returns. */
  signal?: AbortSignal;
  /** Called on a database or unexpected error before the loop backs off and goes on. */
  onError?: (error: unknown) => void;
  /** First back-off after an error, doubled up to 30 s. Default 250 ms. */
  errorBackoffMs?: number;
  /** How long to keep waiting while every due row's account is mid-send elsewhere. Default 2 000 ms. */
  busyWaitMs?: number;
  /** Give up after this many consecutive errors (then rethrow). Default 20. */
  maxConsecutiveErrors?: number;
  /**
   * Sends in flight at once in this runner, each to a different account (never two for one
   * account, never over a limit: the same guards as between runners). A whole number from 1 to
   * 256. Default {@link DEFAULT_SEND_CONCURRENCY} (1: one lane, so a seeded run claims and sends in
   * the same order on any database); the cron runner and `offerlab serve` read
   * `OFFERLAB_SEND_CONCURRENCY` (default 4 there). Free lanes share one claim: the lane that claims
   * takes up to one row per free lane, of different accounts, in one statement and one commit
   * (issue 19). Size the database pool to match: each lane holds a connection only while it claims
   * or records, never during the provider call.
   */
  concurrency?: number;
}

/**
 * Sends in flight at once when `concurrency` is not given: one, so a library caller's seeded run is
 * reproducible (with several lanes the order of claims depends on timing). The cron runner's own
 * default is 4 (apps/cron `DEFAULT_SEND_CONCURRENCY`).
 */
export const DEFAULT_SEND_CONCURRENCY = 1;
/** The highest `concurrency` accepted. */
export const MAX_SEND_CONCURRENCY = 256;

/** The concurrency to run with; a value that is not a whole number from 1 to 256 is refused, naming the option. */
export function resolveConcurrency(value: number | undefined): number {
  if (value === undefined) return DEFAULT_SEND_CONCURRENCY;
  if (!Number.isInteger(value) || value < 1 || value > MAX_SEND_CONCURRENCY) {
    throw new RangeError(
      `runSendPath: concurrency must be a whole number from 1 to ${MAX_SEND_CONCURRENCY} (sends in flight at once), got ${String(value)}`,
    );
  }
  return value;
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
 * bounded pass, see `reconcileUnknown`), then send due rows until none is due, with up to
 * `concurrency` sends in flight at once (free lanes take their rows from one batch claim, then each
 * calls and records on its own; see `RunOptions.concurrency`). A database error (a killed connection, a Postgres restart) does not
 * end it: it backs off and carries on, because every step is safe to repeat.
 */
export async function runSendPath(input: RunOptions): Promise<RunSummary> {
  const concurrency = resolveConcurrency(input.concurrency);
  // A simulated crash (the tests' RunnerCrash) kills the whole process, not one lane: once one
  // lane died, every other lane dies at its next crash point, leaving what SIGKILL would.
  let crashed = false;
  const options: RunOptions = input.crashAt
    ? {
        ...input,
        crashAt: async (point, info) => {
          if (crashed) throw new RunnerCrash(point);
          try {
            await input.crashAt!(point, info);
          } catch (error) {
            if (error instanceof RunnerCrash) crashed = true;
            throw error;
          }
        },
      }
    : input;
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
  // The settings (the cooling-off window) are read once for the tick, not once per claimed row.
  let tick: Promise<TickSettings> | undefined;
  // Rows a lane has started on (claimed or about to claim) and not yet handed back: with `max`, no
  // claim starts that could take the run past it.
  let started = 0;
  // Sends in flight (claimed, past the claim, including claimed rows waiting for a free lane): a
  // lane that finds only busy accounts keeps waiting while one is sending, since its account frees soon.
  let sending = 0;
  // Issue 19: one claim feeds every free lane. The rows a batch claimed for lanes other than the
  // claiming one wait here; while a claim is under way the other free lanes wait for it rather
  // than claim on their own, so rows held (claimed, queued here or being sent) never outnumber
  // the lanes: never more than `concurrency` sends in flight.
  const handed: Claimed[] = [];
  let claiming: Promise<unknown> | undefined;
  let held = 0;
  let live = concurrency;
  const count = (out: Exclude<DispatchOutcome, { kind: "idle" | "busy" }>) => {
    summary.handled++;
    summary.outcomes[out.kind]++;
    if (out.kind === "deferred") summary.deferred[out.reason] = (summary.deferred[out.reason] ?? 0) + 1;
  };
  const send = async (claimed: Claimed) => {
    const out = await guard(() => sendClaimed(options, claimed));
    sending--;
    held--;
    return out;
  };
  const lane = async (n: number) => {
    // Spreads the waits of lanes and runners that found each other busy (through the injected
    // source, like every draw of the scheduler).
    const waits = (options.random ?? systemRandomSource()).stream(`busy-wait|${options.runnerId ?? "runner"}|${n}`);
    let busySince: number | null = null;
    // A claimed row handed to this lane is sent even once the run is told to stop: it is in flight.
    while (!crashed && (handed.length > 0 || (started < max && !options.signal?.aborted))) {
      let out: DispatchOutcome | undefined;
      const mine = handed.shift();
      if (mine) out = await send(mine);
      else if (claiming) {
        // (Its error, if any, is the claiming lane's to count.)
        await claiming.catch(() => undefined);
        continue;
      } else {
        // Rows for every lane of this runner not holding one (1 with one lane: exactly the single
        // claim, so a seeded one-lane run replays), never past `max`.
        const k = Math.max(1, Math.min(live - held, max - started));
        started += k;
        held += k;
        const batch = guard(async () => {
          tick ??= readTickSettings(options.db);
          const settings = await tick.catch((error: unknown) => {
            tick = undefined;
            throw error;
          });
          return dispatchBatch(options, k, settings);
        });
        claiming = batch;
        const got = await batch.finally(() => (claiming = undefined));
        const rows = got?.filter((r) => r.kind !== "idle" && r.kind !== "busy") ?? [];
        started -= k - rows.length;
        const claimed = rows.filter((r): r is Claimed => r.kind === "claimed");
        held += claimed.length - k;
        sending += claimed.length;
        // Deferred and skipped rows are handled already; the claiming lane sends the first claimed
        // row itself and hands the others to the free lanes.
        for (const r of rows) if (r.kind !== "claimed") count(r);
        handed.push(...claimed.slice(1));
        if (claimed[0]) out = await send(claimed[0]);
        else if (rows.length > 0) {
          busySince = null;
          continue;
        } else {
          // Nothing claimed: idle, busy, or an error (already counted by the guard).
          out = got?.[0] as DispatchOutcome | undefined;
          if (!out) continue;
        }
      }
      // A send that failed with an error (counted by the guard) gives its row back to `max`.
      if (!out) {
        started--;
        continue;
      }
      if (out.kind === "idle") break;
      if (out.kind === "busy") {
        // Other runners (or this runner's other lanes) are sending from every account with due
        // rows: wait for one to finish, but not forever (a hung runner's account frees only when
        // the reaper takes its lease); never give up while a lane of this runner is mid-send.
        busySince ??= Date.now();
        if (sending === 0 && Date.now() - busySince > busyWaitMs) break;
        await new Promise((r) => setTimeout(r, 5 + waits() * 20));
        continue;
      }
      busySince = null;
      count(out);
    }
    live--;
  };
  // Lanes share this runner's pool: a batch claim takes one row per account, and the claim's SKIP
  // LOCKED, the account lock and the one-attempt-in-flight-per-account index keep batches and
  // lanes apart exactly as they keep runners apart. A crash (RunnerCrash in tests) in one lane rejects the run, as a dead process
  // would; the others are left where they were, as SIGKILL leaves them.
  const lanes = Array.from({ length: concurrency }, (_, n) => lane(n));
  const settled = await Promise.allSettled(lanes);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return summary;
}
