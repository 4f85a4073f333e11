/**
 * A booking tool's webhook delivery, from raw bytes to the outcomes log: the signature is checked
 * first (in constant time, over the exact raw body), then the replay window, then the body is
 * read and the booking recorded (`recordBooking`). The webhook server's routes and the sandbox's
 * demo both call this, so the demo's meetings take the path a real Cal.com delivery takes.
 *
 * Errors write nothing: `BookingSignatureError` (code `unauthorized`: a missing, wrong or stale
 * signature) and `BookingPayloadError` (code `invalid_input`: not JSON, or not the vendor's shape).
 */
import {
  BookingPayloadError,
  checkReplayWindow,
  DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS,
  isIgnoredBooking,
  parseCalComWebhook,
  parseCalendlyWebhook,
  verifyCalComSignature,
  verifyCalendlySignature,
  type BookingSource,
  type IgnoredBookingEvent,
} from "@offerlab/core";
import { nowOf, type OperationContext } from "../context.js";
import { recordBooking, type RecordBookingResult } from "./record-booking.js";

export interface ReceiveBookingInput {
  source: BookingSource;
  /** The request body exactly as received (the signature covers these bytes). */
  rawBody: string;
  /** The signature header's value: `X-Cal-Signature-256` or `Calendly-Webhook-Signature`. */
  signature: string | null | undefined;
  /** The webhook's secret (Cal.com) or signing key (Calendly). */
  secret: string;
  /** How far the signed time may lie from now, in seconds. Default 300. */
  replayWindowSeconds?: number;
  /** The attribution window in days. Default 30. */
  windowDays?: number;
}

export type ReceiveBookingResult = RecordBookingResult | ({ status: "ignored" } & IgnoredBookingEvent);

export async function receiveBooking(ctx: OperationContext, input: ReceiveBookingInput): Promise<ReceiveBookingResult> {
  const now = nowOf(ctx);
  const window = input.replayWindowSeconds ?? DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS;
  if (input.source === "cal_com") verifyCalComSignature({ rawBody: input.rawBody, signature: input.signature, secret: input.secret });
  else verifyCalendlySignature({ rawBody: input.rawBody, header: input.signature, secret: input.secret, now, toleranceSeconds: window });
  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch (error) {
    throw new BookingPayloadError(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = input.source === "cal_com" ? parseCalComWebhook(body) : parseCalendlyWebhook(body);
  if (isIgnoredBooking(parsed)) return { status: "ignored", ...parsed };
  // Cal.com signs no timestamp: its createdAt, inside the signed body, stands in for one.
  if (input.source === "cal_com") checkReplayWindow(parsed.occurredAt, now, window, "Cal.com createdAt");
  return recordBooking(ctx, parsed, { payload: body, ...(input.windowDays !== undefined ? { windowDays: input.windowDays } : {}) });
}
