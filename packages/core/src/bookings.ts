/**
 * Meetings from the booking tools (Cal.com, Calendly), the pure parts: signature checks in
 * constant time, the replay window, and the vendors' webhook bodies read into one typed
 * `Booking`. The operations package records it; the webhook server and the sandbox call these.
 *
 * Signature schemes, from the vendors' documentation:
 * - Cal.com: `X-Cal-Signature-256` = hex HMAC-SHA256 of the raw body, keyed with the webhook's
 *   secret. No timestamp is signed, so replay protection comes from the body: its `createdAt`
 *   (inside the signed bytes, so it cannot be changed without the secret) must lie within the
 *   replay window, and the booking's uid + trigger make a replay inside the window a no-op (the
 *   outcome's external id). Not protected: a captured delivery replayed within the window (it
 *   changes nothing, being a duplicate), and a genuine redelivery older than the window (refused;
 *   the docs do not say whether Cal.com retries, nor whether a retry keeps `createdAt`).
 * - Calendly: `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw
 *   body>">`, keyed with the subscription's signing key; `t` must lie within the window.
 *
 * Anything the docs leave unsure fails closed: a missing or malformed header, a signature that is
 * not hex of the right length, a timestamp that is not a number, or a body without the fields we
 * use is refused.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { BookingEvent, BookingSource } from "./enums.js";
import { OfferlabError } from "./errors.js";
import { normalizeEmail } from "./normalize.js";

/** How far from now a signed timestamp (Calendly's `t`, Cal.com's `createdAt`) may lie. Default 5 minutes. */
export const DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS = 300;

/** The header Cal.com signs with (lower case, as `Headers` reads it). */
export const CALCOM_SIGNATURE_HEADER = "x-cal-signature-256";
/** The header Calendly signs with (lower case). */
export const CALENDLY_SIGNATURE_HEADER = "calendly-webhook-signature";

export interface BookingAttendee {
  /** Normalised (`normalizeEmail`), or null when the vendor's value is not an address. */
  email: string | null;
  name: string | null;
}

/** One booking event of either tool, in our terms. */
export interface Booking {
  source: BookingSource;
  event: BookingEvent;
  /** The vendor's own event name (`BOOKING_CREATED`, `invitee.created` …). */
  trigger: string;
  /** The booking's id at the vendor: Cal.com's `uid`, Calendly's invitee URI. */
  uid: string;
  /** The outcome's external id: uid and trigger, so each event of a booking is recorded once. */
  externalId: string;
  /** The people who booked (Cal.com's attendees, the booker first; Calendly's invitee). */
  attendees: BookingAttendee[];
  /** When the meeting takes place. */
  meetingAt: Date;
  /** When the vendor says the event happened (Cal.com's `createdAt`, Calendly's `created_at`). */
  occurredAt: Date;
  title: string | null;
  /** Cancellation reason, when the vendor gives one. */
  reason: string | null;
}

/** A body that parsed but is not a booking event we record (Cal.com's PING, MEETING_ENDED …). */
export interface IgnoredBookingEvent {
  ignored: true;
  trigger: string;
  why: string;
}

/** A signature that is missing, malformed, wrong, or outside the replay window: 401, nothing written. */
export class BookingSignatureError extends OfferlabError {
  override readonly name = "BookingSignatureError";
  constructor(message: string) {
    super("unauthorized", message);
  }
  static override isInstance(error: unknown): error is BookingSignatureError {
    return OfferlabError.isNamed(error, "BookingSignatureError");
  }
}

/** A body that is not the vendor's booking webhook shape: 400, nothing written. */
export class BookingPayloadError extends OfferlabError {
  override readonly name = "BookingPayloadError";
  constructor(message: string) {
    super("invalid_input", message);
  }
  static override isInstance(error: unknown): error is BookingPayloadError {
    return OfferlabError.isNamed(error, "BookingPayloadError");
  }
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function hmacHex(secret: string, data: string): string {
  return createHmac("sha256", secret).update(data, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests of the same length (checked beforehand). */
function sameDigest(receivedHex: string, expectedHex: string): boolean {
  if (!HEX_SHA256.test(receivedHex)) return false;
  return timingSafeEqual(Buffer.from(receivedHex.toLowerCase(), "hex"), Buffer.from(expectedHex, "hex"));
}

function requireSecret(secret: string, what: string): void {
  // Fail closed: an empty key would make every signature computable by anyone.
  if (!secret) throw new BookingSignatureError(`${what} signing secret is empty`);
}

/** The `X-Cal-Signature-256` value Cal.com sends for `rawBody` (the sandbox and tests sign with it). */
export function signCalComBody(rawBody: string, secret: string): string {
  return hmacHex(secret, rawBody);
}

/**
 * Checks Cal.com's signature of the raw body. Throws `BookingSignatureError` when the header is
 * missing or does not match. A `sha256=` prefix is tolerated (the docs show bare hex; some
 * integrations report the prefix), nothing else.
 */
export function verifyCalComSignature(input: { rawBody: string; signature: string | null | undefined; secret: string }): void {
  requireSecret(input.secret, "Cal.com");
  const raw = input.signature?.trim();
  if (!raw) throw new BookingSignatureError(`missing ${CALCOM_SIGNATURE_HEADER} header (set the webhook's secret in Cal.com)`);
  const received = raw.replace(/^sha256=/i, "");
  if (!sameDigest(received, hmacHex(input.secret, input.rawBody))) {
    throw new BookingSignatureError(`${CALCOM_SIGNATURE_HEADER} does not match the body (wrong secret, or the body was changed)`);
  }
}

/** The `Calendly-Webhook-Signature` value Calendly sends for `rawBody` at `at`. */
export function signCalendlyBody(rawBody: string, secret: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${hmacHex(secret, `${t}.${rawBody}`)}`;
}

/**
 * Checks Calendly's signature: `t=<unix>,v1=<hex>` over `"<t>.<raw body>"`, with `t` no further
 * than `toleranceSeconds` from `now` (either side). Any `v1` may match (a key rotation may list
 * two; the docs show one). Throws `BookingSignatureError` otherwise.
 */
export function verifyCalendlySignature(input: {
  rawBody: string;
  header: string | null | undefined;
  secret: string;
  now: Date;
  toleranceSeconds?: number;
}): void {
  requireSecret(input.secret, "Calendly");
  const header = input.header?.trim();
  if (!header) throw new BookingSignatureError(`missing ${CALENDLY_SIGNATURE_HEADER} header (create the subscription with a signing_key)`);
  let t: string | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") t = value;
    else if (key === "v1") v1.push(value);
  }
  if (t === null || !/^\d{1,12}$/.test(t) || v1.length === 0) {
    throw new BookingSignatureError(`${CALENDLY_SIGNATURE_HEADER} must read t=<unix seconds>,v1=<hex signature>`);
  }
  const expected = hmacHex(input.secret, `${t}.${input.rawBody}`);
  // Every candidate is compared, so the time taken does not say which one matched.
  const matched = v1.map((candidate) => sameDigest(candidate, expected)).includes(true);
  if (!matched)
    throw new BookingSignatureError(`${CALENDLY_SIGNATURE_HEADER} does not match the body (wrong signing key, or the body was changed)`);
  checkReplayWindow(new Date(Number(t) * 1000), input.now, input.toleranceSeconds, "the signature's timestamp t");
}

/**
 * Refuses a signed time further than `toleranceSeconds` from `now` (a replayed or very late
 * delivery). Cal.com's `createdAt` goes through this after its signature is checked.
 */
export function checkReplayWindow(at: Date, now: Date, toleranceSeconds = DEFAULT_BOOKING_REPLAY_WINDOW_SECONDS, what = "createdAt"): void {
  const drift = Math.abs(now.getTime() - at.getTime()) / 1000;
  if (!Number.isFinite(drift) || drift > toleranceSeconds) {
    throw new BookingSignatureError(
      `${what} (${Number.isFinite(at.getTime()) ? at.toISOString() : "invalid"}) is outside the replay window of ${toleranceSeconds} s around ${now.toISOString()}: refused as a possible replay`,
    );
  }
}

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), "must be an ISO 8601 time");

// Only the fields we use; everything else in the vendors' bodies is ignored.
const calComBody = z.object({
  triggerEvent: z.string().min(1),
  createdAt: isoTime,
  payload: z.unknown(),
});
const calComBooking = z.object({
  uid: z.string().min(1),
  title: z.string().nullish(),
  startTime: isoTime,
  attendees: z.array(z.object({ email: z.string(), name: z.string().nullish() })).min(1),
  cancellationReason: z.string().nullish(),
});

const CALCOM_EVENTS: Readonly<Record<string, BookingEvent>> = {
  BOOKING_CREATED: "created",
  BOOKING_RESCHEDULED: "rescheduled",
  BOOKING_CANCELLED: "cancelled",
};

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
}

/**
 * Reads a Cal.com webhook body (already JSON-parsed) into a booking. Other triggers (PING,
 * MEETING_ENDED, BOOKING_REQUESTED …) come back as `ignored`; a booking trigger without a uid,
 * a start time or an attendee throws `BookingPayloadError`.
 */
export function parseCalComWebhook(body: unknown): Booking | IgnoredBookingEvent {
  const envelope = calComBody.safeParse(body);
  if (!envelope.success) throw new BookingPayloadError(`not a Cal.com webhook body: ${issuesOf(envelope.error)}`);
  const trigger = envelope.data.triggerEvent;
  const event = CALCOM_EVENTS[trigger];
  if (!event) return { ignored: true, trigger, why: `Cal.com trigger ${trigger} is not a booking made, moved or cancelled` };
  const p = calComBooking.safeParse(envelope.data.payload);
  if (!p.success) throw new BookingPayloadError(`Cal.com ${trigger} payload: ${issuesOf(p.error)}`);
  return {
    source: "cal_com",
    event,
    trigger,
    uid: p.data.uid,
    externalId: `${p.data.uid}:${trigger}`,
    attendees: p.data.attendees.map((a) => ({ email: normalizeEmail(a.email), name: a.name?.trim() || null })),
    meetingAt: new Date(p.data.startTime),
    occurredAt: new Date(envelope.data.createdAt),
    title: p.data.title?.trim() || null,
    reason: p.data.cancellationReason?.trim() || null,
  };
}

const calendlyBody = z.object({
  event: z.string().min(1),
  created_at: isoTime,
  payload: z.unknown(),
});
const calendlyInvitee = z.object({
  uri: z.string().min(1),
  email: z.string(),
  name: z.string().nullish(),
  rescheduled: z.boolean().nullish(),
  scheduled_event: z.object({ start_time: isoTime, name: z.string().nullish() }),
  cancellation: z.object({ reason: z.string().nullish() }).nullish(),
});

/**
 * Reads a Calendly webhook body into a booking: `invitee.created` is a meeting made,
 * `invitee.canceled` a cancellation, except the cancellation half of a reschedule
 * (`rescheduled: true`), which is ignored: Calendly sends the new booking as its own
 * `invitee.created`. Other events (routing forms, no-shows …) are ignored.
 */
export function parseCalendlyWebhook(body: unknown): Booking | IgnoredBookingEvent {
  const envelope = calendlyBody.safeParse(body);
  if (!envelope.success) throw new BookingPayloadError(`not a Calendly webhook body: ${issuesOf(envelope.error)}`);
  const trigger = envelope.data.event;
  if (trigger !== "invitee.created" && trigger !== "invitee.canceled") {
    return { ignored: true, trigger, why: `Calendly event ${trigger} is not a booking made or cancelled` };
  }
  const p = calendlyInvitee.safeParse(envelope.data.payload);
  if (!p.success) throw new BookingPayloadError(`Calendly ${trigger} payload: ${issuesOf(p.error)}`);
  if (trigger === "invitee.canceled" && p.data.rescheduled === true) {
    return { ignored: true, trigger, why: "the cancellation half of a reschedule; the new time arrives as invitee.created" };
  }
  return {
    source: "calendly",
    event: trigger === "invitee.created" ? "created" : "cancelled",
    trigger,
    uid: p.data.uri,
    externalId: `${p.data.uri}:${trigger}`,
    attendees: [{ email: normalizeEmail(p.data.email), name: p.data.name?.trim() || null }],
    meetingAt: new Date(p.data.scheduled_event.start_time),
    occurredAt: new Date(envelope.data.created_at),
    title: p.data.scheduled_event.name?.trim() || null,
    reason: p.data.cancellation?.reason?.trim() || null,
  };
}

/** True for an event `parseCalComWebhook` / `parseCalendlyWebhook` chose not to record. */
export function isIgnoredBooking(value: Booking | IgnoredBookingEvent): value is IgnoredBookingEvent {
  return "ignored" in value;
}
