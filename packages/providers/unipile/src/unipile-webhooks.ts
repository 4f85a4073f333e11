/**
 * Unipile webhook payloads: zod parsers for every event we consume, their normalisation into the
 * kit's ProviderEvent, and the receiver's secret check. v1 has no signature: the secret travels in
 * a custom header we set when creating the webhook, compared in constant time.
 *
 * The direction rule: Unipile echoes every message the account sends (through us, the phone or the
 * web) as `message_received`, and emails sent as `mail_sent`/`mail_received` with our origin. Those
 * are `outbound` and must never count as replies. When a payload does not let us decide, the event
 * is `ignored` (the inbox sync, whose reads carry `is_sender`, catches a real reply later).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { linkedInPublicId, normalizeEmail } from "@offerlab/core";
import { ProviderError } from "@offerlab/provider-kit";
import type { InboxMessage, ProviderEvent } from "@offerlab/provider-kit";
import { flag } from "./unipile-api.js";
import { accountStatusFromWebhook, isOutboundEmail } from "./unipile-transform.js";

/** Default header carrying our webhook secret. */
export const UNIPILE_WEBHOOK_SECRET_HEADER = "X-Unipile-Secret";

const str = z.string().min(1);
const optStr = z.string().nullable().optional();

const Attendee = z.object({
  attendee_id: optStr,
  attendee_name: optStr,
  attendee_provider_id: optStr,
  attendee_profile_url: optStr,
});

export const MessagingEventSchema = z.object({
  event: z.enum([
    "message_received",
    "message_read",
    "message_reaction",
    "message_edited",
    "message_deleted",
    "message_delivered",
    "message_failed",
  ]),
  webhook_name: optStr,
  account_id: str,
  account_type: optStr,
  account_info: z.object({ type: optStr, feature: optStr, user_id: optStr }).nullable().optional(),
  chat_id: str,
  message_id: str,
  timestamp: str,
  message: z.string().nullable().optional(),
  sender: Attendee,
  attendees: z.array(Attendee).nullable().optional(),
  // Seen in some real payloads only; the documented example lacks it. Tolerate bool/number/string.
  is_sender: flag.optional(),
  subject: optStr,
});
export type UnipileMessagingEvent = z.infer<typeof MessagingEventSchema>;

export const NewRelationEventSchema = z.object({
  event: z.literal("new_relation"),
  webhook_name: optStr,
  account_id: str,
  account_type: optStr,
  user_full_name: optStr,
  user_provider_id: str,
  user_public_identifier: optStr,
  user_profile_url: optStr,
});
export type UnipileNewRelationEvent = z.infer<typeof NewRelationEventSchema>;

const MailAttendee = z.object({ display_name: optStr, identifier: str, identifier_type: optStr });

export const MailEventSchema = z
  .object({
    event: z.enum(["mail_received", "mail_sent"]),
    webhook_name: optStr,
    // Current docs say `email_id`; older ones `id` (with `object: "Mail"`). Accept both.
    email_id: optStr,
    id: optStr,
    account_id: str,
    date: str,
    from_attendee: MailAttendee,
    to_attendees: z.array(MailAttendee).nullable().optional(),
    message_id: optStr,
    thread_id: optStr,
    subject: optStr,
    body: optStr,
    body_plain: optStr,
    folders: z.array(z.string()).nullable().optional(),
    role: optStr,
    in_reply_to: z.object({ message_id: optStr, id: optStr }).nullable().optional(),
    tracking_id: optStr,
    origin: optStr,
  })
  .refine((e) => !!(e.email_id || e.id), { message: "email_id (or id) is required", path: ["email_id"] });
export type UnipileMailEvent = z.infer<typeof MailEventSchema>;

export const TrackingEventSchema = z.object({
  event: z.enum(["mail_opened", "mail_link_clicked"]),
  event_id: str,
  tracking_id: optStr,
  email_id: optStr,
  account_id: str,
  date: str,
  url: optStr,
  label: optStr,
  ip: optStr,
  user_agent: optStr,
});
export type UnipileTrackingEvent = z.infer<typeof TrackingEventSchema>;

export const AccountStatusEventSchema = z.object({
  AccountStatus: z.object({ account_id: str, account_type: optStr, message: str, product: optStr }),
});
export type UnipileAccountStatusEvent = z.infer<typeof AccountStatusEventSchema>;

export type UnipileWebhookPayload =
  | { source: "messaging"; payload: UnipileMessagingEvent }
  | { source: "users"; payload: UnipileNewRelationEvent }
  | { source: "email"; payload: UnipileMailEvent }
  | { source: "email_tracking"; payload: UnipileTrackingEvent }
  | { source: "account_status"; payload: UnipileAccountStatusEvent };

function invalid(message: string, issues?: z.ZodError): ProviderError {
  const detail = issues?.issues
    .slice(0, 8)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
  return new ProviderError({
    kind: "invalid",
    provider: "unipile",
    message: `malformed webhook payload: ${message}${detail ? ` (${detail})` : ""}`,
    reason: "malformed_webhook",
    retryable: false,
  });
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw invalid(what, result.error);
  return result.data;
}

/**
 * Validates a webhook body (already JSON-parsed) and tells which source it came from. Throws a
 * ProviderError (`invalid`, reason `malformed_webhook`) naming the bad fields; the receiver
 * answers 4xx and writes nothing.
 */
export function parseUnipileWebhook(body: unknown): UnipileWebhookPayload {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("expected a JSON object");
  const record = body as Record<string, unknown>;
  if ("AccountStatus" in record) return { source: "account_status", payload: parseWith(AccountStatusEventSchema, body, "account_status") };
  const event = record.event;
  if (typeof event !== "string") throw invalid("missing `event`");
  if (event.startsWith("message_")) return { source: "messaging", payload: parseWith(MessagingEventSchema, body, event) };
  if (event === "new_relation") return { source: "users", payload: parseWith(NewRelationEventSchema, body, event) };
  if (event === "mail_received" || event === "mail_sent") return { source: "email", payload: parseWith(MailEventSchema, body, event) };
  if (event === "mail_opened" || event === "mail_link_clicked")
    return { source: "email_tracking", payload: parseWith(TrackingEventSchema, body, event) };
  throw invalid(`unknown event "${event}"`);
}

export interface NormalizeOptions {
  /**
   * The LinkedIn member id of each connected account (`SendingAccount.linkedinProviderId`), used
   * when a payload lacks `account_info.user_id`.
   */
  selfProviderId?: (accountId: string) => string | null | undefined;
  /** The address of each mailbox account, to recognise our own emails. */
  selfEmail?: (accountId: string) => string | null | undefined;
}

/**
 * Direction of a messaging event: ours when flagged `is_sender`, or when the sender is the
 * account itself; `null` when the payload cannot tell (no sender id, or no own id to compare).
 */
export function messagingDirection(event: UnipileMessagingEvent, options: NormalizeOptions = {}): "inbound" | "outbound" | null {
  if (event.is_sender === true) return "outbound";
  const self = event.account_info?.user_id || options.selfProviderId?.(event.account_id) || null;
  const sender = event.sender.attendee_provider_id || null;
  if (self && sender) return sender === self ? "outbound" : "inbound";
  return null;
}

/** Normalises a parsed payload into the kit's ProviderEvent. */
export function toProviderEvent(parsed: UnipileWebhookPayload, options: NormalizeOptions = {}): ProviderEvent {
  switch (parsed.source) {
    case "messaging": {
      const e = parsed.payload;
      if (e.event !== "message_received")
        return { type: "ignored", reason: `${e.event} is not consumed`, eventId: `${e.event}:${e.message_id}` };
      const direction = messagingDirection(e, options);
      if (direction === null) {
        return { type: "ignored", reason: "direction_unknown: no own member id to compare; the inbox sync decides", eventId: e.message_id };
      }
      const message: InboxMessage = {
        channel: "linkedin",
        direction,
        accountId: e.account_id,
        id: e.message_id,
        threadId: e.chat_id,
        from: e.sender.attendee_provider_id ?? null,
        fromName: e.sender.attendee_name ?? null,
        subject: e.subject ?? null,
        text: e.message ?? null,
        sentAt: e.timestamp,
      };
      return { type: "message_received", message, eventId: e.message_id };
    }
    case "users": {
      const e = parsed.payload;
      return {
        type: "invitation_accepted",
        accountId: e.account_id,
        providerId: e.user_provider_id,
        publicId: linkedInPublicId(e.user_public_identifier ?? e.user_profile_url ?? null),
        name: e.user_full_name ?? null,
        eventId: `new_relation:${e.account_id}:${e.user_provider_id}`,
      };
    }
    case "email": {
      const e = parsed.payload;
      const id = (e.email_id || e.id) as string;
      const outbound = e.event === "mail_sent" || isOutboundEmail(e, options.selfEmail?.(e.account_id));
      const message: InboxMessage = {
        channel: "email",
        direction: outbound ? "outbound" : "inbound",
        accountId: e.account_id,
        id,
        threadId: e.thread_id ?? null,
        from: normalizeEmail(e.from_attendee.identifier) ?? e.from_attendee.identifier,
        fromName: e.from_attendee.display_name ?? null,
        subject: e.subject ?? null,
        text: e.body_plain || e.body || null,
        sentAt: e.date,
        messageId: e.message_id ?? null,
        inReplyTo: e.in_reply_to ? { messageId: e.in_reply_to.message_id ?? null, id: e.in_reply_to.id ?? null } : null,
        trackingId: e.tracking_id ?? null,
      };
      return { type: e.event === "mail_sent" ? "email_sent" : "email_received", message, eventId: `${e.event}:${id}` };
    }
    case "email_tracking": {
      const e = parsed.payload;
      return {
        type: e.event === "mail_opened" ? "email_opened" : "email_clicked",
        accountId: e.account_id,
        trackingId: e.tracking_id ?? null,
        emailId: e.email_id ?? null,
        url: e.url ?? null,
        at: e.date,
        eventId: e.event_id,
      };
    }
    case "account_status": {
      const s = parsed.payload.AccountStatus;
      // No id or timestamp in this payload: the receiver should add its own time bucket to dedupe.
      const digest = createHash("sha256")
        .update(`${s.account_id}|${s.message}|${s.product ?? ""}`)
        .digest("hex")
        .slice(0, 16);
      return {
        type: "account_status",
        accountId: s.account_id,
        status: accountStatusFromWebhook(s.message),
        vendorStatus: s.message,
        eventId: `account_status:${digest}`,
      };
    }
  }
}

/** True only for a message from the other person: the one thing that may stop a sequence. */
export function isReply(event: ProviderEvent): boolean {
  return (event.type === "message_received" || event.type === "email_received") && event.message.direction === "inbound";
}

/**
 * Constant-time check of the secret header of a delivery. `headers` may be a Headers object or a
 * plain record (any case).
 */
export function verifyUnipileWebhookSecret(
  headers: Headers | Record<string, string | string[] | undefined>,
  expectedSecret: string,
  headerName: string = UNIPILE_WEBHOOK_SECRET_HEADER,
): boolean {
  if (!expectedSecret) return false;
  let received: string | undefined;
  if (headers instanceof Headers) received = headers.get(headerName) ?? undefined;
  else {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === headerName.toLowerCase());
    const value = key ? headers[key] : undefined;
    received = Array.isArray(value) ? value[0] : value;
  }
  if (!received) return false;
  const a = createHash("sha256").update(received).digest();
  const b = createHash("sha256").update(expectedSecret).digest();
  return timingSafeEqual(a, b);
}
