import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonb } from "./jsonb.js";
import { accounts, campaignContacts, campaigns, companies, contacts, offers, toolUsage } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";
import { dbFunctions, views } from "./views.js";

describe.each(testEngines())("views and functions on %s", (engine) => {
  let t: TestDb;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
    ids.offer = offer.id;
    const acme = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "exa", fit_score: 8 }))
      .company;
    const globex = (
      await companies.upsert(db, { offer_id: offer.id, name: "Globex", domain: "globex.io", source_tool: "exa", fit_score: 5 })
    ).company;
    ids.acme = acme.id;
    const base = { offer_id: offer.id, source_tool: "manual", status: "ready" as const };
    ids.ready = (
      await contacts.upsert(db, { ...base, company_id: acme.id, full_name: "Ready Person", email: "ready@acme.com", connection_degree: 2 })
    ).contact.id;
    ids.first = (
      await contacts.upsert(db, { ...base, company_id: acme.id, full_name: "First Degree", email: "first@acme.com", connection_degree: 1 })
    ).contact.id;
    ids.contacted = (
      await contacts.upsert(db, {
        ...base,
        company_id: globex.id,
        full_name: "Already Contacted",
        email: "done@globex.io",
        already_contacted: true,
      })
    ).contact.id;
    ids.dnc = (
      await contacts.upsert(db, {
        ...base,
        company_id: globex.id,
        full_name: "Do Not Contact",
        email: "dnc@globex.io",
        global_status: "do_not_contact",
      })
    ).contact.id;
    ids.skipped = (
      await contacts.upsert(db, { ...base, company_id: globex.id, full_name: "Skipped", email: "skip@globex.io", skip_reason: "no_email" })
    ).contact.id;

    ids.li = (await accounts.create(db, { name: "li", type: "linkedin", owner: "mike", daily_limit_connections: 2 })).id;
    ids.mail = (
      await accounts.create(db, { name: "mail", type: "email", owner: "mike", email_address: "m@x.com", daily_limit_emails: 1 })
    ).id;
    ids.sick = (await accounts.create(db, { name: "sick", type: "email", owner: "eve", email_address: "s@x.com", health_score: 20 })).id;

    ids.campA = (
      await campaigns.create(db, { name: "A", offer_id: offer.id, channel: "email", account_id: ids.mail, campaign_slug: "a" })
    ).id;
    ids.campB = (
      await campaigns.create(db, { name: "B", offer_id: offer.id, channel: "email", account_id: ids.mail, campaign_slug: "b" })
    ).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("contacts_ready excludes 1st-degree, already contacted, do-not-contact and skipped people", async () => {
    const rows = await views.contactsReady(t.db, { offerId: ids.offer });
    expect(rows.map((r) => r.full_name)).toEqual(["Ready Person"]);
    expect(rows[0]?.company_name).toBe("Acme");
    // The spec's key query, with a real id.
    const { rows: raw } = await sql<{ id: string }>`SELECT * FROM contacts_ready WHERE offer_id = ${ids.offer}`.execute(t.db);
    expect(raw.map((r) => r.id)).toEqual([ids.ready]);
  });

  it("account_health.can_send follows type, limits, status and the health floor", async () => {
    const health = async () => Object.fromEntries((await views.accountHealth(t.db)).map((r) => [r.name, r.can_send]));
    expect(await health()).toEqual({ li: true, mail: true, sick: false });
    await dbFunctions.incrementAccountCounter(t.db, ids.mail!, "email");
    expect((await health()).mail).toBe(false);
    await dbFunctions.incrementAccountCounter(t.db, ids.li!, "connection_request");
    await dbFunctions.incrementAccountCounter(t.db, ids.li!, "connection_request");
    expect((await health()).li).toBe(false);
    const cap = Object.fromEntries((await views.accountCapacity(t.db)).map((r) => [r.name, r]));
    expect(cap.li?.connections_remaining).toBe(0);
    expect(cap.mail?.emails_remaining).toBe(0);
    await dbFunctions.resetDailyCounters(t.db);
    expect(await health()).toEqual({ li: true, mail: true, sick: false });
  });

  it("can_account_send refuses unknown accounts and unhealthy ones, counts inmail as a message, rejects unknown types", async () => {
    expect(await dbFunctions.canAccountSend(t.db, "00000000-0000-4000-8000-00000000dead", "email")).toBe(false);
    expect(await dbFunctions.canAccountSend(t.db, ids.sick!, "email")).toBe(false);
    expect(await dbFunctions.canAccountSend(t.db, ids.mail!, "email")).toBe(true);
    await t.db.updateTable("accounts").set({ daily_limit_messages: 1 }).where("id", "=", ids.li!).execute();
    expect(await dbFunctions.canAccountSend(t.db, ids.li!, "inmail")).toBe(true);
    await dbFunctions.incrementAccountCounter(t.db, ids.li!, "inmail");
    expect(await dbFunctions.canAccountSend(t.db, ids.li!, "message")).toBe(false);
    const row = await t.db
      .selectFrom("accounts")
      .select(["today_messages", "total_sent"])
      .where("id", "=", ids.li!)
      .executeTakeFirstOrThrow();
    expect(row.today_messages).toBe(1);
    await expect(sql`SELECT can_account_send(${ids.li}::uuid, 'fax')`.execute(t.db)).rejects.toThrow(/unknown action type/);
    await expect(sql`SELECT increment_account_counter(${ids.li}::uuid, 'fax')`.execute(t.db)).rejects.toThrow(/unknown action type/);
    await dbFunctions.resetDailyCounters(t.db);
  });

  it("update_campaign_metrics and campaign_performance compute the rates per person, not per message", async () => {
    const cc1 = (await campaignContacts.add(t.db, { campaign_id: ids.campA!, contact_id: ids.ready! })).campaignContact;
    const cc2 = (await campaignContacts.add(t.db, { campaign_id: ids.campA!, contact_id: ids.first! })).campaignContact;
    // Planned, then stopped before anything left: not a person contacted.
    const cc3 = (await campaignContacts.add(t.db, { campaign_id: ids.campA!, contact_id: ids.contacted! })).campaignContact;
    await t.db
      .updateTable("campaign_contacts")
      .set({ status: "replied", replied: true, reply_sentiment: "positive", meeting_booked: true, opened: true, clicked: true })
      .where("id", "=", cc1.id)
      .execute();
    await t.db.updateTable("campaign_contacts").set({ status: "bounced" }).where("id", "=", cc2.id).execute();
    await t.db.updateTable("campaign_contacts").set({ status: "failed" }).where("id", "=", cc3.id).execute();
    // Two steps to cc1, one email to cc2 that bounced; cc3's planned email never left.
    const sends: { cc: typeof cc1; step: number; status: "sent" | "bounced" | "failed"; sent: boolean }[] = [
      { cc: cc1, step: 1, status: "sent", sent: true },
      { cc: cc1, step: 2, status: "sent", sent: true },
      { cc: cc2, step: 1, status: "bounced", sent: true },
      { cc: cc3, step: 1, status: "failed", sent: false },
    ];
    for (const m of sends) {
      await t.db
        .insertInto("messages")
        .values({
          campaign_contact_id: m.cc.id,
          campaign_id: ids.campA!,
          contact_id: m.cc.contact_id,
          account_id: ids.mail!,
          channel: "email",
          action_type: "email",
          sequence_step: m.step,
          body: "hello",
          status: m.status,
          sent_at: m.sent ? new Date() : null,
        })
        .execute();
    }
    await dbFunctions.updateCampaignMetrics(t.db, ids.campA!);
    const [perf] = await views.campaignPerformance(t.db, { offerId: ids.offer }).then((r) => r.filter((x) => x.id === ids.campA));
    expect(perf).toMatchObject({
      total_contacts: 3,
      contacts_sent: 2,
      total_sent: 3,
      total_delivered: 2,
      total_opened: 1,
      total_clicked: 1,
      total_replied: 1,
      total_positive_replies: 1,
      total_meetings: 1,
      reply_rate: 50,
      // Per message this was 1 reply / 3 messages = 33.33.
      current_reply_rate: 50,
      positive_rate: 100,
      positive_reply_rate: 100,
      meeting_rate: 50,
      current_meeting_rate: 50,
      // 1 of the 2 people emailed opened.
      open_rate: 50,
      offer_name: "Coach",
    });
    expect(perf?.rate_denominator).toContain("per person contacted (contacts_sent)");
    // The spec's key query, with a real id.
    const { rows } = await sql<{ id: string }>`SELECT * FROM campaign_performance WHERE offer_id = ${ids.offer}`.execute(t.db);
    expect(rows).toHaveLength(2);
  });

  it("offer_dashboard counts without multiplying sums across joins", async () => {
    const [row] = await views.offerDashboard(t.db, { offerId: ids.offer });
    expect(row).toMatchObject({
      company_count: 2,
      contact_count: 5,
      campaign_count: 2,
      campaigns_total_sent: 3,
      campaigns_total_replies: 1,
    });
  });

  it("leads_for_review pairs a pending send with its own campaign only; todays_schedule and activity_feed list it", async () => {
    await campaignContacts.add(t.db, { campaign_id: ids.campB!, contact_id: ids.ready! });
    const sq = await t.db
      .insertInto("send_queue")
      .values({
        campaign_id: ids.campB!,
        contact_id: ids.ready!,
        account_id: ids.mail!,
        channel: "email",
        body: "hi",
        scheduled_for: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const rows = (await views.leadsForReview(t.db)).filter((r) => r.contact_id === ids.ready);
    expect(rows).toHaveLength(2);
    const byCampaign = Object.fromEntries(rows.map((r) => [r.campaign_name, r.queue_id]));
    expect(byCampaign).toEqual({ A: null, B: sq.id });

    const today = await views.todaysSchedule(t.db);
    expect(today.map((r) => r.id)).toContain(sq.id);
    const { rows: spec } = await sql<{ id: string }>`SELECT * FROM todays_schedule LIMIT 20`.execute(t.db);
    expect(spec.map((r) => r.id)).toContain(sq.id);
    const feed = await views.activityFeed(t.db);
    expect(feed.find((f) => f.item_id === sq.id)?.activity_type).toBe("scheduled");
  });

  it("activity_feed merges queue rows and history newest first, with the history's own address before the contact's", async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const sq = await t.db
      .insertInto("send_queue")
      .values({
        campaign_id: ids.campA!,
        contact_id: ids.first!,
        account_id: ids.mail!,
        channel: "email",
        body: "q",
        scheduled_for: at(-30),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const own = await t.db
      .insertInto("outreach_history")
      .values({
        contact_email: "old-address@acme.com",
        contact_id: ids.first!,
        campaign_id: ids.campA!,
        account_id: ids.mail!,
        channel: "email",
        sent_at: at(5),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const fallback = await t.db
      .insertInto("outreach_history")
      .values({
        contact_id: ids.first!,
        campaign_id: ids.campA!,
        account_id: ids.mail!,
        channel: "linkedin_dm",
        sent_at: at(10),
      })
      .returning("id")
      .executeTakeFirstOrThrow();

    const feed = await views.activityFeed(t.db, { since: at(60) });
    const mine = feed.filter((f) => [sq.id, own.id, fallback.id].includes(f.item_id!));
    expect(mine.map((f) => [f.item_id, f.activity_type, f.contact_email, f.contact_name, f.campaign_name, f.account_name])).toEqual([
      [sq.id, "scheduled", "first@acme.com", "First Degree", "A", "mail"],
      [own.id, "sent", "old-address@acme.com", "First Degree", "A", "mail"],
      [fallback.id, "sent", "first@acme.com", "First Degree", "A", "mail"],
    ]);
    // Newest first across both tables, and `since` keeps only what is recent.
    const times = feed.map((f) => new Date(f.occurred_at!).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(feed.every((f) => new Date(f.occurred_at!).getTime() >= at(60).getTime())).toBe(true);
    await t.db.deleteFrom("outreach_history").where("id", "in", [own.id, fallback.id]).execute();
    await t.db.deleteFrom("send_queue").where("id", "=", sq.id).execute();
  });

  it("activity_feed lists a send once: the queue row of a sent message gives way to its history row", async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const queued = (status: "sent" | "pending", minutesAgo: number) =>
      t.db
        .insertInto("send_queue")
        .values({
          campaign_id: ids.campA!,
          contact_id: ids.first!,
          account_id: ids.mail!,
          channel: "email",
          body: "q",
          status,
          scheduled_for: at(minutesAgo),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const sentRow = await queued("sent", 3);
    const waiting = await queued("pending", -20);
    const history = await t.db
      .insertInto("outreach_history")
      .values({
        send_queue_id: sentRow.id,
        contact_id: ids.first!,
        campaign_id: ids.campA!,
        account_id: ids.mail!,
        channel: "email",
        sent_at: at(2),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const mine = (feed: { item_id: string | null; activity_type: string | null }[]) =>
      feed.filter((f) => [sentRow.id, waiting.id, history.id].includes(f.item_id!)).map((f) => [f.activity_type, f.item_id]);
    expect(mine(await views.activityFeed(t.db, { since: at(60) }))).toEqual([
      ["scheduled", waiting.id],
      ["sent", history.id],
    ]);
    // The view itself still has both rows of the send.
    expect(mine(await views.activityFeed(t.db, { since: at(60), everyQueueRow: true }))).toEqual([
      ["scheduled", waiting.id],
      ["sent", history.id],
      ["scheduled", sentRow.id],
    ]);
    await t.db.deleteFrom("outreach_history").where("id", "=", history.id).execute();
    await t.db.deleteFrom("send_queue").where("id", "in", [sentRow.id, waiting.id]).execute();
  });

  it("activity_feed orders what happened at one instant by natural keys, not row ids (two runs of one sandbox seed read the same)", async () => {
    const at = new Date(Date.now() - 7 * 60_000);
    // Written in reverse order of the people's addresses, with ids in that same reverse order.
    const people = [
      ["c0000000-0000-4000-8000-000000000001", ids.ready!, "ready@acme.com"],
      ["c0000000-0000-4000-8000-000000000002", ids.first!, "first@acme.com"],
      ["c0000000-0000-4000-8000-000000000003", ids.contacted!, "done@globex.io"],
      ["c0000000-0000-4000-8000-000000000004", ids.dnc!, "dnc@globex.io"],
    ] as const;
    for (const [id, contactId, email] of people) {
      await t.db
        .insertInto("outreach_history")
        .values({
          id,
          contact_email: email,
          contact_id: contactId,
          campaign_id: ids.campA!,
          account_id: ids.mail!,
          channel: "email",
          sent_at: at,
        })
        .execute();
    }
    const feed = await views.activityFeed(t.db, { since: new Date(at.getTime() - 1) });
    expect(feed.filter((f) => f.item_id?.startsWith("c0000000-")).map((f) => f.contact_email)).toEqual([
      "dnc@globex.io",
      "done@globex.io",
      "first@acme.com",
      "ready@acme.com",
    ]);
    await t.db
      .deleteFrom("outreach_history")
      .where(
        "id",
        "in",
        people.map((p) => p[0]),
      )
      .execute();
  });

  it("todays_queue and daily_account_message_volume read messages", async () => {
    const cc = (await campaignContacts.add(t.db, { campaign_id: ids.campB!, contact_id: ids.first! })).campaignContact;
    await t.db
      .insertInto("messages")
      .values({
        campaign_contact_id: cc.id,
        campaign_id: ids.campB!,
        contact_id: ids.first!,
        account_id: ids.mail!,
        channel: "email",
        sequence_step: 1,
        body: "pending",
        scheduled_at: new Date(Date.now() - 1000),
      })
      .execute();
    const q = await views.todaysQueue(t.db);
    expect(q.map((r) => r.body)).toEqual(["pending"]);
    expect(q[0]?.account_can_send).toBe(true);
    const vol = await views.dailyAccountMessageVolume(t.db, { accountId: ids.mail });
    const total = vol.reduce((s, r) => s + Number(r.sent) + Number(r.pending), 0);
    expect(total).toBe(3);
  });

  it("the spec's remaining key queries run with real ids", async () => {
    const { rows: health } = await sql`SELECT * FROM account_health`.execute(t.db);
    expect(health).toHaveLength(3);
    await t.db.updateTable("contacts").set({ linkedin_url: "https://www.linkedin.com/in/done" }).where("id", "=", ids.contacted!).execute();
    const { rows: seen } = await sql<{ id: string }>`
      SELECT * FROM contacts WHERE linkedin_url = 'https://www.linkedin.com/in/done' AND already_contacted = TRUE`.execute(t.db);
    expect(seen.map((r) => r.id)).toEqual([ids.contacted]);
    await toolUsage.record(t.db, { tool: "exa", action: "search", status: "success", credits: 3, durationMs: 100 });
    await toolUsage.record(t.db, { tool: "exa", action: "search", status: "success", credits: 1, durationMs: 300 });
    const stats = await views.toolUsageStats(t.db);
    expect(stats).toEqual([{ name: "exa", total_calls: 2, total_credits: 4, avg_duration: 200 }]);
  });

  it("deleting an offer keeps the outreach history the 60-day rule needs", async () => {
    const offer = await offers.create(t.db, { name: "Doomed", type: "service", ownership: "internal", description: "d" });
    const company = (await companies.upsert(t.db, { offer_id: offer.id, name: "D", domain: "d.com", source_tool: "m" })).company;
    const contact = (await contacts.upsert(t.db, { offer_id: offer.id, company_id: company.id, source_tool: "m", email: "p@d.com" }))
      .contact;
    const campaign = await campaigns.create(t.db, { name: "D", offer_id: offer.id, channel: "email" });
    const cc = (await campaignContacts.add(t.db, { campaign_id: campaign.id, contact_id: contact.id })).campaignContact;
    const sq = await t.db
      .insertInto("send_queue")
      .values({
        campaign_id: campaign.id,
        campaign_contact_id: cc.id,
        contact_id: contact.id,
        account_id: ids.mail!,
        channel: "email",
        body: "b",
        scheduled_for: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const msg = await t.db
      .insertInto("messages")
      .values({
        campaign_contact_id: cc.id,
        campaign_id: campaign.id,
        contact_id: contact.id,
        account_id: ids.mail!,
        send_queue_id: sq.id,
        channel: "email",
        sequence_step: 1,
        body: "b",
        status: "sent",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto("message_events")
      .values({ send_queue_id: sq.id, contact_id: contact.id, campaign_id: campaign.id, event_type: "sent", event_data: jsonb({ a: 1 }) })
      .execute();
    await t.db
      .insertInto("account_activity")
      .values({ account_id: ids.mail!, message_id: msg.id, contact_id: contact.id, action_type: "email", status: "success" })
      .execute();
    await t.db
      .insertInto("outreach_history")
      .values({
        contact_email: "p@d.com",
        contact_id: contact.id,
        campaign_id: campaign.id,
        offer_id: offer.id,
        account_id: ids.mail!,
        send_queue_id: sq.id,
        channel: "email",
      })
      .execute();
    await toolUsage.record(t.db, { tool: "exa", action: "search", status: "success", offerId: offer.id, contactId: contact.id });

    await t.db.deleteFrom("offers").where("id", "=", offer.id).execute();
    const history = await t.db.selectFrom("outreach_history").selectAll().where("contact_email", "=", "p@d.com").execute();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ contact_id: null, offer_id: null, campaign_id: null, send_queue_id: null });
    const activity = await t.db.selectFrom("account_activity").selectAll().where("account_id", "=", ids.mail!).execute();
    expect(activity.some((a) => a.message_id === null && a.contact_id === null)).toBe(true);
  });

  it("todays_queue lists what the planner queued and is due, by the queue row's time", async () => {
    const box = (
      await accounts.create(t.db, { name: "queue box", type: "email", owner: "qa", email_address: "q@x.com", unipile_account_id: "u-q" })
    ).id;
    const cc = (await campaignContacts.add(t.db, { campaign_id: ids.campA!, contact_id: ids.ready! })).campaignContact;
    const minuteAgo = new Date(Date.now() - 60_000);
    // As the planner writes them (runtime/plan.ts): the queue row with its default status
    // ('pending') and the message 'queued'. Step 2's row was since deferred to tomorrow by the
    // send path, which moves only send_queue.scheduled_for.
    const plan = async (step: number, scheduledFor: Date, status: "queued" | "sending" | "sent") => {
      const sq = await t.db
        .insertInto("send_queue")
        .values({
          campaign_id: ids.campA!,
          campaign_contact_id: cc.id,
          contact_id: ids.ready!,
          account_id: box,
          channel: "email",
          action_type: "email",
          sequence_step: step,
          subject: "s",
          body: `step ${step}`,
          scheduled_for: scheduledFor,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto("messages")
        .values({
          campaign_contact_id: cc.id,
          campaign_id: ids.campA!,
          contact_id: ids.ready!,
          account_id: box,
          send_queue_id: sq.id,
          channel: "email",
          action_type: "email",
          sequence_step: step,
          subject: "s",
          body: `step ${step}`,
          status,
          scheduled_at: minuteAgo,
        })
        .execute();
    };
    await plan(1, minuteAgo, "queued");
    await plan(2, new Date(Date.now() + 86_400_000), "queued");
    await plan(3, minuteAgo, "sending");
    await plan(4, minuteAgo, "sent");
    const q = (await views.todaysQueue(t.db)).filter((r) => r.account_id === box);
    expect(q.map((r) => [r.body, r.status])).toEqual([["step 1", "queued"]]);
    expect(q[0]?.due_at).toEqual(minuteAgo);
  });
});
