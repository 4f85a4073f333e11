/**
 * The long-running runner: a tick at every occurrence of the schedule (croner, UTC), never two at
 * once in one process (an occurrence that falls during a tick is skipped, not queued), and a
 * database that stops answering (a Postgres restart, a failover) makes it wait with back-off and
 * carry on, never exit.
 */
import fs from "node:fs";
import { databaseReachable } from "@offerlab/scheduler";
import { Cron } from "croner";
import { DEFAULT_SCHEDULE } from "./config.js";
import { createLogger } from "./logger.js";
import { runTick, type TickOptions, type TickSummary } from "./tick.js";

export interface DaemonOptions extends TickOptions {
  /** Cron expression (seconds optional), in UTC. Default: `config.schedule`, else every minute. */
  schedule?: string;
  /** Stops the daemon: no new tick; the running one stops claiming and finishes its in-flight send. */
  signal?: AbortSignal;
  /** First wait after the database did not answer, doubled up to `maxBackoffMs`. Default 1 000 ms. */
  backoffMs?: number;
  /** Longest wait between two reachability checks. Default 30 000 ms. */
  maxBackoffMs?: number;
  /**
   * A file rewritten at start and after each tick with `{ "at", "next" }` (ISO times): the last
   * sign of life and the next tick due. The Docker HEALTHCHECK reads it. Default:
   * `config.heartbeatFile` (`OFFERLAB_HEARTBEAT_FILE`), else none.
   */
  heartbeatFile?: string;
  /** Called after each tick (tests, the demo). */
  onTick?: (summary: TickSummary) => void;
  /** Waits `ms` unless the signal aborts first (tests inject a faster one). Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface DaemonSummary {
  ticks: number;
  /** Times the database did not answer before a tick. */
  unreachable: number;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Heartbeat content: when the daemon last showed life and when its next tick is due. */
export interface Heartbeat {
  at: string;
  next: string | null;
}

function writeHeartbeat(file: string | undefined, next: Date | null): void {
  if (!file) return;
  const beat: Heartbeat = { at: new Date().toISOString(), next: next?.toISOString() ?? null };
  // Written beside and renamed, so a health check never reads half a file.
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(beat)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Runs ticks on the schedule until the signal aborts; resolves after the last tick has ended. */
export async function runDaemon(options: DaemonOptions): Promise<DaemonSummary> {
  const logger = options.logger ?? createLogger();
  const schedule = options.schedule ?? options.config?.schedule ?? DEFAULT_SCHEDULE;
  const sleep = options.sleep ?? abortableSleep;
  const cron = new Cron(schedule, { paused: true, timezone: "UTC" });
  const result: DaemonSummary = { ticks: 0, unreachable: 0 };
  const heartbeatFile = options.heartbeatFile ?? options.config?.heartbeatFile;
  logger.info({ schedule, runnerId: options.config?.runnerId }, "daemon started");
  writeHeartbeat(heartbeatFile, cron.nextRun());
  try {
    while (!options.signal?.aborted) {
      const next = cron.nextRun();
      if (!next) break;
      await sleep(next.getTime() - Date.now(), options.signal);
      if (options.signal?.aborted) break;
      let backoff = options.backoffMs ?? 1_000;
      let down = 0;
      while (!options.signal?.aborted && !(await databaseReachable(options.db))) {
        down++;
        result.unreachable++;
        logger.warn({ attempt: down, retryInMs: backoff }, "database unreachable; waiting before the next try");
        await sleep(backoff, options.signal);
        backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 30_000);
      }
      if (options.signal?.aborted) break;
      if (down) logger.info({ attempts: down }, "database reachable again");
      const summary = await runTick({ ...options, logger });
      result.ticks++;
      writeHeartbeat(heartbeatFile, cron.nextRun());
      options.onTick?.(summary);
    }
  } finally {
    cron.stop();
    logger.info({ ticks: result.ticks }, "daemon stopped");
  }
  return result;
}
