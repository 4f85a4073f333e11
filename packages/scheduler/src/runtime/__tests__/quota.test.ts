/**
 * Quota reads: what `readUsage` / `readUsageMany` return is what the engine's capacity checks
 * count. DMs and InMails share one counter, and each send counts once.
 */
import { accounts } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { effectiveLimits, remainingCapacity } from "../../engine/index.js";
import { readUsage, readUsageMany, reserveQuota } from "../quota.js";

describe.each(testEngines())("quota reads on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("counts each DM and InMail once against the shared message limit", async () => {
    t = await createTestDb(engine);
    const li = await accounts.create(t.db, { name: "jane_li", type: "linkedin", owner: "jane", daily_limit_messages: 10, hourly_limit: 100 });
    const other = await accounts.create(t.db, { name: "joe_li", type: "linkedin", owner: "joe", daily_limit_messages: 10, hourly_limit: 100 });
    const now = new Date("2026-11-30T15:00:00Z");
    const row = await t.db.selectFrom("accounts").selectAll().where("id", "=", li.id).executeTakeFirstOrThrow();
    const limits = effectiveLimits(row);
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) expect(await reserveQuota(trx, { accountId: li.id, action: "message", dailyLimit: limits.message, hourlyLimit: limits.hourly, now })).toBeNull();
      expect(await reserveQuota(trx, { accountId: li.id, action: "inmail", dailyLimit: limits.inmail, hourlyLimit: limits.hourly, now })).toBeNull();
    });
    const usage = await readUsage(t.db, li.id, now);
    expect(usage.hour).toBe(4);
    // Four sends of the shared counter: six left for either action, not two.
    expect(remainingCapacity(limits, usage, "message")).toBe(limits.message - 4);
    expect(remainingCapacity(limits, usage, "inmail")).toBe(limits.message - 4);
    const many = await readUsageMany(t.db, [li.id, other.id], now);
    expect(many.get(li.id)).toEqual(usage);
    expect(many.get(other.id)).toEqual({ day: {}, hour: 0 });
  });
});
