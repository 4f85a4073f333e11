/**
 * `createUnipile(options)`: LinkedIn and email sending, inbox reads, webhook management and
 * reconciliation of uncertain sends, through Unipile API v1.
 *
 * Sends are attempted exactly once: the kit's client never retries a non-safe call, and a timeout,
 * lost connection or 5xx after the request left is a ProviderError of kind `unknown_outcome`. The
 * scheduler then calls `reconcile()`, which only reads.
 */
import {
  createHttpClient,
  LINKEDIN_INVITATION_NOTE_MAX,
  ProviderError,
  readOptionalSetting,
  readSetting,
  trackUsage,
} from "@offerlab/provider-kit";
import type {
  AccountDirectory,
  CallOptions,
  EmailSender,
  FetchLike,
  Inbox,
  InboxQuery,
  LinkedInSender,
  CallGate,
  OnUsage,
  Page,
  ReconcileResult,
  RetryOptions,
  SendEmailInput,
  SendReconciler,
  UncertainSend,
} from "@offerlab/provider-kit";
import { createUnipileApi } from "./unipile-api.js";
import type { CreateWebhookBody, UnipileWebhookItem } from "./unipile-api.js";
import { mapUnipileError } from "./unipile-error.js";
import {
  isSupportedAccountType,
  profileIdentifier,
  sameText,
  toInboxMessageFromChat,
  toInboxMessageFromEmail,
  toLinkedInProfile,
  toSendingAccount,
  toSentInvitation,
} from "./unipile-transform.js";
import { UNIPILE_WEBHOOK_SECRET_HEADER } from "./unipile-webhooks.js";

/** The `tools` row every Unipile call is recorded against. */
export const UNIPILE_TOOL = "unipile";
const TOOL = UNIPILE_TOOL;
/** The custom header carrying our send id on every email. */
export const UNIPILE_SEND_ID_HEADER = "X-Offerlab-Send-Id";

export interface UnipileOptions {
  /** Unipile access token, sent as `X-API-KEY`. Default: env `UNIPILE_API_KEY`, read at request time. */
  apiKey?: string;
  /**
   * The tenant's DSN (host:port from the dashboard, e.g. `api8.unipile.com:13851`); the API is at
   * `https://<dsn>/api/v1`. Default: env `UNIPILE_DSN`. Ignored when a base URL is set.
   */
  dsn?: string;
  /**
   * Full API base URL including `/api/v1` (a proxy, the sandbox or a test server). Wins over `dsn`.
   * Default: env `UNIPILE_BASE_URL`, else derived from `dsn`.
   */
  baseUrl?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (tool `unipile`). Secrets never appear in it. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 30 000 (keep well under the send lease). */
  timeoutMs?: number;
  /** Retry policy for safe reads. Default: 3 attempts, backoff from 500 ms, cap 30 s. Sends never retry. */
  retry?: RetryOptions;
  /**
   * Reconciliation only answers `not_sent` for attempts older than this, in ms, so that Unipile's
   * sync has caught up. Default 600 000 (10 minutes).
   */
  reconcileSettleMs?: number;
  /**
   * The clock reconciliation measures the settle window with. Default `() => new Date()`; a
   * simulated clock (the sandbox, tests) passes its own so "how old is this attempt" is asked in
   * the same time as the attempt was made.
   */
  now?: () => Date;
}

export interface CreateUnipileWebhookInput {
  /** Where Unipile POSTs events. */
  requestUrl: string;
  source: CreateWebhookBody["source"];
  /** Echoed as `webhook_name` in payloads. */
  name?: string;
  /** Default: the source's default events. */
  events?: string[];
  /** Default: every current and future account. */
  accountIds?: string[];
  /** Our shared secret (≥ 32 random bytes recommended), sent back on every delivery. */
  secret: string;
  /** Default `X-Unipile-Secret`. */
  secretHeader?: string;
}

export interface UnipileWebhook {
  id: string;
  name: string | null;
  requestUrl: string | null;
  source: string | null;
  enabled: boolean | null;
  events: string[];
  accountIds: string[];
}

export interface UnipileProvider extends AccountDirectory, LinkedInSender, EmailSender, Inbox, SendReconciler {
  createWebhook(input: CreateUnipileWebhookInput, options?: CallOptions): Promise<{ webhookId: string }>;
  listWebhooks(params?: { cursor?: string | null; limit?: number }, options?: CallOptions): Promise<Page<UnipileWebhook>>;
  deleteWebhook(webhookId: string, options?: CallOptions): Promise<void>;
}

function invalidInput(message: string, reason: string): ProviderError {
  return new ProviderError({ kind: "invalid", provider: TOOL, message, reason, retryable: false });
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidInput(`invalid date: ${String(value)}`, "invalid_date");
  return date.toISOString();
}

export function resolveUnipileBaseUrl(options: Pick<UnipileOptions, "baseUrl" | "dsn">): string {
  const base = readOptionalSetting({ provider: TOOL, option: "baseUrl", value: options.baseUrl, envVar: "UNIPILE_BASE_URL" });
  if (base) return base.replace(/\/+$/, "");
  const dsn = readSetting({ provider: TOOL, option: "dsn", value: options.dsn, envVar: "UNIPILE_DSN" });
  return `https://${dsn.replace(/^https?:\/\//, "").replace(/\/+$/, "")}/api/v1`;
}

export function createUnipile(options: UnipileOptions = {}): UnipileProvider {
  const apiKey = () => readSetting({ provider: TOOL, option: "apiKey", value: options.apiKey, envVar: "UNIPILE_API_KEY" });
  const http = createHttpClient({
    provider: TOOL,
    baseUrl: () => resolveUnipileBaseUrl(options),
    headers: () => ({ "X-API-KEY": apiKey() }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    mapError: mapUnipileError,
  });
  const api = createUnipileApi(http);
  const settleMs = options.reconcileSettleMs ?? 10 * 60 * 1000;
  const now = options.now ?? (() => new Date());

  // Secrets known at call time: the key (option or env) and any webhook secret being sent.
  const secrets = (...extra: (string | undefined)[]) => [
    options.apiKey,
    readOptionalSetting({ provider: TOOL, option: "apiKey", envVar: "UNIPILE_API_KEY" }),
    ...extra,
  ];
  const track = <T>(
    action: string,
    request: Record<string, unknown>,
    call: CallOptions | undefined,
    fn: () => Promise<T>,
    extra: { resultsCount?: (r: T) => number | undefined; secrets?: (string | undefined)[] } = {},
  ) =>
    trackUsage<T>(
      {
        onUsage: options.onUsage,
        gate: options.gate,
        tool: TOOL,
        action,
        request,
        context: call?.usageContext,
        secrets: secrets(...(extra.secrets ?? [])),
        ...(extra.resultsCount ? { resultsCount: extra.resultsCount } : {}),
      },
      fn,
    );
  const pageCount = (r: { items: unknown[] }) => r.items.length;

  const provider: UnipileProvider = {
    provider: TOOL,

    // ---- accounts --------------------------------------------------------------------------
    listAccounts(params = {}, call) {
      return track(
        "list_accounts",
        { limit: params.limit },
        call,
        async () => {
          const page = await api.listAccounts({ limit: params.limit, cursor: params.cursor ?? undefined }, call?.signal);
          return { items: page.items.filter((a) => isSupportedAccountType(a.type)).map(toSendingAccount), cursor: page.cursor ?? null };
        },
        { resultsCount: pageCount },
      );
    },
    getAccount(accountId, call) {
      return track("get_account", { account_id: accountId }, call, async () => {
        const account = await api.getAccount(accountId, call?.signal);
        if (!isSupportedAccountType(account.type))
          throw invalidInput(
            `account ${accountId} is a ${account.type} account, which offerlab does not send through`,
            "unsupported_account_type",
          );
        return toSendingAccount(account);
      });
    },

    // ---- LinkedIn --------------------------------------------------------------------------
    resolveProfile(accountId, profile, call) {
      return track("resolve_profile", { account_id: accountId }, call, async () => {
        const identifier = profileIdentifier(profile);
        if (!identifier) throw invalidInput(`not a LinkedIn profile URL, public id or member id: ${profile}`, "invalid_profile");
        return toLinkedInProfile(await api.getUser(identifier, accountId, call?.signal));
      });
    },
    sendInvitation(input, call) {
      const note = input.note?.trim() ? input.note : undefined;
      return track(
        "send_invitation",
        { account_id: input.accountId, provider_id: input.providerId, note_length: note?.length ?? 0 },
        call,
        async () => {
          // UTF-16 length is never below the character count LinkedIn applies: refusing on it fails closed.
          if (note && note.length > LINKEDIN_INVITATION_NOTE_MAX) {
            throw invalidInput(
              `invitation note is ${note.length} characters; LinkedIn allows ${LINKEDIN_INVITATION_NOTE_MAX}`,
              "note_too_long",
            );
          }
          if (!input.providerId) throw invalidInput("providerId is required (resolve the profile first)", "missing_provider_id");
          const res = await api.sendInvitation(
            { account_id: input.accountId, provider_id: input.providerId, ...(note ? { message: note } : {}) },
            call?.signal,
          );
          return { invitationId: res.invitation_id ?? null, ...(typeof res.usage === "number" ? { quotaUsagePercent: res.usage } : {}) };
        },
      );
    },
    listSentInvitations(params, call) {
      return track(
        "list_sent_invitations",
        { account_id: params.accountId },
        call,
        async () => {
          const page = await api.listSentInvitations(
            { account_id: params.accountId, limit: params.limit, cursor: params.cursor ?? undefined },
            call?.signal,
          );
          return { items: page.items.map(toSentInvitation), cursor: page.cursor ?? null };
        },
        { resultsCount: pageCount },
      );
    },
    cancelInvitation(params, call) {
      return track("cancel_invitation", { account_id: params.accountId, invitation_id: params.invitationId }, call, () =>
        api.cancelInvitation(params.invitationId, params.accountId, call?.signal),
      );
    },
    startChat(input, call) {
      return track(
        "start_chat",
        { account_id: input.accountId, attendees: input.recipientProviderIds.length, inmail: !!input.inmail },
        call,
        async () => {
          if (input.recipientProviderIds.length === 0) throw invalidInput("at least one recipient is required", "missing_recipient");
          if (!input.text.trim()) throw invalidInput("message text is empty", "empty_body");
          const res = await api.startChat(
            {
              account_id: input.accountId,
              attendees_ids: input.recipientProviderIds,
              text: input.text,
              ...(input.subject ? { subject: input.subject } : {}),
              ...(input.api && input.api !== "classic" ? { api: input.api } : {}),
              ...(input.inmail ? { inmail: true } : {}),
            },
            call?.signal,
          );
          return { chatId: res.chat_id ?? null, messageId: res.message_id ?? null };
        },
      );
    },
    sendChatMessage(input, call) {
      return track("send_message", { account_id: input.accountId, chat_id: input.chatId }, call, async () => {
        if (!input.text.trim()) throw invalidInput("message text is empty", "empty_body");
        const res = await api.sendChatMessage(input.chatId, input.text, call?.signal);
        return { chatId: input.chatId, messageId: res.message_id ?? null };
      });
    },

    // ---- email -----------------------------------------------------------------------------
    sendEmail(input: SendEmailInput, call) {
      return track(
        "send_email",
        { account_id: input.accountId, to: input.to.length, reply: !!input.replyToEmailId, send_id: input.sendId },
        call,
        async () => {
          const body = input.html ?? input.text;
          if (!body || !body.trim()) throw invalidInput("email body is empty: pass html or text", "empty_body");
          if (input.to.length === 0) throw invalidInput("at least one recipient is required", "missing_recipient");
          const headers = Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value }));
          for (const h of headers) {
            // Unipile accepts only X- names (plus a few fixed ones); refuse locally what it would refuse.
            if (!/^x-/i.test(h.name)) throw invalidInput(`custom header ${h.name} must start with X-`, "invalid_headers");
          }
          if (input.sendId) headers.push({ name: UNIPILE_SEND_ID_HEADER, value: input.sendId });
          const address = (a: { email: string; name?: string }) => ({ identifier: a.email, ...(a.name ? { display_name: a.name } : {}) });
          const res = await api.sendEmail(
            {
              account_id: input.accountId,
              to: input.to.map(address),
              ...(input.cc?.length ? { cc: input.cc.map(address) } : {}),
              ...(input.bcc?.length ? { bcc: input.bcc.map(address) } : {}),
              subject: input.subject,
              body,
              ...(input.replyToEmailId ? { reply_to: input.replyToEmailId } : {}),
              ...(headers.length ? { custom_headers: headers } : {}),
              ...(input.tracking ? { tracking_options: input.tracking } : {}),
            },
            call?.signal,
          );
          return { trackingId: res.tracking_id ?? null, emailId: null };
        },
      );
    },

    // ---- inbox -----------------------------------------------------------------------------
    listMessages(query: InboxQuery, call) {
      return track(
        "list_messages",
        { account_id: query.accountId, chat_id: query.chatId },
        call,
        async () => {
          const q = { after: iso(query.since), limit: query.limit, cursor: query.cursor ?? undefined };
          const page = query.chatId
            ? await api.listChatMessages(query.chatId, q, call?.signal)
            : await api.listMessages({ account_id: query.accountId, ...q }, call?.signal);
          return { items: page.items.map((m) => toInboxMessageFromChat(m)), cursor: page.cursor ?? null };
        },
        { resultsCount: pageCount },
      );
    },
    listEmails(query: InboxQuery, call) {
      return track(
        "list_emails",
        { account_id: query.accountId },
        call,
        async () => {
          const page = await api.listEmails(
            { account_id: query.accountId, after: iso(query.since), limit: query.limit, cursor: query.cursor ?? undefined },
            call?.signal,
          );
          return { items: page.items.map((e) => toInboxMessageFromEmail(e)), cursor: page.cursor ?? null };
        },
        { resultsCount: pageCount },
      );
    },

    // ---- webhooks --------------------------------------------------------------------------
    createWebhook(input, call) {
      return track(
        "create_webhook",
        { source: input.source, name: input.name, events: input.events },
        call,
        async () => {
          if (!input.secret) throw invalidInput("a webhook secret is required: Unipile v1 signs nothing", "missing_secret");
          const res = await api.createWebhook(
            {
              request_url: input.requestUrl,
              source: input.source,
              ...(input.name ? { name: input.name } : {}),
              ...(input.events ? { events: input.events } : {}),
              ...(input.accountIds ? { account_ids: input.accountIds } : {}),
              // API-created webhooks send no JSON content type unless told to.
              headers: [
                { key: "Content-Type", value: "application/json" },
                { key: input.secretHeader ?? UNIPILE_WEBHOOK_SECRET_HEADER, value: input.secret },
              ],
            },
            call?.signal,
          );
          return { webhookId: res.webhook_id };
        },
        { secrets: [input.secret] },
      );
    },
    listWebhooks(params = {}, call) {
      return track(
        "list_webhooks",
        {},
        call,
        async () => {
          const page = await api.listWebhooks({ limit: params.limit, cursor: params.cursor ?? undefined }, call?.signal);
          return { items: page.items.map(toWebhook), cursor: page.cursor ?? null };
        },
        { resultsCount: pageCount },
      );
    },
    deleteWebhook(webhookId, call) {
      return track("delete_webhook", { webhook_id: webhookId }, call, () => api.deleteWebhook(webhookId, call?.signal));
    },

    // ---- reconciliation --------------------------------------------------------------------
    reconcile(send: UncertainSend, call) {
      return track("reconcile", { kind: send.kind, account_id: send.accountId }, call, () => reconcile(send, call));
    },
  };

  async function reconcile(send: UncertainSend, call: CallOptions | undefined): Promise<ReconcileResult> {
    const attemptedAt = new Date(send.attemptedAt);
    if (Number.isNaN(attemptedAt.getTime())) throw invalidInput(`invalid attemptedAt: ${String(send.attemptedAt)}`, "invalid_date");
    // Look a little before the attempt: clocks of Unipile and ours differ.
    const after = new Date(attemptedAt.getTime() - 2 * 60 * 1000).toISOString();
    const age = now().getTime() - attemptedAt.getTime();
    const settled = age >= settleMs;
    // Nothing can become "not sent" before the window ends, so asking sooner only spends reads.
    const notYet: ReconcileResult = {
      outcome: "cannot_tell",
      reason: `attempt is younger than the settle window (${settleMs} ms); ask again later`,
      retryAfterMs: Math.max(0, settleMs - age),
    };
    const signal = call?.signal;

    if (send.kind === "linkedin_invitation") {
      // 1) The pending list is the cheapest evidence and does not count as a profile view.
      for await (const item of pages((cursor) => api.listSentInvitations({ account_id: send.accountId, limit: 100, cursor }, signal), 10)) {
        if (item.invited_user_id === send.providerId)
          return {
            outcome: "sent",
            evidence: "pending in sent invitations",
            providerIds: { invitationId: item.id, providerId: send.providerId },
          };
      }
      // The profile could still show our invitation or a fresh connection, but before the window
      // ends no answer it gives can be "not sent": spare the profile view (~100/day) until then.
      if (!settled) return notYet;
      // 2) The profile (a real LinkedIn profile view, counted against ~100/day).
      const profile = toLinkedInProfile(await api.getUser(send.providerId, send.accountId, signal));
      if (profile.pendingInvitation === "sent")
        return {
          outcome: "sent",
          evidence: "profile shows a pending invitation from this account",
          providerIds: { providerId: send.providerId },
        };
      if (profile.isConnection) {
        // Connected now: either accepted already or connected some other way. Either way a new
        // invitation is pointless, so treat it as sent.
        return { outcome: "sent", evidence: "already a 1st-degree connection", providerIds: { providerId: send.providerId } };
      }
      // Fail-closed note: LinkedIn may hold an invitation from a new account for review without
      // listing it (digest §6); such a case would read as not sent. The settle window narrows it.
      return { outcome: "not_sent", evidence: "no pending invitation in the sent list or on the profile, and not connected" };
    }

    if (send.kind === "linkedin_message") {
      const source = send.chatId
        ? (cursor: string | undefined) => api.listChatMessages(send.chatId as string, { after, limit: 100, cursor }, signal)
        : (cursor: string | undefined) => api.listMessages({ account_id: send.accountId, after, limit: 100, cursor }, signal);
      let complete = true;
      let scanned = 0;
      for await (const m of pages(source, 20, () => (complete = false))) {
        scanned++;
        if (!m.is_sender || !sameText(m.text, send.text)) continue;
        if (!send.chatId && send.recipientProviderId) {
          // Same text in some chat: make sure the chat is the one with this recipient (templated
          // texts can repeat across people).
          const chat = await api.getChat(m.chat_id, signal);
          if (chat.attendee_provider_id !== send.recipientProviderId) continue;
        }
        return {
          outcome: "sent",
          evidence: "a message with the same text was sent after the attempt",
          providerIds: { chatId: m.chat_id, messageId: m.id },
        };
      }
      if (!complete) return { outcome: "cannot_tell", reason: `scanned ${scanned} messages without reaching the end of the window` };
      if (!settled) return notYet;
      return { outcome: "not_sent", evidence: `no message with the same text sent by the account since ${after}` };
    }

    // email: find our send id header among sent emails after the attempt.
    let complete = true;
    let withoutHeaders = 0;
    for await (const e of pages(
      (cursor) =>
        api.listEmails(
          { account_id: send.accountId, after, role: "sent", include_headers: true, meta_only: false, limit: 100, cursor },
          signal,
        ),
      20,
      () => (complete = false),
    )) {
      const headers = e.headers;
      if (!headers) {
        withoutHeaders++;
        continue;
      }
      const ours = headers.find((h) => h.name.toLowerCase() === UNIPILE_SEND_ID_HEADER.toLowerCase());
      if (ours?.value === send.sendId)
        return {
          outcome: "sent",
          evidence: `sent email carries ${UNIPILE_SEND_ID_HEADER}`,
          providerIds: { emailId: e.id, trackingId: e.tracking_id ?? null, messageId: e.message_id ?? null },
        };
    }
    // If Unipile did not return headers we cannot rule anything out.
    if (withoutHeaders > 0) return { outcome: "cannot_tell", reason: `${withoutHeaders} sent emails came back without headers` };
    if (!complete) return { outcome: "cannot_tell", reason: "too many sent emails in the window to scan" };
    if (!settled) return notYet;
    return { outcome: "not_sent", evidence: `no sent email with ${UNIPILE_SEND_ID_HEADER}=${send.sendId} since ${after}` };
  }

  return provider;
}

/** Iterates the items of a cursor-paginated list, at most `maxPages` pages. */
async function* pages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string | null | undefined }>,
  maxPages: number,
  onTruncated?: () => void,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (!page.cursor) return;
    cursor = page.cursor;
  }
  onTruncated?.();
}

function toWebhook(item: UnipileWebhookItem): UnipileWebhook {
  return {
    id: item.id,
    name: item.name ?? null,
    requestUrl: item.request_url ?? null,
    source: item.source ?? null,
    enabled: item.enabled ?? null,
    events: item.events ?? [],
    accountIds: item.account_ids ?? [],
  };
}
