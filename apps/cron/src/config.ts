import { hostname } from "node:os";
import { OfferlabError, type OfferlabErrorOptions } from "@offerlab/core";
import { Cron } from "croner";

/** The runner's configuration, read from the environment once at start-up. */
export interface CronConfig {
  /** When `daemon` runs a tick (`OFFERLAB_CRON_SCHEDULE`, a cron expression in UTC, seconds optional). Default every minute. */
  schedule: string;
  /** Pending LinkedIn invitations older than this many days are withdrawn (`OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS`). Default 21. */
  withdrawInvitationsAfterDays: number;
  /** How far back the inbox sync reads each tick, in hours (`OFFERLAB_INBOX_SYNC_LOOKBACK_HOURS`). Default 6. */
  inboxSyncLookbackHours: number;
  /** A tool with this many credits left or fewer is reported (`OFFERLAB_CREDIT_ALERT_THRESHOLD`). Default 100. */
  creditAlertThreshold: number;
  /**
   * After SIGTERM, how long the sends in flight may take to finish before the process exits anyway
   * (`OFFERLAB_CRON_SHUTDOWN_GRACE_SECONDS`). Default 45: longer than the provider timeout (30 s),
   * and an attempt cut short is fenced by its lease and settled by the reconciler.
   */
  shutdownGraceSeconds: number;
  /** Names this runner in send attempts (`OFFERLAB_RUNNER_ID`). Default `<hostname>:<pid>`. */
  runnerId: string;
  /**
   * Sends in flight at once in this runner, each to a different account (`OFFERLAB_SEND_CONCURRENCY`,
   * 1–256). Default 4. Every lane holds a database connection only while it claims or records.
   */
  sendConcurrency: number;
  /**
   * Where `daemon` writes its heartbeat (`OFFERLAB_HEARTBEAT_FILE`): when it last ticked and when
   * it expects the next tick, read by the Docker image's HEALTHCHECK. Default: none written.
   */
  heartbeatFile?: string;
}

export const DEFAULT_SCHEDULE = "* * * * *";
export const DEFAULT_WITHDRAW_AFTER_DAYS = 21;
export const DEFAULT_INBOX_SYNC_LOOKBACK_HOURS = 6;
export const DEFAULT_CREDIT_ALERT_THRESHOLD = 100;
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 45;
export const DEFAULT_SEND_CONCURRENCY = 4;

/** A configuration problem: the message names the variable and what to set. */
export class CronConfigError extends OfferlabError {
  override readonly name = "CronConfigError";
  constructor(message: string, options?: OfferlabErrorOptions) {
    super("config_invalid", message, options);
  }

  /** True for a CronConfigError of any copy of this package. */
  static override isInstance(error: unknown): error is CronConfigError {
    return OfferlabError.isNamed(error, "CronConfigError");
  }
}

/** Checks a cron expression with croner; the error names the variable it came from. */
export function validateSchedule(expression: string, variable = "OFFERLAB_CRON_SCHEDULE"): string {
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (error) {
    throw new CronConfigError(
      `${variable} is not a valid cron expression ("${expression}"): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return expression;
}

function wholeNumber(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CronConfigError(`${name} must be a whole number of ${unit} between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function loadCronConfig(env: Record<string, string | undefined> = process.env): CronConfig {
  return {
    schedule: validateSchedule(env.OFFERLAB_CRON_SCHEDULE?.trim() || DEFAULT_SCHEDULE),
    withdrawInvitationsAfterDays: wholeNumber(env, "OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS", DEFAULT_WITHDRAW_AFTER_DAYS, 1, 365, "days"),
    inboxSyncLookbackHours: wholeNumber(env, "OFFERLAB_INBOX_SYNC_LOOKBACK_HOURS", DEFAULT_INBOX_SYNC_LOOKBACK_HOURS, 1, 24 * 30, "hours"),
    creditAlertThreshold: wholeNumber(env, "OFFERLAB_CREDIT_ALERT_THRESHOLD", DEFAULT_CREDIT_ALERT_THRESHOLD, 0, 1_000_000_000, "credits"),
    shutdownGraceSeconds: wholeNumber(env, "OFFERLAB_CRON_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_SECONDS, 1, 3600, "seconds"),
    runnerId: env.OFFERLAB_RUNNER_ID?.trim() || `${hostname()}:${process.pid}`,
    sendConcurrency: wholeNumber(env, "OFFERLAB_SEND_CONCURRENCY", DEFAULT_SEND_CONCURRENCY, 1, 256, "sends in flight"),
    ...(env.OFFERLAB_HEARTBEAT_FILE?.trim() ? { heartbeatFile: env.OFFERLAB_HEARTBEAT_FILE.trim() } : {}),
  };
}
