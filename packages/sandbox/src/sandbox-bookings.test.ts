/**
 * The simulated Cal.com: some people who replied positively book a meeting, delivered as a
 * `BOOKING_CREATED` webhook that the real verification and parser accept; deterministic per
 * seed, drawn from its own random stream (the rest of the story does not change).
 */
import { isIgnoredBooking, parseCalComWebhook, verifyCalComSignature } from "@offerlab/core";
import type { SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox } from "./__tests__/fixtures.js";
import type { SandboxRates } from "./index.js";

const DAY = 86_400_000;

async function run(seed: string, rates: Partial<SandboxRates>) {
  const sandbox = createSandbox({ seed, rates: { emailReplyRate: 0.9, ...rates }, world: { companies: 60 } });
  const p = sandbox.providers();
  const mailboxes = (await p.unipile.listAccounts()).items.filter((a): a is SendingAccount => a.type === "email");
  const received: { rawBody: string; headers: Record<string, string> }[] = [];
  sandbox.setBookingHandler((_tool, rawBody, headers) => void received.push({ rawBody, headers }));
  let i = 0;
  for (const person of sandbox.world.people.slice(0, 80)) {
    await p.unipile.sendEmail({
      accountId: mailboxes[i % mailboxes.length]!.id,
      to: [{ email: person.email, name: person.full_name }],
      subject: "Ramp",
      html: "<p>Hi</p>",
      sendId: `send-${i++}`,
    });
  }
  await sandbox.tick(30 * DAY);
  return { sandbox, received };
}

describe("the sandbox's Cal.com", () => {
  it("books meetings for some positive replies, signed and shaped as Cal.com's BOOKING_CREATED", async () => {
    const { sandbox, received } = await run("bookings", { directBookingRate: 0 });
    const replies = sandbox.outcomes.filter((o) => o.kind === "replied" && (o.reply === "positive" || o.reply === "question"));
    const booked = sandbox.outcomes.filter((o) => o.kind === "booked");
    expect(replies.length).toBeGreaterThan(3);
    expect(booked.length).toBeGreaterThan(0);
    expect(booked.length).toBeLessThanOrEqual(replies.length);
    // Without direct bookings, every booked person replied positively (or asked) first.
    for (const b of booked) expect(replies.some((r) => r.personId === b.personId && r.at <= b.at)).toBe(true);
    expect(received.length).toBe(sandbox.bookings.filter((d) => d.outcome === "delivered").length);
    for (const { rawBody, headers } of received) {
      expect(() =>
        verifyCalComSignature({ rawBody, signature: headers["x-cal-signature-256"], secret: sandbox.calcomSecret }),
      ).not.toThrow();
      const parsed = parseCalComWebhook(JSON.parse(rawBody));
      if (isIgnoredBooking(parsed)) throw new Error("not a booking");
      const delivery = sandbox.bookings.find((d) => d.uid === parsed.uid)!;
      expect(parsed.attendees[0]!.email).toBe(delivery.email);
      // Booked at the time the webhook says, for a meeting in the days after.
      expect(parsed.meetingAt.getTime()).toBeGreaterThan(parsed.occurredAt.getTime());
    }
  });

  it("books straight from the link in a message, once per person, when directBookingRate says so", async () => {
    const { sandbox } = await run("bookings-direct", { meetingRate: 0, emailReplyRate: 0, directBookingRate: 1 });
    const delivered = new Set(sandbox.outcomes.filter((o) => o.kind === "sent").map((o) => o.personId));
    const bounced = new Set(sandbox.outcomes.filter((o) => o.kind === "bounced").map((o) => o.personId));
    const booked = sandbox.outcomes.filter((o) => o.kind === "booked").map((o) => o.personId);
    expect(new Set(booked).size).toBe(booked.length);
    expect(booked.length).toBeGreaterThan(10);
    for (const id of booked) expect(delivered.has(id) && !bounced.has(id)).toBe(true);
    expect(sandbox.bookings.filter((d) => !d.duplicate)).toHaveLength(booked.length);
  });

  it("is deterministic per seed, and meetings draw nothing from the rest of the story", async () => {
    const a = await run("bookings-det", {});
    const b = await run("bookings-det", {});
    expect(b.received.map((r) => r.rawBody)).toEqual(a.received.map((r) => r.rawBody));
    const none = await run("bookings-det", { meetingRate: 0, directBookingRate: 0 });
    expect(none.received).toEqual([]);
    const withoutBooked = (s: typeof a) => JSON.stringify(s.sandbox.outcomes.filter((o) => o.kind !== "booked"));
    expect(withoutBooked(none)).toBe(withoutBooked(a));
  });
});
