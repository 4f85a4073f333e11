/**
 * Match the bookings kept for nobody we knew: each open `unmatched_bookings` row is read again
 * from its stored payload and recorded with `recordBooking`; a row whose attendee is a contact
 * now becomes an outcome (attributed as of the booking's own time) and is marked matched. Rows
 * still matching nobody stay as they are. One transaction.
 */
import { isIgnoredBooking, parseCalComWebhook, parseCalendlyWebhook, type Booking } from "@offerlab/core";
import { bookings, type DbOrTrx, type UnmatchedBooking } from "@offerlab/db";
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
    return matchRows(trx, [...open].reverse(), now, options);
  });
}

/**
 * The bookings kept for nobody whose attendee has one of these addresses, matched inside the
 * caller's transaction: the contact write that gave a contact the address (a CSV import, an email
 * found by enrichment) calls it, so the meeting is recorded in the same transaction (through
 * `recordBookingIn`, the record-outcome path) and the kept booking marked matched. A booking
 * still matching nobody (another offer's contact was meant, a guest) stays open for
 * `offerlab outcomes match`.
 */
export async function matchBookingsForEmails(
  trx: DbOrTrx,
  emails: readonly string[],
  now: Date,
  options: { windowDays?: number } = {},
): Promise<MatchBookingsResult> {
  const open = await bookings.openUnmatchedFor(trx, emails);
  if (open.length === 0) return { checked: 0, matched: [], stillUnmatched: 0 };
  return matchRows(trx, open, now, options);
}

/** Records each kept row that now matches a contact (oldest first). */
async function matchRows(
  trx: DbOrTrx,
  open: readonly UnmatchedBooking[],
  now: Date,
  options: { windowDays?: number },
): Promise<MatchBookingsResult> {
  const result: MatchBookingsResult = { checked: open.length, matched: [], stillUnmatched: 0 };
  for (const row of open) {
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
}
