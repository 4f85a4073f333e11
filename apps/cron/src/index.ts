export { CronConfigError, DEFAULT_SCHEDULE, DEFAULT_WITHDRAW_AFTER_DAYS, loadCronConfig, validateSchedule } from "./config.js";
export type { CronConfig } from "./config.js";
