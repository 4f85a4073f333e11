/**
 * Provider events end to end: the Unipile fake produces the webhook payloads of what it did, the
 * inbox stores them under the provider's ids, the worker applies them. Every event type's effect
 * on the database, redelivery (one effect), and order tolerance (a reply or a tracking event that
 * arrives before our own `sent` was recorded). PGlite always; Postgres with TEST_DATABASE_URL,
 * where concurrent workers also race over the same events.
 */
import { campaignContacts, campaigns, companies, contacts } from "@offerlab/db";
import { sql } from "kysely";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyProviderEvent, isBounceNotice, processWebhookInbox, providerEventKey, storeWebhookEvent } from "../events.js";
import { dispatchOne } from "../dispatch.js";
import { runSendPath } from "../loop.js";
import { recomputeBooks } from "../books.js";
import { RunnerCrash } from "../types.js";
import { DAY, eventWorld, inboxRows, lastTrackingId, sendFirstStep, unipileDecoder, type EventWorld } from "./events-world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

const linkedinSteps = [
  { step: 1, type: "connection_request", delay_days: 0 },
  { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected" },
  { step: 3, type: "linkedin_dm", delay_days: 4, condition: "no_reply" },
];

async function count(w: EventWorld, table: "message_events" | "webhook_inbox", where = "true"): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${sql.raw(where)}`.execute(w.db);
  return rows[0]!.n;
}

/**
 * Jane in a second campaign B, under another offer (her twin row, matched by email): mid-sequence
 * there (one touch already), so its step 2 is due now from the same mailbox.
 */
async function janeInSecondCampaign(w: EventWorld): Promise<{ campaignId: string; ccId: string; queueId: string; twinId: string }> {
  const offer = await w.db
    .insertInto("offers")
    .values({ name: "Other offer", slug: "other-offer", type: "service", ownership: "internal", description: "x", status: "active" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const company = (await companies.upsert(w.db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
  const twin = (
    await contacts.upsert(w.db, {
      offer_id: offer.id,
      company_id: company.id,
      source_tool: "manual",
      first_name: "Jane",
      full_name: "Jane Doe",
      email: "jane.doe@acme.com",
      status: "contacted",
    })
  ).contact;
  const campaign = await campaigns.create(w.db, {
    name: "Campaign B",
    offer_id: offer.id,
    channel: "email",
    status: "active",
    timezone: "UTC",
    send_window_start: "00:00",
    send_window_end: "23:59:59",
    send_days: [1, 2, 3, 4, 5, 6, 7],
    account_ids: [{ id: w.emailAccountId, name: "jane@offerlab-demo.com", type: "email" }],
  });
  const cc = (await campaignContacts.add(w.db, { campaign_id: campaign.id, contact_id: twin.id, status: "waiting" })).campaignContact;
  await w.db
    .updateTable("campaign_contacts")
    .set({ touches: 1, current_step: 1, email_account_id: w.emailAccountId })
    .where("id", "=", cc.id)
    .execute();
  const due = new Date(w.clock.now.getTime() - 60_000);
  const q = await w.db
    .insertInto("send_queue")
    .values({
      campaign_id: campaign.id,
      campaign_contact_id: cc.id,
      contact_id: twin.id,
      account_id: w.emailAccountId,
      channel: "email",
      action_type: "email",
      sequence_step: 2,
      subject: "Another idea",
      body: "Hi Jane, another idea.",
      scheduled_for: due,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await w.db
    .insertInto("messages")
    .values({
      campaign_contact_id: cc.id,
      campaign_id: campaign.id,
      contact_id: twin.id,
      account_id: w.emailAccountId,
      send_queue_id: q.id,
      channel: "email",
      action_type: "email",
      sequence_step: 2,
      subject: "Another idea",
      body: "Hi Jane, another idea.",
      status: "queued",
      scheduled_at: due,
    })
    .execute();
  return { campaignId: campaign.id, ccId: cc.id, queueId: q.id, twinId: twin.id };
}

/** What the fake sent, and the books: attempts, messages and history agree, quota equals sends. */
async function sentBooks(w: EventWorld) {
  const one = async (q: string) => (await sql<{ n: number }>`${sql.raw(q)}`.execute(w.db)).rows[0]!.n;
  return {
    emails: w.mock.state.emails.filter((e) => e.role === "sent").length,
    attempts: await one("SELECT count(*)::int AS n FROM send_attempts WHERE status = 'sent'"),
    messages: await one("SELECT count(*)::int AS n FROM messages WHERE sent_at IS NOT NULL"),
    history: await one("SELECT count(*)::int AS n FROM outreach_history"),
    quotaDay: await one("SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day'"),
    quotaHour: await one("SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'hour'"),
  };
}

describe.each(engines)("provider events on %s", (engine) => {
  let w: EventWorld;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("an email reply stops the sequence in one go: reply recorded, sentiment classified, pending follow-up cancelled", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    expect(await w.plan()).toMatchObject({ planned: 1 }); // the follow-up waits in the queue
    // Unipile's mail_sent tells the email id our reply threads on.
    await w.deliver(w.mock.mailSentEvent(lastTrackingId(w)));
    w.advance(60_000);
    const reply = w.mock.receiveEmailReply({
      trackingOrEmailId: lastTrackingId(w),
      text: "Sounds interesting, let's talk next week. Can you send a calendar link?",
    });
    expect(await w.deliver(reply)).toBe(true);
    // Unipile retries: the same delivery again is not stored again.
    expect(await w.deliver(reply)).toBe(false);
    expect(await w.process()).toMatchObject({ claimed: 2, processed: 2 });

    const cc = await w.jane();
    expect(cc).toMatchObject({ replied: true, status: "replied", stop_reason: "replied", next_step_at: null });
    expect(cc.reply_sentiment).toBe("positive");
    const queue = await w.db
      .selectFrom("send_queue")
      .select(["sequence_step", "status", "defer_reason"])
      .orderBy("sequence_step")
      .execute();
    expect(queue).toEqual([
      { sequence_step: 1, status: "sent", defer_reason: null },
      { sequence_step: 2, status: "cancelled", defer_reason: "replied" },
    ]);
    const msg = await w.db
      .selectFrom("messages")
      .select(["replied_at", "reply_sentiment", "reply_text"])
      .where("sequence_step", "=", 1)
      .executeTakeFirstOrThrow();
    expect(msg.replied_at).not.toBeNull();
    expect(msg.reply_sentiment).toBe("positive");
    const events = await w.db
      .selectFrom("message_events")
      .select(["event_type", "reply_sentiment", "event_data"])
      .where("event_type", "=", "replied")
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.event_data).toMatchObject({ matched_by: "in_reply_to", channel: "email" });
    const person = await w.db
      .selectFrom("contacts")
      .select(["global_status", "status"])
      .where("id", "=", w.janeId)
      .executeTakeFirstOrThrow();
    expect(person).toEqual({ global_status: "replied", status: "replied" });
    const account = await w.db.selectFrom("accounts").select("total_replies").where("id", "=", w.emailAccountId).executeTakeFirstOrThrow();
    expect(account.total_replies).toBe(1);
    // The cancelled step never goes out, whatever the runner does next.
    w.advance(DAY);
    expect((await w.send()).outcomes.sent).toBe(0);
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(1);

    // Applying the same event again (a worker that lost its lease, the inbox sync's copy) changes nothing.
    const again = await applyProviderEvent(w.db, unipileDecoder(reply, { selfEmail: () => null, selfProviderId: () => null }), {
      now: () => w.clock.now,
    });
    expect(again.status).toBe("processed");
    expect(await count(w, "message_events", "event_type = 'replied'")).toBe(1);
    expect(
      (await w.db.selectFrom("accounts").select("total_replies").where("id", "=", w.emailAccountId).executeTakeFirstOrThrow())
        .total_replies,
    ).toBe(1);
  });

  it("never takes our own messages echoed back for a reply", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    const { noteEcho } = w.mock.acceptInvitation(w.mock.state.invitations[0]!.id);
    expect(noteEcho).not.toBeNull();
    await w.deliver(noteEcho!);
    // An email from our own mailbox (sent from a phone, say), seen by the mailbox webhook as
    // received, is not a reply either: the worker knows the mailbox's address.
    await w.deliver({
      event: "mail_received",
      email_id: "own-mail-1",
      account_id: w.vendorMailbox,
      date: w.clock.now.toISOString(),
      from_attendee: { display_name: "Jane Sender", identifier: "Jane@offerlab-demo.com" },
      to_attendees: [{ identifier: "jane.doe@acme.com" }],
      subject: "Re: Ramp time at Acme",
      body_plain: "Interested? Let's talk.",
      role: "inbox",
      origin: "external",
    });
    expect(await w.process()).toMatchObject({ claimed: 2, ignored: 2, processed: 0 });
    const rows = await inboxRows(w);
    expect(rows.map((r) => [r.status, r.outcome])).toEqual([
      ["ignored", "our own message echoed back"],
      ["ignored", "our own message echoed back"],
    ]);
    const cc = await w.jane();
    expect(cc.replied).toBe(false);
    expect(cc.status).not.toBe("replied");
    expect(await count(w, "message_events", "event_type = 'replied'")).toBe(0);
  });

  it("an out-of-office pauses the contact until the return date instead of stopping the sequence", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    await w.plan();
    const reply = w.mock.receiveEmailReply({
      trackingOrEmailId: lastTrackingId(w),
      text: "I am out of the office until March 16 with limited access to email.",
      subject: "Automatic reply: Ramp time at Acme",
    });
    await w.deliver(reply);
    expect(await w.process()).toMatchObject({ processed: 1 });
    const cc = await w.jane();
    expect(cc.replied).toBe(false);
    expect(cc.status).toBe("in_progress");
    expect(cc.paused_until?.toISOString()).toBe("2026-03-16T00:00:00.000Z");
    expect(cc.next_step_at!.getTime()).toBeGreaterThanOrEqual(new Date("2026-03-16T00:00:00Z").getTime());
    const q = await w.db
      .selectFrom("send_queue")
      .select(["scheduled_for", "status", "defer_reason"])
      .where("sequence_step", "=", 2)
      .executeTakeFirstOrThrow();
    expect(q.status).toBe("pending");
    expect(q.defer_reason).toBe("out_of_office");
    expect(q.scheduled_for.getTime()).toBeGreaterThanOrEqual(new Date("2026-03-16T00:00:00Z").getTime());
    // The auto-reply is recorded as such, and nothing goes out before the return date.
    const ev = await w.db
      .selectFrom("message_events")
      .select(["reply_sentiment", "event_data"])
      .where("event_type", "=", "replied")
      .executeTakeFirstOrThrow();
    expect(ev.reply_sentiment).toBe("ooo");
    expect(ev.event_data).toMatchObject({ auto_reply: true });
    w.advance(2 * DAY);
    expect((await w.send()).outcomes.sent).toBe(0);
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(1);
  });

  it("unsubscribe language puts the person on do_not_contact everywhere and stops every campaign of theirs", async () => {
    w = await eventWorld({ engine, server });
    // The same person in another offer (matched by email).
    const other = await w.db
      .insertInto("offers")
      .values({ name: "Other", slug: "other", type: "service", ownership: "internal", description: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const otherCompany = (await companies.upsert(w.db, { offer_id: other.id, name: "Acme", domain: "acme.com", source_tool: "manual" }))
      .company;
    const twin = (
      await contacts.upsert(w.db, {
        offer_id: other.id,
        company_id: otherCompany.id,
        source_tool: "manual",
        full_name: "Jane Doe",
        email: "Jane.Doe@acme.com",
        status: "ready",
      })
    ).contact;
    await sendFirstStep(w);
    const reply = w.mock.receiveEmailReply({
      trackingOrEmailId: lastTrackingId(w),
      text: "Please remove me from your mailing list and do not contact me again.",
    });
    await w.deliver(reply);
    expect(await w.process()).toMatchObject({ processed: 1 });
    const rows = await w.db
      .selectFrom("contacts")
      .select(["id", "global_status", "eligible_for_outreach", "status"])
      .orderBy("created_at")
      .execute();
    expect(rows.map((r) => r.global_status)).toEqual(["do_not_contact", "do_not_contact"]);
    expect(rows.every((r) => r.eligible_for_outreach === false)).toBe(true);
    expect(rows.find((r) => r.id === w.janeId)!.status).toBe("unsubscribed");
    expect(rows.find((r) => r.id === twin.id)).toBeDefined();
    expect(await w.jane()).toMatchObject({ status: "unsubscribed", stop_reason: "unsubscribed", next_step_at: null });
    expect(await count(w, "message_events", "event_type = 'unsubscribed'")).toBe(1);
    expect((await inboxRows(w))[0]!.outcome).toMatch(/unsubscribe/);
  });

  it("an accepted invitation makes the person a 1st-degree connection and the `connected` step due now", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    w.advance(2 * DAY);
    expect(await w.plan()).toMatchObject({ planned: 0, waiting: { awaiting_connection: 1 } });
    const { newRelation } = w.mock.acceptInvitation(w.mock.state.invitations[0]!.id);
    await w.deliver(newRelation);
    expect(await w.process()).toMatchObject({ processed: 1 });
    const person = await w.db
      .selectFrom("contacts")
      .select(["connection_degree", "linkedin_id"])
      .where("id", "=", w.janeId)
      .executeTakeFirstOrThrow();
    expect(person).toEqual({ connection_degree: 1, linkedin_id: "ACoAAAEkwwAB9KEc2TrQgOLE" });
    const cc = await w.jane();
    expect(cc.connected_at?.getTime()).toBe(w.clock.now.getTime());
    expect(cc.next_step_at?.getTime()).toBe(w.clock.now.getTime());
    expect(cc.linkedin_account_id).toBe(w.linkedinAccountId);
    expect(await w.plan()).toMatchObject({ planned: 1 });
    w.advance(30 * 60_000);
    expect((await w.send()).outcomes.sent).toBe(1);
    expect(w.mock.state.messages.some((m) => m.text === "Thanks for connecting, Jane!" && m.account_id === w.vendorLinkedIn)).toBe(true);

    // A redelivery a day later is a no-op: the connection time stays the first one.
    const connectedAt = cc.connected_at!.getTime();
    w.advance(DAY);
    await applyProviderEvent(w.db, unipileDecoder(newRelation, { selfEmail: () => null, selfProviderId: () => null }), {
      now: () => w.clock.now,
    });
    expect((await w.jane()).connected_at!.getTime()).toBe(connectedAt);
  });

  it("a LinkedIn reply in the chat stops the sequence and records the chat", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    w.advance(2 * DAY);
    const { newRelation } = w.mock.acceptInvitation(w.mock.state.invitations[0]!.id);
    await w.deliver(newRelation);
    await w.process();
    expect(await w.plan()).toMatchObject({ planned: 1 });
    w.advance(30 * 60_000);
    expect((await w.send()).outcomes.sent).toBe(1); // the DM
    w.advance(DAY);
    const payload = w.mock.receiveMessage({
      accountId: w.vendorLinkedIn,
      fromProviderId: "ACoAAAEkwwAB9KEc2TrQgOLE",
      text: "Not interested, thanks.",
    });
    await w.deliver(payload);
    expect(await w.process()).toMatchObject({ processed: 1 });
    const cc = await w.jane();
    expect(cc).toMatchObject({ replied: true, status: "replied", reply_sentiment: "negative" });
    expect(cc.linkedin_chat_id).toBe(payload.chat_id);
    expect((await inboxRows(w)).at(-1)!.outcome).toMatch(/reply \(negative\) matched by chat_id/);
  });

  it("mail_sent reconciles the tracking id with the email and thread ids (the thread follow-ups continue)", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    const trackingId = lastTrackingId(w);
    const email = w.mock.state.emails.find((e) => e.tracking_id === trackingId)!;
    await w.db.updateTable("campaign_contacts").set({ email_thread_ref: null }).execute();
    await w.db.updateTable("messages").set({ thread_id: null }).execute();
    await w.deliver(w.mock.mailSentEvent(trackingId));
    expect(await w.process()).toMatchObject({ processed: 1 });
    const attempt = await w.db.selectFrom("send_attempts").select("provider_ids").where("status", "=", "sent").executeTakeFirstOrThrow();
    expect(attempt.provider_ids).toMatchObject({
      tracking_id: trackingId,
      email_id: email.id,
      thread_id: email.thread_id,
      rfc_message_id: email.message_id,
    });
    const msg = await w.db.selectFrom("messages").select("thread_id").where("sequence_step", "=", 1).executeTakeFirstOrThrow();
    expect(msg.thread_id).toBe(email.thread_id);
    expect((await w.jane()).email_thread_ref).toBe(email.id);
  });

  it("opens and clicks become events and flags, once each however often they are delivered", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    const trackingId = lastTrackingId(w);
    const open = w.mock.trackingEvent(trackingId, "mail_opened");
    await w.deliver(open);
    await w.deliver(open);
    w.advance(60_000);
    const click = w.mock.trackingEvent(trackingId, "mail_link_clicked", "https://acme.example/demo");
    await w.deliver(click);
    expect(await w.process()).toMatchObject({ processed: 2 });
    // Applied again directly (a second worker): still one event each.
    await applyProviderEvent(w.db, unipileDecoder(open, { selfEmail: () => null, selfProviderId: () => null }), { now: () => w.clock.now });
    const events = await w.db
      .selectFrom("message_events")
      .select(["event_type", "event_data"])
      .where("event_type", "in", ["opened", "clicked"])
      .orderBy("event_type")
      .execute();
    expect(events.map((e) => e.event_type)).toEqual(["clicked", "opened"]);
    expect(events[0]!.event_data).toMatchObject({ url: "https://acme.example/demo", tracking_id: trackingId });
    const msg = await w.db
      .selectFrom("messages")
      .select(["opened_at", "clicked_at"])
      .where("sequence_step", "=", 1)
      .executeTakeFirstOrThrow();
    expect(msg.opened_at?.toISOString()).toBe(String(open.date));
    expect(msg.clicked_at?.toISOString()).toBe(String(click.date));
    expect(await w.jane()).toMatchObject({ opened: true, clicked: true, replied: false });
    // The person's first open and first click reach the campaign's counters, once each, without
    // waiting for the books job; the books job's recomputation from the facts agrees.
    const counters = () =>
      w.db
        .selectFrom("campaigns")
        .select(["total_sent", "total_delivered", "contacts_sent", "total_opened", "total_clicked", "open_rate"])
        .where("id", "=", w.campaignId)
        .executeTakeFirstOrThrow();
    const live = await counters();
    expect(live).toEqual({ total_sent: 1, total_delivered: 1, contacts_sent: 1, total_opened: 1, total_clicked: 1, open_rate: 100 });
    await recomputeBooks(w.db, { campaignId: w.campaignId });
    expect(await counters()).toEqual(live);
  });

  it("a bounce marks the contact bounced and the address invalid, counts against the account and pauses it over the threshold", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    await w.plan();
    const dsn = w.mock.receiveEmailReply({
      trackingOrEmailId: lastTrackingId(w),
      from: "mailer-daemon@googlemail.com",
      fromName: "Mail Delivery Subsystem",
      subject: "Delivery Status Notification (Failure)",
      text: "Address not found. Your message wasn't delivered to jane.doe@acme.com because the address couldn't be found.",
    });
    expect(
      isBounceNotice({ channel: "email", from: "mailer-daemon@googlemail.com", subject: "Delivery Status Notification (Failure)" }),
    ).toBe(true);
    await w.deliver(dsn);
    // One send and one bounce: 100 % over a sample of 1 (the test lowers the sample to 1).
    expect(await w.process({ autoPause: { minSample: 1 } })).toMatchObject({ processed: 1 });
    const contact = await w.db
      .selectFrom("contacts")
      .select(["status", "email_status"])
      .where("id", "=", w.janeId)
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ status: "bounced", email_status: "invalid" });
    expect(await w.jane()).toMatchObject({ status: "bounced", stop_reason: "bounced", replied: false });
    const queue = await w.db
      .selectFrom("send_queue")
      .select(["sequence_step", "status", "defer_reason"])
      .orderBy("sequence_step")
      .execute();
    expect(queue).toEqual([
      { sequence_step: 1, status: "bounced", defer_reason: null },
      { sequence_step: 2, status: "cancelled", defer_reason: "bounced" },
    ]);
    const account = await w.db
      .selectFrom("accounts")
      .select(["status", "total_bounced", "bounce_rate"])
      .where("id", "=", w.emailAccountId)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ status: "paused", total_bounced: 1, bounce_rate: 100 });
    // Sent, but not delivered: the bounce takes the delivery back, on the campaign and the account.
    const books = () =>
      w.db.selectFrom("campaigns").select(["total_sent", "total_delivered"]).where("id", "=", w.campaignId).executeTakeFirstOrThrow();
    expect(await books()).toEqual({ total_sent: 1, total_delivered: 0 });
    await recomputeBooks(w.db, { campaignId: w.campaignId });
    expect(await books()).toEqual({ total_sent: 1, total_delivered: 0 });
    expect(
      await w.db
        .selectFrom("accounts")
        .select(["total_sent", "total_delivered"])
        .where("id", "=", w.emailAccountId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ total_sent: 1, total_delivered: 0 });
    expect((await inboxRows(w))[0]!.outcome).toMatch(/auto-paused/);
    expect(await count(w, "message_events", "event_type = 'bounced'")).toBe(1);
    expect(await count(w, "message_events", "event_type = 'replied'")).toBe(0);
  });

  it("a bounce under the default sample size is counted but does not pause the account", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    await w.deliver(w.mock.mailSentEvent(lastTrackingId(w)));
    w.advance(60_000);
    await w.deliver(
      w.mock.receiveEmailReply({
        trackingOrEmailId: lastTrackingId(w),
        from: "postmaster@acme.com",
        subject: "Undeliverable: Ramp time at Acme",
        text: "Delivery has failed.",
      }),
    );
    expect(await w.process()).toMatchObject({ processed: 2 });
    const account = await w.db
      .selectFrom("accounts")
      .select(["status", "total_bounced"])
      .where("id", "=", w.emailAccountId)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ status: "active", total_bounced: 1 });
  });

  it("account status changes from the provider: disconnected, then OK again; a pause of ours survives OK", async () => {
    w = await eventWorld({ engine, server });
    await w.deliver(w.mock.setAccountStatus(w.vendorLinkedIn, "CREDENTIALS"));
    expect(await w.process()).toMatchObject({ processed: 1 });
    const status = async () =>
      (await w.db.selectFrom("accounts").select("status").where("id", "=", w.linkedinAccountId).executeTakeFirstOrThrow()).status;
    expect(await status()).toBe("disconnected");
    w.advance(5 * 60_000);
    await w.deliver(w.mock.setAccountStatus(w.vendorLinkedIn, "OK"));
    await w.process();
    expect(await status()).toBe("active");
    await w.db.updateTable("accounts").set({ status: "paused" }).where("id", "=", w.linkedinAccountId).execute();
    w.advance(5 * 60_000);
    await w.deliver(w.mock.setAccountStatus(w.vendorLinkedIn, "OK"));
    await w.process();
    expect(await status()).toBe("paused");
    // An account we do not know is ignored, not an error.
    await w.deliver({ AccountStatus: { account_id: "someone-else", account_type: "LINKEDIN", message: "CREDENTIALS" } });
    expect(await w.process()).toMatchObject({ ignored: 1 });
  });

  it("a reply that arrives before our own send was recorded waits, then is recorded against that send", async () => {
    w = await eventWorld({ engine, server });
    await w.plan();
    w.advance(30 * 60_000);
    // The runner dies after the provider call: the email left, nothing is recorded yet.
    await expect(
      runSendPath({
        db: w.db,
        senders: w.senders,
        now: () => w.clock.now,
        accountGapMs: { min: 0, max: 0 },
        crashAt: (point) => {
          if (point === "after_call") throw new RunnerCrash(point);
        },
      }),
    ).rejects.toThrow(RunnerCrash);
    const trackingId = lastTrackingId(w);
    w.advance(60_000);
    await w.deliver(w.mock.receiveEmailReply({ trackingOrEmailId: trackingId, text: "Yes, interested. Let's talk." }));
    await w.deliver(w.mock.trackingEvent(trackingId, "mail_opened"));
    const first = await w.process();
    expect(first).toMatchObject({ claimed: 2, retried: 2, processed: 0 });
    expect(await w.jane()).toMatchObject({ replied: false });
    const waiting = await inboxRows(w);
    expect(waiting.map((r) => r.status)).toEqual(["pending", "pending"]);
    expect(waiting.find((r) => r.event_type === "email_received")!.outcome).toBe("reply arrived before our send was recorded");
    expect(waiting.find((r) => r.event_type === "email_opened")!.outcome).toBe("no recorded email with this tracking id (yet)");
    // Not due again before its retry delay.
    expect(await w.process()).toMatchObject({ claimed: 0 });

    // The lease lapses, the reaper and reconciler record the send.
    w.advance(3 * 60_000);
    const recovered = await w.send();
    expect(recovered.reconciled.sent).toBe(1);
    w.advance(60_000);
    expect(await w.process()).toMatchObject({ claimed: 2, processed: 2 });
    // The reconciled send carries the provider's ids under the keys a send records.
    const attempt = await w.db.selectFrom("send_attempts").select("provider_ids").executeTakeFirstOrThrow();
    expect(attempt.provider_ids).toMatchObject({
      tracking_id: trackingId,
      email_id: expect.any(String),
      rfc_message_id: expect.any(String),
    });
    expect((await inboxRows(w)).find((r) => r.event_type === "email_received")!.outcome).toMatch(/matched by in_reply_to/);
    expect(await w.jane()).toMatchObject({ replied: true, status: "replied", opened: true });
    const msg = await w.db
      .selectFrom("messages")
      .select(["replied_at", "opened_at"])
      .where("sequence_step", "=", 1)
      .executeTakeFirstOrThrow();
    expect(msg.replied_at).not.toBeNull();
    expect(msg.opened_at).not.toBeNull();
    // Exactly one email went out.
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(1);
  });

  it("a reply while our send is only claimed (no call yet) cancels the claim rather than waiting", async () => {
    w = await eventWorld({ engine, server });
    await w.plan();
    w.advance(30 * 60_000);
    await expect(
      runSendPath({
        db: w.db,
        senders: w.senders,
        now: () => w.clock.now,
        accountGapMs: { min: 0, max: 0 },
        crashAt: (p) => {
          if (p === "after_claim") throw new RunnerCrash(p);
        },
      }),
    ).rejects.toThrow(RunnerCrash);
    // Jane writes first (e.g. she saw our LinkedIn profile view), from her address.
    await w.deliver({
      event: "mail_received",
      email_id: "inbound-first-1",
      account_id: w.vendorMailbox,
      date: w.clock.now.toISOString(),
      from_attendee: { display_name: "Jane Doe", identifier: "jane.doe@acme.com" },
      to_attendees: [{ identifier: "jane@offerlab-demo.com" }],
      subject: "Onboarding",
      body_plain: "Hi, are you the people doing sales coaching? Interested.",
      role: "inbox",
      origin: "external",
    });
    expect(await w.process()).toMatchObject({ processed: 1 });
    expect(await w.jane()).toMatchObject({ replied: true });
    const attempt = await w.db.selectFrom("send_attempts").select(["status", "error_kind"]).executeTakeFirstOrThrow();
    expect(attempt.status).toBe("cancelled");
    const queue = await w.db.selectFrom("send_queue").select(["status", "defer_reason"]).executeTakeFirstOrThrow();
    expect(queue).toEqual({ status: "cancelled", defer_reason: "replied" });
    // The quota reserved by the claim is given back.
    const used = await sql<{ n: number }>`SELECT coalesce(sum(used), 0)::int AS n FROM account_usage`.execute(w.db);
    expect(used.rows[0]!.n).toBe(0);
    w.advance(5 * 60_000);
    await w.send();
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(0);
  });

  it.each(["unsubscribed", "bounced"] as const)(
    "an opt-out (%s) in campaign A cancels the person's send already claimed in campaign B: no call, quota back, books consistent",
    async (reason) => {
      w = await eventWorld({ engine, server });
      await sendFirstStep(w); // Jane's first email of campaign A
      const b = await janeInSecondCampaign(w);
      const trackingId = lastTrackingId(w);
      const optOut =
        reason === "unsubscribed"
          ? w.mock.receiveEmailReply({
              trackingOrEmailId: trackingId,
              text: "Please remove me from your list and do not contact me again.",
            })
          : w.mock.receiveEmailReply({
              trackingOrEmailId: trackingId,
              from: "mailer-daemon@googlemail.com",
              subject: "Delivery Status Notification (Failure)",
              text: "Address not found. Your message wasn't delivered to jane.doe@acme.com.",
            });
      w.advance(60_000);
      const before = await sentBooks(w);
      expect(before).toEqual({ emails: 1, attempts: 1, messages: 1, history: 1, quotaDay: 1, quotaHour: 1 });
      let claimedRow: string | null = null;
      // B's step is claimed (attempt committed, quota reserved, no call yet) when the opt-out from
      // campaign A is recorded; then the runner carries on to its fenced "mark sending".
      const out = await dispatchOne({
        db: w.db,
        senders: w.senders,
        now: () => w.clock.now,
        accountGapMs: { min: 0, max: 0 },
        crashAt: async (point, info) => {
          if (point !== "after_claim") return;
          claimedRow = info.queueId;
          expect((await sentBooks(w)).quotaDay).toBe(2);
          await w.deliver(optOut);
          expect(await w.process()).toMatchObject({ processed: 1 });
        },
      });
      expect(claimedRow).toBe(b.queueId);
      expect(out).toMatchObject({ kind: "lost", queueId: b.queueId, reason: "claim expired or cancelled before the call" });
      // Nothing reached the fake for campaign B.
      expect(w.mock.state.emails.filter((e) => e.role === "sent").map((e) => e.subject)).toEqual(["Ramp time at Acme"]);
      const row = await w.db
        .selectFrom("send_queue")
        .select(["status", "defer_reason", "current_attempt_id"])
        .where("id", "=", b.queueId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: "cancelled", defer_reason: reason, current_attempt_id: null });
      const attempt = await w.db
        .selectFrom("send_attempts")
        .select(["status", "error_kind", "error_message"])
        .where("send_queue_id", "=", b.queueId)
        .executeTakeFirstOrThrow();
      expect(attempt).toEqual({
        status: "cancelled",
        error_kind: reason,
        error_message: reason === "unsubscribed" ? "the person opted out before the call" : "the address bounced before the call",
      });
      const msg = await w.db
        .selectFrom("messages")
        .select(["status", "error_message", "sent_at"])
        .where("send_queue_id", "=", b.queueId)
        .executeTakeFirstOrThrow();
      expect(msg).toEqual({ status: "failed", error_message: `not sent: ${reason}`, sent_at: null });
      // The claim's quota was given back: the books hold A's one send, as before.
      expect(await sentBooks(w)).toEqual(before);
      const twin = await w.db
        .selectFrom("contacts")
        .select(["global_status", "status"])
        .where("id", "=", b.twinId)
        .executeTakeFirstOrThrow();
      if (reason === "unsubscribed") {
        expect(twin.global_status).toBe("do_not_contact");
        const bCc = await w.db
          .selectFrom("campaign_contacts")
          .select(["status", "stop_reason"])
          .where("id", "=", b.ccId)
          .executeTakeFirstOrThrow();
        expect(bCc).toEqual({ status: "unsubscribed", stop_reason: "unsubscribed" });
      } else {
        expect((await w.db.selectFrom("contacts").select("status").where("id", "=", w.janeId).executeTakeFirstOrThrow()).status).toBe(
          "bounced",
        );
      }
      // Later runs (reaper, reconciler, dispatch) send nothing more to Jane.
      w.advance(10 * 60_000);
      const later = await w.send();
      expect(later.errors).toBe(0);
      expect(await sentBooks(w)).toEqual(before);
    },
  );

  it("an opt-out cannot recall a send already `sending` in another campaign: it is recorded as sent, and nothing follows it", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    const b = await janeInSecondCampaign(w);
    const optOut = w.mock.receiveEmailReply({
      trackingOrEmailId: lastTrackingId(w),
      text: "Please remove me from your list and do not contact me again.",
    });
    w.advance(60_000);
    const out = await dispatchOne({
      db: w.db,
      senders: w.senders,
      now: () => w.clock.now,
      accountGapMs: { min: 0, max: 0 },
      crashAt: async (point) => {
        if (point !== "after_mark_sending") return;
        await w.deliver(optOut);
        expect(await w.process()).toMatchObject({ processed: 1 });
      },
    });
    // The call may already have left when the opt-out is recorded: it goes out and is recorded.
    expect(out).toMatchObject({ kind: "sent", queueId: b.queueId });
    expect(await sentBooks(w)).toEqual({ emails: 2, attempts: 2, messages: 2, history: 2, quotaDay: 2, quotaHour: 2 });
    const bCc = await w.db.selectFrom("campaign_contacts").select(["status", "touches"]).where("id", "=", b.ccId).executeTakeFirstOrThrow();
    expect(bCc).toEqual({ status: "unsubscribed", touches: 2 });
    w.advance(3 * DAY);
    await w.plan();
    await w.send();
    expect((await sentBooks(w)).emails).toBe(2);
  });

  it("gives up on an event that never matches: unmatched after the retries, failed when it cannot be decoded", async () => {
    w = await eventWorld({ engine, server });
    await w.deliver(
      w.mock.receiveMessage({ accountId: w.vendorLinkedIn, fromProviderId: "ACoAAAfarAwayPerson00001", text: "Who are you?" }),
    );
    await storeWebhookEvent(w.db, {
      provider: "unipile",
      dedupeKey: "broken-1",
      eventType: "message_received",
      payload: { event: "message_received" },
      receivedAt: w.clock.now,
    });
    await storeWebhookEvent(w.db, { provider: "nobody", dedupeKey: "x", eventType: "x", payload: {}, receivedAt: w.clock.now });
    for (let i = 0; i < 3; i++) {
      await w.process({ maxAttempts: 3, retryBaseMs: 1_000 });
      w.advance(10_000);
    }
    const rows = await w.db
      .selectFrom("webhook_inbox")
      .select(["dedupe_key", "status", "attempts", "outcome", "error"])
      .orderBy("dedupe_key")
      .execute();
    const byKey = Object.fromEntries(rows.map((r) => [r.dedupe_key, r]));
    expect(byKey["broken-1"]).toMatchObject({ status: "failed", attempts: 3 });
    expect(byKey["broken-1"]!.error).toMatch(/malformed webhook payload/);
    expect(byKey.x).toMatchObject({ status: "failed" });
    expect(byKey.x!.error).toMatch(/no decoder for provider "nobody"/);
    const unmatched = rows.find((r) => r.dedupe_key !== "broken-1" && r.dedupe_key !== "x")!;
    expect(unmatched).toMatchObject({ status: "unmatched", attempts: 3 });
    expect(unmatched.outcome).toMatch(/no campaign contact/);
  });

  it("keys an account status change by its minute: a later change back to the same status is not dropped", () => {
    const e = {
      type: "account_status" as const,
      accountId: "a",
      status: "disconnected" as const,
      vendorStatus: "CREDENTIALS",
      eventId: "account_status:abc",
    };
    expect(providerEventKey(e, new Date("2026-03-02T09:00:10Z"))).toBe(providerEventKey(e, new Date("2026-03-02T09:00:50Z")));
    expect(providerEventKey(e, new Date("2026-03-02T09:00:10Z"))).not.toBe(providerEventKey(e, new Date("2026-03-02T09:01:10Z")));
  });
});

describe.runIf(PG)("provider events with concurrent workers on postgres", () => {
  let w: EventWorld;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("the same events delivered five times concurrently and drained by five workers have one effect each", async () => {
    w = await eventWorld({ engine: "postgres", server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    await w.plan();
    const trackingId = lastTrackingId(w);
    const payloads = [
      w.mock.trackingEvent(trackingId, "mail_opened"),
      w.mock.trackingEvent(trackingId, "mail_link_clicked"),
      w.mock.mailSentEvent(trackingId),
      w.mock.receiveEmailReply({ trackingOrEmailId: trackingId, text: "Interested, let's talk." }),
    ];
    const stored = await Promise.all(payloads.flatMap((p) => Array.from({ length: 5 }, () => w.deliver(p))));
    expect(stored.filter(Boolean)).toHaveLength(4);
    const summaries = await Promise.all(
      Array.from({ length: 5 }, () =>
        processWebhookInbox({ db: w.db, decoders: { unipile: unipileDecoder }, now: () => w.clock.now, batchSize: 1 }),
      ),
    );
    expect(summaries.reduce((n, s) => n + s.processed, 0)).toBe(4);
    const events = await w.db
      .selectFrom("message_events")
      .select("event_type")
      .where("event_type", "in", ["opened", "clicked", "replied"])
      .orderBy("event_type")
      .execute();
    expect(events.map((e) => e.event_type)).toEqual(["clicked", "opened", "replied"]);
    expect(await w.jane()).toMatchObject({ replied: true, opened: true, clicked: true });
    expect(
      (await w.db.selectFrom("accounts").select("total_replies").where("id", "=", w.emailAccountId).executeTakeFirstOrThrow())
        .total_replies,
    ).toBe(1);
    const queue = await w.db.selectFrom("send_queue").select("status").where("sequence_step", "=", 2).executeTakeFirstOrThrow();
    expect(queue.status).toBe("cancelled");
  });

  it("a reply applied while a runner is dispatching the next step: the step is either cancelled or already sent, never sent after", async () => {
    w = await eventWorld({ engine: "postgres", server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    await w.plan();
    w.advance(30 * 60_000);
    const reply = w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Interested, let's talk." });
    await w.deliver(reply);
    const [sent] = await Promise.all([w.send(), w.process()]);
    const row = await w.db.selectFrom("send_queue").select("status").where("sequence_step", "=", 2).executeTakeFirstOrThrow();
    const emails = w.mock.state.emails.filter((e) => e.role === "sent").length;
    if (row.status === "cancelled") expect([emails, sent.outcomes.sent]).toEqual([1, 0]);
    else expect([row.status, emails, sent.outcomes.sent]).toEqual(["sent", 2, 1]);
    expect(await w.jane()).toMatchObject({ replied: true });
    w.advance(DAY);
    await w.send();
    expect(w.mock.state.emails.filter((e) => e.role === "sent").length).toBe(emails);
  });
});
