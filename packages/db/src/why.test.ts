import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonb } from "./jsonb.js";
import { accounts, campaignContacts, campaigns, companies, contacts, offers } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";
import { personHistory } from "./why.js";

const t0 = new Date("2026-03-02T09:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

describe.each(testEngines())("personHistory on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const a = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
    const b = await offers.create(db, { name: "Audit", type: "service", ownership: "internal", description: "d" });
    const ca = (await companies.upsert(db, { offer_id: a.id, name: "Acme", domain: "acme.com", source_tool: "m" })).company;
    const cb = (await companies.upsert(db, { offer_id: b.id, name: "Acme", domain: "acme.com", source_tool: "m" })).company;
    const jane = (
      await contacts.upsert(db, {
        offer_id: a.id,
        company_id: ca.id,
        source_tool: "m",
        full_name: "Jane Doe",
        email: "jane@acme.com",
        created_at: at(0),
      })
    ).contact;
    // The same person in another offer, known only by LinkedIn URL there.
    const janeB = (
      await contacts.upsert(db, {
        offer_id: b.id,
        company_id: cb.id,
        source_tool: "m",
        full_name: "Jane D.",
        email: "jane@acme.com",
        linkedin_url: "https://linkedin.com/in/jane-doe",
        created_at: at(1),
      })
    ).contact;
    await contacts.upsert(db, { offer_id: a.id, company_id: ca.id, source_tool: "m", full_name: "Someone Else", email: "else@acme.com" });
    const mail = await accounts.create(db, { name: "ann@offerlab.dev", type: "email", owner: "ann", email_address: "ann@offerlab.dev" });
    const camp = await campaigns.create(db, {
      name: "Hiring",
      offer_id: a.id,
      channel: "email",
      status: "active",
      campaign_slug: "hiring",
    });
    const cc = (await campaignContacts.add(db, { campaign_id: camp.id, contact_id: jane.id, added_at: at(5) })).campaignContact;
    // Step 1 sent, step 2 waiting on the daily cap, step 3 skipped.
    const q1 = await db
      .insertInto("send_queue")
      .values({
        campaign_id: camp.id,
        campaign_contact_id: cc.id,
        contact_id: jane.id,
        account_id: mail.id,
        channel: "email",
        action_type: "email",
        sequence_step: 1,
        subject: "Hi",
        body: "Hello",
        scheduled_for: at(10),
        status: "sent",
        sent_at: at(11),
        created_at: at(6),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("messages")
      .values({
        campaign_contact_id: cc.id,
        campaign_id: camp.id,
        contact_id: jane.id,
        account_id: mail.id,
        send_queue_id: q1.id,
        channel: "email",
        sequence_step: 1,
        subject: "Hi",
        body: "Hello",
        status: "sent",
        sent_at: at(11),
        created_at: at(6),
      })
      .execute();
    await db
      .insertInto("send_attempts")
      .values({
        send_queue_id: q1.id,
        account_id: mail.id,
        action_type: "email",
        runner_id: "r1",
        status: "unknown",
        usage_day: t0,
        usage_hour: t0,
        lease_until: at(12),
        started_at: at(10),
        finished_at: at(10.5),
        error_kind: "transient",
        error_message: "timeout",
      })
      .execute();
    await db
      .insertInto("send_attempts")
      .values({
        send_queue_id: q1.id,
        account_id: mail.id,
        action_type: "email",
        runner_id: "r1",
        status: "sent",
        usage_day: t0,
        usage_hour: t0,
        lease_until: at(13),
        started_at: at(11),
        finished_at: at(11),
      })
      .execute();
    await db
      .insertInto("outreach_history")
      .values({
        contact_email: "jane@acme.com",
        contact_id: jane.id,
        campaign_id: camp.id,
        offer_id: a.id,
        account_id: mail.id,
        send_queue_id: q1.id,
        channel: "email",
        message_subject: "Hi",
        sent_at: at(11),
      })
      .execute();
    await db
      .insertInto("send_queue")
      .values({
        campaign_id: camp.id,
        campaign_contact_id: cc.id,
        contact_id: jane.id,
        account_id: mail.id,
        channel: "email",
        action_type: "email",
        sequence_step: 2,
        body: "Again",
        scheduled_for: at(3000),
        defer_reason: "daily_cap",
        created_at: at(2000),
        updated_at: at(2001),
      })
      .execute();
    const q3 = await db
      .insertInto("send_queue")
      .values({
        campaign_id: camp.id,
        campaign_contact_id: cc.id,
        contact_id: jane.id,
        account_id: mail.id,
        channel: "email",
        action_type: "email",
        sequence_step: 3,
        body: "Last",
        scheduled_for: at(4000),
        status: "skipped",
        defer_reason: "cooling_off",
        created_at: at(3900),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("message_events")
      .values({
        send_queue_id: q3.id,
        contact_id: jane.id,
        campaign_id: camp.id,
        account_id: mail.id,
        event_type: "skipped",
        event_data: jsonb({ reason: "cooling_off" }),
        created_at: at(4001),
      })
      .execute();
    // An older touch from the other offer, recorded before this contact row existed (history only).
    await db
      .insertInto("outreach_history")
      .values({
        contact_linkedin_url: "https://www.linkedin.com/in/jane-doe",
        offer_id: b.id,
        channel: "linkedin_connect",
        sent_at: at(-1000),
        status: "replied",
        replied_at: at(-900),
      })
      .execute();
    await db
      .insertInto("message_events")
      .values({
        send_queue_id: q1.id,
        contact_id: jane.id,
        campaign_id: camp.id,
        account_id: mail.id,
        event_type: "replied",
        reply_text: "Not now,\nmaybe in Q3.",
        reply_sentiment: "neutral",
        created_at: at(5000),
      })
      .execute();
    void janeB;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("gathers every row of the person across offers, matched by email or LinkedIn URL", async () => {
    const byEmail = (await personHistory(t.db, { email: " JANE@acme.com" }))!;
    expect(byEmail.contacts.map((c) => [c.full_name, c.offer])).toEqual([
      ["Jane Doe", "Coach"],
      ["Jane D.", "Audit"],
    ]);
    const byLinkedIn = (await personHistory(t.db, { linkedinUrl: "linkedin.com/in/Jane-Doe/" }))!;
    expect(byLinkedIn.contacts.map((c) => c.offer)).toEqual(["Audit"]);
    expect(byLinkedIn.outreach.map((o) => o.channel)).toEqual(["linkedin_connect"]);
    expect(await personHistory(t.db, { email: "nobody@acme.com" })).toBeNull();
    expect(await personHistory(t.db, { email: "not an email" })).toBeNull();
  });

  it("lists campaigns, sends with their reasons, attempts, messages, events, history and replies", async () => {
    const h = (await personHistory(t.db, { email: "jane@acme.com", linkedinUrl: "https://www.linkedin.com/in/jane-doe" }))!;
    expect(h.campaigns).toEqual([expect.objectContaining({ campaign: "Hiring", status: "queued", campaign_slug: "hiring" })]);
    expect(h.sends.map((s) => [s.step, s.status, s.defer_reason])).toEqual([
      [1, "sent", null],
      [2, "pending", "daily_cap"],
      [3, "skipped", "cooling_off"],
    ]);
    expect(h.attempts.map((a) => [a.status, a.error_message])).toEqual([
      ["unknown", "timeout"],
      ["sent", null],
    ]);
    expect(h.messages.map((m) => [m.step, m.status, m.account])).toEqual([[1, "sent", "ann@offerlab.dev"]]);
    expect(h.events.map((e) => [e.event_type, e.reason])).toEqual([
      ["skipped", "cooling_off"],
      ["replied", null],
    ]);
    expect(h.outreach.map((o) => o.offer)).toEqual(["Audit", "Coach"]);
    expect(h.replies).toEqual([
      { at: at(5000), campaign: "Hiring", channel: "email", sentiment: "neutral", text: "Not now,\nmaybe in Q3." },
    ]);
    expect(h.lastTouchAt).toEqual(at(11));
  });

  it("tells the story in time order, each entry with its reason code", async () => {
    const h = (await personHistory(t.db, { email: "jane@acme.com", linkedinUrl: "https://www.linkedin.com/in/jane-doe" }))!;
    expect(h.timeline.map((e) => [e.kind, e.step, e.status, e.reason])).toEqual([
      ["outreach", null, "replied", null],
      ["contact_added", null, "new", null],
      ["contact_added", null, "new", null],
      ["enrolled", null, "queued", null],
      ["queued", 1, "queued", null],
      ["attempt", 1, "unknown", null],
      ["sent", 1, "sent", null],
      ["queued", 2, "queued", null],
      ["waiting", 2, "pending", "daily_cap"],
      ["queued", 3, "queued", null],
      ["not_sent", 3, "skipped", "cooling_off"],
      ["replied", null, "neutral", null],
    ]);
    const sorted = [...h.timeline].sort((a, b) => a.at.getTime() - b.at.getTime());
    expect(h.timeline).toEqual(sorted);
    expect(h.timeline.find((e) => e.kind === "replied")!.detail).toBe("Not now, maybe in Q3.");
    expect(h.timeline.find((e) => e.kind === "attempt")!.detail).toBe("from ann@offerlab.dev: transient: timeout");
  });

  it("shows an outcome still being reconciled (checks so far, next check) and one the provider could not tell (outcome_unknown)", async () => {
    const db = t.db;
    const offer = await db.selectFrom("offers").select("id").where("name", "=", "Coach").executeTakeFirstOrThrow();
    const company = await db.selectFrom("companies").select("id").where("offer_id", "=", offer.id).executeTakeFirstOrThrow();
    const mail = await db.selectFrom("accounts").select("id").executeTakeFirstOrThrow();
    const camp = await db.selectFrom("campaigns").select("id").where("name", "=", "Hiring").executeTakeFirstOrThrow();
    const kim = (
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "m",
        full_name: "Kim Lee",
        email: "kim@acme.com",
        created_at: at(0),
      })
    ).contact;
    const cc = (await campaignContacts.add(db, { campaign_id: camp.id, contact_id: kim.id, added_at: at(5) })).campaignContact;
    const row = (step: number, status: "processing" | "failed", defer: string | null) =>
      db
        .insertInto("send_queue")
        .values({
          campaign_id: camp.id,
          campaign_contact_id: cc.id,
          contact_id: kim.id,
          account_id: mail.id,
          channel: "email",
          action_type: "email",
          sequence_step: step,
          body: "Hi",
          scheduled_for: at(10 * step),
          status,
          defer_reason: defer,
          created_at: at(10 * step - 1),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const q1 = await row(1, "failed", "outcome_unknown");
    const q2 = await row(2, "processing", null);
    const attempt = (
      queueId: string,
      status: "undetermined" | "unknown",
      minutes: number,
      checks: number,
      next: Date | null,
      note: string,
    ) =>
      db
        .insertInto("send_attempts")
        .values({
          send_queue_id: queueId,
          account_id: mail.id,
          action_type: "email",
          runner_id: "r1",
          status,
          usage_day: t0,
          usage_hour: t0,
          lease_until: at(minutes + 2),
          started_at: at(minutes),
          ...(status === "undetermined" ? { finished_at: at(minutes + 1440) } : {}),
          error_kind: "unknown_outcome",
          error_message: "500 after the request left",
          reconcile_checks: checks,
          reconcile_note: note,
          next_check_at: next,
        })
        .execute();
    await attempt(q1.id, "undetermined", 10, 29, null, "12 sent emails came back without headers");
    await attempt(q2.id, "unknown", 20, 3, at(35), "provider error");
    const h = (await personHistory(db, { email: "kim@acme.com" }))!;
    expect(h.attempts.map((a) => [a.status, a.reconcile_checks, a.next_check_at])).toEqual([
      ["undetermined", 29, null],
      ["unknown", 3, at(35)],
    ]);
    const stories = h.timeline.filter((e) => e.kind === "attempt").map((e) => [e.step, e.status, e.reason, e.detail]);
    expect(stories).toEqual([
      [
        2,
        "unknown",
        null,
        `from ann@offerlab.dev: unknown_outcome: 500 after the request left: provider error; asked the provider 3 times, next check ${at(35).toISOString()}`,
      ],
      [
        1,
        "undetermined",
        "outcome_unknown",
        "from ann@offerlab.dev: unknown_outcome: 500 after the request left: 12 sent emails came back without headers; asked the provider 29 times",
      ],
    ]);
  });
});
