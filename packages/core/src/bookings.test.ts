import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BookingPayloadError,
  BookingSignatureError,
  checkReplayWindow,
  isIgnoredBooking,
  parseCalComWebhook,
  parseCalendlyWebhook,
  signCalComBody,
  signCalendlyBody,
  verifyCalComSignature,
  verifyCalendlySignature,
  type Booking,
} from "./bookings.js";

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8");
const SECRET = "whsec_test_0123456789abcdef0123456789abcdef";

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("Cal.com signatures (X-Cal-Signature-256: hex HMAC-SHA256 of the raw body)", () => {
  const body = fixture("calcom-booking-created");

  it("accepts the signature of the exact raw body, also with a sha256= prefix or upper-case hex", () => {
    const sig = signCalComBody(body, SECRET);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(() => verifyCalComSignature({ rawBody: body, signature: sig, secret: SECRET })).not.toThrow();
    expect(() => verifyCalComSignature({ rawBody: body, signature: `sha256=${sig}`, secret: SECRET })).not.toThrow();
    expect(() => verifyCalComSignature({ rawBody: body, signature: sig.toUpperCase(), secret: SECRET })).not.toThrow();
  });

  it("refuses a missing, malformed or wrong signature, a changed body and an empty secret (code unauthorized)", () => {
    const sig = signCalComBody(body, SECRET);
    const cases = [
      { rawBody: body, signature: undefined, secret: SECRET },
      { rawBody: body, signature: "", secret: SECRET },
      { rawBody: body, signature: "not-hex", secret: SECRET },
      { rawBody: body, signature: sig.slice(0, 40), secret: SECRET },
      { rawBody: body, signature: signCalComBody(body, "another secret"), secret: SECRET },
      { rawBody: body.replace("Clara", "Klara"), signature: sig, secret: SECRET },
      { rawBody: body, signature: signCalComBody(body, ""), secret: "" },
    ];
    for (const c of cases) {
      const e = thrown(() => verifyCalComSignature(c));
      expect(BookingSignatureError.isInstance(e) && e.code).toBe("unauthorized");
    }
    expect((thrown(() => verifyCalComSignature(cases[0]!)) as Error).message).toContain("missing x-cal-signature-256");
  });
});

describe("Calendly signatures (t=<unix>,v1=<hex HMAC-SHA256 of t.body>)", () => {
  const body = fixture("calendly-invitee-created");
  const now = new Date("2026-03-10T14:05:13Z");

  it("accepts a fresh signature, and any of several v1 values", () => {
    const header = signCalendlyBody(body, SECRET, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => verifyCalendlySignature({ rawBody: body, header, secret: SECRET, now })).not.toThrow();
    const two = `${header.split(",")[0]},v1=${"0".repeat(64)},${header.split(",")[1]}`;
    expect(() => verifyCalendlySignature({ rawBody: body, header: two, secret: SECRET, now })).not.toThrow();
  });

  it("refuses a missing or malformed header, a wrong key, a changed body or timestamp", () => {
    const header = signCalendlyBody(body, SECRET, now);
    const t = Math.floor(now.getTime() / 1000);
    for (const h of [undefined, "", "v1=abc", `t=${t}`, `t=abc,v1=${"a".repeat(64)}`, signCalendlyBody(body, "wrong", now)]) {
      const e = thrown(() => verifyCalendlySignature({ rawBody: body, header: h, secret: SECRET, now }));
      expect(BookingSignatureError.isInstance(e)).toBe(true);
    }
    expect(
      BookingSignatureError.isInstance(thrown(() => verifyCalendlySignature({ rawBody: `${body} `, header, secret: SECRET, now }))),
    ).toBe(true);
    // The timestamp is signed: moving it breaks the signature.
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(
      BookingSignatureError.isInstance(thrown(() => verifyCalendlySignature({ rawBody: body, header: moved, secret: SECRET, now }))),
    ).toBe(true);
  });

  it("refuses a correctly signed delivery outside the replay window (either side)", () => {
    const old = signCalendlyBody(body, SECRET, new Date(now.getTime() - 301_000));
    const e = thrown(() => verifyCalendlySignature({ rawBody: body, header: old, secret: SECRET, now }));
    expect(BookingSignatureError.isInstance(e) && e.message).toContain("outside the replay window of 300 s");
    const future = signCalendlyBody(body, SECRET, new Date(now.getTime() + 301_000));
    expect(thrown(() => verifyCalendlySignature({ rawBody: body, header: future, secret: SECRET, now }))).toBeInstanceOf(Error);
    expect(() => verifyCalendlySignature({ rawBody: body, header: old, secret: SECRET, now, toleranceSeconds: 600 })).not.toThrow();
  });
});

describe("checkReplayWindow", () => {
  it("passes inside the window and names the time outside it", () => {
    const now = new Date("2026-03-10T14:10:00Z");
    expect(() => checkReplayWindow(new Date("2026-03-10T14:06:00Z"), now)).not.toThrow();
    expect((thrown(() => checkReplayWindow(new Date("2026-03-10T14:04:00Z"), now)) as Error).message).toContain(
      "createdAt (2026-03-10T14:04:00.000Z) is outside the replay window",
    );
    expect(thrown(() => checkReplayWindow(new Date(Number.NaN), now))).toBeInstanceOf(BookingSignatureError);
  });
});

describe("parseCalComWebhook (fixtures from Cal.com's documentation)", () => {
  it("reads BOOKING_CREATED into a booking: uid, normalised attendee email, start time, createdAt", () => {
    const b = parseCalComWebhook(JSON.parse(fixture("calcom-booking-created"))) as Booking;
    expect(b).toEqual({
      source: "cal_com",
      event: "created",
      trigger: "BOOKING_CREATED",
      uid: "bFJeNb2uX8ANpT3JL5EfXw",
      externalId: "bFJeNb2uX8ANpT3JL5EfXw:BOOKING_CREATED",
      attendees: [{ email: "clara.jensen@acme.example", name: "Clara Jensen" }],
      meetingAt: new Date("2026-03-12T11:00:00Z"),
      occurredAt: new Date("2026-03-10T14:05:12.381Z"),
      title: "30 Min Meeting between Ida Berg and Clara Jensen",
      reason: null,
    });
  });

  it("reads BOOKING_CANCELLED with its reason and BOOKING_RESCHEDULED, and ignores PING and other triggers", () => {
    const c = parseCalComWebhook(JSON.parse(fixture("calcom-booking-cancelled"))) as Booking;
    expect(c).toMatchObject({ event: "cancelled", externalId: "bFJeNb2uX8ANpT3JL5EfXw:BOOKING_CANCELLED", reason: "Something came up" });
    const moved = JSON.parse(fixture("calcom-booking-created"));
    moved.triggerEvent = "BOOKING_RESCHEDULED";
    expect(parseCalComWebhook(moved)).toMatchObject({ event: "rescheduled", externalId: "bFJeNb2uX8ANpT3JL5EfXw:BOOKING_RESCHEDULED" });
    const ping = parseCalComWebhook(JSON.parse(fixture("calcom-ping")));
    expect(isIgnoredBooking(ping) && ping.trigger).toBe("PING");
  });

  it("refuses a booking body without uid, start time or attendees, naming the field", () => {
    const body = JSON.parse(fixture("calcom-booking-created"));
    delete body.payload.uid;
    body.payload.attendees = [];
    const e = thrown(() => parseCalComWebhook(body));
    expect(BookingPayloadError.isInstance(e) && e.code).toBe("invalid_input");
    expect((e as Error).message).toMatch(/uid/);
    expect((e as Error).message).toMatch(/attendees/);
    expect(BookingPayloadError.isInstance(thrown(() => parseCalComWebhook({ hello: "world" })))).toBe(true);
  });
});

describe("parseCalendlyWebhook (fixtures from Calendly's documentation)", () => {
  it("reads invitee.created: invitee URI as uid, normalised email, the scheduled event's start time", () => {
    const b = parseCalendlyWebhook(JSON.parse(fixture("calendly-invitee-created"))) as Booking;
    expect(b).toMatchObject({
      source: "calendly",
      event: "created",
      uid: "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA",
      externalId: "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA:invitee.created",
      attendees: [{ email: "betty.rei@acme.example", name: "Betty Rei" }],
      title: "15 Minute Meeting",
    });
    expect(b.meetingAt.toISOString()).toBe("2026-03-13T15:00:00.000Z");
    expect(b.occurredAt.toISOString()).toBe("2026-03-10T14:05:12.000Z");
  });

  it("reads invitee.canceled as a cancellation, but ignores the cancellation half of a reschedule", () => {
    expect(parseCalendlyWebhook(JSON.parse(fixture("calendly-invitee-canceled")))).toMatchObject({
      event: "cancelled",
      reason: "Found another time",
    });
    expect(isIgnoredBooking(parseCalendlyWebhook(JSON.parse(fixture("calendly-invitee-canceled-rescheduled"))))).toBe(true);
    expect(
      isIgnoredBooking(parseCalendlyWebhook({ event: "routing_form_submission.created", created_at: "2026-03-10T00:00:00Z", payload: {} })),
    ).toBe(true);
  });
});
