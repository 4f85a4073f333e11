import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createTestDb, testEngines } from "./testing.js";

/**
 * The send path's claim takes the first due row by (priority, scheduled_for, natural_key, id)
 * (scheduler's claim.ts); migration 20261206000100 indexes that order over due rows, so the claim
 * reads rows in order and stops at the first it can take instead of sorting every due row.
 */
describe.each(testEngines())("the claim's order index (%s)", (engine) => {
  it("the claim's order over due rows is read from the index, without sorting the due rows", async () => {
    const t = await createTestDb(engine);
    try {
      const { rows } = await sql<{ "QUERY PLAN": string }>`EXPLAIN
        SELECT * FROM send_queue WHERE status IN ('pending', 'scheduled') AND scheduled_for <= now()
        ORDER BY priority, scheduled_for, natural_key, id LIMIT 8 FOR UPDATE SKIP LOCKED`.execute(t.db);
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/Index Scan using idx_send_queue_claim_order on send_queue/);
      expect(plan).not.toMatch(/Sort/);
    } finally {
      await t.drop();
    }
  });
});
