import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ProviderError } from "@offerlab/provider-kit";
import { isReply, parseUnipileWebhook, toProviderEvent, verifyUnipileWebhookSecret } from "./unipile-webhooks.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/unipile-${name}.json`, import.meta.url), "utf8"));
const normalize = (name: string, options = {}) => toProviderEvent(parseUnipileWebhook(fixture(name)), options);

describe("Unipile webhook parsers", () => {
  it("parses an inbound LinkedIn message as a reply (tolerating attachments as an object, string booleans)", () => {
    const event = normalize("webhook-message-received-inbound");
    expect(event).toMatchObject({
      type: "message_received",
      eventId: "ykmhfXlRW0W_cqReJYrfBw",
      message: {
        channel: "linkedin",
        direction: "inbound",
        accountId: "dfXlh46vQYCsMbVarumWlg",
        threadId: "R8J-xM9WX7eoHLp6gSVtWQ",
        from: "ACoAAAkimConnection00001",
        text: "Thanks, tell me more about the pilot",
      },
    });
    expect(isReply(event)).toBe(true);
  });

  it("never counts our own message echoed back as a reply", () => {
    const event = normalize("webhook-message-received-own-echo");
    expect(event).toMatchObject({ type: "message_received", message: { direction: "outbound" } });
    expect(isReply(event)).toBe(false);
    // is_sender, when a payload carries it, also marks ours.
    const flagged = { ...(fixture("webhook-message-received-inbound") as object), account_info: null, is_sender: "true" };
    expect(isReply(toProviderEvent(parseUnipileWebhook(flagged)))).toBe(false);
  });

  it("uses the account's own member id when account_info is missing, and ignores the event when it cannot tell", () => {
    const known = normalize("webhook-message-received-no-account-info", { selfProviderId: () => "ACoAAAjaneSenderSelf00001" });
    expect(known).toMatchObject({ type: "message_received", message: { direction: "outbound" } });
    const unknown = normalize("webhook-message-received-no-account-info");
    expect(unknown.type).toBe("ignored");
    expect(isReply(unknown)).toBe(false);
  });

  it("parses new_relation as an accepted invitation", () => {
    expect(normalize("webhook-new-relation")).toEqual({
      type: "invitation_accepted",
      accountId: "SDF4tGaPSPSzNe1D1xsOs",
      providerId: "ACoAAAEkwwAB9KEc2TrQgOLE",
      publicId: "jane-doe",
      name: "Jane Doe",
      eventId: "new_relation:SDF4tGaPSPSzNe1D1xsOs:ACoAAAEkwwAB9KEc2TrQgOLE",
    });
  });

  it("parses mail_received (current and legacy id) and mail_sent with their directions", () => {
    const received = normalize("webhook-mail-received");
    expect(received).toMatchObject({
      type: "email_received",
      eventId: "mail_received:--R9___qXQKIu80oAF0lJA",
      message: {
        direction: "inbound",
        from: "jane.doe@acme.com",
        inReplyTo: { messageId: "<eml0001@offerlab-demo.com>", id: "Qk7PzWm2T0u2l3a9xYb1cA" },
        text: "Sounds interesting, can we talk Thursday?",
      },
    });
    expect(isReply(received)).toBe(true);
    expect(normalize("webhook-mail-received-legacy-id")).toMatchObject({ type: "email_received", message: { id: "legacyId_8sd7f6g5h4" } });
    const sent = normalize("webhook-mail-sent");
    expect(sent).toMatchObject({
      type: "email_sent",
      message: { direction: "outbound", trackingId: "Z-4Nx5bMR86b9NVCloU1gg", messageId: "<eml0001@offerlab-demo.com>" },
    });
    expect(isReply(sent)).toBe(false);
    // A mail_received for a message we sent (origin unipile) is ours, not a reply.
    const echo = { ...(fixture("webhook-mail-received") as object), origin: "unipile", role: "sent", folders: ["SENT"] };
    expect(isReply(toProviderEvent(parseUnipileWebhook(echo)))).toBe(false);
  });

  it("parses tracking events", () => {
    expect(normalize("webhook-mail-opened")).toMatchObject({
      type: "email_opened",
      trackingId: "Z-4Nx5bMR86b9NVCloU1gg",
      eventId: "o-9XTo49QZ-uGZFij4qQcB",
    });
    expect(normalize("webhook-mail-link-clicked")).toMatchObject({
      type: "email_clicked",
      url: "https://landing.example.com/pilot",
      eventId: "s-5DTo49QZ-uGZFij4qQcA",
    });
  });

  it("parses account status into our vocabulary", () => {
    expect(normalize("webhook-account-status-credentials")).toMatchObject({
      type: "account_status",
      accountId: "kzAxdybMQ7ipVxK1U6kwZw",
      status: "disconnected",
      vendorStatus: "CREDENTIALS",
    });
    expect(normalize("webhook-account-status-ok")).toMatchObject({ status: "active", vendorStatus: "RECONNECTED" });
    expect(normalize("webhook-account-status-ok").eventId).not.toBe(normalize("webhook-account-status-credentials").eventId);
  });

  it("rejects malformed payloads with a clear error naming the fields", () => {
    const attempt = (body: unknown) => {
      try {
        parseUnipileWebhook(body);
      } catch (e) {
        return e;
      }
      throw new Error("expected a rejection");
    };
    const e = attempt(fixture("webhook-malformed")) as ProviderError;
    expect(ProviderError.isInstance(e)).toBe(true);
    expect(e.kind).toBe("invalid");
    expect(e.reason).toBe("malformed_webhook");
    expect(e.message).toContain("message_id");
    expect((attempt("nope") as Error).message).toContain("expected a JSON object");
    expect((attempt({ foo: 1 }) as Error).message).toContain("missing `event`");
    expect((attempt({ event: "calendar_event_created" }) as Error).message).toContain('unknown event "calendar_event_created"');
    expect((attempt({ ...(fixture("webhook-mail-sent") as object), email_id: undefined }) as Error).message).toContain("email_id");
    expect((attempt({ AccountStatus: { account_id: "x" } }) as Error).message).toContain("AccountStatus.message");
  });

  it("ignores messaging events we do not consume", () => {
    const read = { ...(fixture("webhook-message-received-inbound") as object), event: "message_read" };
    expect(toProviderEvent(parseUnipileWebhook(read)).type).toBe("ignored");
  });
});

describe("verifyUnipileWebhookSecret", () => {
  it("accepts the right secret in any header case and rejects others", () => {
    const secret = "s3cret-0123456789abcdef0123456789abcdef";
    expect(verifyUnipileWebhookSecret(new Headers({ "x-unipile-secret": secret }), secret)).toBe(true);
    expect(verifyUnipileWebhookSecret({ "X-UNIPILE-SECRET": secret }, secret)).toBe(true);
    expect(verifyUnipileWebhookSecret({ "x-unipile-secret": "wrong" }, secret)).toBe(false);
    expect(verifyUnipileWebhookSecret({}, secret)).toBe(false);
    expect(verifyUnipileWebhookSecret({ "x-unipile-secret": "" }, "")).toBe(false);
    expect(verifyUnipileWebhookSecret({ "x-hook": secret }, secret, "X-Hook")).toBe(true);
  });
});
