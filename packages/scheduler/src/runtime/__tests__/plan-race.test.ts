/**
 * Planners racing on PostgreSQL (issue 19): several `planDue` calls at once, each with batches in
 * flight, plan every due contact exactly once. A pick whose statement began before another
 * planner committed a batch meets that batch's contacts unlocked, rechecks their new row versions
 * and returns them — its "no step on its way" subquery still sees the queue as it was when the pick
 * began — so the planner re-reads the contacts' last queue rows and leaves those to the planner
 * that planned them. PostgreSQL only (PGlite has one connection: its batches never overlap).
 */
import { campaigns } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { seededRandomSource } from "../../engine/random.js";
import { planDue } from "../plan.js";
import { ALWAYS_OPEN, mockAccounts, seedMailboxes, seedOffer, seedTemplates } from "./support.js";

const NOW = new Date("2026-03-02T08:00:00.000Z");
const PEOPLE = 600;
const ROUNDS = 8;

describe.skipIf(!testEngines().includes("postgres"))("planners racing on postgres", () => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it("three planners with batches in flight plan every due contact once, and none is planned again or put off", async () => {
    t = await createTestDb("postgres");
    const db = t.db;
    const { offerId, companyId } = await seedOffer(db, { name: "Race" });
    const mailboxes = await seedMailboxes(db, mockAccounts(2), {});
    const campaign = await campaigns.create(db, {
      name: "Race",
      offer_id: offerId,
      channel: "email",
      status: "active",
      ...ALWAYS_OPEN,
      account_ids: mailboxes.map((m) => ({ id: m.id, name: m.name, type: "email" as const })),
      scheduling_config: { steps: [{ step: 1, type: "email", delay_days: 0 }], stop_on_reply: true },
    });
    await seedTemplates(db, offerId, [
      { name: "email 1", channel: "email", sequence_step: 1, subject: "Hi", body: "Hi {{first_name|there}}.", status: "approved" },
    ]);
    await sql`INSERT INTO contacts (offer_id, company_id, source_tool, first_name, email, status)
      SELECT ${offerId}::uuid, ${companyId}::uuid, 'manual', 'P' || g, 'p' || g || '@acme.example', 'ready'
      FROM generate_series(1, ${PEOPLE}::int) g`.execute(db);
    await sql`INSERT INTO campaign_contacts (campaign_id, contact_id, status, added_at)
      SELECT ${campaign.id}::uuid, id, 'queued', ${NOW} FROM contacts`.execute(db);

    // Small batches, many of them in flight at once: many picks begin while another batch commits.
    // Several rounds (the state reset between them): a round may meet no such pick.
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        await sql`DELETE FROM messages`.execute(db);
        await sql`DELETE FROM send_queue`.execute(db);
        await sql`UPDATE campaign_contacts SET status = 'queued', next_step_at = NULL, started_at = NULL, max_step = NULL`.execute(db);
      }
      const runs = await Promise.all(
        [1, 2, 3].map((n) =>
          planDue({ db, now: () => NOW, limit: PEOPLE, batchSize: 7, concurrency: 2, random: seededRandomSource(`planner ${n}`) }),
        ),
      );
      expect(runs.reduce((sum, r) => sum + r.planned, 0)).toBe(PEOPLE);
      // Nobody was planned twice: no planner met another's queue row at insert ("already planned").
      expect(
        runs.map((r) => r.waiting),
        `round ${round}`,
      ).toEqual([{}, {}, {}]);
      const { rows } = await sql<{ queued: number; next_step_at: Date | null; status: string }>`
        SELECT (SELECT count(*)::int FROM send_queue q WHERE q.campaign_contact_id = cc.id) AS queued, cc.next_step_at, cc.status
        FROM campaign_contacts cc`.execute(db);
      expect(rows).toHaveLength(PEOPLE);
      // One step on its way each, and nobody's next look moved (a double pick put it an hour on).
      expect(rows.every((r) => r.queued === 1 && r.next_step_at === null && r.status === "in_progress")).toBe(true);
    }
  }, 240_000);
});
