/**
 * The bookings aggregate: `unmatched_bookings`, the booking-tool events (Cal.com, Calendly) whose
 * attendees matched no contact. Kept with their raw payload, listed for a person, and marked
 * matched once an outcome is recorded for them. Idempotent on `(source, external_id)`: a
 * redelivery of the same event is one row.
 */
import type { BookingEvent, BookingSource } from "@offerlab/core";
import type { Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import { chunks } from "./shared.js";
import type { DbOrTrx } from "../transaction.js";

export type UnmatchedBooking = Selectable<Database["unmatched_bookings"]>;

export interface UnmatchedBookingInput {
  source: BookingSource;
  external_id: string;
  event: BookingEvent;
  trigger: string;
  attendee_email: string | null;
  attendee_name: string | null;
  meeting_at: Date;
  occurred_at: Date;
  title: string | null;
  payload: unknown;
  received_at: Date;
}

export const bookings = {
  /**
   * Keeps a booking nobody matched. A second delivery of the same source and external id returns
   * the row kept the first time (`created: false`) and writes nothing.
   */
  async keepUnmatched(db: DbOrTrx, input: UnmatchedBookingInput): Promise<{ booking: UnmatchedBooking; created: boolean }> {
    const inserted = await db
      .insertInto("unmatched_bookings")
      .values({ ...input, payload: jsonb(input.payload as never) })
      .onConflict((oc) => oc.columns(["source", "external_id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { booking: inserted, created: true };
    const existing = await db
      .selectFrom("unmatched_bookings")
      .selectAll()
      .where("source", "=", input.source)
      .where("external_id", "=", input.external_id)
      .executeTakeFirstOrThrow();
    return { booking: existing, created: false };
  },

  /** Unmatched bookings, newest first; `open` (default true) leaves out those matched since. */
  async listUnmatched(db: DbOrTrx, filter: { open?: boolean; limit?: number } = {}): Promise<UnmatchedBooking[]> {
    let q = db.selectFrom("unmatched_bookings").selectAll();
    if (filter.open !== false) q = q.where("matched_outcome_id", "is", null);
    return q
      .orderBy("received_at", "desc")
      .orderBy("id", "desc")
      .limit(filter.limit ?? 1000)
      .execute();
  },

  /**
   * Open kept bookings whose kept attendee's email is one of `emails` (compared trimmed and in
   * lower case), oldest first: those a contact just given one of these addresses can now match.
   */
  async openUnmatchedFor(db: DbOrTrx, emails: readonly string[]): Promise<UnmatchedBooking[]> {
    const keys = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
    const found: UnmatchedBooking[] = [];
    // In slices: an import's addresses can outnumber the 65,535 parameters of one statement.
    for (const slice of chunks(keys, 10_000)) {
      found.push(
        ...(await db
          .selectFrom("unmatched_bookings")
          .selectAll()
          .where("matched_outcome_id", "is", null)
          .where((eb) => eb(eb.fn("lower", [eb.fn("trim", ["attendee_email"])]), "in", slice))
          .execute()),
      );
    }
    // Oldest first, as one statement would have ordered them.
    return found.sort((a, b) => a.received_at.getTime() - b.received_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  },

  /** The kept booking of a source and external id, if any. */
  async findUnmatched(db: DbOrTrx, source: BookingSource, externalId: string): Promise<UnmatchedBooking | undefined> {
    return db
      .selectFrom("unmatched_bookings")
      .selectAll()
      .where("source", "=", source)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
  },

  /** Marks a kept booking matched to the outcome recorded for it (only if still open). */
  async markBookingMatched(db: DbOrTrx, id: string, outcomeId: string, at: Date): Promise<boolean> {
    const r = await db
      .updateTable("unmatched_bookings")
      .set({ matched_outcome_id: outcomeId, matched_at: at })
      .where("id", "=", id)
      .where("matched_outcome_id", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
};
