/**
 * Match the bookings kept for nobody we knew: each open `unmatched_bookings` row is read again
 * from its stored payload and recorded with `recordBooking`; a row whose attendee is a contact
 * now becomes an outcome (attributed as of the booking's own time) and is marked matched. Rows
 * still matching nobody stay as they are. One transaction.
 */
import { isIgnoredBooking, parseCalComWebhook, parseCalendlyWebhook, type Booking } from "@offerlab/core";
import { bookings } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { recordBookingIn } from "./record-booking.js";

export interface MatchBookingsResult {
  /** Open rows looked at. */
  checked: number;
  /** Rows that became outcomes, with the outcome's id. */
  matched: { bookingId: string; outcomeId: string; attendee: string }[];
  stillUnmatched: number;
}

export async function matchBookings(ctx: OperationContext, options: { windowDays?: number } = {}): Promise<MatchBookingsResult> {
  const now = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const open = await bookings.listUnmatched(trx, { open: true, limit: 10_000 });
    const result: MatchBookingsResult = { checked: open.length, matched: [], stillUnmatched: 0 };
    for (const row of [...open].reverse()) {
      let parsed: ReturnType<typeof parseCalComWebhook> | null;
      try {
        parsed = row.source === "cal_com" ? parseCalComWebhook(row.payload) : parseCalendlyWebhook(row.payload);
      } catch {
        parsed = null; // kept from something other than the vendor's body: left for a person
      }
      if (parsed === null || isIgnoredBooking(parsed)) {
        result.stillUnmatched++;
        continue;
      }
      const booking: Booking = parsed;
      const r = await recordBookingIn(trx, booking, now, {
        payload: row.payload,
        ...(options.windowDays !== undefined ? { windowDays: options.windowDays } : {}),
      });
      if (r.status === "unmatched") result.stillUnmatched++;
      else result.matched.push({ bookingId: row.id, outcomeId: r.outcome.id, attendee: r.attendee });
    }
    return result;
  });
}
