/**
 * Record a meeting a booking tool (Cal.com, Calendly) told us about. The attendees are matched by
 * normalised email across every offer (the booker first, then guests); the first who is a contact
 * of ours gets the outcome, attributed like any outcome to our last touch of them before the
 * booking (within the window, 30 days by default):
 *
 * - created / rescheduled → `meeting_booked` with `meeting_at` (a booked meeting counts once per
 *   person per campaign, so a reschedule does not count it again);
 * - cancelled → `meeting_cancelled`, a fact of its own in the log. It moves no status and no
 *   counter: `total_meetings` counts people who booked, as the schema's `meeting_booked` flag does.
 *
 * The outcome's external id is the booking's uid and the vendor's event, so a redelivery of the
 * same event has one effect. A booking for nobody we know is kept in `unmatched_bookings` (also
 * once per event) and shown by `offerlab outcomes unmatched`; `matchBookings` records it once the
 * person is known.
 */
import type { Booking, BookingSource } from "@offerlab/core";
import { bookings, outcomes, type DbOrTrx, type UnmatchedBooking } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { checkOutcome, recordChecked, type RecordOutcomeResult } from "../outcomes/record-outcome.js";

const TOOL: Readonly<Record<BookingSource, string>> = { cal_com: "Cal.com", calendly: "Calendly" };

export interface RecordBookingOptions {
  /** The vendor's body as received, kept with an unmatched booking. Default: the booking itself. */
  payload?: unknown;
  /** The attribution window in days. Default 30. */
  windowDays?: number;
}

export type RecordBookingResult =
  | ({
      /** `recorded`: a new outcome; `duplicate`: this event was recorded before, nothing changed. */
      status: "recorded" | "duplicate";
      /** The attendee's normalised email that matched a contact. */
      attendee: string;
    } & RecordOutcomeResult)
  | {
      /** Nobody we know: kept for a person (`created: false` on a redelivery). */
      status: "unmatched";
      unmatched: UnmatchedBooking;
      created: boolean;
    };

/** The note an outcome of a booking carries: the tool, the booking, and what happened to it. */
function noteOf(booking: Booking): string {
  const tool = TOOL[booking.source];
  const what = booking.title ? `"${booking.title}"` : "a meeting";
  switch (booking.event) {
    case "created":
      return `${tool} booking ${booking.uid}: ${what}`;
    case "rescheduled":
      return `${tool} booking ${booking.uid} rescheduled: ${what}`;
    case "cancelled":
      return `${tool} booking ${booking.uid} cancelled (${what} at ${booking.meetingAt.toISOString()})${booking.reason ? `: ${booking.reason}` : ""}`;
  }
}

export async function recordBooking(
  ctx: OperationContext,
  booking: Booking,
  options: RecordBookingOptions = {},
): Promise<RecordBookingResult> {
  const now = nowOf(ctx);
  return inTransaction(ctx.db, (trx) => recordBookingIn(trx, booking, now, options));
}

/** `recordBooking` inside the caller's transaction. */
export async function recordBookingIn(
  trx: DbOrTrx,
  booking: Booking,
  now: Date,
  options: RecordBookingOptions = {},
): Promise<RecordBookingResult> {
  let attendee: string | null = null;
  for (const a of booking.attendees) {
    if (a.email && (await outcomes.findPerson(trx, { email: a.email })).length > 0) {
      attendee = a.email;
      break;
    }
  }
  if (attendee === null) {
    const first = booking.attendees.find((a) => a.email) ?? booking.attendees[0];
    const kept = await bookings.keepUnmatched(trx, {
      source: booking.source,
      external_id: booking.externalId,
      event: booking.event,
      trigger: booking.trigger,
      attendee_email: first?.email ?? null,
      attendee_name: first?.name ?? null,
      meeting_at: booking.meetingAt,
      occurred_at: booking.occurredAt,
      title: booking.title,
      payload: options.payload ?? booking,
      received_at: now,
    });
    return { status: "unmatched", unmatched: kept.booking, created: kept.created };
  }

  const checked = checkOutcome(
    {
      person: attendee,
      kind: booking.event === "cancelled" ? "meeting_cancelled" : "meeting_booked",
      at: booking.occurredAt,
      ...(booking.event === "cancelled" ? {} : { meetingAt: booking.meetingAt }),
      source: booking.source,
      externalId: booking.externalId,
      note: noteOf(booking),
      ...(options.windowDays !== undefined ? { windowDays: options.windowDays } : {}),
    },
    now,
  );
  const r = await recordChecked(trx, checked, attendee);
  // Kept unmatched earlier (the person was imported since): it is matched now.
  const kept = await bookings.findUnmatched(trx, booking.source, booking.externalId);
  if (kept && kept.matched_outcome_id === null) await bookings.markBookingMatched(trx, kept.id, r.outcome.id, now);
  return { status: r.created ? "recorded" : "duplicate", attendee, ...r };
}
