/**
 * The time to judge a database's data at (eligibility, cooling-off, forecasts). Sandbox data is
 * simulated in the past: its stored statuses (cooling_off …) and its queue were set on the
 * sandbox's own clock, so judged on the wall clock they disagree with themselves. On the data's
 * clock — the last send the database records — they agree. The dashboard's pages and
 * `offerlab why --sandbox` both judge through this one function.
 */
import { dataMode } from "./data-mode.js";
import type { DbOrTrx } from "./transaction.js";

export interface JudgingClock {
  /** The time to judge at. */
  at: Date;
  /** True when `at` is the data's last send (not `now`). */
  data: boolean;
}

/** The latest `sent_at` of any message, or null when nothing was sent. */
export async function lastSendAt(db: DbOrTrx): Promise<Date | null> {
  const row = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.max("sent_at").as("at"))
    .executeTakeFirst();
  return row?.at ? new Date(row.at as unknown as string) : null;
}

/**
 * The judging time: the data's last send when `dataClock` is true — or, with `"sandbox"`, when
 * the database is marked as the sandbox's — and something was sent; otherwise `now`.
 */
export async function judgingClock(db: DbOrTrx, opts: { now: Date; dataClock: boolean | "sandbox" }): Promise<JudgingClock> {
  const onData = opts.dataClock === "sandbox" ? (await dataMode(db))?.mode === "sandbox" : opts.dataClock;
  const last = onData ? await lastSendAt(db) : null;
  return last ? { at: last, data: true } : { at: opts.now, data: false };
}
