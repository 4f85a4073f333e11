/**
 * An MSW fake of Unipile API v1, faithful to the request and response shapes of the digest, backed
 * by a small in-memory world: invitations become pending and can be accepted by the test (which
 * returns the matching webhook payloads), chats and messages accumulate, emails get tracking ids
 * and can receive replies. Faults can be switched on, including "acted but the response was lost"
 * and "acted, then answered 5xx". Used by this package's tests, other packages' tests and `@offerlab/sandbox`.
 *
 * ```ts
 * const unipile = createUnipileMock();
 * const server = setupServer(...unipile.handlers);
 * unipile.fail("response_lost", { times: 1, match: "POST /users/invite" });
 * ```
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch, matchRequestPrefix } from "@offerlab/provider-kit/testing/faults";
import type { ArmedFault, FaultControls, FaultOptions } from "@offerlab/provider-kit/testing/faults";

export const unipileFaults = [
  "unauthorized",
  "disconnected",
  "out_of_credits",
  "invalid",
  "refusal",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
  "server_error_after_acting",
] as const;
/** A failure the fake can be switched into. */
export type UnipileFault = (typeof unipileFaults)[number];

export interface UnipileFaultOptions extends FaultOptions {
  /** Only the next `times` matching requests fail. Default: until `clearFaults()`. */
  times?: number;
  /** Only requests matching `"METHOD /path"` (path after `/api/v1`, prefix match), e.g. `POST /users/invite`. */
  match?: string;
  /** The 422 `type` for `refusal` / `invalid`, e.g. `errors/already_invited_recently`. */
  type?: string;
  /** Seconds in `Retry-After` for `rate_limited_retry_after`. Default 30. */
  retryAfterSeconds?: number;
}

export interface MockProfile {
  provider_id: string;
  public_identifier: string;
  first_name: string;
  last_name: string;
  headline?: string;
  network_distance?: "FIRST_DEGREE" | "SECOND_DEGREE" | "THIRD_DEGREE" | "OUT_OF_NETWORK";
  can_send_inmail?: boolean;
  is_open_profile?: boolean;
  /** The person's email, for email replies. */
  email?: string;
}

export interface MockAccount {
  id: string;
  name: string;
  type: "LINKEDIN" | "GOOGLE_OAUTH" | "OUTLOOK" | "MAIL";
  /** LinkedIn member id of the account owner, or the mailbox address. */
  self: string;
  status?: string;
  premiumFeatures?: string[];
}

export interface UnipileMockOptions {
  /** Origin + `/api/v1` the handlers answer on. Default `https://api1.unipile.test:13111/api/v1`. */
  baseUrl?: string;
  /** The only key accepted in `X-API-KEY`. Default `test-unipile-key`. */
  apiKey?: string;
  /** Default: one LinkedIn and one Gmail account. */
  accounts?: MockAccount[];
  /** Default: three people (one 1st-degree, one 2nd, one out of network). */
  profiles?: MockProfile[];
  /** How long the `timeout` fault stalls, in ms. Default 2 000. */
  slowMs?: number;
  /** The fake's clock: timestamps of invitations, messages, emails and events. Default `() => new Date()` (the sandbox passes its simulated clock). */
  now?: () => Date;
}

interface Invitation {
  id: string;
  account_id: string;
  provider_id: string;
  message: string | null;
  date: string;
}
interface Chat {
  id: string;
  account_id: string;
  attendee_provider_id: string;
}
interface Message {
  object: "Message";
  id: string;
  account_id: string;
  chat_id: string;
  chat_provider_id: string;
  provider_id: string;
  sender_id: string;
  sender_attendee_id: string;
  text: string;
  timestamp: string;
  is_sender: 0 | 1;
  seen: 0 | 1;
  delivered: 0 | 1;
  edited: 0;
  deleted: 0;
  hidden: 0;
  is_event: 0;
  subject: string | null;
  attachments: [];
  reactions: [];
}
interface Attendee {
  display_name?: string;
  identifier: string;
  identifier_type?: string;
}
interface Email {
  object: "Email";
  id: string;
  account_id: string;
  date: string;
  role: "inbox" | "sent";
  folders: string[];
  read_date: null;
  message_id: string;
  provider_id: string;
  thread_id: string;
  in_reply_to: { message_id: string; id: string } | null;
  from_attendee: Attendee;
  to_attendees: Attendee[];
  cc_attendees: Attendee[];
  bcc_attendees: Attendee[];
  reply_to_attendees: Attendee[];
  subject: string;
  body: string;
  body_plain: string;
  has_attachments: false;
  attachments: [];
  origin: "unipile" | "external";
  tracking_id: string | null;
  headers: { name: string; value: string }[];
}
interface Webhook {
  id: string;
  name: string | null;
  request_url: string;
  source: string;
  events: string[];
  account_ids: string[];
  enabled: boolean;
  format: string;
  headers: { key: string; value: string }[];
}

export interface UnipileMockState {
  accounts: MockAccount[];
  profiles: MockProfile[];
  /** Pending invitations (accepted or cancelled ones leave). */
  invitations: Invitation[];
  chats: Chat[];
  messages: Message[];
  emails: Email[];
  webhooks: Webhook[];
  /** Every send the fake acted on, in order (including those whose response was "lost"). */
  actions: { kind: "invitation" | "chat" | "message" | "email"; id: string; at: string }[];
}

/** Faults stack: each `fail` adds one (limited to `match`ing requests and `times`), `clearFaults()` removes them all. */
export interface UnipileMock extends FaultControls<UnipileFault, UnipileFaultOptions> {
  handlers: HttpHandler[];
  state: UnipileMockState;
  readonly baseUrl: string;
  readonly apiKey: string;
  /**
   * The person accepts the pending invitation (by invitation id or member id): they become a
   * 1st-degree connection; returns the `new_relation` payload and, when the invitation had a
   * note, the `message_received` echo of our note (sender = us: never a reply).
   */
  acceptInvitation(idOrProviderId: string): { newRelation: Record<string, unknown>; noteEcho: Record<string, unknown> | null };
  /** The person writes in their chat with the account; returns the `message_received` payload. */
  receiveMessage(input: { accountId: string; fromProviderId: string; text: string }): Record<string, unknown>;
  /**
   * The recipient answers an email we sent (by tracking id or email id); returns the `mail_received` payload.
   * `from`/`fromName`/`subject` override the sender and the `Re:` subject (a bounce comes from the mailer daemon).
   */
  receiveEmailReply(input: {
    trackingOrEmailId: string;
    text: string;
    from?: string;
    fromName?: string;
    subject?: string;
  }): Record<string, unknown>;
  /** The `mail_sent` payload of an email we sent (by tracking id). */
  mailSentEvent(trackingId: string): Record<string, unknown>;
  /** A tracking event for an email we sent. */
  trackingEvent(trackingId: string, kind: "mail_opened" | "mail_link_clicked", url?: string): Record<string, unknown>;
  /** Changes an account's source status; returns the `AccountStatus` payload. */
  setAccountStatus(accountId: string, status: string): Record<string, unknown>;
}

const defaultAccounts: MockAccount[] = [
  {
    id: "kzAxdybMQ7ipVxK1U6kwZw",
    name: "Jane Sender",
    type: "LINKEDIN",
    self: "ACoAAAjaneSenderSelf00001",
    premiumFeatures: ["premium", "sales_navigator"],
  },
  { id: "GxwlUMaZTHefegva16XcWw", name: "jane@offerlab-demo.com", type: "GOOGLE_OAUTH", self: "jane@offerlab-demo.com" },
];
const defaultProfiles: MockProfile[] = [
  {
    provider_id: "ACoAAAkimConnection00001",
    public_identifier: "kim-lee",
    first_name: "Kim",
    last_name: "Lee",
    headline: "Head of Ops at Initech",
    network_distance: "FIRST_DEGREE",
    can_send_inmail: true,
  },
  {
    provider_id: "ACoAAAEkwwAB9KEc2TrQgOLE",
    public_identifier: "jane-doe",
    first_name: "Jane",
    last_name: "Doe",
    headline: "VP Sales at Acme",
    network_distance: "SECOND_DEGREE",
    can_send_inmail: true,
    email: "jane.doe@acme.com",
  },
  {
    provider_id: "ACoAAAfarAwayPerson00001",
    public_identifier: "sam-far",
    first_name: "Sam",
    last_name: "Far",
    headline: "CTO",
    network_distance: "OUT_OF_NETWORK",
    can_send_inmail: false,
  },
];

export function createUnipileMock(options: UnipileMockOptions = {}): UnipileMock {
  const baseUrl = (options.baseUrl ?? "https://api1.unipile.test:13111/api/v1").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-unipile-key";
  const slowMs = options.slowMs ?? 2000;
  const state: UnipileMockState = {
    accounts: structuredClone(options.accounts ?? defaultAccounts),
    profiles: structuredClone(options.profiles ?? defaultProfiles),
    invitations: [],
    chats: [],
    messages: [],
    emails: [],
    webhooks: [],
    actions: [],
  };
  // Several faults at once, each on its own routes (`match`): the send-path tests arm them so.
  const faults = createFaultSwitch<UnipileFault, UnipileFaultOptions>({ mode: "stack", matches: matchRequestPrefix });
  let seq = 0;
  const id = (prefix: string) => `${prefix}${(++seq).toString(36).padStart(6, "0")}Xq9-mockId`;
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();
  const url = (path: string) => `${baseUrl}${path}`;
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");

  const error = (status: number, type: string, title: string, extraHeaders: Record<string, string> = {}) =>
    HttpResponse.json({ status, type, title, detail: `${title} (mock)` }, { status, headers: extraHeaders });

  function pickFault(request: Request): ArmedFault<UnipileFault, UnipileFaultOptions> | undefined {
    const path = new URL(request.url).pathname.slice(basePath.length);
    return faults.take(`${request.method} ${path}`) ?? undefined;
  }

  /**
   * The response of a fault that answers before acting, or undefined. `timeout`, `response_lost`
   * and `server_error_after_acting` act first.
   */
  async function faultBefore(f: ArmedFault<UnipileFault, UnipileFaultOptions> | undefined): Promise<Response | undefined> {
    if (!f) return undefined;
    switch (f.fault) {
      case "unauthorized":
        return error(401, "errors/invalid_credentials", "Invalid credentials");
      case "disconnected":
        return error(401, "errors/disconnected_account", "Disconnected account");
      case "out_of_credits":
        return error(422, "errors/insufficient_credits", "Insufficient credits");
      case "invalid":
        return error(400, f.options.type ?? "errors/invalid_parameters", "Invalid parameters");
      case "refusal":
        return error(422, f.options.type ?? "errors/cannot_invite_attendee", "Refused");
      case "rate_limited":
        return error(429, "errors/too_many_requests", "Too many requests");
      case "rate_limited_retry_after":
        return error(429, "errors/too_many_requests", "Too many requests", { "Retry-After": String(f.options.retryAfterSeconds ?? 30) });
      case "server_error":
        return error(500, "errors/provider_error", "Provider error");
      case "timeout": // acts first, then answers too late (see guarded)
      default:
        return undefined;
    }
  }

  /** Wraps a handler: auth, faults, then the fake's behaviour. */
  function guarded(
    fn: (ctx: { request: Request; params: Record<string, string | readonly string[] | undefined> }) => Promise<Response> | Response,
  ) {
    return async ({ request, params }: { request: Request; params: Record<string, string | readonly string[] | undefined> }) => {
      const key = request.headers.get("x-api-key");
      const f = pickFault(request);
      const before = await faultBefore(f);
      if (before) return before;
      if (!key) return error(401, "errors/missing_credentials", "Missing credentials");
      if (key !== apiKey) return error(401, "errors/invalid_credentials", "Invalid credentials");
      const response = await fn({ request, params });
      // A slow vendor that acts and answers too late: the worst case for the send path.
      if (f?.fault === "timeout") await delay(slowMs);
      if (f?.fault === "response_lost") return HttpResponse.error();
      // Unipile did the work (LinkedIn or the mail server acted), then failed to answer: a 5xx
      // whose body says nothing about what happened. The worst case besides a lost connection.
      if (f?.fault === "server_error_after_acting") return error(500, "errors/unexpected_error", "Unexpected error");
      if (f?.fault === "malformed_json")
        return new HttpResponse('{"object": "Chat', {
          status: response.ok ? response.status : 200,
          headers: { "content-type": "application/json" },
        });
      return response;
    };
  }

  const param = (p: string | readonly string[] | undefined) => (Array.isArray(p) ? String(p[0]) : String(p ?? ""));
  const account = (accountId: string | null) => state.accounts.find((a) => a.id === accountId);
  const profileBy = (identifier: string) =>
    state.profiles.find((p) => p.provider_id === identifier || p.public_identifier === identifier.toLowerCase());
  const sourcesOf = (a: MockAccount) => [{ id: `${a.id}_MESSAGING`, status: a.status ?? "OK" }];

  function paginate<T>(items: T[], request: Request): { items: T[]; cursor: string | null } {
    const q = new URL(request.url).searchParams;
    const limit = Number(q.get("limit") ?? 100);
    const offset = q.get("cursor") ? Number(Buffer.from(q.get("cursor") as string, "base64url").toString()) : 0;
    const page = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64url") : null;
    return { items: page, cursor: next };
  }
  const since = (request: Request) => {
    const after = new URL(request.url).searchParams.get("after");
    return (iso: string) => !after || iso > after;
  };
  const newestFirst = <T extends { timestamp?: string; date?: string }>(xs: T[]) =>
    [...xs].sort((a, b) => ((b.timestamp ?? b.date ?? "") > (a.timestamp ?? a.date ?? "") ? 1 : -1));

  function accountJson(a: MockAccount) {
    const isLinkedIn = a.type === "LINKEDIN";
    return {
      object: "Account",
      id: a.id,
      name: a.name,
      type: a.type,
      created_at: "2025-01-10T09:00:00.000Z",
      connection_params: isLinkedIn
        ? { im: { id: a.self, username: a.name, premiumContractId: null, premiumFeatures: a.premiumFeatures ?? [] } }
        : { mail: { id: a.self, username: a.self } },
      sources: sourcesOf(a),
      groups: [],
    };
  }

  function pushMessage(chat: Chat, senderId: string, text: string, isSender: boolean): Message {
    const m: Message = {
      object: "Message",
      id: id("msg"),
      account_id: chat.account_id,
      chat_id: chat.id,
      chat_provider_id: `urn:li:chat:${chat.id}`,
      provider_id: `urn:li:msg:${seq}`,
      sender_id: senderId,
      sender_attendee_id: `att_${senderId.slice(-6)}`,
      text,
      timestamp: now(),
      is_sender: isSender ? 1 : 0,
      seen: 0,
      delivered: 1,
      edited: 0,
      deleted: 0,
      hidden: 0,
      is_event: 0,
      subject: null,
      attachments: [],
      reactions: [],
    };
    state.messages.push(m);
    return m;
  }

  function chatWith(accountId: string, providerId: string): Chat {
    let chat = state.chats.find((c) => c.account_id === accountId && c.attendee_provider_id === providerId);
    if (!chat) {
      chat = { id: id("chat"), account_id: accountId, attendee_provider_id: providerId };
      state.chats.push(chat);
    }
    return chat;
  }

  function messagingPayload(m: Message, acc: MockAccount) {
    const sender = m.is_sender
      ? { provider_id: acc.self, name: acc.name }
      : { provider_id: m.sender_id, name: profileBy(m.sender_id)?.first_name ?? "Someone" };
    const other = state.chats.find((c) => c.id === m.chat_id)?.attendee_provider_id ?? "";
    return {
      event: "message_received",
      webhook_name: "li-messages",
      account_id: acc.id,
      account_type: "LINKEDIN",
      account_info: { type: "LINKEDIN", feature: "classic", user_id: acc.self },
      chat_id: m.chat_id,
      message_id: m.id,
      timestamp: m.timestamp,
      message: m.text,
      sender: {
        attendee_id: `att_${sender.provider_id.slice(-6)}`,
        attendee_name: sender.name,
        attendee_provider_id: sender.provider_id,
        attendee_profile_url: `https://www.linkedin.com/in/${sender.provider_id}/`,
      },
      attendees: [
        {
          attendee_id: `att_${other.slice(-6)}`,
          attendee_name: profileBy(other)?.first_name ?? "",
          attendee_provider_id: other,
          attendee_profile_url: `https://www.linkedin.com/in/${other}/`,
        },
      ],
      attachments: [],
    };
  }

  function mailPayload(event: "mail_received" | "mail_sent", e: Email) {
    const { object: _o, id: emailId, headers: _h, ...rest } = e;
    return { event, webhook_name: "inbox", email_id: emailId, ...rest };
  }

  /** Reads a multipart field that may be a JSON array string or repeated JSON objects (older SDKs). */
  function attendeesField(form: FormData, name: string): Attendee[] | null {
    const values = form.getAll(name).map(String);
    if (values.length === 0) return [];
    try {
      const parsed = values.map((v) => JSON.parse(v) as unknown).flatMap((v) => (Array.isArray(v) ? v : [v]));
      if (!parsed.every((a) => typeof a === "object" && a !== null && typeof (a as Attendee).identifier === "string")) return null;
      return parsed as Attendee[];
    } catch {
      return null;
    }
  }
  const linkedInOpt = (form: FormData, key: string) => form.get(`linkedin[${key}]`) ?? form.get(`linkedin.${key}`);

  const handlers: HttpHandler[] = [
    http.get(
      url("/accounts"),
      guarded(({ request }) => HttpResponse.json({ object: "AccountList", ...paginate(state.accounts.map(accountJson), request) })),
    ),
    http.get(
      url("/accounts/:id"),
      guarded(({ params }) => {
        const a = account(param(params.id));
        return a ? HttpResponse.json(accountJson(a)) : error(404, "errors/resource_not_found", "Account not found");
      }),
    ),
    http.get(
      url("/users/invite/sent"),
      guarded(({ request }) => {
        const accountId = new URL(request.url).searchParams.get("account_id");
        if (!account(accountId)) return error(404, "errors/resource_not_found", "Account not found");
        const items = state.invitations
          .filter((i) => i.account_id === accountId)
          .map((i) => {
            const p = profileBy(i.provider_id);
            return {
              object: "InvitationSent",
              id: i.id,
              invited_user: p ? `${p.first_name} ${p.last_name}` : null,
              invited_user_id: i.provider_id,
              invited_user_public_id: p?.public_identifier ?? null,
              invited_user_description: p?.headline ?? null,
              date: "just now",
              parsed_datetime: i.date,
              invitation_text: i.message,
            };
          })
          .reverse();
        return HttpResponse.json({ object: "InvitationList", ...paginate(items, request) });
      }),
    ),
    http.delete(
      url("/users/invite/sent/:id"),
      guarded(({ params }) => {
        const index = state.invitations.findIndex((i) => i.id === param(params.id));
        if (index < 0) return error(400, "errors/invalid_parameters", "Invitation not found");
        state.invitations.splice(index, 1);
        return HttpResponse.json({ object: "InvitationCanceled" });
      }),
    ),
    http.post(
      url("/users/invite"),
      guarded(async ({ request }) => {
        const body = (await request.json().catch(() => null)) as { account_id?: string; provider_id?: string; message?: string } | null;
        if (!body?.account_id || !body.provider_id) return error(400, "errors/missing_parameters", "Missing parameters");
        const acc = account(body.account_id);
        if (!acc) return error(404, "errors/resource_not_found", "Account not found");
        if (acc.type !== "LINKEDIN") return error(422, "errors/invalid_account", "Invalid account");
        if (body.message && body.message.length > 300) return error(400, "errors/too_many_characters", "Too many characters");
        const p = profileBy(body.provider_id);
        if (!p || p.provider_id !== body.provider_id) return error(422, "errors/invalid_recipient", "Invalid recipient");
        if (p.network_distance === "FIRST_DEGREE") return error(422, "errors/cannot_invite_attendee", "Cannot invite attendee");
        if (state.invitations.some((i) => i.account_id === acc.id && i.provider_id === p.provider_id)) {
          return error(422, "errors/already_invited_recently", "Already invited recently");
        }
        const inv: Invitation = {
          id: id("inv"),
          account_id: acc.id,
          provider_id: p.provider_id,
          message: body.message ?? null,
          date: now(),
        };
        state.invitations.push(inv);
        state.actions.push({ kind: "invitation", id: inv.id, at: inv.date });
        return HttpResponse.json({ object: "UserInvitationSent", invitation_id: inv.id });
      }),
    ),
    http.get(
      url("/users/:identifier"),
      guarded(({ request, params }) => {
        const accountId = new URL(request.url).searchParams.get("account_id");
        if (!account(accountId)) return error(404, "errors/resource_not_found", "Account not found");
        const p = profileBy(decodeURIComponent(param(params.identifier)));
        if (!p) return error(404, "errors/resource_not_found", "User not found");
        const pending = state.invitations.find((i) => i.account_id === accountId && i.provider_id === p.provider_id);
        return HttpResponse.json({
          object: "UserProfile",
          provider: "LINKEDIN",
          provider_id: p.provider_id,
          public_identifier: p.public_identifier,
          first_name: p.first_name,
          last_name: p.last_name,
          headline: p.headline ?? "",
          location: "Paris, France",
          websites: [],
          public_profile_url: `https://www.linkedin.com/in/${p.public_identifier}`,
          network_distance: p.network_distance ?? "SECOND_DEGREE",
          is_relationship: p.network_distance === "FIRST_DEGREE",
          ...(pending ? { invitation: { type: "SENT", status: "PENDING" } } : {}),
          can_send_inmail: p.can_send_inmail ?? false,
          is_open_profile: p.is_open_profile ?? false,
          is_premium: false,
          connections_count: 500,
          shared_connections_count: 3,
          follower_count: 800,
        });
      }),
    ),
    http.post(
      url("/chats"),
      guarded(async ({ request }) => {
        const form = await request.formData().catch(() => null);
        if (!form) return error(400, "errors/malformed_request", "Expected multipart/form-data");
        const acc = account(String(form.get("account_id") ?? ""));
        if (!acc) return error(404, "errors/resource_not_found", "Account not found");
        const attendees = form.getAll("attendees_ids").map(String);
        const text = String(form.get("text") ?? "");
        if (attendees.length === 0 || !text) return error(400, "errors/missing_parameters", "Missing parameters");
        const inmail = String(linkedInOpt(form, "inmail") ?? "") === "true";
        for (const a of attendees) {
          const p = profileBy(a);
          if (!p) return error(422, "errors/invalid_recipient", "Invalid recipient");
          if (inmail && !p.can_send_inmail) return error(422, "errors/not_allowed_inmail", "InMail not allowed");
          if (!inmail && p.network_distance !== "FIRST_DEGREE")
            return error(422, "errors/no_connection_with_recipient", "No connection with recipient");
        }
        const chat = chatWith(acc.id, attendees[0] as string);
        const m = pushMessage(chat, acc.self, text, true);
        if (form.get("subject")) m.subject = String(form.get("subject"));
        state.actions.push({ kind: "chat", id: m.id, at: m.timestamp });
        return HttpResponse.json({ object: "ChatStarted", chat_id: chat.id, message_id: m.id }, { status: 201 });
      }),
    ),
    http.post(
      url("/chats/:chatId/messages"),
      guarded(async ({ request, params }) => {
        const form = await request.formData().catch(() => null);
        if (!form) return error(400, "errors/malformed_request", "Expected multipart/form-data");
        const chat = state.chats.find((c) => c.id === param(params.chatId));
        if (!chat) return error(404, "errors/resource_not_found", "Chat not found");
        const text = String(form.get("text") ?? "");
        if (!text) return error(400, "errors/missing_parameters", "Missing text");
        const m = pushMessage(chat, account(chat.account_id)?.self ?? "", text, true);
        state.actions.push({ kind: "message", id: m.id, at: m.timestamp });
        return HttpResponse.json({ object: "MessageSent", message_id: m.id }, { status: 201 });
      }),
    ),
    http.get(
      url("/chats/:chatId/messages"),
      guarded(({ request, params }) => {
        const chat = state.chats.find((c) => c.id === param(params.chatId));
        if (!chat) return error(404, "errors/resource_not_found", "Chat not found");
        const keep = since(request);
        return HttpResponse.json({
          object: "MessageList",
          ...paginate(newestFirst(state.messages.filter((m) => m.chat_id === chat.id && keep(m.timestamp))), request),
        });
      }),
    ),
    http.get(
      url("/chats/:chatId"),
      guarded(({ params }) => {
        const chat = state.chats.find((c) => c.id === param(params.chatId));
        if (!chat) return error(404, "errors/resource_not_found", "Chat not found");
        return HttpResponse.json({
          object: "Chat",
          id: chat.id,
          account_id: chat.account_id,
          account_type: "LINKEDIN",
          provider_id: `urn:li:chat:${chat.id}`,
          attendee_provider_id: chat.attendee_provider_id,
          name: null,
          type: 0,
          timestamp: now(),
          unread_count: 0,
          archived: 0,
          read_only: 0,
          folder: ["INBOX"],
        });
      }),
    ),
    http.get(
      url("/messages"),
      guarded(({ request }) => {
        const accountId = new URL(request.url).searchParams.get("account_id");
        const keep = since(request);
        return HttpResponse.json({
          object: "MessageList",
          ...paginate(newestFirst(state.messages.filter((m) => (!accountId || m.account_id === accountId) && keep(m.timestamp))), request),
        });
      }),
    ),
    http.post(
      url("/emails"),
      guarded(async ({ request }) => {
        const form = await request.formData().catch(() => null);
        if (!form) return error(400, "errors/malformed_request", "Expected multipart/form-data");
        const acc = account(String(form.get("account_id") ?? ""));
        if (!acc) return error(404, "errors/resource_not_found", "Account not found");
        if (acc.type === "LINKEDIN") return error(422, "errors/invalid_account", "Not a mail account");
        const to = attendeesField(form, "to");
        const body = String(form.get("body") ?? "");
        if (!to || to.length === 0 || !body) return error(400, "errors/missing_parameters", "to and body are required");
        let headers: { name: string; value: string }[] = [];
        if (form.get("custom_headers")) {
          try {
            headers = JSON.parse(String(form.get("custom_headers"))) as typeof headers;
          } catch {
            return error(400, "errors/invalid_parameters", "custom_headers must be JSON");
          }
          if (headers.some((h) => !/^x-/i.test(h.name) && !["Reply-To", "Content-Type", "Unscribe-List"].includes(h.name))) {
            return error(422, "errors/invalid_headers", "Invalid headers");
          }
        }
        const replyTo = form.get("reply_to") ? String(form.get("reply_to")) : null;
        const parent = replyTo ? state.emails.find((e) => e.id === replyTo || e.message_id === replyTo) : undefined;
        if (replyTo && !parent) return error(422, "errors/parent_mail_not_found", "Parent mail not found");
        const tracking = form.get("tracking_options") ? String(form.get("tracking_options")) : null;
        const emailId = id("eml");
        const messageId = `<${emailId}@offerlab-demo.com>`;
        const email: Email = {
          object: "Email",
          id: emailId,
          account_id: acc.id,
          date: now(),
          role: "sent",
          folders: ["SENT"],
          read_date: null,
          message_id: messageId,
          provider_id: JSON.stringify({ message_id: messageId, uid: String(seq) }),
          thread_id: parent?.thread_id ?? id("thr"),
          in_reply_to: parent ? { message_id: parent.message_id, id: parent.id } : null,
          from_attendee: { display_name: acc.name, identifier: acc.self, identifier_type: "EMAIL_ADDRESS" },
          to_attendees: to.map((t) => ({ ...t, identifier_type: "EMAIL_ADDRESS" })),
          cc_attendees: attendeesField(form, "cc") ?? [],
          bcc_attendees: attendeesField(form, "bcc") ?? [],
          reply_to_attendees: [],
          subject: String(form.get("subject") ?? ""),
          body,
          body_plain: body.replace(/<[^>]+>/g, ""),
          has_attachments: false,
          attachments: [],
          origin: "unipile",
          tracking_id: id("trk"),
          headers,
        };
        void tracking;
        state.emails.push(email);
        state.actions.push({ kind: "email", id: email.id, at: email.date });
        return HttpResponse.json({ object: "EmailSent", tracking_id: email.tracking_id }, { status: 201 });
      }),
    ),
    http.get(
      url("/emails"),
      guarded(({ request }) => {
        const q = new URL(request.url).searchParams;
        const accountId = q.get("account_id");
        const role = q.get("role");
        const withHeaders = q.get("include_headers") === "true" && q.get("meta_only") !== "true";
        const keep = since(request);
        const items = newestFirst(
          state.emails.filter((e) => (!accountId || e.account_id === accountId) && (!role || e.role === role) && keep(e.date)),
        ).map((e) => {
          const { headers, ...rest } = e;
          return withHeaders ? { ...rest, headers } : rest;
        });
        return HttpResponse.json({ object: "EmailList", ...paginate(items, request) });
      }),
    ),
    http.post(
      url("/webhooks"),
      guarded(async ({ request }) => {
        const body = (await request.json().catch(() => null)) as Partial<Webhook> | null;
        if (!body?.request_url || !body.source) return error(400, "errors/missing_parameters", "request_url and source are required");
        const hook: Webhook = {
          id: id("whk"),
          name: body.name ?? null,
          request_url: body.request_url,
          source: body.source,
          events: body.events ?? [],
          account_ids: body.account_ids ?? [],
          enabled: body.enabled ?? true,
          format: body.format ?? "json",
          headers: body.headers ?? [],
        };
        state.webhooks.push(hook);
        return HttpResponse.json({ object: "WebhookCreated", webhook_id: hook.id }, { status: 201 });
      }),
    ),
    http.get(
      url("/webhooks"),
      guarded(({ request }) =>
        HttpResponse.json({
          object: "WebhookList",
          ...paginate(
            state.webhooks.map((w) => ({ object: "Webhook", ...w })),
            request,
          ),
        }),
      ),
    ),
    http.delete(
      url("/webhooks/:id"),
      guarded(({ params }) => {
        const index = state.webhooks.findIndex((w) => w.id === param(params.id));
        if (index < 0) return error(404, "errors/resource_not_found", "Webhook not found");
        state.webhooks.splice(index, 1);
        return HttpResponse.json({ object: "WebhookDeleted" });
      }),
    ),
  ];

  const mock: UnipileMock = {
    handlers,
    state,
    baseUrl,
    apiKey,
    fail: faults.fail,
    clearFaults: faults.clearFaults,
    acceptInvitation(idOrProviderId) {
      const inv = state.invitations.find((i) => i.id === idOrProviderId || i.provider_id === idOrProviderId);
      if (!inv) throw new Error(`no pending invitation ${idOrProviderId}`);
      state.invitations.splice(state.invitations.indexOf(inv), 1);
      const p = profileBy(inv.provider_id);
      const acc = account(inv.account_id);
      if (!p || !acc) throw new Error("invitation refers to an unknown person or account");
      p.network_distance = "FIRST_DEGREE";
      let noteEcho: Record<string, unknown> | null = null;
      if (inv.message) {
        // Acceptance of an invitation with a note opens a chat holding only our note.
        const m = pushMessage(chatWith(acc.id, p.provider_id), acc.self, inv.message, true);
        noteEcho = messagingPayload(m, acc);
      }
      return {
        newRelation: {
          event: "new_relation",
          webhook_name: "relations",
          account_id: acc.id,
          account_type: "LINKEDIN",
          user_full_name: `${p.first_name} ${p.last_name}`,
          user_provider_id: p.provider_id,
          user_public_identifier: p.public_identifier,
          user_profile_url: `https://www.linkedin.com/in/${p.public_identifier}/`,
          user_picture_url: "https://media.licdn.com/dms/image/mock.jpg",
        },
        noteEcho,
      };
    },
    receiveMessage({ accountId, fromProviderId, text }) {
      const acc = account(accountId);
      if (!acc) throw new Error(`unknown account ${accountId}`);
      const m = pushMessage(chatWith(accountId, fromProviderId), fromProviderId, text, false);
      return messagingPayload(m, acc);
    },
    receiveEmailReply({ trackingOrEmailId, text, from, fromName, subject }) {
      const sent = state.emails.find((e) => e.tracking_id === trackingOrEmailId || e.id === trackingOrEmailId);
      if (!sent) throw new Error(`no sent email ${trackingOrEmailId}`);
      const recipient = sent.to_attendees[0] as Attendee;
      const emailId = id("eml");
      const reply: Email = {
        ...structuredClone(sent),
        id: emailId,
        date: now(),
        role: "inbox",
        folders: ["INBOX"],
        message_id: `<${emailId}@${(from ?? recipient.identifier).split("@")[1] ?? "example.com"}>`,
        in_reply_to: { message_id: sent.message_id, id: sent.id },
        from_attendee: {
          display_name: fromName ?? recipient.display_name ?? "",
          identifier: from ?? recipient.identifier,
          identifier_type: "EMAIL_ADDRESS",
        },
        to_attendees: [sent.from_attendee],
        subject: subject ?? (sent.subject.startsWith("Re:") ? sent.subject : `Re: ${sent.subject}`),
        body: `<p>${text}</p>`,
        body_plain: text,
        origin: "external",
        tracking_id: null,
        headers: [],
      };
      state.emails.push(reply);
      return mailPayload("mail_received", reply);
    },
    mailSentEvent(trackingId) {
      const sent = state.emails.find((e) => e.tracking_id === trackingId);
      if (!sent) throw new Error(`no sent email with tracking id ${trackingId}`);
      return mailPayload("mail_sent", sent);
    },
    trackingEvent(trackingId, kind, link) {
      const sent = state.emails.find((e) => e.tracking_id === trackingId);
      if (!sent) throw new Error(`no sent email with tracking id ${trackingId}`);
      return {
        event: kind,
        event_id: id("evt"),
        tracking_id: trackingId,
        email_id: sent.id,
        account_id: sent.account_id,
        date: now(),
        ip: "203.0.113.7",
        user_agent: "Mozilla/5.0 (mock)",
        ...(kind === "mail_link_clicked" ? { url: link ?? "https://landing.example.com" } : {}),
        label: "offerlab",
      };
    },
    setAccountStatus(accountId, status) {
      const acc = account(accountId);
      if (!acc) throw new Error(`unknown account ${accountId}`);
      acc.status = status;
      return { AccountStatus: { account_id: accountId, account_type: acc.type, message: status } };
    },
  };
  return mock;
}
