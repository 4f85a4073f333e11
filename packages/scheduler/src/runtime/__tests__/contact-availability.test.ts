/**
 * `cooling_off` follows the dates (docs/contact-status.md): the views (contacts_ready, export
 * leads, through the SQL function contact_globally_available) and enrolment (checkEligibility over
 * the campaign's candidates) give the same verdict on generated cases, and a contacted person comes
 * back once the window from our last touch has passed. PGlite always; PostgreSQL too with
 * TEST_DATABASE_URL.
 */
import {
  COOLING_OFF_DAYS_RANGE,
  DEFAULT_COOLING_OFF_DAYS,
  GLOBAL_STATUSES_THAT_COOL_OFF,
  globalContactStatuses,
  type GlobalContactStatus,
} from "@offerlab/core";
import { campaignAdmin, campaigns, companies, contacts, offers, personHistory, settings } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkEligibility, COOLING_OFF_DAYS, coolingOffEndsAt } from "../../engine/eligibility.js";

const DAY = 24 * 60 * 60 * 1000;
const statuses = ["available", "cooling_off", "replied", "do_not_contact"] as const;
// Days since our last touch; null = never touched. 60 ± a few minutes sits on the boundary.
const ages = [null, 0.5, 30, 59.99, 60.01, 61, 400] as const;

describe.each(testEngines())("contact availability on %s", (engine) => {
  let t: TestDb;
  let campaignId: string;
  const cases: { id: string; status: (typeof statuses)[number]; age: number | null }[] = [];

  beforeAll(async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const offer = await offers.create(db, { name: "Cool", type: "product", ownership: "internal", description: "d" });
    const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "exa", fit_score: 8 }))
      .company;
    const now = Date.now();
    let n = 0;
    for (const status of statuses) {
      for (const age of ages) {
        n++;
        const email = `p${n}@acme.com`;
        const touched = age === null ? null : new Date(now - age * DAY);
        const { contact } = await contacts.upsert(db, {
          offer_id: offer.id,
          company_id: company.id,
          source_tool: "manual",
          status: "ready",
          full_name: `Person ${n}`,
          email,
          global_status: status,
          global_last_contacted_at: touched,
        });
        // The send path writes both: the history row (what enrolment and `why` read) and the
        // contact's global_last_contacted_at (what the views read).
        if (touched) await db.insertInto("outreach_history").values({ contact_email: email, channel: "email", sent_at: touched }).execute();
        cases.push({ id: contact.id, status, age });
      }
    }
    campaignId = (await campaigns.create(db, { name: "C", offer_id: offer.id, channel: "email", campaign_slug: "c" })).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function verdicts() {
    const now = new Date();
    const { coolingOffDays } = await settings.get(t.db);
    const { rows } = await sql<{ id: string }>`SELECT id FROM contacts_ready`.execute(t.db);
    const inView = new Set(rows.map((r) => r.id));
    const { candidates } = await campaignAdmin.candidates(t.db, campaignId);
    const enrolable = new Map(
      candidates.map(
        (c) => [c.contactId, checkEligibility(c.person, { isFirstTouch: true, action: "email", now, coolingOffDays }).ok] as const,
      ),
    );
    return { inView, enrolable };
  }

  it("the view and enrolment agree on every generated case", async () => {
    const { inView, enrolable } = await verdicts();
    for (const c of cases) {
      expect({ ...c, view: inView.has(c.id) }).toEqual({ ...c, view: enrolable.get(c.id) });
    }
  });

  it("a contacted person is hidden until 60 days after our last touch, then shown and enrolable", async () => {
    const { inView, enrolable } = await verdicts();
    const verdict = (status: string, age: number | null) => {
      const c = cases.find((x) => x.status === status && x.age === age)!;
      return { view: inView.has(c.id), enrol: enrolable.get(c.id) };
    };
    expect(verdict("available", null)).toEqual({ view: true, enrol: true });
    expect(verdict("cooling_off", 59.99)).toEqual({ view: false, enrol: false });
    expect(verdict("cooling_off", 60.01)).toEqual({ view: true, enrol: true });
    expect(verdict("cooling_off", 400)).toEqual({ view: true, enrol: true });
    // A status still `available` with a recent touch is cooling off all the same.
    expect(verdict("available", 30)).toEqual({ view: false, enrol: false });
    // A flag with no date cannot be checked, so it is trusted.
    expect(verdict("cooling_off", null)).toEqual({ view: false, enrol: false });
    // Replied and do-not-contact never come back by themselves.
    for (const age of ages) {
      expect(verdict("replied", age)).toEqual({ view: false, enrol: false });
      expect(verdict("do_not_contact", age)).toEqual({ view: false, enrol: false });
    }
  });

  it("a changed window moves the views, enrolment and why together", async () => {
    await settings.setCoolingOffDays(t.db, 45);
    try {
      const { inView, enrolable } = await verdicts();
      for (const c of cases) expect({ ...c, view: inView.has(c.id) }).toEqual({ ...c, view: enrolable.get(c.id) });
      const back = cases.find((x) => x.status === "cooling_off" && x.age === 59.99)!;
      expect(inView.has(back.id)).toBe(true);
      const still = cases.find((x) => x.status === "cooling_off" && x.age === 30)!;
      expect(inView.has(still.id)).toBe(false);
      const history = await personHistory(t.db, { email: (await contacts.get(t.db, still.id))!.email });
      expect(history!.coolingOffDays).toBe(45);
      const verdict = checkEligibility(
        { rows: history!.contacts.map((c) => ({ ...c, connection_degree: null })), lastTouchAt: history!.lastTouchAt },
        { isFirstTouch: true, action: "email", now: new Date(), coolingOffDays: history!.coolingOffDays },
      );
      expect(verdict).toEqual({ ok: false, reason: "cooling_off" });
      expect(coolingOffEndsAt(history!.lastTouchAt!, history!.coolingOffDays).getTime()).toBeCloseTo(
        history!.lastTouchAt!.getTime() + 45 * DAY,
        -3,
      );
    } finally {
      await settings.setCoolingOffDays(t.db, 60);
    }
  });

  it("the window ends at coolingOffEndsAt in both", async () => {
    const touched = new Date(Date.now() - 61 * DAY);
    const { rows } = await sql<{ ok: boolean; endsOk: boolean }>`
      SELECT contact_globally_available('cooling_off', ${touched}::timestamptz, ${coolingOffEndsAt(touched)}::timestamptz) AS ok,
             contact_globally_available('cooling_off', ${touched}::timestamptz, ${new Date(coolingOffEndsAt(touched).getTime() - 1000)}::timestamptz) AS "endsOk"`.execute(
      t.db,
    );
    expect(rows[0]).toEqual({ ok: true, endsOk: false });
  });
  it("the SQL side has core's parameters: default window, bounds, and which statuses cool off", async () => {
    const db = t.db;
    // The engine's default is core's number.
    expect(COOLING_OFF_DAYS).toBe(DEFAULT_COOLING_OFF_DAYS);
    // No settings row: the SQL function's default is core's, and so is the table's column default.
    await sql`DELETE FROM offerlab_settings`.execute(db);
    const fn = await sql<{ days: number }>`SELECT offerlab_cooling_off_days() AS days`.execute(db);
    expect(fn.rows[0]!.days).toBe(DEFAULT_COOLING_OFF_DAYS);
    const row = await sql<{
      days: number;
    }>`INSERT INTO offerlab_settings (singleton) VALUES (TRUE) RETURNING cooling_off_days AS days`.execute(db);
    expect(row.rows[0]!.days).toBe(DEFAULT_COOLING_OFF_DAYS);
    expect((await settings.get(db)).coolingOffDays).toBe(DEFAULT_COOLING_OFF_DAYS);
    // The table's CHECK holds the same bounds as core's range (which setCoolingOffDays validates).
    const accepts = async (days: number) =>
      sql`UPDATE offerlab_settings SET cooling_off_days = ${days}`.execute(db).then(
        () => true,
        () => false,
      );
    const { min, max } = COOLING_OFF_DAYS_RANGE;
    expect([await accepts(min - 1), await accepts(min), await accepts(max), await accepts(max + 1)]).toEqual([false, true, true, false]);
    await sql`DELETE FROM offerlab_settings`.execute(db);

    // Which statuses come back once the window has passed: the SQL function, core's list and
    // checkEligibility agree on every global status, on both sides of the default window.
    const now = new Date();
    for (const status of globalContactStatuses) {
      for (const ageDays of [DEFAULT_COOLING_OFF_DAYS - 1, DEFAULT_COOLING_OFF_DAYS + 1]) {
        const touched = new Date(now.getTime() - ageDays * DAY);
        const { rows } = await sql<{ ok: boolean }>`
          SELECT contact_globally_available(${status}, ${touched}::timestamptz, ${now}::timestamptz) AS ok`.execute(db);
        const engine = checkEligibility(
          {
            rows: [{ global_status: status, status: "ready", eligible_for_outreach: true, connection_degree: null }],
            lastTouchAt: touched,
          },
          { isFirstTouch: true, action: "email", now, coolingOffDays: DEFAULT_COOLING_OFF_DAYS },
        ).ok;
        const expected =
          ageDays > DEFAULT_COOLING_OFF_DAYS && (GLOBAL_STATUSES_THAT_COOL_OFF as readonly GlobalContactStatus[]).includes(status);
        expect({ status, ageDays, sql: rows[0]!.ok, engine }).toEqual({ status, ageDays, sql: expected, engine: expected });
      }
    }
  });
});
