/**
 * Which world a database belongs to: live (real vendors, real people, real sends) or the sandbox's
 * simulated one. A database is marked on first use by a run of either kind and, from then on,
 * refuses runs of the other kind — a live run must never reuse a simulated lookup, count simulated
 * credits or send to a simulated person at a domain that may be real, and the sandbox must never
 * write simulated people into a live database.
 */
import { OfferlabError, type DataMode } from "@offerlab/core";
import { sql } from "kysely";
import type { DbOrTrx } from "./transaction.js";

export interface DataModeMark {
  mode: DataMode;
  markedAt: Date;
  note: string | null;
}

/**
 * A run of one kind met a database of the other; nothing was changed. `found` is the database's
 * mode, or `unmarked_with_data` when a sandbox run met a database that already holds data nobody
 * marked (data from before marks existed, or made without offerlab's commands): it is treated as
 * live.
 */
export class DataModeMismatchError extends OfferlabError {
  /** What happened, without the advice (callers with better advice add their own). */
  readonly summary: string;

  constructor(
    readonly description: string,
    readonly run: DataMode,
    readonly found: DataMode | "unmarked_with_data",
  ) {
    const summary =
      run === "live"
        ? `${description} holds the sandbox's simulated data (offerlab demo, --sandbox): a live run never reads, reuses, counts or sends to it.`
        : `${description} holds live data${found === "unmarked_with_data" ? " (data not made by the sandbox)" : ""}: the sandbox never writes into it.`;
    super(
      "data_mode_mismatch",
      `${summary} ${run === "live" ? "Use your live database instead (another data directory or DATABASE_URL)." : "Sandbox runs use a database of their own (./.offerlab-sandbox by default)."}`,
    );
    this.summary = summary;
    this.name = "DataModeMismatchError";
  }

  /** True for this error class, also across two copies of this package in one install. */
  static override isInstance(error: unknown): error is DataModeMismatchError {
    return OfferlabError.isNamed(error, "DataModeMismatchError");
  }
}

/** The database's mark, or null when nothing has marked it yet. */
export async function dataMode(db: DbOrTrx): Promise<DataModeMark | null> {
  const row = await db.selectFrom("offerlab_instance").select(["mode", "marked_at", "note"]).executeTakeFirst();
  return row ? { mode: row.mode, markedAt: row.marked_at, note: row.note } : null;
}

/** Whether the database holds anything a person or a run made (offers, accounts, companies, contacts, provider calls). */
async function holdsData(db: DbOrTrx): Promise<boolean> {
  const { rows } = await sql<{ any: boolean }>`
    SELECT EXISTS (SELECT 1 FROM offers) OR EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM companies)
        OR EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM tool_usage) OR EXISTS (SELECT 1 FROM pipeline_runs) AS any`.execute(db);
  return Boolean(rows[0]?.any);
}

/**
 * What a database holds, for a command that may start it afresh (`offerlab demo` on its own
 * folder): whether it holds anything a person or a run made, and the slugs of its offers.
 */
export async function databaseContents(db: DbOrTrx): Promise<{ holdsData: boolean; offerSlugs: string[] }> {
  const slugs = await db.selectFrom("offers").select("slug").orderBy("slug").execute();
  return { holdsData: slugs.length > 0 || (await holdsData(db)), offerSlugs: slugs.map((o) => o.slug ?? "(no slug)") };
}

/**
 * Makes sure the database belongs to the world of this run and returns its mark. An unmarked
 * database is marked with `mode` — unless the run is a sandbox run and the database already holds
 * data, which is then taken for live data and refused. A database of the other world throws
 * {@link DataModeMismatchError}. Safe when several processes open one database at once: the first
 * mark wins and every process checks against it.
 */
export async function claimDataMode(
  db: DbOrTrx,
  mode: DataMode,
  options: { description?: string; note?: string } = {},
): Promise<DataModeMark> {
  const description = options.description ?? "this database";
  let mark = await dataMode(db);
  if (!mark) {
    if (mode === "sandbox" && (await holdsData(db))) throw new DataModeMismatchError(description, mode, "unmarked_with_data");
    await db
      .insertInto("offerlab_instance")
      .values({ mode, note: options.note ?? null })
      .onConflict((oc) => oc.column("singleton").doNothing())
      .execute();
    mark = (await dataMode(db))!;
  }
  if (mark.mode !== mode) throw new DataModeMismatchError(description, mode, mark.mode);
  return mark;
}

/**
 * Records where a sandbox run's simulated clock stopped (`offerlab demo`): the data's clock, which
 * sandbox data is judged on (with the last send, reply or assignment; db's
 * `dataClockAt`). Only moves forward; only on a database marked `sandbox` (a live
 * database has the wall clock). Returns whether it was recorded.
 */
export async function recordSimulatedClock(db: DbOrTrx, at: Date): Promise<boolean> {
  const out = await db
    .updateTable("offerlab_instance")
    .set({ simulated_clock_at: at })
    .where("mode", "=", "sandbox")
    .where((eb) => eb.or([eb("simulated_clock_at", "is", null), eb("simulated_clock_at", "<", at)]))
    .returning("singleton")
    .execute();
  return out.length > 0;
}
