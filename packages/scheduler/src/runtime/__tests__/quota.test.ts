/**
 * Quota reads: what `readUsage` / `readUsageMany` return is what the engine's capacity checks
 * count. DMs and InMails share one counter, and each send counts once.
 */
import { accounts } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { effectiveLimits, remainingCapacity } from "../../engine/index.js";
import { readUsage, readUsageMany, reserveQuota } from "../quota.js";
import { readAccountCapacity } from "../standing.js";

describe.each(testEngines())("quota reads on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("counts each DM and InMail once against the shared message limit", async () => {
    t = await createTestDb(engine);
    const li = await accounts.create(t.db, {
      name: "jane_li",
      type: "linkedin",
      owner: "jane",
      daily_limit_messages: 10,
      hourly_limit: 100,
    });
    const other = await accounts.create(t.db, {
      name: "joe_li",
      type: "linkedin",
      owner: "joe",
      daily_limit_messages: 10,
      hourly_limit: 100,
    });
    const now = new Date("2026-11-30T15:00:00Z");
    const row = await t.db.selectFrom("accounts").selectAll().where("id", "=", li.id).executeTakeFirstOrThrow();
    const limits = effectiveLimits(row);
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++)
        expect(
          await reserveQuota(trx, { accountId: li.id, action: "message", dailyLimit: limits.message, hourlyLimit: limits.hourly, now }),
        ).toBeNull();
      expect(
        await reserveQuota(trx, { accountId: li.id, action: "inmail", dailyLimit: limits.inmail, hourlyLimit: limits.hourly, now }),
      ).toBeNull();
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

  it("readAccountCapacity judges each account by the send path's limits and its account_usage counters", async () => {
    t = await createTestDb(engine);
    const now = new Date("2026-11-30T15:20:00Z");
    // The document's today_* counters say the invitations are used up; the send path counts
    // account_usage (here two invitations this hour), and that is what the dashboards must show.
    const li = await accounts.create(t.db, {
      name: "jane_li",
      type: "linkedin",
      owner: "jane",
      unipile_account_id: "u-jane",
      daily_limit_connections: 20,
      hourly_limit: 8,
      warming_week: 1,
      today_connections: 20,
    });
    const box = await accounts.create(t.db, { name: "sales box", type: "email", owner: "jane", email_address: "sales@acme.io" });
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 2; i++)
        expect(await reserveQuota(trx, { accountId: li.id, action: "connection_request", dailyLimit: 5, hourlyLimit: 2, now })).toBeNull();
    });
    const [jane, sales] = await readAccountCapacity(t.db, { now });
    expect(jane!.account.id).toBe(li.id);
    expect(jane!.standing).toEqual({
      actions: {
        connection_request: { limit: 5, used: 2, remaining: 3, refused: "account_warming_cap" },
        message: { limit: 10, used: 0, remaining: 10, refused: "account_warming_cap" },
        email: null,
      },
      hour: { limit: 2, used: 2, remaining: 0 },
      canSend: false,
      reason: "account_warming_cap",
      until: new Date("2026-11-30T16:00:00Z"),
    });
    expect(sales!.account.id).toBe(box.id);
    expect(sales!.standing).toMatchObject({
      canSend: false,
      reason: "account_unlinked",
      until: null,
      actions: { connection_request: null, message: null, email: { limit: 100, used: 0 } },
    });
    // An hour later the hourly room is back.
    expect((await readAccountCapacity(t.db, { now: new Date("2026-11-30T16:05:00Z"), ids: [li.id] }))[0]!.standing).toMatchObject({
      canSend: true,
      hour: { used: 0, remaining: 2 },
    });
    expect((await readAccountCapacity(t.db, { now, type: "email" })).map((c) => c.account.name)).toEqual(["sales box"]);
  });
});
