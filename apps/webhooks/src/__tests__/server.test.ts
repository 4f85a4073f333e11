/**
 * The webhook server driven over HTTP on a real port: authentication before anything is read,
 * body limits, malformed and unknown bodies (nothing written), redelivery (the same event five
 * times concurrently: one row, one effect), out-of-order events, and every event type's effect on
 * the database once the inbox drainer has applied it. PGlite always; Postgres with
 * TEST_DATABASE_URL.
 */
import { testEngines } from "@offerlab/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createInboxDrainer, type InboxDrainer } from "../inbox.js";
import { createLogger } from "../logger.js";
import { startWebhookServer, type RunningWebhookServer } from "../server.js";
import { DAY, memoryLog, SECRET, seedWorld, sendFirstStep, vendorServer, type World } from "./world.js";

const vendor = vendorServer();
beforeAll(() => vendor.listen());
afterAll(() => vendor.server.close());

const HEADER = "x-offerlab-webhook-secret";
const linkedinSteps = [
  { step: 1, type: "connection_request", delay_days: 0 },
  { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected" },
];

describe.each(testEngines())("webhook server on %s", (engine) => {
  let w: World;
  let srv: RunningWebhookServer;
  let drainer: InboxDrainer;
  let log: ReturnType<typeof memoryLog>;

  async function start(world: World, options: { maxBodyBytes?: number } = {}) {
    w = world;
    log = memoryLog();
    const logger = createLogger({ destination: log, level: "debug" });
    drainer = createInboxDrainer({ db: w.db, logger, now: () => w.clock.now });
    srv = await startWebhookServer({
      db: w.db,
      logger,
      drainer,
      now: () => w.clock.now,
      hostname: "127.0.0.1",
      config: { secret: SECRET, secretHeader: HEADER, maxBodyBytes: options.maxBodyBytes ?? 64 * 1024, port: 0 },
    });
  }

  afterEach(async () => {
    await srv?.close();
    await w?.t.drop();
  });

  const post = (body: unknown, headers: Record<string, string> = { [HEADER]: SECRET }) =>
    fetch(`${srv.url}/webhooks/unipile`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const inboxCount = async () => (await w.db.selectFrom("webhook_inbox").select("id").execute()).length;
  const jane = () => w.db.selectFrom("campaign_contacts").selectAll().where("id", "=", w.janeCcId).executeTakeFirstOrThrow();

  it("answers /healthz and /readyz", async () => {
    await start(await seedWorld(engine, vendor.server));
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, database: "reachable" });
    expect((await fetch(`${srv.url}/nowhere`)).status).toBe(404);
  });

  it("rejects a missing or wrong secret with 401 before reading the body, and writes nothing", async () => {
    await start(await seedWorld(engine, vendor.server));
    await sendFirstStep(w);
    const reply = w.mock.receiveEmailReply({ trackingOrEmailId: w.lastTrackingId(), text: "Interested!" });
    const variants: Record<string, string>[] = [
      {},
      { [HEADER]: "wrong" },
      { [HEADER]: SECRET.slice(0, -1) },
      { [HEADER]: `${SECRET}x` },
      { "x-unipile-secret": SECRET },
    ];
    for (const headers of variants) {
      const res = await post(reply, headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/unauthorized/);
    }
    // Even a body that would be rejected for its size or shape is not looked at without the secret.
    expect((await post("{not json", {})).status).toBe(401);
    expect(await inboxCount()).toBe(0);
    await drainer.idle();
    expect((await jane()).replied).toBe(false);
    // The secret never appears in the logs, not even the wrong one we were sent.
    const all = log.lines.join("\n");
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(SECRET.slice(0, -1));
    expect(log.parsed().filter((l) => l.msg === "webhook rejected: secret header missing or wrong")).toHaveLength(6);
  });

  it("rejects an oversized body with 413 (declared or streamed) and writes nothing", async () => {
    await start(await seedWorld(engine, vendor.server), { maxBodyBytes: 2048 });
    await sendFirstStep(w);
    const big = w.mock.receiveEmailReply({ trackingOrEmailId: w.lastTrackingId(), text: "x".repeat(5000) });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/larger than 2048 bytes/);
    // Without a Content-Length (chunked), the limit is counted while reading.
    const text = JSON.stringify(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512));
        controller.close();
      },
    });
    const chunked = await fetch(`${srv.url}/webhooks/unipile`, {
      method: "POST",
      headers: { [HEADER]: SECRET, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await inboxCount()).toBe(0);
  });

  it("rejects malformed JSON and unknown shapes with 400 naming the problem, and writes nothing", async () => {
    await start(await seedWorld(engine, vendor.server));
    const cases: [unknown, RegExp][] = [
      ['{"event": "message_received"', /malformed JSON/],
      ["", /malformed JSON/],
      [[1, 2, 3], /expected a JSON object/],
      [{ hello: "world" }, /missing `event`/],
      [{ event: "payment_succeeded" }, /unknown event "payment_succeeded"/],
      [{ event: "message_received", account_id: "a", message_id: "m", timestamp: "t", sender: {} }, /chat_id/],
      [{ event: "mail_opened", account_id: "a", date: "d" }, /event_id/],
    ];
    for (const [body, problem] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(problem);
    }
    expect(await inboxCount()).toBe(0);
  });

  it("the same reply delivered five times concurrently is stored once and stops the sequence once", async () => {
    await start(await seedWorld(engine, vendor.server));
    await sendFirstStep(w);
    w.advance(3 * DAY);
    expect((await w.plan()).planned).toBe(1);
    const reply = w.mock.receiveEmailReply({ trackingOrEmailId: w.lastTrackingId(), text: "Sounds interesting, let's talk next week." });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(reply)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ stored: boolean; duplicate: boolean }>));
    expect(bodies.filter((b) => b.stored)).toHaveLength(1);
    expect(bodies.filter((b) => b.duplicate)).toHaveLength(4);
    await drainer.idle();
    expect(await inboxCount()).toBe(1);
    expect(await jane()).toMatchObject({ replied: true, status: "replied", reply_sentiment: "positive" });
    const replied = await w.db.selectFrom("message_events").select("id").where("event_type", "=", "replied").execute();
    expect(replied).toHaveLength(1);
    const followUp = await w.db.selectFrom("send_queue").select("status").where("sequence_step", "=", 2).executeTakeFirstOrThrow();
    expect(followUp.status).toBe("cancelled");
    expect(
      (await w.db.selectFrom("accounts").select("total_replies").where("id", "=", w.emailAccountId).executeTakeFirstOrThrow())
        .total_replies,
    ).toBe(1);
    // One structured line per delivery, none with the payload's text or the secret.
    const lines = log.parsed().filter((l) => String(l.msg).startsWith("webhook") && l.eventType === "email_received");
    expect(lines.map((l) => l.stored).sort()).toEqual([false, false, false, false, true]);
    expect(log.lines.join("\n")).not.toContain(SECRET);
  });

  it("tolerates order: a reply and an open that arrive before our send was recorded are applied once it is", async () => {
    await start(await seedWorld(engine, vendor.server));
    await w.plan();
    w.advance(30 * 60_000);
    // The runner dies after the provider call: the email left, nothing recorded.
    const { RunnerCrash } = await import("@offerlab/scheduler");
    await expect(
      w.send({
        crashAt: (p) => {
          if (p === "after_call") throw new RunnerCrash(p);
        },
      }),
    ).rejects.toThrow(/simulated runner crash/);
    const trackingId = w.lastTrackingId();
    w.advance(60_000);
    expect((await post(w.mock.receiveEmailReply({ trackingOrEmailId: trackingId, text: "Yes, interested." }))).status).toBe(200);
    w.advance(1_000);
    expect((await post(w.mock.trackingEvent(trackingId, "mail_opened"))).status).toBe(200);
    await drainer.idle();
    const pending = await w.db.selectFrom("webhook_inbox").select(["event_type", "status"]).orderBy("received_at").execute();
    expect(pending).toEqual([
      { event_type: "email_received", status: "pending" },
      { event_type: "email_opened", status: "pending" },
    ]);
    expect((await jane()).replied).toBe(false);
    // The reaper and the reconciler record the send; the next drain (a later delivery, or the
    // cron's inbox job) applies both.
    w.advance(3 * 60_000);
    expect((await w.send()).reconciled.sent).toBe(1);
    w.advance(60_000);
    drainer.kick();
    await drainer.idle();
    expect(await jane()).toMatchObject({ replied: true, opened: true });
    const statuses = await w.db.selectFrom("webhook_inbox").select("status").execute();
    expect(statuses.map((s) => s.status)).toEqual(["processed", "processed"]);
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(1);
  });

  it("applies every email event type: mail sent, open, click, out-of-office, unsubscribe and bounce", async () => {
    await start(await seedWorld(engine, vendor.server));
    await sendFirstStep(w);
    const trackingId = w.lastTrackingId();
    const email = w.mock.state.emails.find((e) => e.tracking_id === trackingId)!;
    const deliver = async (payload: Record<string, unknown>) => {
      w.advance(1_000);
      expect((await post(payload)).status).toBe(200);
      await drainer.idle();
    };

    await deliver(w.mock.mailSentEvent(trackingId));
    expect((await jane()).email_thread_ref).toBe(email.id);
    await deliver(w.mock.trackingEvent(trackingId, "mail_opened"));
    await deliver(w.mock.trackingEvent(trackingId, "mail_link_clicked", "https://acme.example/pricing"));
    expect(await jane()).toMatchObject({ opened: true, clicked: true });

    await deliver(
      w.mock.receiveEmailReply({
        trackingOrEmailId: trackingId,
        text: "I'm out of the office until March 20, back then.",
        subject: "Out of office: Ramp time at Acme",
      }),
    );
    const paused = await jane();
    expect(paused.replied).toBe(false);
    expect(paused.paused_until?.toISOString()).toBe("2026-03-20T00:00:00.000Z");

    await deliver(w.mock.receiveEmailReply({ trackingOrEmailId: trackingId, text: "Unsubscribe me please, stop emailing me." }));
    expect(await jane()).toMatchObject({ status: "unsubscribed" });
    const person = await w.db
      .selectFrom("contacts")
      .select(["global_status", "eligible_for_outreach"])
      .where("id", "=", w.janeId)
      .executeTakeFirstOrThrow();
    expect(person).toEqual({ global_status: "do_not_contact", eligible_for_outreach: false });

    await deliver(
      w.mock.receiveEmailReply({
        trackingOrEmailId: trackingId,
        from: "mailer-daemon@googlemail.com",
        subject: "Delivery Status Notification (Failure)",
        text: "Address not found: jane.doe@acme.com",
      }),
    );
    const contact = await w.db
      .selectFrom("contacts")
      .select(["status", "email_status"])
      .where("id", "=", w.janeId)
      .executeTakeFirstOrThrow();
    expect(contact.email_status).toBe("invalid");
    expect(
      (await w.db.selectFrom("accounts").select("total_bounced").where("id", "=", w.emailAccountId).executeTakeFirstOrThrow())
        .total_bounced,
    ).toBe(1);

    const types = await w.db
      .selectFrom("message_events")
      .select("event_type")
      .where("event_type", "<>", "sent")
      .orderBy("created_at")
      .execute();
    expect(types.map((t) => t.event_type).sort()).toEqual(["bounced", "clicked", "opened", "replied", "replied", "unsubscribed"]);
    const rows = await w.db.selectFrom("webhook_inbox").select("status").execute();
    expect(rows.every((r) => r.status === "processed")).toBe(true);
  });

  it("applies LinkedIn and account events: accepted invitation, our own note echoed back, a reply, an account status change", async () => {
    await start(await seedWorld(engine, vendor.server, linkedinSteps));
    await sendFirstStep(w);
    w.advance(2 * DAY);
    const { newRelation, noteEcho } = w.mock.acceptInvitation(w.mock.state.invitations[0]!.id);
    expect((await post(newRelation)).status).toBe(200);
    expect((await post(noteEcho!)).status).toBe(200);
    await drainer.idle();
    const cc = await jane();
    expect(cc.connected_at?.getTime()).toBe(w.clock.now.getTime());
    expect(cc.next_step_at?.getTime()).toBe(w.clock.now.getTime());
    expect(cc.replied).toBe(false); // our note, echoed back, is not a reply
    expect(
      (await w.db.selectFrom("contacts").select("connection_degree").where("id", "=", w.janeId).executeTakeFirstOrThrow())
        .connection_degree,
    ).toBe(1);
    expect((await w.plan()).planned).toBe(1); // the `connected` step is due now

    w.advance(60_000);
    expect(
      (
        await post(
          w.mock.receiveMessage({
            accountId: w.vendorLinkedIn,
            fromProviderId: "ACoAAAEkwwAB9KEc2TrQgOLE",
            text: "Sure, tell me more about it.",
          }),
        )
      ).status,
    ).toBe(200);
    await drainer.idle();
    expect(await jane()).toMatchObject({ replied: true, status: "replied" });
    expect((await w.db.selectFrom("send_queue").select("status").where("sequence_step", "=", 2).executeTakeFirstOrThrow()).status).toBe(
      "cancelled",
    );

    expect((await post(w.mock.setAccountStatus(w.vendorLinkedIn, "CREDENTIALS"))).status).toBe(200);
    await drainer.idle();
    expect(
      (await w.db.selectFrom("accounts").select("status").where("id", "=", w.linkedinAccountId).executeTakeFirstOrThrow()).status,
    ).toBe("disconnected");
  });

  it("answers 500 when the database is gone (Unipile retries) and /readyz says so", async () => {
    await start(await seedWorld(engine, vendor.server));
    await sendFirstStep(w);
    const payload = w.mock.trackingEvent(w.lastTrackingId(), "mail_opened");
    await drainer.stop();
    await w.t.drop();
    const res = await post(payload);
    expect(res.status).toBe(500);
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(503);
    expect(log.parsed().some((l) => l.msg === "request failed")).toBe(true);
    // Dropped already: the afterEach drop must not fail.
    w = { ...w, t: { ...w.t, drop: async () => {} } };
  });
});
