/**
 * The cron's provider jobs against the Unipile fake and a real database: the inbox sync (the
 * fallback for missed webhooks, sharing the webhooks' dedupe keys), stale invitation withdrawal,
 * credit alerts and the reachability probe. PGlite always; Postgres with TEST_DATABASE_URL, where
 * several runners also withdraw at once.
 */
import { createUnipile } from "@offerlab/provider-unipile";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkProviderCredits, databaseReachable, syncInboxes, withdrawStaleInvitations } from "../jobs.js";
import { DAY, eventWorld, inboxRows, lastTrackingId, sendFirstStep, type EventWorld } from "./events-world.js";
import { createTestDb } from "@offerlab/db/testing";

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

function unipileOf(w: EventWorld) {
  return createUnipile({ apiKey: w.mock.apiKey, baseUrl: w.mock.baseUrl, timeoutMs: 5_000, retry: { maxAttempts: 1 } });
}

describe.each(engines)("cron provider jobs on %s", (engine) => {
  let w: EventWorld;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("the inbox sync finds an email reply no webhook delivered, and a second sync stores nothing new", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.advance(3 * DAY);
    expect(await w.plan()).toMatchObject({ planned: 1 });
    w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Yes please, send me more details." });
    w.advance(60_000);
    const inbox = unipileOf(w);
    const first = await syncInboxes({ db: w.db, inbox, now: () => w.clock.now, lookbackMs: 7 * DAY });
    // Two accounts read; our sent email (it carries the tracking id) and Jane's reply stored.
    expect(first).toMatchObject({ accounts: 2, stored: 2, errors: [] });
    expect((await inboxRows(w)).map((r) => r.event_type).sort()).toEqual(["email_received", "email_sent"]);
    const again = await syncInboxes({ db: w.db, inbox, now: () => w.clock.now, lookbackMs: 7 * DAY });
    expect(again.stored).toBe(0);
    expect(again.read).toBe(first.read);

    await w.process();
    expect(await w.jane()).toMatchObject({ replied: true, status: "replied", reply_sentiment: "positive" });
    const q = await w.db.selectFrom("send_queue").select("status").where("sequence_step", "=", 2).executeTakeFirstOrThrow();
    expect(q.status).toBe("cancelled");
  });

  it("a message the webhook already delivered is not stored again by the sync (same dedupe key)", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    const reply = w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Interested." });
    await w.deliver(reply);
    await w.deliver(w.mock.mailSentEvent(lastTrackingId(w)));
    w.advance(60_000);
    const sync = await syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY });
    expect(sync.read).toBeGreaterThanOrEqual(2);
    expect(sync.stored).toBe(0);
    expect(await inboxRows(w)).toHaveLength(2);
  });

  it("a LinkedIn webhook whose direction could not be told is superseded by the sync, which knows it", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    w.advance(2 * DAY);
    const { newRelation } = w.mock.acceptInvitation(w.mock.state.invitations[0]!.id);
    await w.deliver(newRelation);
    await w.process();
    const payload = w.mock.receiveMessage({
      accountId: w.vendorLinkedIn,
      fromProviderId: "ACoAAAEkwwAB9KEc2TrQgOLE",
      text: "Happy to chat, what's this about?",
    });
    // Some webhook payloads lack the account's own member id: the receiver cannot tell direction.
    const { account_info: _drop, ...bare } = payload;
    await w.deliver(bare);
    expect(await w.process()).toMatchObject({ ignored: 1 });
    expect((await inboxRows(w)).find((r) => r.dedupe_key === payload.message_id)!.outcome).toMatch(/^direction_unknown/);
    expect(await w.jane()).toMatchObject({ replied: false });

    w.advance(60_000);
    const sync = await syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY });
    expect(sync.stored).toBe(1);
    expect(await w.process()).toMatchObject({ processed: 1 });
    expect(await w.jane()).toMatchObject({ replied: true, status: "replied" });
    const rows = await inboxRows(w);
    expect(rows.filter((r) => r.dedupe_key === payload.message_id)).toHaveLength(1);
  });

  it("the sync goes on with the other accounts when one fails, and reports which", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Interested." });
    w.mock.fail("disconnected", { match: "GET /messages" });
    const sync = await syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY });
    expect(sync.errors).toHaveLength(1);
    expect(sync.errors[0]!.accountId).toBe(w.linkedinAccountId);
    expect(sync.stored).toBe(2);
    // A disconnected account is not read at all.
    await w.db.updateTable("accounts").set({ status: "disconnected" }).where("id", "=", w.linkedinAccountId).execute();
    const next = await syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY });
    expect(next).toMatchObject({ accounts: 1, errors: [] });
  });

  it("the sync reads only the lookback window", async () => {
    w = await eventWorld({ engine, server });
    await sendFirstStep(w);
    w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Interested." });
    w.advance(2 * DAY);
    const sync = await syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY });
    expect(sync).toMatchObject({ read: 0, stored: 0 });
  });

  it("withdraws our invitations older than the age, and only ours", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    // An invitation the account owner sent by hand to someone outside our campaigns.
    w.mock.state.invitations.push({
      id: "inv-by-hand",
      account_id: w.vendorLinkedIn,
      provider_id: "ACoAAAfarAwayPerson00001",
      message: null,
      date: w.clock.now.toISOString(),
    });
    const linkedin = unipileOf(w);
    w.advance(10 * DAY);
    const young = await withdrawStaleInvitations({ db: w.db, linkedin, now: () => w.clock.now, maxAgeMs: 21 * DAY });
    expect(young).toMatchObject({ checked: 2, withdrawn: 0, errors: [] });
    w.advance(12 * DAY);
    const old = await withdrawStaleInvitations({ db: w.db, linkedin, now: () => w.clock.now, maxAgeMs: 21 * DAY });
    expect(old).toMatchObject({ checked: 2, withdrawn: 1, errors: [] });
    expect(w.mock.state.invitations.map((i) => i.id)).toEqual(["inv-by-hand"]);
    const cc = await w.jane();
    expect(cc.stop_reason).toBe("invitation_withdrawn");
    expect(cc.connected_at).toBeNull();
    // Nothing left to withdraw.
    expect(await withdrawStaleInvitations({ db: w.db, linkedin, now: () => w.clock.now, maxAgeMs: 21 * DAY })).toMatchObject({
      withdrawn: 0,
    });
  });

  it("does not withdraw an invitation whose person is already connected, and honours the limit", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    await sendFirstStep(w);
    await w.db.updateTable("campaign_contacts").set({ connected_at: w.clock.now }).execute();
    w.advance(30 * DAY);
    const res = await withdrawStaleInvitations({ db: w.db, linkedin: unipileOf(w), now: () => w.clock.now });
    expect(res).toMatchObject({ checked: 1, withdrawn: 0 });
    await w.db.updateTable("campaign_contacts").set({ connected_at: null }).execute();
    expect(await withdrawStaleInvitations({ db: w.db, linkedin: unipileOf(w), now: () => w.clock.now, limit: 0 })).toMatchObject({
      withdrawn: 0,
    });
    expect(w.mock.state.invitations).toHaveLength(1);
    expect(await withdrawStaleInvitations({ db: w.db, linkedin: unipileOf(w), now: () => w.clock.now })).toMatchObject({ withdrawn: 1 });
  });

  it("credit alerts: tools at or under the threshold, or in error", async () => {
    w = await eventWorld({ engine, server });
    // The migration seeds one row per vendor, with no balance known yet: no alert.
    expect(await checkProviderCredits(w.db)).toEqual([]);
    await w.db.updateTable("tools").set({ credits_remaining: 40 }).where("name", "=", "leadmagic").execute();
    await w.db.updateTable("tools").set({ credits_remaining: 5000 }).where("name", "=", "exa").execute();
    await w.db.updateTable("tools").set({ status: "error", last_error: "401 invalid key" }).where("name", "=", "theirstack").execute();
    expect(await checkProviderCredits(w.db)).toEqual([
      { tool: "leadmagic", creditsRemaining: 40, status: "active", lastError: null },
      { tool: "theirstack", creditsRemaining: null, status: "error", lastError: "401 invalid key" },
    ]);
    expect((await checkProviderCredits(w.db, { threshold: 10 })).map((a) => a.tool)).toEqual(["theirstack"]);
  });
});

describe("databaseReachable", () => {
  it("is true on a live database and false once it is closed", async () => {
    const t = await createTestDb("pglite", { migrate: false });
    expect(await databaseReachable(t.db)).toBe(true);
    await t.drop();
    expect(await databaseReachable(t.db)).toBe(false);
  });
});

describe.runIf(PG)("cron provider jobs with several runners on postgres", () => {
  let w: EventWorld;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("three runners withdrawing at once withdraw the invitation once, without errors", async () => {
    w = await eventWorld({ engine: "postgres", server, steps: linkedinSteps });
    await sendFirstStep(w);
    w.advance(30 * DAY);
    const results = await Promise.all(
      [1, 2, 3].map(() => withdrawStaleInvitations({ db: w.db, linkedin: unipileOf(w), now: () => w.clock.now })),
    );
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(w.mock.state.invitations).toHaveLength(0);
    expect((await w.jane()).stop_reason).toBe("invitation_withdrawn");
  });

  it("three syncs at once store each message once", async () => {
    w = await eventWorld({ engine: "postgres", server });
    await sendFirstStep(w);
    w.mock.receiveEmailReply({ trackingOrEmailId: lastTrackingId(w), text: "Interested." });
    const results = await Promise.all(
      [1, 2, 3].map(() => syncInboxes({ db: w.db, inbox: unipileOf(w), now: () => w.clock.now, lookbackMs: DAY })),
    );
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(2);
    expect(await inboxRows(w)).toHaveLength(2);
  });
});
