/**
 * The planner end to end with the send path: sequences from scheduling_config become rendered
 * queue rows, step by step, with sticky senders, conditions and stop-on-reply, against the Unipile
 * fake. Runs on PGlite, and on Postgres when TEST_DATABASE_URL is set.
 */
import { accounts, type Db } from "@offerlab/db";
import { testEngines, type TestDb } from "@offerlab/db/testing";
import type { UnipileMock } from "@offerlab/provider-unipile/msw";
import { setupServer } from "msw/node";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { advanceWarming, recomputeAccountHealth, recomputeBooks, syncTodayCounters } from "../books.js";
import { runSendPath } from "../loop.js";
import { DEFAULT_MAX_JITTER_MINUTES, jitteredSendTime } from "../../engine/jitter.js";
import { seededRandomSource } from "../../engine/random.js";
import { windowFromCampaign } from "../../engine/index.js";
import { planDue } from "../plan.js";
import { recordReply } from "../stop-on-reply.js";
import type { Senders } from "../types.js";
import { JANE_TEMPLATES, seedJaneWorld } from "./support.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const DAY = 86_400_000;

interface Setup {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  senders: Senders;
  clock: { now: Date };
  campaignId: string;
  offerId: string;
  linkedinAccountId: string;
  emailAccountId: string;
}

/** Jane's world (support.ts), two hours in the past: the Unipile fake stamps emails with the real clock. */
async function setup(engine: "pglite" | "postgres", steps: unknown[], opts: { templates?: boolean } = {}): Promise<Setup> {
  // Starts two hours in the past: the Unipile fake stamps emails with the real clock, and lookups
  // by date (reconciliation) must see the simulated sends as after their attempts.
  const clock = { now: new Date(Date.now() - 2 * 3_600_000) };
  const w = await seedJaneWorld({
    engine,
    server,
    clock,
    fakeFollowsClock: false,
    campaignName: "Multi",
    steps,
    templates: opts.templates === false ? [] : PLANNER_TEMPLATES,
  });
  return {
    t: w.t,
    db: w.db,
    mock: w.mock,
    senders: w.senders,
    clock,
    campaignId: w.campaignId,
    offerId: w.offerId,
    linkedinAccountId: w.linkedinAccountId,
    emailAccountId: w.emailAccountId,
  };
}

/** Jane's templates with a spintax note, a third email and a draft that must never be used. */
const PLANNER_TEMPLATES: Parameters<typeof seedJaneWorld>[0]["templates"] = [
  {
    name: "note",
    channel: "linkedin_connect",
    sequence_step: null,
    body: "Hi {{first_name}}, {saw|noticed} {{company.name}} is hiring reps.",
    status: "approved",
  },
  ...JANE_TEMPLATES.slice(1),
  { name: "email 3", channel: "email", sequence_step: 3, subject: "", body: "Last note, {{first_name|there}}.", status: "approved" },
  { name: "draft", channel: "email", sequence_step: 1, subject: "DRAFT", body: "never used", status: "draft" },
];

const send = (s: Setup) => runSendPath({ db: s.db, senders: s.senders, now: () => s.clock.now, accountGapMs: { min: 0, max: 0 } });
const plan = (s: Setup) => planDue({ db: s.db, now: () => s.clock.now });
const advance = (s: Setup, ms: number) => (s.clock.now = new Date(s.clock.now.getTime() + ms));

describe.each(testEngines())("planner on %s", (engine) => {
  let s: Setup;
  afterEach(async () => {
    await s?.t.drop();
  });

  it("runs an email sequence step by step from the same mailbox, in the same thread, with approved templates only", async () => {
    s = await setup(engine, [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
    ]);
    expect(await plan(s)).toMatchObject({ planned: 1 });
    expect(await plan(s)).toMatchObject({ planned: 0 }); // nothing twice
    const q1 = await s.db.selectFrom("send_queue").selectAll().executeTakeFirstOrThrow();
    expect(q1).toMatchObject({
      sequence_step: 1,
      channel: "email",
      subject: "Ramp time at Acme",
      body: "Hi Jane, quick question about onboarding.",
    });
    expect(q1.scheduled_for.getUTCSeconds()).not.toBe(0); // jittered off the round minute
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    // The first send to someone at the company marks it contacted, in the send's transaction.
    expect((await s.db.selectFrom("companies").select("status").executeTakeFirstOrThrow()).status).toBe("contacted");

    expect(await plan(s)).toMatchObject({ planned: 0, waiting: { not_due: 1 } });
    advance(s, 3 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 1 });
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    const sent = s.mock.state.emails.filter((e) => e.role === "sent");
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((e) => e.account_id)).size).toBe(1);
    expect(sent[1]!.in_reply_to?.id).toBe(sent[0]!.id);
    expect(sent[1]!.thread_id).toBe(sent[0]!.thread_id);
    expect(sent[1]!.subject).toBe("Re: Ramp time at Acme");

    expect(await plan(s)).toMatchObject({ done: { completed: 1 } });
    const cc = await s.db.selectFrom("campaign_contacts").selectAll().executeTakeFirstOrThrow();
    expect(cc).toMatchObject({ status: "completed", touches: 2, current_step: 2, email_account_id: s.emailAccountId });
    // Its last (only) campaign contact finished: the campaign completed in the same transaction.
    expect((await s.db.selectFrom("campaigns").select("status").where("id", "=", s.campaignId).executeTakeFirstOrThrow()).status).toBe(
      "completed",
    );
    // Each send records the copy it used, on the message and in history (outcomes read it there).
    const templates = await s.db.selectFrom("message_templates").select(["id", "name"]).where("status", "=", "approved").execute();
    const templateId = (name: string) => templates.find((x) => x.name === name)!.id;
    const messages = await s.db
      .selectFrom("messages")
      .select(["sequence_step", "template_id", "variant"])
      .orderBy("sequence_step")
      .execute();
    expect(messages).toEqual([
      { sequence_step: 1, template_id: templateId("email 1"), variant: "email 1" },
      { sequence_step: 2, template_id: templateId("email 2"), variant: "email 2" },
    ]);
    const history = await s.db.selectFrom("outreach_history").select("variant").orderBy("sent_at").execute();
    expect(history.map((h) => h.variant)).toEqual(["email 1", "email 2"]);
  });

  it("gives a new contact the mailbox that still has capacity today (usage read for every account at once)", async () => {
    s = await setup(engine, [{ step: 1, type: "email", delay_days: 0 }]);
    const second = await accounts.create(s.db, {
      name: "joe@offerlab-demo.com",
      type: "email",
      owner: "joe",
      email_address: "joe@offerlab-demo.com",
      unipile_account_id: "JoeMailbox00000000000",
      daily_limit_emails: 40,
    });
    const campaign = await s.db.selectFrom("campaigns").select("account_ids").where("id", "=", s.campaignId).executeTakeFirstOrThrow();
    await s.db
      .updateTable("campaigns")
      .set({ account_ids: JSON.stringify([...(campaign.account_ids ?? []), { id: second.id, name: second.name, type: "email" }]) as never })
      .where("id", "=", s.campaignId)
      .execute();
    // The first mailbox has used its whole day already.
    const first = await s.db
      .selectFrom("accounts")
      .select(["daily_limit_emails"])
      .where("id", "=", s.emailAccountId)
      .executeTakeFirstOrThrow();
    const day = new Date(Date.UTC(s.clock.now.getUTCFullYear(), s.clock.now.getUTCMonth(), s.clock.now.getUTCDate()));
    await s.db
      .insertInto("account_usage")
      .values({ account_id: s.emailAccountId, period: "day", period_start: day, action: "email", used: first.daily_limit_emails })
      .execute();
    expect(await plan(s)).toMatchObject({ planned: 1 });
    const q = await s.db.selectFrom("send_queue").select(["account_id"]).executeTakeFirstOrThrow();
    expect(q.account_id).toBe(second.id);
  });

  it("draws the send time with the sender's own jitter (accounts.send_jitter_minutes), else the default 17 minutes", async () => {
    s = await setup(engine, [{ step: 1, type: "email", delay_days: 0 }]);
    await s.db.updateTable("accounts").set({ send_jitter_minutes: 600 }).where("id", "=", s.emailAccountId).execute();
    expect(await planDue({ db: s.db, now: () => s.clock.now, random: seededRandomSource("jitter") })).toMatchObject({ planned: 1 });
    const q = await s.db.selectFrom("send_queue").select(["scheduled_for", "natural_key"]).executeTakeFirstOrThrow();
    const campaign = await s.db.selectFrom("campaigns").selectAll().where("id", "=", s.campaignId).executeTakeFirstOrThrow();
    // The same draws (the seeded source's stream for this send) with 600 minutes, not with 17.
    const at = (maxJitterMinutes: number) =>
      jitteredSendTime(windowFromCampaign(campaign), s.clock.now, seededRandomSource("jitter").stream(`send|${q.natural_key}`), {
        maxJitterMinutes,
      });
    expect(q.scheduled_for).toEqual(at(600));
    expect(q.scheduled_for).not.toEqual(at(DEFAULT_MAX_JITTER_MINUTES));
    expect(q.scheduled_for.getTime() - s.clock.now.getTime()).toBeLessThan(601 * 60_000);
  });

  it("waits for the invitation to be accepted before the DM, which comes from the inviting account", async () => {
    s = await setup(engine, [
      { step: 1, type: "connection_request", delay_days: 0 },
      { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected" },
    ]);
    await plan(s);
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    expect(s.mock.state.invitations).toHaveLength(1);
    expect(s.mock.state.invitations[0]!.message).toMatch(/^Hi Jane, (saw|noticed) Acme is hiring reps\.$/);
    advance(s, 2 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 0, waiting: { awaiting_connection: 1 } });

    // The webhook's effect of an accepted invitation (recorded by the webhook app).
    s.mock.acceptInvitation(s.mock.state.invitations[0]!.id);
    await s.db.updateTable("campaign_contacts").set({ connected_at: s.clock.now, next_step_at: s.clock.now }).execute();
    expect(await plan(s)).toMatchObject({ planned: 1 });
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    const dm = s.mock.state.messages.find((m) => m.text === "Thanks for connecting, Jane!");
    expect(dm).toBeDefined();
    const rows = await s.db.selectFrom("send_queue").select(["sequence_step", "account_id", "status"]).orderBy("sequence_step").execute();
    expect(rows).toEqual([
      { sequence_step: 1, account_id: s.linkedinAccountId, status: "sent" },
      { sequence_step: 2, account_id: s.linkedinAccountId, status: "sent" },
    ]);
  });

  it("skips a condition that never comes true after wait_days_max, without firing the next step early", async () => {
    s = await setup(engine, [
      { step: 1, type: "connection_request", delay_days: 0 },
      { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected", wait_days_max: 2 },
      { step: 3, type: "email", delay_days: 2 },
    ]);
    await plan(s);
    advance(s, 30 * 60_000);
    await send(s);
    advance(s, 4 * DAY); // step 2 was due after 1 day, waited 2 more: skipped now
    const skipped = await plan(s);
    expect(skipped.skipped).toEqual({ condition_unmet: 1 });
    expect(skipped.planned).toBe(0); // step 3 waits its own 2 days from the skip
    advance(s, 2 * DAY + 60_000);
    expect(await plan(s)).toMatchObject({ planned: 1 });
    const last = await s.db
      .selectFrom("send_queue")
      .select(["sequence_step", "channel"])
      .orderBy("sequence_step", "desc")
      .executeTakeFirstOrThrow();
    expect(last).toEqual({ sequence_step: 3, channel: "email" });
  });

  it("stops on reply: nothing more is planned or sent", async () => {
    s = await setup(engine, [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 2 },
    ]);
    await plan(s);
    advance(s, 30 * 60_000);
    await send(s);
    const cc = await s.db.selectFrom("campaign_contacts").select("id").executeTakeFirstOrThrow();
    await recordReply({ db: s.db, now: () => s.clock.now }, { campaignContactId: cc.id, text: "Yes, let's talk", sentiment: "positive" });
    // The reply finished the campaign's only contact: completed with it; the company responded.
    expect((await s.db.selectFrom("campaigns").select("status").where("id", "=", s.campaignId).executeTakeFirstOrThrow()).status).toBe(
      "completed",
    );
    expect((await s.db.selectFrom("companies").select("status").executeTakeFirstOrThrow()).status).toBe("responded");
    advance(s, 5 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 0 });
    expect((await send(s)).outcomes.sent).toBe(0);
    await recomputeBooks(s.db);
    const camp = await s.db
      .selectFrom("campaigns")
      .select(["total_sent", "total_replied", "total_positive_replies", "reply_rate"])
      .executeTakeFirstOrThrow();
    expect(camp).toEqual({ total_sent: 1, total_replied: 1, total_positive_replies: 1, reply_rate: 100 });
    const offer = await s.db.selectFrom("offers").select(["total_sent", "total_replies", "total_contacts"]).executeTakeFirstOrThrow();
    expect(offer).toEqual({ total_sent: 1, total_replies: 1, total_contacts: 1 });
  });

  it("an out-of-office pauses the sequence and marks nobody replied; the campaign and company stay where they were", async () => {
    s = await setup(engine, [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 2 },
    ]);
    await plan(s);
    advance(s, 30 * 60_000);
    await send(s);
    const cc = await s.db.selectFrom("campaign_contacts").select(["id", "contact_id"]).executeTakeFirstOrThrow();
    await recordReply({ db: s.db, now: () => s.clock.now }, { campaignContactId: cc.id, text: "I am away", sentiment: "ooo" });
    const after = await s.db.selectFrom("campaign_contacts").selectAll().where("id", "=", cc.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: "waiting", replied: false });
    expect(after.paused_until!.getTime()).toBe(s.clock.now.getTime() + 7 * DAY);
    const person = await s.db
      .selectFrom("contacts")
      .select(["status", "global_status"])
      .where("id", "=", cc.contact_id)
      .executeTakeFirstOrThrow();
    expect(person).toEqual({ status: "contacted", global_status: "cooling_off" });
    expect((await s.db.selectFrom("companies").select("status").executeTakeFirstOrThrow()).status).toBe("contacted");
    expect((await s.db.selectFrom("campaigns").select("status").where("id", "=", s.campaignId).executeTakeFirstOrThrow()).status).toBe(
      "active",
    );
    // Step 2 (due after 2 days) waits for the end of the pause, then goes.
    advance(s, 3 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 0 });
    advance(s, 5 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 1 });
  });

  it("with stop_on_reply false goes on after a reply, and still stops on a negative one", async () => {
    s = await setup(engine, [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 2 },
      { step: 3, type: "email", delay_days: 2 },
    ]);
    await s.db
      .updateTable("campaigns")
      .set({ scheduling_config: sql<never>`jsonb_set(scheduling_config, '{stop_on_reply}', 'false')` })
      .execute();
    await plan(s);
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    const cc = await s.db.selectFrom("campaign_contacts").select("id").executeTakeFirstOrThrow();
    await recordReply(
      { db: s.db, now: () => s.clock.now },
      { campaignContactId: cc.id, text: "Interesting, tell me more later", sentiment: "positive" },
    );
    expect(await s.db.selectFrom("campaign_contacts").select(["replied", "status", "reply_sentiment"]).executeTakeFirstOrThrow()).toEqual({
      replied: true,
      status: "waiting",
      reply_sentiment: "positive",
    });
    advance(s, 2 * DAY + 60_000);
    expect(await plan(s)).toMatchObject({ planned: 1 });
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(1);
    // Step 3 is planned; a negative reply then stops everything, the queued step included.
    advance(s, 2 * DAY + 60_000);
    expect(await plan(s)).toMatchObject({ planned: 1 });
    await recordReply({ db: s.db, now: () => s.clock.now }, { campaignContactId: cc.id, text: "Please stop", sentiment: "negative" });
    advance(s, 30 * 60_000);
    expect((await send(s)).outcomes.sent).toBe(0);
    expect(await s.db.selectFrom("send_queue").select(["sequence_step", "status"]).orderBy("sequence_step").execute()).toEqual([
      { sequence_step: 1, status: "sent" },
      { sequence_step: 2, status: "sent" },
      { sequence_step: 3, status: "cancelled" },
    ]);
    expect(await s.db.selectFrom("campaign_contacts").select(["status", "stop_reason"]).executeTakeFirstOrThrow()).toEqual({
      status: "replied",
      stop_reason: "replied",
    });
    expect(s.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(2);
  });

  it("sends and plans nothing for a paused, completed or killed offer, and goes on when it is active again", async () => {
    s = await setup(engine, [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 2 },
    ]);
    await plan(s);
    const setOffer = (status: "active" | "paused" | "completed" | "killed") =>
      s.db.updateTable("offers").set({ status }).where("id", "=", s.offerId).execute();
    for (const status of ["paused", "completed", "killed"] as const) {
      await setOffer(status);
      advance(s, 30 * 60_000);
      const held = await send(s);
      expect(held.outcomes.sent, status).toBe(0);
      expect(held.deferred, status).toEqual({ offer_not_active: 1 });
      expect(await s.db.selectFrom("send_queue").select(["status", "defer_reason"]).executeTakeFirstOrThrow()).toEqual({
        status: "pending",
        defer_reason: "offer_not_active",
      });
      advance(s, 61 * 60_000);
    }
    expect(s.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(0);
    await setOffer("active");
    expect((await send(s)).outcomes.sent).toBe(1);
    // The planner holds the next step too.
    await setOffer("paused");
    advance(s, 3 * DAY);
    expect(await plan(s)).toMatchObject({ planned: 0 });
    await setOffer("active");
    expect(await plan(s)).toMatchObject({ planned: 1 });
  });

  it("pauses a contact for a human when no approved template exists or the copy does not render", async () => {
    s = await setup(engine, [{ step: 1, type: "email", delay_days: 0 }], { templates: false });
    expect(await plan(s)).toMatchObject({ paused: { no_template: 1 } });
    await s.db
      .insertInto("message_templates")
      .values({ offer_id: s.offerId, name: "bad", channel: "email", subject: "Hi", body: "Hi {{nickname}}", status: "approved" })
      .execute();
    await s.db.updateTable("campaign_contacts").set({ status: "queued", stop_reason: null }).execute();
    expect(await plan(s)).toMatchObject({ paused: { lint_failed: 1 } });
    const cc = await s.db.selectFrom("campaign_contacts").select(["status", "stop_reason"]).executeTakeFirstOrThrow();
    expect(cc.status).toBe("paused");
    expect(cc.stop_reason).toMatch(/lint_failed.*nickname/);
    expect(await s.db.selectFrom("send_queue").selectAll().execute()).toEqual([]);
  });

  it("keeps the books: today's counters, account health with auto-pause on bounces, warming weeks", async () => {
    s = await setup(engine, [{ step: 1, type: "email", delay_days: 0 }]);
    await plan(s);
    advance(s, 30 * 60_000);
    await send(s);
    await s.db.updateTable("accounts").set({ today_emails: 0 }).execute();
    await syncTodayCounters(s.db, { now: s.clock.now });
    expect(
      (await s.db.selectFrom("accounts").select("today_emails").where("id", "=", s.emailAccountId).executeTakeFirstOrThrow()).today_emails,
    ).toBe(1);

    const history = Array.from({ length: 20 }, (_, i) => ({
      account_id: s.emailAccountId,
      channel: "email" as const,
      contact_email: `b${i}@x.com`,
      sent_at: s.clock.now,
      status: (i < 3 ? "bounced" : "sent") as "bounced" | "sent",
    }));
    await s.db.insertInto("outreach_history").values(history).execute();
    const health = await recomputeAccountHealth(s.db, { now: s.clock.now });
    expect(health.paused).toEqual([s.emailAccountId]);
    const acct = await s.db
      .selectFrom("accounts")
      .select(["status", "bounce_rate", "health_score"])
      .where("id", "=", s.emailAccountId)
      .executeTakeFirstOrThrow();
    expect(acct.status).toBe("paused");
    expect(acct.bounce_rate).toBeCloseTo(14.29, 1);
    expect(acct.health_score).toBeLessThan(30);

    await s.db
      .updateTable("accounts")
      .set({ warming_started_at: new Date(s.clock.now.getTime() - 9 * DAY), warming_week: 1 })
      .where("id", "=", s.linkedinAccountId)
      .execute();
    expect(await advanceWarming(s.db, { now: s.clock.now })).toEqual({ updated: 1 });
    expect(
      (await s.db.selectFrom("accounts").select("warming_week").where("id", "=", s.linkedinAccountId).executeTakeFirstOrThrow())
        .warming_week,
    ).toBe(2);
    await advanceWarming(s.db, { now: new Date(s.clock.now.getTime() + 30 * DAY) });
    expect(
      (await s.db.selectFrom("accounts").select("warming_week").where("id", "=", s.linkedinAccountId).executeTakeFirstOrThrow())
        .warming_week,
    ).toBe(0);
  });
});
