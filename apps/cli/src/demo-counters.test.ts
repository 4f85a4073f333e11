/**
 * Counters and rates that are true: a fresh database with the demo run on it (Postgres when
 * TEST_DATABASE_URL is set, else PGlite), then every counter of campaigns, offers, accounts and
 * contacts — and the rates the dashboards' views show — recounted from the raw rows (history,
 * messages, events, outcomes, campaign contacts) and compared with what is stored.
 */
import { createTestDb, counterMismatches, runTotals, testEngines, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { runDemo } from "./demo/run-demo.js";

const START = new Date("2026-03-02T08:00:00Z"); // a Monday
const engines = testEngines();
// As demo.test.ts: Postgres when there is one (it is four times faster for a whole run), else PGlite.
const engine: TestEngine = engines.includes("postgres") ? "postgres" : "pglite";

describe(`the demo's counters on ${engine}`, () => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("are the ones the raw rows give, with opens from the tracking events; a wrong counter is caught", async () => {
    t = await createTestDb(engine);
    const db = t.db;
    // The default demo (three weeks): LinkedIn first, then email to those who did not answer, so
    // there are opens, replies, Cal.com meetings and companies past `qualified` to recount.
    const r = await runDemo({ db, weeks: 3, startAt: START });
    expect(r.ticks.jobErrors).toBe(0);

    // What happened is there at all: emails went out and people opened them.
    const totals = await runTotals(db);
    expect(r.facts.sent.emails).toBeGreaterThan(0);
    expect(totals.opened).toBeGreaterThan(0);
    const campaign = await db
      .selectFrom("campaigns")
      .select(["total_opened", "open_rate", "contacts_sent", "total_sent", "total_delivered"])
      .where("id", "=", r.campaign.id)
      .executeTakeFirstOrThrow();
    expect(campaign.total_opened).toBe(totals.opened);
    expect(campaign.open_rate).toBeGreaterThan(0);
    // Multi-step: more messages than people, so a per-message rate would understate.
    expect(campaign.total_sent).toBeGreaterThan(campaign.contacts_sent);

    // The raw rows agree with each other: one history row and one `sent` event per message that left.
    const raw = await sql<{ messages: number; history: number; sent_events: number }>`
      SELECT (SELECT count(*) FROM messages WHERE sent_at IS NOT NULL)::int AS messages,
             (SELECT count(*) FROM outreach_history)::int AS history,
             (SELECT count(*) FROM message_events WHERE event_type = 'sent')::int AS sent_events`.execute(db);
    expect(raw.rows[0]).toEqual({ messages: campaign.total_sent, history: campaign.total_sent, sent_events: campaign.total_sent });

    // Meetings came through the Cal.com path, and the counters count each person once.
    expect(totals.meetings).toBeGreaterThan(0);
    const booked = await sql<{ n: number }>`
      SELECT count(DISTINCT (campaign_id, contact_id))::int AS n FROM outcomes WHERE kind = 'meeting_booked' AND source = 'cal_com'`.execute(
      db,
    );
    expect(booked.rows[0]!.n).toBeGreaterThan(0);

    // Companies moved past `qualified`, consistently with the facts: none with a send is still
    // before `contacted`, none with a reply before `responded`, none with a meeting before `meeting`.
    expect(totals.companiesBeyondQualified).toBeGreaterThan(0);
    const behind = await sql<{ before_contacted: number; before_responded: number; before_meeting: number }>`
      SELECT
        (SELECT count(*) FROM companies co WHERE co.status IN ('new', 'qualified')
           AND EXISTS (SELECT 1 FROM outreach_history h JOIN contacts ct ON ct.id = h.contact_id WHERE ct.company_id = co.id))::int AS before_contacted,
        (SELECT count(*) FROM companies co WHERE co.status IN ('new', 'qualified', 'contacted')
           AND EXISTS (SELECT 1 FROM campaign_contacts cc JOIN contacts ct ON ct.id = cc.contact_id
                       WHERE ct.company_id = co.id AND cc.replied AND cc.reply_sentiment IS DISTINCT FROM 'ooo'))::int AS before_responded,
        (SELECT count(*) FROM companies co WHERE co.status IN ('new', 'qualified', 'contacted', 'responded')
           AND EXISTS (SELECT 1 FROM outcomes o WHERE o.company_id = co.id AND o.kind = 'meeting_booked'))::int AS before_meeting`.execute(
      db,
    );
    expect(behind.rows[0]).toEqual({ before_contacted: 0, before_responded: 0, before_meeting: 0 });

    // Every stored counter and view rate equals its recount from the raw rows.
    expect(await counterMismatches(db)).toEqual([]);

    // And the comparison notices a counter that drifted.
    await db
      .updateTable("campaigns")
      .set((eb) => ({ total_opened: eb("total_opened", "+", 1) }))
      .where("id", "=", r.campaign.id)
      .execute();
    expect(await counterMismatches(db)).toEqual([
      `campaigns ${r.campaign.slug}.total_opened: stored ${totals.opened + 1}, from the facts ${totals.opened}`,
    ]);
  }, 600_000);
});
