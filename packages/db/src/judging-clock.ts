/**
 * The time to judge a database's data at (eligibility, cooling-off, forecasts, experiment
 * reports, usage windows). Sandbox data is simulated in the past: its stored statuses
 * (cooling_off …), its queue and its outcomes were set on the sandbox's own clock, so judged on the
 * wall clock they disagree with themselves. On the data's clock ({@link dataClockAt}) they agree.
 * The dashboard's pages, `offerlab why`, `report`, `tools list` and `accounts list` on sandbox
 * data all judge through this one function.
 */
import { sql } from "kysely";
import { dataMode } from "./data-mode.js";
import type { DbOrTrx } from "./transaction.js";

export interface JudgingClock {
  /** The time to judge at. */
  at: Date;
  /** True when `at` is the data's own clock ({@link dataClockAt}), not `now`. */
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
 * The data's own clock: where a sandbox run's simulated clock stopped (`offerlab_instance.
 * simulated_clock_at`, recorded by the demo) or the latest send, reply or experiment assignment
 * recorded, whichever is later; null on a database where nothing happened. The simulated clock
 * counts because a run's last send is not where it stopped (`offerlab demo --weeks 1` simulates to
 * Monday 03-09; nothing is sent at the weekend, so its last send is on Friday 03-06).
 */
export async function dataClockAt(db: DbOrTrx): Promise<Date | null> {
  const row = await sql<{ at: Date | string | null }>`
    SELECT GREATEST(
      (SELECT MAX(sent_at) FROM messages),
      (SELECT MAX(replied_at) FROM messages),
      (SELECT MAX(assigned_at) FROM experiment_assignments),
      (SELECT MAX(simulated_clock_at) FROM offerlab_instance)
    ) AS at`.execute(db);
  const at = row.rows[0]?.at ?? null;
  return at === null ? null : new Date(at);
}

/**
 * The judging time: the data's clock ({@link dataClockAt}) when `dataClock` is true — or, with
 * `"sandbox"`, when the database is marked as the sandbox's — and anything happened; otherwise `now`.
 */
export async function judgingClock(db: DbOrTrx, opts: { now: Date; dataClock: boolean | "sandbox" }): Promise<JudgingClock> {
  const onData = opts.dataClock === "sandbox" ? (await dataMode(db))?.mode === "sandbox" : opts.dataClock;
  const at = onData ? await dataClockAt(db) : null;
  return at ? { at, data: true } : { at: opts.now, data: false };
}
