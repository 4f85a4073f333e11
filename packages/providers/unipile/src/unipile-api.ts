/**
 * Raw Unipile API v1 over the kit's HTTP client: one function per endpoint, zod schemas listing
 * only the fields we use. No mapping to our domain here (see unipile-transform.ts).
 */
import { z } from "zod";
import type { HttpClient, QueryValue } from "@offerlab/provider-kit";

// Flags come as 0|1 numbers in reads and sometimes as booleans or "true"/"false" in webhooks.
export const flag = z.union([z.boolean(), z.number(), z.string()]).transform((v) => v === true || v === 1 || v === "1" || v === "true");

const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), cursor: z.string().nullable().optional() });

export const AccountSchema = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  type: z.string(),
  created_at: z.string().nullable().optional(),
  connection_params: z
    .object({
      im: z
        .object({
          id: z.string().nullable().optional(),
          username: z.string().nullable().optional(),
          premiumFeatures: z.array(z.string()).nullable().optional(),
        })
        .nullable()
        .optional(),
      mail: z.object({ id: z.string().nullable().optional(), username: z.string().nullable().optional() }).nullable().optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
  sources: z.array(z.object({ id: z.string().optional(), status: z.string() })).default([]),
});
export type UnipileAccount = z.infer<typeof AccountSchema>;

export const UserProfileSchema = z.object({
  provider_id: z.string(),
  public_identifier: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  headline: z.string().nullable().optional(),
  public_profile_url: z.string().nullable().optional(),
  network_distance: z.string().nullable().optional(),
  is_relationship: z.boolean().nullable().optional(),
  invitation: z.object({ type: z.string(), status: z.string() }).nullable().optional(),
  can_send_inmail: z.boolean().nullable().optional(),
  is_open_profile: z.boolean().nullable().optional(),
});
export type UnipileUserProfile = z.infer<typeof UserProfileSchema>;

export const InvitationSentSchema = z.object({
  object: z.literal("UserInvitationSent").optional(),
  invitation_id: z.string().nullable().optional(),
  usage: z.number().nullable().optional(),
});

export const SentInvitationItemSchema = z.object({
  id: z.string(),
  invited_user: z.string().nullable().optional(),
  invited_user_id: z.string().nullable().optional(),
  invited_user_public_id: z.string().nullable().optional(),
  parsed_datetime: z.string().nullable().optional(),
  invitation_text: z.string().nullable().optional(),
});
export type UnipileSentInvitation = z.infer<typeof SentInvitationItemSchema>;

export const ChatStartedSchema = z.object({ chat_id: z.string().nullable().optional(), message_id: z.string().nullable().optional() });
export const MessageSentSchema = z.object({ message_id: z.string().nullable().optional() });

export const MessageSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  chat_id: z.string(),
  sender_id: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
  timestamp: z.string(),
  is_sender: flag,
  subject: z.string().nullable().optional(),
});
export type UnipileMessage = z.infer<typeof MessageSchema>;

export const ChatSchema = z.object({
  id: z.string(),
  account_id: z.string().optional(),
  attendee_provider_id: z.string().nullable().optional(),
});

export const AttendeeSchema = z.object({
  display_name: z.string().nullable().optional(),
  identifier: z.string(),
  identifier_type: z.string().nullable().optional(),
});

export const EmailSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  date: z.string(),
  role: z.string().nullable().optional(),
  folders: z.array(z.string()).nullable().optional(),
  message_id: z.string().nullable().optional(),
  thread_id: z.string().nullable().optional(),
  in_reply_to: z.object({ message_id: z.string().nullable().optional(), id: z.string().nullable().optional() }).nullable().optional(),
  from_attendee: AttendeeSchema.nullable().optional(),
  to_attendees: z.array(AttendeeSchema).nullable().optional(),
  subject: z.string().nullable().optional(),
  body_plain: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
  origin: z.string().nullable().optional(),
  tracking_id: z.string().nullable().optional(),
  headers: z
    .array(z.object({ name: z.string(), value: z.string() }))
    .nullable()
    .optional(),
});
export type UnipileEmail = z.infer<typeof EmailSchema>;

export const EmailSentSchema = z.object({ tracking_id: z.string().nullable().optional() });

export const WebhookCreatedSchema = z.object({ webhook_id: z.string() });
export const WebhookItemSchema = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  request_url: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
  enabled: z.boolean().nullable().optional(),
  events: z.array(z.string()).nullable().optional(),
  account_ids: z.array(z.string()).nullable().optional(),
});
export type UnipileWebhookItem = z.infer<typeof WebhookItemSchema>;

/** Multipart fields of `POST /chats`. */
export interface StartChatForm {
  account_id: string;
  attendees_ids: string[];
  text: string;
  subject?: string;
  api?: "classic" | "sales_navigator" | "recruiter";
  inmail?: boolean;
}

/** Multipart fields of `POST /emails` before encoding. */
export interface SendEmailForm {
  account_id: string;
  to: { display_name?: string; identifier: string }[];
  cc?: { display_name?: string; identifier: string }[];
  bcc?: { display_name?: string; identifier: string }[];
  subject: string;
  body: string;
  reply_to?: string;
  custom_headers?: { name: string; value: string }[];
  tracking_options?: { opens?: boolean; links?: boolean; label?: string };
}

export interface CreateWebhookBody {
  request_url: string;
  source: "messaging" | "users" | "account_status" | "email" | "email_tracking";
  name?: string;
  events?: string[];
  account_ids?: string[];
  headers: { key: string; value: string }[];
}

type Signal = AbortSignal | undefined;
const seg = encodeURIComponent;

/** The raw endpoints. Every function maps 1:1 onto one HTTP call. */
export function createUnipileApi(http: HttpClient) {
  const get = <T>(path: string, schema: z.ZodType<T>, query: Record<string, QueryValue>, signal: Signal) =>
    http.request({ method: "GET", path, query, schema, signal }).then((r) => r.data);
  return {
    listAccounts: (q: { limit?: number; cursor?: string | null }, signal?: Signal) => get("/accounts", list(AccountSchema), q, signal),
    getAccount: (accountId: string, signal?: Signal) => get(`/accounts/${seg(accountId)}`, AccountSchema, {}, signal),
    getUser: (identifier: string, accountId: string, signal?: Signal) =>
      // notify=false: the person must not see a profile visit (documented default; sent explicitly).
      get(`/users/${seg(identifier)}`, UserProfileSchema, { account_id: accountId, notify: false }, signal),
    sendInvitation: (body: { account_id: string; provider_id: string; message?: string }, signal?: Signal) =>
      http.request({ method: "POST", path: "/users/invite", json: body, schema: InvitationSentSchema, signal }).then((r) => r.data),
    listSentInvitations: (q: { account_id: string; limit?: number; cursor?: string | null }, signal?: Signal) =>
      get("/users/invite/sent", list(SentInvitationItemSchema), q, signal),
    cancelInvitation: (invitationId: string, accountId: string, signal?: Signal) =>
      http
        .request({ method: "DELETE", path: `/users/invite/sent/${seg(invitationId)}`, query: { account_id: accountId }, signal })
        .then(() => undefined),
    startChat: (form: StartChatForm, signal?: Signal) =>
      http
        .request({
          method: "POST",
          path: "/chats",
          // Nested LinkedIn options use bracket notation in multipart (the digest: verified).
          form: {
            account_id: form.account_id,
            attendees_ids: form.attendees_ids,
            text: form.text,
            subject: form.subject,
            "linkedin[api]": form.api,
            "linkedin[inmail]": form.inmail ? "true" : undefined,
          },
          schema: ChatStartedSchema,
          signal,
        })
        .then((r) => r.data),
    sendChatMessage: (chatId: string, text: string, signal?: Signal) =>
      http
        .request({ method: "POST", path: `/chats/${seg(chatId)}/messages`, form: { text }, schema: MessageSentSchema, signal })
        .then((r) => r.data),
    getChat: (chatId: string, signal?: Signal) => get(`/chats/${seg(chatId)}`, ChatSchema, {}, signal),
    listMessages: (q: { account_id: string; after?: string; before?: string; limit?: number; cursor?: string | null }, signal?: Signal) =>
      get("/messages", list(MessageSchema), q, signal),
    listChatMessages: (chatId: string, q: { after?: string; before?: string; limit?: number; cursor?: string | null }, signal?: Signal) =>
      get(`/chats/${seg(chatId)}/messages`, list(MessageSchema), q, signal),
    sendEmail: (form: SendEmailForm, signal?: Signal) =>
      http
        .request({
          method: "POST",
          path: "/emails",
          // Arrays and objects travel as JSON strings in one field each (the digest: verified).
          form: {
            account_id: form.account_id,
            to: JSON.stringify(form.to),
            cc: form.cc?.length ? JSON.stringify(form.cc) : undefined,
            bcc: form.bcc?.length ? JSON.stringify(form.bcc) : undefined,
            subject: form.subject,
            body: form.body,
            reply_to: form.reply_to,
            custom_headers: form.custom_headers?.length ? JSON.stringify(form.custom_headers) : undefined,
            tracking_options: form.tracking_options ? JSON.stringify(form.tracking_options) : undefined,
          },
          schema: EmailSentSchema,
          signal,
        })
        .then((r) => r.data),
    listEmails: (
      q: {
        account_id: string;
        after?: string;
        before?: string;
        limit?: number;
        cursor?: string | null;
        role?: string;
        include_headers?: boolean;
        meta_only?: boolean;
      },
      signal?: Signal,
    ) => get("/emails", list(EmailSchema), q, signal),
    createWebhook: (body: CreateWebhookBody, signal?: Signal) =>
      http
        .request({
          method: "POST",
          path: "/webhooks",
          json: { ...body, enabled: true, format: "json" },
          schema: WebhookCreatedSchema,
          signal,
        })
        .then((r) => r.data),
    listWebhooks: (q: { limit?: number; cursor?: string | null }, signal?: Signal) => get("/webhooks", list(WebhookItemSchema), q, signal),
    deleteWebhook: (webhookId: string, signal?: Signal) =>
      http.request({ method: "DELETE", path: `/webhooks/${seg(webhookId)}`, signal }).then(() => undefined),
  };
}
export type UnipileApi = ReturnType<typeof createUnipileApi>;
