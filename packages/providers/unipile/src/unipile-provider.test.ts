import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "@offerlab/provider-kit";
import type { UsageEvent } from "@offerlab/provider-kit";
import {
  formValues,
  runEmailSenderContract,
  runInboxContract,
  runLinkedInSenderContract,
  setupMswServer,
} from "@offerlab/provider-kit/testing";
import type { ContractFault } from "@offerlab/provider-kit/testing";
import { createUnipileMock } from "./msw.js";
import { createUnipile, UNIPILE_SEND_ID_HEADER } from "./unipile-provider.js";
import type { UnipileOptions } from "./unipile-provider.js";
import { isReply, parseUnipileWebhook, toProviderEvent } from "./unipile-webhooks.js";

const mock = createUnipileMock({ slowMs: 300 });
const { server, recorder } = setupMswServer(...mock.handlers);
const LI = "kzAxdybMQ7ipVxK1U6kwZw";
const MAIL = "GxwlUMaZTHefegva16XcWw";
const KIM = "ACoAAAkimConnection00001"; // 1st degree
const JANE = "ACoAAAEkwwAB9KEc2TrQgOLE"; // 2nd degree
const SAM = "ACoAAAfarAwayPerson00001"; // out of network, no InMail
const P = "/api/v1";

const usage: UsageEvent[] = [];
const unipile = (extra: Partial<UnipileOptions> = {}) =>
  createUnipile({
    apiKey: mock.apiKey,
    baseUrl: mock.baseUrl,
    onUsage: (e) => void usage.push(e),
    retry: { maxAttempts: 1 },
    timeoutMs: 100,
    ...extra,
  });

function resetWorld() {
  mock.clearFaults();
  mock.state.invitations.length = 0;
  mock.state.chats.length = 0;
  mock.state.messages.length = 0;
  mock.state.emails.length = 0;
  mock.state.webhooks.length = 0;
  mock.state.actions.length = 0;
  for (const a of mock.state.accounts) delete a.status;
  const jane = mock.state.profiles.find((p) => p.provider_id === JANE);
  if (jane) jane.network_distance = "SECOND_DEGREE";
  usage.length = 0;
}
afterEach(resetWorld);

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
  expect(ProviderError.isInstance(e)).toBe(true);
  return e as ProviderError;
}

describe("configuration", () => {
  it("reads nothing at creation and names the option and env var when missing", async () => {
    const saved = { ...process.env };
    delete process.env.UNIPILE_API_KEY;
    delete process.env.UNIPILE_DSN;
    delete process.env.UNIPILE_BASE_URL;
    try {
      const client = createUnipile();
      expect((await rejection(client.listAccounts())).message).toBe("[provider-unipile] missing dsn: pass { dsn } or set UNIPILE_DSN");
      expect((await rejection(createUnipile({ baseUrl: mock.baseUrl }).listAccounts())).message).toBe(
        "[provider-unipile] missing apiKey: pass { apiKey } or set UNIPILE_API_KEY",
      );
      expect(recorder.count()).toBe(0);
    } finally {
      process.env = saved;
    }
  });

  it("derives https://<dsn>/api/v1 from the DSN, lets UNIPILE_BASE_URL win, and reads the key from the env", async () => {
    const saved = { ...process.env };
    try {
      process.env.UNIPILE_API_KEY = mock.apiKey;
      process.env.UNIPILE_DSN = "api1.unipile.test:13111";
      delete process.env.UNIPILE_BASE_URL;
      await createUnipile({ retry: { maxAttempts: 1 } }).listAccounts();
      let req = await recorder.last();
      expect(req.url.origin + req.path).toBe("https://api1.unipile.test:13111/api/v1/accounts");
      expect(req.headers["x-api-key"]).toBe(mock.apiKey);
      process.env.UNIPILE_DSN = "nowhere.invalid:1";
      process.env.UNIPILE_BASE_URL = mock.baseUrl;
      await createUnipile({ retry: { maxAttempts: 1 } }).listAccounts();
      req = await recorder.last();
      expect(req.url.host).toBe("api1.unipile.test:13111");
    } finally {
      process.env = saved;
    }
  });
});

describe("accounts", () => {
  it("lists supported accounts with their health and gets one", async () => {
    mock.setAccountStatus(MAIL, "CREDENTIALS");
    const page = await unipile().listAccounts({ limit: 10 });
    const req = await recorder.last();
    expect(req.method).toBe("GET");
    expect(req.path).toBe(`${P}/accounts`);
    expect(req.query).toEqual({ limit: ["10"] });
    expect(req.headers.accept).toBe("application/json");
    expect(page.items.map((a) => [a.id, a.type, a.status])).toEqual([
      [LI, "linkedin", "active"],
      [MAIL, "email", "disconnected"],
    ]);
    const one = await unipile().getAccount(LI);
    expect(one.linkedinProviderId).toBe("ACoAAAjaneSenderSelf00001");
    expect((await recorder.last()).path).toBe(`${P}/accounts/${LI}`);
    expect((await rejection(unipile().getAccount("nope"))).kind).toBe("not_found");
  });
});

describe("LinkedIn", () => {
  it("resolves a profile URL to member id, degree and pending invitation (without notifying)", async () => {
    const profile = await unipile().resolveProfile(LI, "https://www.linkedin.com/in/Jane-Doe/");
    const req = await recorder.last();
    expect(req.method).toBe("GET");
    expect(req.path).toBe(`${P}/users/jane-doe`);
    expect(req.query).toEqual({ account_id: [LI], notify: ["false"] });
    expect(profile).toMatchObject({
      providerId: JANE,
      publicId: "jane-doe",
      connectionDegree: 2,
      isConnection: false,
      pendingInvitation: null,
    });
    expect(usage.at(-1)).toMatchObject({ tool: "unipile", action: "resolve_profile", status: "success" });
    expect((await rejection(unipile().resolveProfile(LI, "https://example.com/x"))).reason).toBe("invalid_profile");
  });

  it("reads the connection degree from network_distance: 1st-degree, and out of network as unknown", async () => {
    expect(await unipile().resolveProfile(LI, "kim-lee")).toMatchObject({ connectionDegree: 1, isConnection: true });
    expect(await unipile().resolveProfile(LI, "https://www.linkedin.com/in/sam-far")).toMatchObject({ connectionDegree: null });
    expect((await rejection(unipile().resolveProfile(LI, "nobody-here"))).kind).toBe("not_found");
  });

  it("sends an invitation as JSON with the note, then it shows as pending everywhere", async () => {
    const result = await unipile().sendInvitation({ accountId: LI, providerId: JANE, note: "Hi Jane — saw your post on SDR ramp time." });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`${P}/users/invite`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-api-key"]).toBe(mock.apiKey);
    expect(req.json).toEqual({ account_id: LI, provider_id: JANE, message: "Hi Jane — saw your post on SDR ramp time." });
    expect(result.invitationId).toMatch(/^inv/);
    expect((await unipile().resolveProfile(LI, JANE)).pendingInvitation).toBe("sent");
    const sent = await unipile().listSentInvitations({ accountId: LI, limit: 5 });
    expect((await recorder.last()).query).toEqual({ account_id: [LI], limit: ["5"] });
    expect(sent.items).toEqual([
      expect.objectContaining({
        invitationId: result.invitationId,
        providerId: JANE,
        publicId: "jane-doe",
        note: "Hi Jane — saw your post on SDR ramp time.",
      }),
    ]);
    expect(JSON.stringify(usage)).not.toContain(mock.apiKey);
  });

  it("omits an empty note and refuses a note over 300 characters locally", async () => {
    await unipile().sendInvitation({ accountId: LI, providerId: JANE, note: "  " });
    expect((await recorder.last()).json).toEqual({ account_id: LI, provider_id: JANE });
    const before = recorder.count();
    const e = await rejection(unipile().sendInvitation({ accountId: LI, providerId: SAM, note: "é".repeat(301) }));
    expect(e).toMatchObject({ kind: "invalid", reason: "note_too_long" });
    expect(recorder.count()).toBe(before);
  });

  it("keeps LinkedIn's refusals precise", async () => {
    await unipile().sendInvitation({ accountId: LI, providerId: JANE });
    expect(await rejection(unipile().sendInvitation({ accountId: LI, providerId: JANE }))).toMatchObject({
      kind: "invalid",
      reason: "already_invited_recently",
      status: 422,
    });
    expect(await rejection(unipile().sendInvitation({ accountId: LI, providerId: KIM }))).toMatchObject({
      kind: "invalid",
      reason: "cannot_invite_attendee",
    });
    expect(await rejection(unipile().startChat({ accountId: LI, recipientProviderIds: [JANE], text: "Hi" }))).toMatchObject({
      kind: "invalid",
      reason: "no_connection_with_recipient",
    });
    expect(await rejection(unipile().startChat({ accountId: LI, recipientProviderIds: [SAM], text: "Hi", inmail: true }))).toMatchObject({
      kind: "invalid",
      reason: "not_allowed_inmail",
    });
    mock.fail("refusal", { type: "errors/limit_exceeded", times: 1 });
    expect(await rejection(unipile().sendInvitation({ accountId: LI, providerId: SAM }))).toMatchObject({
      kind: "rate_limited",
      reason: "limit_exceeded",
      retryAfterMs: 86_400_000,
    });
    mock.fail("disconnected", { times: 1 });
    expect(await rejection(unipile().sendInvitation({ accountId: LI, providerId: SAM }))).toMatchObject({
      kind: "auth",
      reason: "disconnected_account",
    });
  });

  it("cancels a sent invitation", async () => {
    const { invitationId } = await unipile().sendInvitation({ accountId: LI, providerId: JANE });
    await unipile().cancelInvitation({ accountId: LI, invitationId: invitationId as string });
    const req = await recorder.last();
    expect(req.method).toBe("DELETE");
    expect(req.path).toBe(`${P}/users/invite/sent/${invitationId}`);
    expect(req.query).toEqual({ account_id: [LI] });
    expect(mock.state.invitations).toHaveLength(0);
  });

  it("starts a chat as multipart (attendees repeated, bracketed LinkedIn options) and sends into it", async () => {
    const started = await unipile().startChat({ accountId: LI, recipientProviderIds: [KIM], text: "Hi Kim!" });
    let req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`${P}/chats`);
    expect(req.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.form).toEqual([
      ["account_id", LI],
      ["attendees_ids", KIM],
      ["text", "Hi Kim!"],
    ]);
    expect(started.chatId).toMatch(/^chat/);
    const next = await unipile().sendChatMessage({ accountId: LI, chatId: started.chatId as string, text: "Following up" });
    req = await recorder.last();
    expect(req.path).toBe(`${P}/chats/${started.chatId}/messages`);
    expect(req.form).toEqual([["text", "Following up"]]);
    expect(next.messageId).toMatch(/^msg/);

    await unipile().startChat({
      accountId: LI,
      recipientProviderIds: [JANE],
      text: "Hello Jane",
      inmail: true,
      subject: "SDR ramp",
      api: "sales_navigator",
    });
    req = await recorder.last();
    expect(formValues(req, "linkedin[inmail]")).toEqual(["true"]);
    expect(formValues(req, "linkedin[api]")).toEqual(["sales_navigator"]);
    expect(formValues(req, "subject")).toEqual(["SDR ramp"]);
  });

  it("never retries a send and reports a lost response as unknown_outcome while the fake did act", async () => {
    mock.fail("response_lost", { times: 1, match: "POST /users/invite" });
    const e = await rejection(unipile({ retry: { maxAttempts: 5 } }).sendInvitation({ accountId: LI, providerId: JANE }));
    expect(e.kind).toBe("unknown_outcome");
    expect(recorder.count()).toBe(1);
    expect(mock.state.invitations).toHaveLength(1);
    expect(usage.at(-1)).toMatchObject({ action: "send_invitation", status: "error", error: { kind: "unknown_outcome" } });
  });

  it("retries safe reads on 5xx but not past the cap of a Retry-After", async () => {
    mock.fail("server_error", { times: 2, match: "GET /accounts" });
    await unipile({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).listAccounts();
    expect(recorder.count()).toBe(3);
    recorder.clear();
    mock.fail("rate_limited_retry_after", { times: 1, retryAfterSeconds: 120 });
    expect(await rejection(unipile({ retry: { maxAttempts: 3 } }).listAccounts())).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 120_000,
    });
    expect(recorder.count()).toBe(1);
  });
});

describe("email", () => {
  it("sends multipart with JSON-string fields, our send id header, tracking and threading", async () => {
    const first = await unipile().sendEmail({
      accountId: MAIL,
      to: [{ email: "jane.doe@acme.com", name: "Jane Doe" }],
      cc: [{ email: "ops@acme.com" }],
      subject: "A pilot for Acme's SDR team",
      html: "<p>Hi Jane,</p>",
      sendId: "attempt-0001",
      headers: { "X-Campaign": "c42" },
      tracking: { opens: true, links: true, label: "c42" },
    });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`${P}/emails`);
    expect(req.headers["content-type"]).toMatch(/^multipart\/form-data/);
    const fields = Object.fromEntries((req.form ?? []).map(([k, v]) => [k, v]));
    expect(fields).toEqual({
      account_id: MAIL,
      to: JSON.stringify([{ identifier: "jane.doe@acme.com", display_name: "Jane Doe" }]),
      cc: JSON.stringify([{ identifier: "ops@acme.com" }]),
      subject: "A pilot for Acme's SDR team",
      body: "<p>Hi Jane,</p>",
      custom_headers: JSON.stringify([
        { name: "X-Campaign", value: "c42" },
        { name: UNIPILE_SEND_ID_HEADER, value: "attempt-0001" },
      ]),
      tracking_options: JSON.stringify({ opens: true, links: true, label: "c42" }),
    });
    expect(first.trackingId).toMatch(/^trk/);

    const sentEmail = mock.state.emails[0];
    await unipile().sendEmail({
      accountId: MAIL,
      to: [{ email: "jane.doe@acme.com" }],
      subject: "Re: A pilot",
      text: "Bumping this",
      replyToEmailId: sentEmail?.id,
    });
    expect(formValues(await recorder.last(), "reply_to")).toEqual([sentEmail?.id]);
    expect(mock.state.emails[1]?.thread_id).toBe(sentEmail?.thread_id);
  });

  it("refuses locally what Unipile would refuse, and maps its refusals", async () => {
    const base = { accountId: MAIL, to: [{ email: "a@b.com" }], subject: "s", html: "<p>x</p>" };
    expect(await rejection(unipile().sendEmail({ ...base, headers: { Bcc: "x" } }))).toMatchObject({
      kind: "invalid",
      reason: "invalid_headers",
    });
    expect(await rejection(unipile().sendEmail({ ...base, html: " " }))).toMatchObject({ kind: "invalid", reason: "empty_body" });
    expect(recorder.count()).toBe(0);
    expect(await rejection(unipile().sendEmail({ ...base, replyToEmailId: "missing" }))).toMatchObject({
      kind: "invalid",
      reason: "parent_mail_not_found",
    });
  });
});

describe("inbox and webhooks end to end", () => {
  it("an accepted invitation with a note yields new_relation and an outbound echo; a reply is inbound", async () => {
    await unipile().sendInvitation({ accountId: LI, providerId: JANE, note: "Hi Jane" });
    const { newRelation, noteEcho } = mock.acceptInvitation(JANE);
    expect(toProviderEvent(parseUnipileWebhook(newRelation))).toMatchObject({
      type: "invitation_accepted",
      providerId: JANE,
      publicId: "jane-doe",
    });
    const echo = toProviderEvent(parseUnipileWebhook(noteEcho));
    expect(isReply(echo)).toBe(false);
    const reply = toProviderEvent(
      parseUnipileWebhook(mock.receiveMessage({ accountId: LI, fromProviderId: JANE, text: "Hi! Sure, tell me more" })),
    );
    expect(isReply(reply)).toBe(true);

    const since = new Date(Date.now() - 60_000);
    const page = await unipile().listMessages({ accountId: LI, since, limit: 50 });
    const req = await recorder.last();
    expect(req.path).toBe(`${P}/messages`);
    expect(req.query).toEqual({ account_id: [LI], after: [since.toISOString()], limit: ["50"] });
    expect(page.items.map((m) => [m.direction, m.text])).toEqual([
      ["inbound", "Hi! Sure, tell me more"],
      ["outbound", "Hi Jane"],
    ]);
    const chatId = page.items[0]?.threadId as string;
    await unipile().listMessages({ accountId: LI, chatId });
    expect((await recorder.last()).path).toBe(`${P}/chats/${chatId}/messages`);
  });

  it("email replies, sent and tracking events round-trip; listEmails tells directions", async () => {
    const { trackingId } = await unipile().sendEmail({
      accountId: MAIL,
      to: [{ email: "jane.doe@acme.com" }],
      subject: "Hello",
      html: "<p>Hi</p>",
    });
    const sent = toProviderEvent(parseUnipileWebhook(mock.mailSentEvent(trackingId as string)));
    expect(sent).toMatchObject({ type: "email_sent", message: { direction: "outbound", trackingId } });
    expect(toProviderEvent(parseUnipileWebhook(mock.trackingEvent(trackingId as string, "mail_opened")))).toMatchObject({
      type: "email_opened",
      trackingId,
    });
    const reply = toProviderEvent(
      parseUnipileWebhook(mock.receiveEmailReply({ trackingOrEmailId: trackingId as string, text: "Interested" })),
    );
    expect(isReply(reply)).toBe(true);
    const page = await unipile().listEmails({ accountId: MAIL, since: "2020-01-01T00:00:00Z" });
    expect((await recorder.last()).query).toEqual({ account_id: [MAIL], after: ["2020-01-01T00:00:00.000Z"] });
    expect(page.items.map((m) => m.direction)).toEqual(["inbound", "outbound"]);
  });

  it("creates, lists and deletes webhooks with the secret in a custom header, never in usage", async () => {
    const secret = "whsec_0123456789abcdef0123456789abcdef";
    const { webhookId } = await unipile().createWebhook({
      requestUrl: "https://hooks.example.com/unipile",
      source: "messaging",
      name: "li-messages",
      events: ["message_received"],
      secret,
    });
    const req = await recorder.last();
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`${P}/webhooks`);
    expect(req.json).toEqual({
      request_url: "https://hooks.example.com/unipile",
      source: "messaging",
      name: "li-messages",
      events: ["message_received"],
      headers: [
        { key: "Content-Type", value: "application/json" },
        { key: "X-Unipile-Secret", value: secret },
      ],
      enabled: true,
      format: "json",
    });
    const listed = await unipile().listWebhooks();
    expect(listed.items).toEqual([expect.objectContaining({ id: webhookId, source: "messaging", events: ["message_received"] })]);
    await unipile().deleteWebhook(webhookId);
    expect(await recorder.last()).toMatchObject({ method: "DELETE", path: `${P}/webhooks/${webhookId}` });
    expect(JSON.stringify(usage)).not.toContain(secret);
  });
});

describe("reconciliation (safe reads only)", () => {
  const old = () => new Date(Date.now() - 60 * 60 * 1000);
  const onlyReads = async () => (await recorder.requests()).every((r) => r.method === "GET");

  it("invitation: acted-but-lost reads as sent; nothing reads as not sent once settled", async () => {
    mock.fail("response_lost", { times: 1, match: "POST /users/invite" });
    await rejection(unipile().sendInvitation({ accountId: LI, providerId: JANE }));
    recorder.clear();
    expect(await unipile().reconcile({ kind: "linkedin_invitation", accountId: LI, providerId: JANE, attemptedAt: old() })).toMatchObject({
      outcome: "sent",
    });
    expect(await onlyReads()).toBe(true);
    expect(await unipile().reconcile({ kind: "linkedin_invitation", accountId: LI, providerId: SAM, attemptedAt: old() })).toMatchObject({
      outcome: "not_sent",
    });
    expect(
      await unipile().reconcile({ kind: "linkedin_invitation", accountId: LI, providerId: SAM, attemptedAt: new Date() }),
    ).toMatchObject({ outcome: "cannot_tell" });
    expect(await unipile().reconcile({ kind: "linkedin_invitation", accountId: LI, providerId: KIM, attemptedAt: old() })).toMatchObject({
      outcome: "sent",
    });
  });

  it("'acted, then 5xx': the fake sends, answers 500, and the send is an unknown outcome that reconciles as sent", async () => {
    mock.fail("server_error_after_acting", { times: 1, match: "POST /users/invite" });
    expect(await rejection(unipile({ retry: { maxAttempts: 5 } }).sendInvitation({ accountId: LI, providerId: JANE }))).toMatchObject({
      kind: "unknown_outcome",
      status: 500,
    });
    expect(recorder.count()).toBe(1);
    expect(mock.state.invitations).toHaveLength(1);
    expect(
      await unipile().reconcile({ kind: "linkedin_invitation", accountId: LI, providerId: JANE, attemptedAt: new Date() }),
    ).toMatchObject({
      outcome: "sent",
      providerIds: { invitationId: mock.state.invitations[0]!.id, providerId: JANE },
    });
  });

  it("invitation: before the settle window ends, no profile view is spent and the answer says when to ask again", async () => {
    const simulated = new Date("2030-01-01T12:00:00Z");
    const send = { kind: "linkedin_invitation" as const, accountId: LI, providerId: SAM, attemptedAt: simulated };
    const early = await createUnipile({
      apiKey: mock.apiKey,
      baseUrl: mock.baseUrl,
      now: () => new Date(simulated.getTime() + 4 * 60_000),
    }).reconcile(send);
    expect(early).toEqual({ outcome: "cannot_tell", reason: expect.stringMatching(/settle window/), retryAfterMs: 6 * 60_000 });
    expect((await recorder.requests()).map((r) => r.path)).toEqual([`${P}/users/invite/sent`]);
  });

  it("measures the settle window with the injected clock (a simulated time), not the machine's", async () => {
    const simulated = new Date("2030-01-01T12:00:00Z");
    const at = (ms: number) => createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, now: () => new Date(simulated.getTime() + ms) });
    const send = { kind: "linkedin_invitation" as const, accountId: LI, providerId: SAM, attemptedAt: simulated };
    // Five minutes after the attempt on the simulated clock: too early to say "not sent".
    expect(await at(5 * 60_000).reconcile(send)).toMatchObject({ outcome: "cannot_tell" });
    // Eleven minutes after: settled.
    expect(await at(11 * 60_000).reconcile(send)).toMatchObject({ outcome: "not_sent" });
  });

  it("message: finds our text in the chat, or in the recipient's chat when the chat id is unknown", async () => {
    const { chatId } = await unipile().startChat({ accountId: LI, recipientProviderIds: [KIM], text: "Hi Kim!" });
    mock.fail("timeout", { times: 1 });
    await expect(unipile().sendChatMessage({ accountId: LI, chatId: chatId as string, text: "Follow  up" })).rejects.toMatchObject({
      kind: "unknown_outcome",
      reason: "timeout",
    });
    recorder.clear();
    expect(
      await unipile().reconcile({
        kind: "linkedin_message",
        accountId: LI,
        chatId: chatId as string,
        text: "Follow up",
        attemptedAt: old(),
      }),
    ).toMatchObject({ outcome: "sent" });
    expect(
      await unipile().reconcile({ kind: "linkedin_message", accountId: LI, recipientProviderId: KIM, text: "Hi Kim!", attemptedAt: old() }),
    ).toMatchObject({
      outcome: "sent",
      providerIds: { chatId },
    });
    expect(
      await unipile().reconcile({
        kind: "linkedin_message",
        accountId: LI,
        recipientProviderId: JANE,
        text: "Hi Kim!",
        attemptedAt: old(),
      }),
    ).toMatchObject({ outcome: "not_sent" });
    expect(
      await unipile().reconcile({
        kind: "linkedin_message",
        accountId: LI,
        chatId: chatId as string,
        text: "Never sent",
        attemptedAt: new Date(),
      }),
    ).toMatchObject({ outcome: "cannot_tell" });
    expect(await onlyReads()).toBe(true);
  });

  it("email: finds the send id header among sent emails", async () => {
    mock.fail("server_error", { times: 1 });
    // A 5xx before acting is still unknown to us.
    expect(
      await rejection(
        unipile().sendEmail({ accountId: MAIL, to: [{ email: "a@b.com" }], subject: "s", html: "<p>x</p>", sendId: "att-1" }),
      ),
    ).toMatchObject({ kind: "unknown_outcome" });
    mock.fail("response_lost", { times: 1 });
    await rejection(unipile().sendEmail({ accountId: MAIL, to: [{ email: "a@b.com" }], subject: "s", html: "<p>x</p>", sendId: "att-2" }));
    recorder.clear();
    expect(await unipile().reconcile({ kind: "email", accountId: MAIL, sendId: "att-2", attemptedAt: old() })).toMatchObject({
      outcome: "sent",
      providerIds: { trackingId: expect.stringMatching(/^trk/) },
    });
    expect(await unipile().reconcile({ kind: "email", accountId: MAIL, sendId: "att-1", attemptedAt: old() })).toMatchObject({
      outcome: "not_sent",
    });
    const req = (await recorder.requests())[0];
    expect(req?.query).toMatchObject({ account_id: [MAIL], role: ["sent"], include_headers: ["true"], meta_only: ["false"] });
    expect(await onlyReads()).toBe(true);
  });
});

// ---- the kit's contract suites -------------------------------------------------------------
const contractFaults: ContractFault[] = [
  "unauthorized",
  "out_of_credits",
  "invalid",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
];
const common = {
  name: "unipile",
  server,
  secrets: [mock.apiKey],
  faults: contractFaults,
  fault: (f: ContractFault) => mock.fail(f),
  reset: resetWorld,
  create: ({ onUsage }: { onUsage: UnipileOptions["onUsage"] }) =>
    createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, onUsage, retry: { maxAttempts: 1 }, timeoutMs: 100 }),
};
runLinkedInSenderContract({ ...common, accountId: LI, profile: "https://www.linkedin.com/in/jane-doe", connectionProviderId: KIM });
runEmailSenderContract({
  ...common,
  input: { accountId: MAIL, to: [{ email: "jane.doe@acme.com" }], subject: "Hello", html: "<p>Hi</p>", sendId: "c-1" },
});
runInboxContract({
  ...common,
  faults: ["unauthorized", "rate_limited", "server_error", "malformed_json"],
  messages: { accountId: LI },
  emails: { accountId: MAIL },
});
