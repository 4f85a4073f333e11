/**
 * The send path's invariants on a real database with the Unipile fake counting what was actually
 * sent. Race and crash tests run on PostgreSQL (TEST_DATABASE_URL): PGlite serialises everything
 * on one connection, so races there would pass vacuously. The sequential behaviour also runs on
 * PGlite.
 */
import { companies, contacts, createDb, offers, suppressions } from "@offerlab/db";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dispatchOne } from "../dispatch.js";
import { applyProviderEvent } from "../events.js";
import { runSendPath, type RunOptions } from "../loop.js";
import { reapExpired } from "../reaper.js";
import { reconcileUnknown } from "../reconciler.js";
import { recordReply } from "../stop-on-reply.js";
import { RunnerCrash, type CrashPoint, type SendPathOptions } from "../types.js";
import { emailsPerRecipient, mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

/** Sends in flight per runner in the suite being run (each suite that races or crashes runs at 1 and at 4). */
let concurrency = 1;

function opts(w: World, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    db: w.db,
    senders: w.senders,
    now: () => w.clock.now,
    accountGapMs: { min: 0, max: 0 },
    leaseMs: 60_000,
    concurrency,
    ...extra,
  };
}

async function statusCounts(w: World): Promise<Record<string, number>> {
  const rows = await w.db
    .selectFrom("send_queue")
    .select(["status"])
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Everything a finished run must satisfy: each row sent at most once, books equal to reality. */
async function expectConsistentBooks(w: World) {
  const perRecipient = emailsPerRecipient(w.mock);
  for (const [, n] of perRecipient) expect(n).toBe(1);
  const sent = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_queue WHERE status = 'sent'`.execute(w.db)).rows[0]!.n);
  expect(sent).toBe([...perRecipient.values()].reduce((a, b) => a + b, 0));
  const msgs = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`.execute(w.db)).rows[0]!.n;
  const history = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outreach_history`.execute(w.db)).rows[0]!.n;
  const attempts = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_attempts WHERE status = 'sent'`.execute(w.db)).rows[0]!.n;
  expect([msgs, history, attempts]).toEqual([sent, sent, sent]);
  // Reserved quota equals sends: nothing leaked, nothing double-counted.
  const used = (await sql<{ n: number }>`SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day'`.execute(w.db))
    .rows[0]!.n;
  expect(used).toBe(sent);
}

describe.each(engines.flatMap((e) => [1, 4].map((c) => [e, c] as const)))(
  "send path basics on %s, %i in flight per runner",
  (engine, conc) => {
    let w: World;
    beforeEach(() => {
      concurrency = conc;
    });
    afterEach(async () => {
      await w?.t.drop();
    });

    it("sends each due row once and records it everywhere", async () => {
      w = await seedWorld({ engine, server, accounts: 2, contacts: 6 });
      const summary = await runSendPath(opts(w));
      expect(summary.outcomes.sent).toBe(6);
      expect(await statusCounts(w)).toEqual({ sent: 6 });
      await expectConsistentBooks(w);
      const cc = await w.db.selectFrom("campaign_contacts").selectAll().execute();
      expect(cc.every((c) => c.touches === 1 && c.current_step === 1 && c.email_account_id !== null)).toBe(true);
      const people = await w.db.selectFrom("contacts").select(["already_contacted", "global_status", "global_contact_count"]).execute();
      expect(people.every((p) => p.already_contacted && p.global_status === "cooling_off" && p.global_contact_count === 1)).toBe(true);
      const acct = await w.db.selectFrom("accounts").select(["today_emails", "total_sent"]).orderBy("name").execute();
      expect(acct).toEqual([
        { today_emails: 3, total_sent: 3 },
        { today_emails: 3, total_sent: 3 },
      ]);
      // The email carried our attempt id in the custom header (what reconciliation looks for).
      const attempts = await w.db.selectFrom("send_attempts").select("id").execute();
      const headers = w.mock.state.emails.flatMap((e) => e.headers.map((h) => h.value));
      for (const a of attempts) expect(headers).toContain(a.id);
      expect(await runSendPath(opts(w))).toMatchObject({ handled: 0 });
    });

    it("defers outside the window, on a paused campaign, and over the daily cap — with the reason", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 4, dailyLimitEmails: 2, start: new Date("2026-11-25T23:30:00Z") }); // 18:30 in New York
      await w.db
        .updateTable("campaigns")
        .set({ send_window_start: "09:00", send_window_end: "17:00", timezone: "America/New_York" })
        .execute();
      const closed = await dispatchOne(opts(w));
      expect(closed).toMatchObject({ kind: "deferred", reason: "window_closed" });
      if (closed.kind === "deferred") {
        expect(closed.until.getTime()).toBeGreaterThanOrEqual(new Date("2026-11-26T14:00:00Z").getTime());
        expect(closed.until.getTime()).toBeLessThan(new Date("2026-11-26T22:00:00Z").getTime());
      }
      w.clock.set(new Date("2026-11-26T15:00:00Z")); // 10:00 in New York
      await w.db
        .updateTable("send_queue")
        .set({ scheduled_for: new Date("2026-11-26T14:00:00Z") })
        .execute();
      const summary = await runSendPath(opts(w));
      expect(summary.outcomes.sent).toBe(2);
      // Issue 19: the first row over the cap is deferred and the cap recorded on the account; the
      // claim then skips the account's other email rows instead of deferring each one.
      expect(summary.deferred.daily_cap).toBe(1);
      expect(summary.handled).toBe(3);
      const why = await w.db.selectFrom("send_queue").select(["defer_reason", "scheduled_for"]).where("status", "=", "pending").execute();
      expect(why.filter((r) => r.defer_reason === "daily_cap").map((r) => r.scheduled_for)).toEqual([new Date("2026-11-27T00:00:00Z")]);
      const acct = await w.db.selectFrom("accounts").select("emails_capped_until").executeTakeFirstOrThrow();
      expect(acct.emails_capped_until).toEqual(new Date("2026-11-27T00:00:00Z"));
      await expectConsistentBooks(w);
    });

    it("holds the sends of an account not linked to Unipile instead of failing them, and sends once it is linked", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 2 });
      const id = (await w.db.selectFrom("accounts").select("unipile_account_id").executeTakeFirstOrThrow()).unipile_account_id;
      await w.db.updateTable("accounts").set({ unipile_account_id: null }).execute();
      const held = await runSendPath(opts(w));
      expect(held.outcomes).toMatchObject({ sent: 0, refused: 0 });
      expect(held.deferred).toEqual({ account_unlinked: 2 });
      expect(await statusCounts(w)).toEqual({ pending: 2 });
      await w.db.updateTable("accounts").set({ unipile_account_id: id }).execute();
      w.clock.advance(61 * 60_000);
      expect((await runSendPath(opts(w))).outcomes.sent).toBe(2);
      await expectConsistentBooks(w);
    });

    it("never sends to someone marked do_not_contact, and stops a sequence on reply", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 3 });
      await w.db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("email", "=", "person0@acme.example").execute();
      const cc1 = await w.db
        .selectFrom("campaign_contacts")
        .innerJoin("contacts", "contacts.id", "campaign_contacts.contact_id")
        .select("campaign_contacts.id")
        .where("contacts.email", "=", "person1@acme.example")
        .executeTakeFirstOrThrow();
      const res = await recordReply(
        { db: w.db, now: () => w.clock.now },
        { campaignContactId: cc1.id, text: "Interested!", sentiment: "positive" },
      );
      expect(res.cancelled).toBe(1);
      const summary = await runSendPath(opts(w));
      expect(summary.outcomes).toMatchObject({ sent: 1, skipped: 1 });
      expect([...emailsPerRecipient(w.mock).keys()]).toEqual(["person2@acme.example"]);
      const skipped = await w.db
        .selectFrom("send_queue")
        .select(["status", "defer_reason"])
        .where("status", "in", ["skipped", "cancelled"])
        .orderBy("status")
        .execute();
      expect(skipped).toEqual([
        { status: "cancelled", defer_reason: "replied" },
        { status: "skipped", defer_reason: "do_not_contact" },
      ]);
    });

    it("a person suppressed after their row was planned is never sent: the claim cancels it (by email, or a twin's LinkedIn URL)", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 3 });
      // Added straight to the list (not through the operation, which would cancel the rows itself).
      await suppressions.add(w.db, { kind: "email", value: "Person0@acme.example", reason: "asked by mail" });
      await w.db
        .updateTable("contacts")
        .set({ linkedin_url: "https://www.linkedin.com/in/person-one" })
        .where("email", "=", "person1@acme.example")
        .execute();
      await suppressions.add(w.db, { kind: "linkedin", value: "linkedin.com/in/person-one", reason: "customer" });
      await runSendPath(opts(w));
      expect([...emailsPerRecipient(w.mock).keys()]).toEqual(["person2@acme.example"]);
      const rows = await w.db
        .selectFrom("send_queue")
        .innerJoin("contacts", "contacts.id", "send_queue.contact_id")
        .select(["contacts.email", "send_queue.status", "send_queue.defer_reason"])
        .orderBy("contacts.email")
        .execute();
      expect(rows).toEqual([
        { email: "person0@acme.example", status: "cancelled", defer_reason: "suppressed" },
        { email: "person1@acme.example", status: "cancelled", defer_reason: "suppressed" },
        { email: "person2@acme.example", status: "sent", defer_reason: null },
      ]);
      await expectConsistentBooks(w);
    });

    it("a suppressed domain stops everyone at it at the claim", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 3 });
      await suppressions.add(w.db, { kind: "domain", value: "acme.example", reason: "competitor" });
      await runSendPath(opts(w));
      expect(emailsPerRecipient(w.mock).size).toBe(0);
      expect(await statusCounts(w)).toEqual({ cancelled: 3 });
    });

    it("the claim re-checks the whole person: a twin row in another offer unsubscribed, bounced or do_not_contact (matched by LinkedIn URL) stops the send", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 4 });
      // The rows were queued while everyone was eligible; the other offer's rows change afterwards.
      const other = await offers.create(w.db, {
        name: "Other offer",
        type: "service",
        ownership: "internal",
        description: "d",
        status: "active",
      });
      const company = (await companies.upsert(w.db, { offer_id: other.id, name: "Acme", domain: "acme.example", source_tool: "manual" }))
        .company;
      const twin = (fields: Parameters<typeof contacts.upsert>[1]) => contacts.upsert(w.db, fields);
      await twin({
        offer_id: other.id,
        company_id: company.id,
        source_tool: "manual",
        email: "Person0@acme.example",
        status: "unsubscribed",
      });
      await twin({ offer_id: other.id, company_id: company.id, source_tool: "manual", email: "person1@acme.example", status: "bounced" });
      await w.db
        .updateTable("contacts")
        .set({ linkedin_url: "https://www.linkedin.com/in/person-two" })
        .where("email", "=", "person2@acme.example")
        .execute();
      const dnc = (
        await twin({
          offer_id: other.id,
          company_id: company.id,
          source_tool: "manual",
          linkedin_url: "linkedin.com/in/Person-Two/",
          status: "ready",
        })
      ).contact;
      await w.db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("id", "=", dnc.id).execute();
      const summary = await runSendPath(opts(w));
      expect(summary.outcomes).toMatchObject({ sent: 1, skipped: 3 });
      expect([...emailsPerRecipient(w.mock).keys()]).toEqual(["person3@acme.example"]);
      const rows = await w.db
        .selectFrom("send_queue")
        .innerJoin("contacts", "contacts.id", "send_queue.contact_id")
        .select(["contacts.email", "send_queue.status", "send_queue.defer_reason"])
        .orderBy("contacts.email")
        .execute();
      expect(rows).toEqual([
        { email: "person0@acme.example", status: "skipped", defer_reason: "unsubscribed" },
        { email: "person1@acme.example", status: "skipped", defer_reason: "bounced" },
        { email: "person2@acme.example", status: "skipped", defer_reason: "do_not_contact" },
        { email: "person3@acme.example", status: "sent", defer_reason: null },
      ]);
      await expectConsistentBooks(w);
    });

    it("maps refusals: a 422 fails the row and gives the quota back; a 429 cools the account down", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 2 });
      w.mock.fail("refusal", { times: 1, match: "POST /emails", type: "errors/recipient_rejected" });
      const refused = await dispatchOne(opts(w));
      expect(refused).toMatchObject({ kind: "refused", final: true });
      w.mock.fail("rate_limited_retry_after", { times: 1, match: "POST /emails", retryAfterSeconds: 600 });
      const limited = await dispatchOne(opts(w));
      expect(limited).toMatchObject({ kind: "refused", final: false });
      const account = await w.db.selectFrom("accounts").select(["status", "limited_until"]).executeTakeFirstOrThrow();
      expect(account.status).toBe("limited");
      expect(account.limited_until!.getTime()).toBe(w.clock.now.getTime() + 600_000);
      expect(await dispatchOne(opts(w))).toMatchObject({ kind: "idle" });
      w.clock.advance(601_000);
      expect(await dispatchOne(opts(w))).toMatchObject({ kind: "sent" });
      expect(await statusCounts(w)).toEqual({ failed: 1, sent: 1 });
      await expectConsistentBooks(w);
    });

    it("an unknown outcome ('acted but the response was lost') ends sent after reconciliation, never sent twice", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 1 });
      w.mock.fail("response_lost", { times: 1, match: "POST /emails" });
      expect(await dispatchOne(opts(w))).toMatchObject({ kind: "unknown" });
      expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(1);
      // While unknown, nothing resends it.
      w.clock.advance(10 * 60_000);
      expect(await dispatchOne(opts(w))).toMatchObject({ kind: "idle" });
      expect(await reconcileUnknown(opts(w))).toEqual({ sent: 1, notSent: 0, cannotTell: 0, undetermined: 0, postponed: 0 });
      expect(await statusCounts(w)).toEqual({ sent: 1 });
      await expectConsistentBooks(w);
    });

    it("a runner that outlives its lease records once; the reconciler cannot record it again", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 1 });
      let release!: () => void;
      let acted!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const reached = new Promise<void>((r) => (acted = r));
      const slow = {
        ...w.senders,
        email: {
          ...w.senders.email!,
          sendEmail: async (...args: Parameters<NonNullable<World["senders"]["email"]>["sendEmail"]>) => {
            const res = await w.senders.email!.sendEmail(...args);
            acted();
            await gate; // the provider acted; the runner is frozen past its lease
            return res;
          },
        },
      };
      const zombie = dispatchOne(opts(w, { senders: slow }));
      // (Wait for the provider to have acted, not a fixed time: on a loaded machine 200 ms may not reach it.)
      await reached;
      w.clock.advance(5 * 60_000);
      expect(await reapExpired(opts(w))).toEqual({ requeued: 0, unknown: 1 });
      expect(await reconcileUnknown(opts(w))).toMatchObject({ sent: 1 });
      release();
      expect(await zombie).toMatchObject({ kind: "lost" });
      expect(await statusCounts(w)).toEqual({ sent: 1 });
      await expectConsistentBooks(w);
    });

    it.each<CrashPoint>(["after_claim", "after_mark_sending", "during_call", "after_call", "during_record"])(
      "a runner killed %s leaves no double send, and recovery ends the row sent",
      async (point) => {
        w = await seedWorld({ engine, server, accounts: 1, contacts: 2 });
        const crash = opts(w, {
          crashAt: (p) => {
            if (p === point) throw new RunnerCrash(p);
          },
        });
        await expect(dispatchOne(crash)).rejects.toBeInstanceOf(RunnerCrash);
        // Nothing more happens until the lease lapses: the row is neither resent nor lost.
        expect(await statusCounts(w)).toMatchObject({ processing: 1, pending: 1 });
        // (The other row's account is held by the dead runner's lease: "busy". Waiting the default
        // 2 s of real time for it to free would prove nothing more than 50 ms does.)
        await runSendPath(opts(w, { max: 1, busyWaitMs: 50 }));
        expect(await statusCounts(w)).toMatchObject({ processing: 1, pending: 1 });
        w.clock.advance(2 * 60_000);
        const first = await runSendPath(opts(w));
        const second = await runSendPath(opts(w));
        expect(first.errors + second.errors).toBe(0);
        expect(await statusCounts(w)).toEqual({ sent: 2 });
        await expectConsistentBooks(w);
        const attempts = await w.db.selectFrom("send_attempts").select(["status"]).orderBy("created_at").execute();
        expect(attempts.filter((a) => a.status === "sent")).toHaveLength(2);
        expect(attempts.every((a) => ["sent", "expired", "not_sent"].includes(a.status))).toBe(true);
      },
    );

    it.each<CrashPoint>(["after_claim", "after_mark_sending", "during_call", "after_call", "during_record"])(
      "a runner killed %s with its other sends in flight leaves every attempt reconcilable, and recovery sends each row once",
      async (point) => {
        w = await seedWorld({ engine, server, accounts: 4, contacts: 12 });
        let reached = 0;
        // The third time any lane reaches the point the process dies; the lanes mid-send die at
        // their next crash point (runSendPath's model of SIGKILL).
        const crash = opts(w, {
          crashAt: (p) => {
            if (p === point && ++reached === 3) throw new RunnerCrash(p);
          },
        });
        await expect(runSendPath(crash)).rejects.toBeInstanceOf(RunnerCrash);
        // Every row is waiting, sent, or held by an open attempt of the dead runner (never re-sent
        // before its lease lapses); every open attempt is claimed, sending or unknown.
        const open = await w.db
          .selectFrom("send_attempts")
          .select(["status", "send_queue_id"])
          .where("status", "in", ["claimed", "sending"])
          .execute();
        const counts = await statusCounts(w);
        expect(Object.keys(counts).every((k) => ["pending", "processing", "sent"].includes(k))).toBe(true);
        expect(counts.processing ?? 0).toBe(open.length);
        expect(open.length).toBeGreaterThanOrEqual(1);
        expect(open.length).toBeLessThanOrEqual(concurrency);
        w.clock.advance(2 * 60_000);
        for (let i = 0; i < 3; i++) await runSendPath(opts(w));
        expect(await statusCounts(w)).toEqual({ sent: 12 });
        await expectConsistentBooks(w);
        const attempts = await w.db.selectFrom("send_attempts").select(["status"]).execute();
        expect(attempts.filter((a) => a.status === "sent")).toHaveLength(12);
        expect(attempts.every((a) => ["sent", "expired", "not_sent"].includes(a.status))).toBe(true);
      },
    );

    it("an account rests its own gap after each send, and the claim does not claim (nor defer) its rows meanwhile", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 3 });
      await w.db.updateTable("accounts").set({ send_gap_min_seconds: 60, send_gap_variance_seconds: 0 }).execute();
      const first = await runSendPath(opts(w));
      expect(first.outcomes).toMatchObject({ sent: 1, deferred: 0 });
      const acct = await w.db.selectFrom("accounts").select("next_send_at").executeTakeFirstOrThrow();
      expect(acct.next_send_at?.getTime()).toBe(w.clock.now.getTime() + 60_000);
      // Resting: nothing is claimed, nothing deferred, and the run ends at once (idle, not busy).
      const resting = await runSendPath(opts(w));
      expect(resting).toMatchObject({ handled: 0, deferred: {} });
      expect(await statusCounts(w)).toEqual({ sent: 1, pending: 2 });
      w.clock.advance(59_000);
      expect((await runSendPath(opts(w))).handled).toBe(0);
      w.clock.advance(1_000);
      expect((await runSendPath(opts(w))).outcomes).toMatchObject({ sent: 1, deferred: 0 });
      w.clock.advance(60_000);
      expect((await runSendPath(opts(w))).outcomes).toMatchObject({ sent: 1, deferred: 0 });
      await expectConsistentBooks(w);
    });

    it("a reply that arrives between claim and call cancels the claimed attempt: no message goes out", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 1 });
      const cc = await w.db.selectFrom("campaign_contacts").select("id").executeTakeFirstOrThrow();
      const out = await dispatchOne(
        opts(w, {
          crashAt: async (p) => {
            if (p === "after_claim") await recordReply({ db: w.db, now: () => w.clock.now }, { campaignContactId: cc.id, text: "stop" });
          },
        }),
      );
      expect(out).toMatchObject({ kind: "lost" });
      expect(w.mock.state.emails).toHaveLength(0);
      expect(await statusCounts(w)).toEqual({ cancelled: 1 });
      const used = (await sql<{ n: number }>`SELECT coalesce(sum(used), 0)::int AS n FROM account_usage`.execute(w.db)).rows[0]!.n;
      expect(used).toBe(0);
    });

    it("follows the campaign's zone across the daylight-saving change", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 1, start: new Date("2026-03-07T13:30:00Z") });
      await w.db
        .updateTable("campaigns")
        .set({ send_window_start: "09:00", send_window_end: "17:00", timezone: "America/New_York" })
        .execute();
      // Saturday 08:30 EST: closed; it opens at 09:00 EST = 14:00Z (plus jitter, within the window).
      const sat = await dispatchOne(opts(w));
      expect(sat).toMatchObject({ kind: "deferred", reason: "window_closed" });
      if (sat.kind === "deferred") {
        expect(sat.until.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-03-07T14:00:00Z"));
        expect(sat.until.getTime()).toBeLessThan(Date.parse("2026-03-07T22:00:00Z"));
      }
      // Sunday after the change, 13:30Z is 09:30 EDT: open (under EST it would still be 08:30).
      w.clock.set(new Date("2026-03-08T13:30:00Z"));
      await w.db
        .updateTable("send_queue")
        .set({ scheduled_for: new Date("2026-03-08T13:00:00Z") })
        .execute();
      expect(await dispatchOne(opts(w))).toMatchObject({ kind: "sent" });
    });

    it("the daily quota restarts with the UTC day, without any reset job", async () => {
      w = await seedWorld({ engine, server, accounts: 1, contacts: 4, dailyLimitEmails: 2, start: new Date("2026-11-25T23:59:00Z") });
      const before = await runSendPath(opts(w));
      expect(before.outcomes.sent).toBe(2);
      w.clock.set(new Date("2026-11-26T00:00:30Z"));
      const after = await runSendPath(opts(w));
      expect(after.outcomes.sent).toBe(2);
      const acct = await w.db.selectFrom("accounts").select(["today_emails", "total_sent"]).executeTakeFirstOrThrow();
      expect(acct).toEqual({ today_emails: 2, total_sent: 4 });
      await expectConsistentBooks(w);
    });
  },
);

describe.runIf(PG).each([1, 4])("send path races on postgres, %i in flight per runner", (conc) => {
  let w: World;
  beforeEach(() => {
    concurrency = conc;
  });
  afterEach(async () => {
    await w?.t.drop();
  });

  async function runners(k: number, make: (i: number) => SendPathOptions) {
    const dbs = Array.from({ length: k }, () => createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: concurrency + 1 }));
    try {
      return await Promise.all(dbs.map((db, i) => runSendPath({ ...make(i), db, runnerId: `r${i}` })));
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  }

  it("N runners racing over many due rows: each row sent exactly once, none lost", async () => {
    w = await seedWorld({ engine: "postgres", server, accounts: 6, contacts: 600 });
    const results = await runners(6, () => opts(w));
    expect(results.reduce((s, r) => s + r.outcomes.sent, 0)).toBe(600);
    expect(results.every((r) => r.errors === 0)).toBe(true);
    expect(results.filter((r) => r.outcomes.sent > 0).length).toBeGreaterThan(1);
    expect(await statusCounts(w)).toEqual({ sent: 600 });
    const perRecipient = emailsPerRecipient(w.mock);
    expect(perRecipient.size).toBe(600);
    await expectConsistentBooks(w);
  }, 120_000);

  it("the limit race: 8 runners, 2 accounts, low limits — sends never exceed a limit and counters equal sends", async () => {
    w = await seedWorld({ engine: "postgres", server, accounts: 2, contacts: 200, dailyLimitEmails: 25, hourlyLimit: 1000 });
    const res = await runners(8, () => opts(w));
    expect(res.every((r) => r.errors === 0)).toBe(true);
    expect(res.reduce((s, r) => s + (r.deferred.daily_cap ?? 0), 0)).toBeGreaterThan(0);
    const perAccount = await sql<{ account_id: string; n: number }>`
      SELECT account_id, count(*)::int AS n FROM send_attempts WHERE status = 'sent' GROUP BY account_id`.execute(w.db);
    expect(perAccount.rows.map((r) => r.n)).toEqual([25, 25]);
    const usage = await sql<{ account_id: string; used: number }>`SELECT account_id, used FROM account_usage WHERE period = 'day'`.execute(
      w.db,
    );
    for (const r of perAccount.rows) expect(usage.rows.find((u) => u.account_id === r.account_id)?.used).toBe(r.n);
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(50);
    await expectConsistentBooks(w);
  }, 120_000);

  it("replies recorded while runners record sends of the same campaign contacts: no deadlock, consistent books", async () => {
    // The interleaving: a runner is inside tx2 (it holds the account and the attempt, and is about
    // to update the person's contact rows and then the campaign contact) when a reply to that same
    // campaign contact is recorded on another connection. A reply that locked the campaign contact
    // before the account would wait for the contact rows the runner holds while the runner waits
    // for the campaign contact: deadlock (40P01). Taken in the send path's order (the account of
    // the open attempt first), the reply simply waits for the send to be recorded. The reply is
    // started from the runner's `during_record` hook, after a varying pause, so the two meet at
    // every point of tx2.
    w = await seedWorld({ engine: "postgres", server, accounts: 4, contacts: 60 });
    const ccOf = new Map(
      (await w.db.selectFrom("send_queue").select(["id", "campaign_contact_id"]).execute()).map((r) => [r.id, r.campaign_contact_id!]),
    );
    const replyDb = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 8 });
    const replies: Promise<unknown>[] = [];
    const errors: unknown[] = [];
    let n = 0;
    try {
      const results = await runners(4, () =>
        opts(w, {
          onError: (e) => errors.push(e),
          crashAt: async (point, info) => {
            if (point !== "during_record") return;
            const pause = n++ % 4;
            replies.push(
              recordReply(
                { db: replyDb, now: () => w.clock.now },
                { campaignContactId: ccOf.get(info.queueId)!, text: "Not now, thanks", sentiment: "negative" },
              ).catch((e) => {
                errors.push(e);
              }),
            );
            if (pause) await new Promise((r) => setTimeout(r, pause - 1));
          },
        }),
      );
      await Promise.all(replies);
      expect(errors.map((e) => `${(e as { code?: string }).code ?? ""} ${(e as Error).message}`)).toEqual([]);
      expect(results.reduce((s, r) => s + r.outcomes.sent, 0)).toBe(60);
    } finally {
      await replyDb.destroy();
    }
    expect(replies).toHaveLength(60);
    expect(await statusCounts(w)).toEqual({ sent: 60 });
    await expectConsistentBooks(w);
    // Each reply saw the send it answers: the campaign contact replied after one touch, the
    // history row of the send marked replied, the person's rows replied.
    const ccs = await w.db.selectFrom("campaign_contacts").select(["status", "replied", "touches", "current_step"]).execute();
    expect(ccs.every((c) => c.status === "replied" && c.replied && c.touches === 1 && c.current_step === 1)).toBe(true);
    const history = await w.db.selectFrom("outreach_history").select(["status", "replied_at"]).execute();
    expect(history.filter((h) => h.status === "replied" && h.replied_at !== null)).toHaveLength(60);
    const people = await w.db.selectFrom("contacts").select(["global_status", "global_contact_count"]).execute();
    expect(people.every((p) => p.global_status === "replied" && p.global_contact_count === 1)).toBe(true);
  }, 180_000);

  it("opt-outs racing with runners sending to the same people in two offers: no deadlock, no call for a claim made after the opt-out committed", async () => {
    // Each person is in campaign A (offer 1) and, through a twin row, in campaign B (offer 2, mid-
    // sequence, so not held back by the 60-day rule), with a send due in each from two accounts.
    // Runners send while a webhook worker applies each person's opt-out. Sends recorded for a twin,
    // the opt-out's writes to every row and campaign contact of the person, and claims all meet on
    // the same rows; any lock taken out of order shows as a deadlock (40P01). It found one: an
    // opt-out that locked an account after the campaign contacts. Before opt-outs cancelled claims
    // in every campaign, a claim stalled across the opt-out's commit was sent in about a third of
    // the runs (events.test.ts has the deterministic case).
    const people = 24;
    w = await seedWorld({ engine: "postgres", server, accounts: 4, contacts: people });
    const other = await offers.create(w.db, {
      name: "Other offer",
      type: "service",
      ownership: "internal",
      description: "d",
      status: "active",
    });
    const company = (await companies.upsert(w.db, { offer_id: other.id, name: "Acme", domain: "acme.example", source_tool: "manual" }))
      .company;
    const b = await w.db
      .insertInto("campaigns")
      .values({
        name: "B",
        offer_id: other.id,
        channel: "email",
        status: "active",
        send_window_start: "00:00",
        send_window_end: "23:59:59",
        send_days: [1, 2, 3, 4, 5, 6, 7],
        timezone: "UTC",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const emailOf = new Map<string, string>();
    for (const r of await w.db
      .selectFrom("send_queue")
      .innerJoin("contacts", "contacts.id", "send_queue.contact_id")
      .select(["send_queue.id", "contacts.email"])
      .execute())
      emailOf.set(r.id, r.email!);
    for (let i = 0; i < people; i++) {
      const email = `person${i}@acme.example`;
      const twin = (
        await contacts.upsert(w.db, {
          offer_id: other.id,
          company_id: company.id,
          source_tool: "manual",
          full_name: `Person ${i}`,
          email,
          status: "contacted",
        })
      ).contact;
      const cc = await w.db
        .insertInto("campaign_contacts")
        .values({ campaign_id: b.id, contact_id: twin.id, status: "waiting", touches: 1, current_step: 1 })
        .returning("id")
        .executeTakeFirstOrThrow();
      const q = await w.db
        .insertInto("send_queue")
        .values({
          campaign_id: b.id,
          campaign_contact_id: cc.id,
          contact_id: twin.id,
          account_id: w.accountIds[(i + 1) % 4]!,
          channel: "email",
          action_type: "email",
          sequence_step: 2,
          subject: `Another idea ${i}`,
          body: `Hi Person ${i}, another idea.`,
          scheduled_for: new Date(w.clock.now.getTime() - 60_000),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      emailOf.set(q.id, email);
    }
    const claimedAt = new Map<string, number>(); // queue id → when its claim had committed
    const optedOutAt = new Map<string, number>(); // email → when the opt-out had committed
    const errors: unknown[] = [];
    const workerDb = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 });
    const optOuts = (async () => {
      for (let i = 0; i < people; i++) {
        await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
        const email = `person${(i * 7) % people}@acme.example`;
        const event = {
          type: "email_received" as const,
          eventId: `optout-${i}`,
          message: {
            channel: "email" as const,
            direction: "inbound" as const,
            accountId: "MAILBOX000000000000000",
            id: `optout-${i}`,
            threadId: null,
            from: email,
            subject: "Re: Hello",
            text: "Please remove me from your list and do not contact me again.",
            sentAt: w.clock.now.toISOString(),
          },
        };
        for (let tries = 0; ; tries++) {
          // A reply that finds a send of the person in flight and nothing recorded yet waits for it.
          const res = await applyProviderEvent(workerDb, event, { now: () => w.clock.now }).catch((e: unknown) => {
            errors.push(e);
            return null;
          });
          if (!res) break;
          if (res.status !== "retry" || tries > 200) {
            expect(res.outcome).toMatch(/unsubscribe/);
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        optedOutAt.set(email, performance.now());
      }
    })();
    try {
      const results = await runners(3, () =>
        opts(w, {
          onError: (e) => errors.push(e),
          // A runner that stalls a little between its claim and its call (a GC pause, a busy event
          // loop): the opt-out may commit meanwhile. The time is taken at the end of the stall,
          // just before the fenced "mark sending".
          crashAt: async (point, info) => {
            if (point !== "after_claim") return;
            await new Promise((r) => setTimeout(r, claimedAt.size % 2 === 0 ? 20 : 0));
            claimedAt.set(info.queueId, performance.now());
          },
        }),
      );
      await optOuts;
      expect(errors.map((e) => `${(e as { code?: string }).code ?? ""} ${(e as Error).message}`)).toEqual([]);
      expect(results.every((r) => r.errors === 0)).toBe(true);
    } finally {
      await workerDb.destroy();
    }
    // Whatever was left pending is cancelled; a later run sends nothing.
    expect((await runSendPath(opts(w))).outcomes.sent).toBe(0);
    const rows = await w.db.selectFrom("send_queue").select(["id", "status", "defer_reason", "current_attempt_id"]).execute();
    const attempts = await w.db.selectFrom("send_attempts").select(["id", "send_queue_id", "status"]).execute();
    expect(attempts.filter((a) => ["claimed", "sending", "unknown"].includes(a.status))).toEqual([]);
    const sentIds = new Set(w.mock.state.emails.filter((e) => e.role === "sent").flatMap((e) => e.headers.map((h) => h.value)));
    for (const r of rows) {
      expect(["sent", "cancelled", "skipped"]).toContain(r.status);
      // The campaign the opt-out answers stops as replied; every other as unsubscribed.
      if (r.status !== "sent") expect(r.defer_reason).toMatch(/^(replied|unsubscribed|do_not_contact)$/);
      const email = emailOf.get(r.id)!;
      const claimed = claimedAt.get(r.id);
      // A claim whose "mark sending" began after the opt-out was committed would be a send to someone
      // who opted out (invariant 4): none reached the fake.
      if (claimed !== undefined && claimed > optedOutAt.get(email)!) {
        expect(r.status).not.toBe("sent");
        for (const a of attempts.filter((x) => x.send_queue_id === r.id)) expect(sentIds.has(a.id)).toBe(false);
      }
    }
    const n = (status: string) => rows.filter((r) => r.status === status).length;
    // The race was not vacuous: some sends went out before their person's opt-out, some were stopped.
    expect(n("sent")).toBeGreaterThan(0);
    expect(n("cancelled") + n("skipped")).toBeGreaterThan(0);
    const sent = n("sent");
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(sent);
    const one = async (q: string) => (await sql<{ n: number }>`${sql.raw(q)}`.execute(w.db)).rows[0]!.n;
    expect(await one("SELECT count(*)::int AS n FROM send_attempts WHERE status = 'sent'")).toBe(sent);
    expect(await one("SELECT count(*)::int AS n FROM outreach_history")).toBe(sent);
    expect(await one("SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day'")).toBe(sent);
    const persons = await w.db.selectFrom("contacts").select(["global_status"]).execute();
    expect(persons.every((p) => p.global_status === "do_not_contact")).toBe(true);
  }, 180_000);

  it("the naive read-then-write limit check overruns under the same race (the test catches the bug)", async () => {
    w = await seedWorld({ engine: "postgres", server, accounts: 1, contacts: 120, dailyLimitEmails: 10 });
    // The anti-pattern of SEND-PATH.md: read the counter, send, then write read + 1.
    const naiveRunner = async (i: number) => {
      const db = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 1 });
      try {
        for (;;) {
          const row = await db.transaction().execute(async (trx) => {
            const r = await trx
              .selectFrom("send_queue")
              .selectAll()
              .where("status", "=", "pending")
              .limit(1)
              .forUpdate()
              .skipLocked()
              .executeTakeFirst();
            if (r) await trx.updateTable("send_queue").set({ status: "processing" }).where("id", "=", r.id).execute();
            return r;
          });
          if (!row) return;
          const account = await db
            .selectFrom("accounts")
            .select(["today_emails", "daily_limit_emails", "unipile_account_id"])
            .where("id", "=", row.account_id!)
            .executeTakeFirstOrThrow();
          if (account.today_emails >= account.daily_limit_emails) {
            await db.updateTable("send_queue").set({ status: "skipped" }).where("id", "=", row.id).execute();
            continue;
          }
          await w.senders.email!.sendEmail({
            accountId: account.unipile_account_id!,
            to: [{ email: `naive${i}-${row.id}@acme.example` }],
            subject: "x",
            text: "x",
          });
          await db
            .updateTable("accounts")
            .set({ today_emails: account.today_emails + 1 })
            .where("id", "=", row.account_id!)
            .execute();
          await db.updateTable("send_queue").set({ status: "sent" }).where("id", "=", row.id).execute();
        }
      } finally {
        await db.destroy();
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => naiveRunner(i)));
    const actual = w.mock.state.emails.filter((e) => e.role === "sent").length;
    const counter = (await w.db.selectFrom("accounts").select("today_emails").executeTakeFirstOrThrow()).today_emails;
    // The same assertions the real send path passes fail here.
    expect(actual).toBeGreaterThan(10);
    expect(counter).toBeLessThan(actual);
  }, 120_000);

  it("a Postgres connection killed mid-run does not stop the runner", async () => {
    // Ten accounts and at most four rounds of kills: a kill between an attempt's commit and its
    // provider call leaves that account mid-send until its lease lapses, so with fewer accounts
    // than kills the runner could (correctly) find every account busy and stop early.
    w = await seedWorld({ engine: "postgres", server, accounts: 10, contacts: 150 });
    const db = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 });
    const dbName = new URL(w.t.url!).pathname.slice(1);
    let kills = 0;
    let rounds = 0;
    const errors: unknown[] = [];
    const killer = setInterval(() => {
      if (rounds >= 4) return;
      void w.db
        .transaction()
        .execute(async (trx) => {
          const r = await sql<{ n: number }>`
            SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = ${dbName} AND pid <> pg_backend_pid() AND application_name <> 'keep'`.execute(trx);
          const n = r.rows[0]?.n ?? 0;
          kills += n;
          if (n > 0) rounds++;
        })
        .catch(() => undefined);
    }, 60);
    try {
      const sentSoFar = () => w.mock.state.emails.filter((e) => e.role === "sent").length;
      let sentAtFirstError = -1;
      const summary = await runSendPath({
        ...opts(w),
        db,
        errorBackoffMs: 10,
        maxConsecutiveErrors: 200,
        onError: (e) => {
          if (errors.length === 0) sentAtFirstError = sentSoFar();
          errors.push(e);
        },
      });
      clearInterval(killer);
      // The runner went on sending after its connection was killed.
      expect(sentAtFirstError).toBeGreaterThanOrEqual(0);
      expect(sentSoFar()).toBeGreaterThan(sentAtFirstError);
      // Whatever was in flight when a connection died is recovered like a crash.
      w.clock.advance(5 * 60_000);
      await runSendPath({ ...opts(w), db, errorBackoffMs: 10 });
      await runSendPath({ ...opts(w), db, errorBackoffMs: 10 });
      expect(kills).toBeGreaterThan(0);
      expect(errors.length).toBeGreaterThan(0);
      expect(summary.handled).toBeGreaterThan(0);
      expect(await statusCounts(w)).toEqual({ sent: 150 });
      await expectConsistentBooks(w);
    } finally {
      clearInterval(killer);
      await db.destroy();
    }
  }, 120_000);
});
