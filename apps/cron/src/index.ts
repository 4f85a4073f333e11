/**
 * @offerlab/cron — the runner: one tick of every job (`runTick`), on a schedule (`runDaemon`), or
 * from the environment as `offerlab cron once|daemon` (`cronOnce`, `cronDaemon`).
 */
export {
  CronConfigError,
  DEFAULT_CREDIT_ALERT_THRESHOLD,
  DEFAULT_INBOX_SYNC_LOOKBACK_HOURS,
  DEFAULT_SCHEDULE,
  DEFAULT_SEND_CONCURRENCY,
  DEFAULT_SHUTDOWN_GRACE_SECONDS,
  DEFAULT_WITHDRAW_AFTER_DAYS,
  loadCronConfig,
  validateSchedule,
} from "./config.js";
export type { CronConfig } from "./config.js";
export { inboxDecoders, JOBS, runTick } from "./tick.js";
export type { JobName, JobResult, TickOptions, TickProviders, TickSummary } from "./tick.js";
export { runDaemon } from "./daemon.js";
export type { DaemonOptions, DaemonSummary } from "./daemon.js";
export { cronDaemon, cronOnce } from "./main.js";
export type { CronMainOptions } from "./main.js";
export { providersFromUnipile, rateGateOnDatabase, unipileFromEnv, usageToDatabase } from "./providers.js";
export { createLogger, prettyLine, REDACTED, redactPaths, scrubSecrets } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
