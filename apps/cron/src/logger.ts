/**
 * The cron app's logger: @offerlab/logger's (one home for the pino set-up, its redaction and its
 * pretty lines, shared with the other apps), with `{ app: "cron" }` on every line unless the
 * caller passes `app` or `base`.
 */
import { createLogger as createOfferlabLogger, type Logger, type LoggerOptions } from "@offerlab/logger";

export { prettyLine, REDACTED, redactPaths, scrubSecrets } from "@offerlab/logger";
export type { Logger, LoggerOptions } from "@offerlab/logger";

export function createLogger(options: LoggerOptions = {}): Logger {
  return createOfferlabLogger({ app: "cron", ...options });
}
