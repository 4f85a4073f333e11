import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createUnipile } from "./index.js";
import { createUnipileMock } from "./msw.js";

// The fake's injected clock and the reply overrides, which the sandbox builds on.
let t = Date.parse("2026-03-02T09:00:00.000Z");
const mock = createUnipileMock({ now: () => new Date(t) });
setupMswServer(...mock.handlers);
const unipile = createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, retry: { maxAttempts: 1 } });
const [linkedin, gmail] = mock.state.accounts;

describe("createUnipileMock({ now })", () => {
  it("stamps invitations, messages, emails and events with the injected clock", async () => {
    await unipile.sendInvitation({ accountId: linkedin!.id, providerId: "ACoAAAEkwwAB9KEc2TrQgOLE", note: "Hi Jane" });
    expect(mock.state.invitations[0]?.date).toBe("2026-03-02T09:00:00.000Z");
    t += 3_600_000;
    const { noteEcho } = mock.acceptInvitation("ACoAAAEkwwAB9KEc2TrQgOLE");
    expect(noteEcho?.timestamp).toBe("2026-03-02T10:00:00.000Z");
    const sent = await unipile.sendEmail({ accountId: gmail!.id, to: [{ email: "jane.doe@acme.com" }], subject: "Hello", text: "Hi" });
    expect(mock.state.emails.at(-1)?.date).toBe("2026-03-02T10:00:00.000Z");
    t += 60_000;
    expect(mock.trackingEvent(sent.trackingId!, "mail_opened").date).toBe("2026-03-02T10:01:00.000Z");
  });

  it("lets a reply override its sender and subject (a bounce from the mailer daemon)", async () => {
    const sent = await unipile.sendEmail({
      accountId: gmail!.id,
      to: [{ email: "jane.doe@acme.com" }],
      subject: "Quick question",
      text: "Hi",
    });
    const bounce = mock.receiveEmailReply({
      trackingOrEmailId: sent.trackingId!,
      text: "Address not found",
      from: "mailer-daemon@googlemail.com",
      fromName: "Mail Delivery Subsystem",
      subject: "Delivery Status Notification (Failure)",
    });
    expect(bounce).toMatchObject({
      event: "mail_received",
      subject: "Delivery Status Notification (Failure)",
      from_attendee: { identifier: "mailer-daemon@googlemail.com", display_name: "Mail Delivery Subsystem" },
    });
    const reply = mock.receiveEmailReply({ trackingOrEmailId: sent.trackingId!, text: "Sure" });
    expect(reply).toMatchObject({ subject: "Re: Quick question", from_attendee: { identifier: "jane.doe@acme.com" } });
  });
});
