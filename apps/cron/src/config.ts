import { Cron } from "croner";

/** The runner's configuration, read from the environment once at start-up. */
export interface CronConfig {
  /** When `daemon` runs a tick (`OFFERLAB_CRON_SCHEDULE`, a cron expression, seconds optional). Default every minute. */
  schedule: string;
  /** Pending LinkedIn invitations older than this many days are withdrawn (`OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS`). Default 21. */
  withdrawInvitationsAfterDays: number;
}

export const DEFAULT_SCHEDULE = "* * * * *";
export const DEFAULT_WITHDRAW_AFTER_DAYS = 21;

/** A configuration problem: the message names the variable and what to set. */
export class CronConfigError extends Error {
  override readonly name = "CronConfigError";
}

/** Checks a cron expression with croner; the error names the variable it came from. */
export function validateSchedule(expression: string, variable = "OFFERLAB_CRON_SCHEDULE"): string {
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (error) {
    throw new CronConfigError(`${variable} is not a valid cron expression ("${expression}"): ${error instanceof Error ? error.message : String(error)}`);
  }
  return expression;
}

export function loadCronConfig(env: Record<string, string | undefined> = process.env): CronConfig {
  const schedule = validateSchedule(env.OFFERLAB_CRON_SCHEDULE?.trim() || DEFAULT_SCHEDULE);
  const rawDays = env.OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS?.trim();
  const days = rawDays ? Number(rawDays) : DEFAULT_WITHDRAW_AFTER_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    throw new CronConfigError(`OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS must be a whole number of days between 1 and 365, got "${rawDays}"`);
  }
  return { schedule, withdrawInvitationsAfterDays: days };
}
