/**
 * @offerlab/logger — structured JSON logs (pino) with secrets redacted, for offerlab's apps.
 */
export { createLogger, prettyLine, REDACTED, redactPaths, scrubSecrets } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
