/**
 * The campaign's own daily cap (`campaigns.daily_send_cap`, issue 16): counted in
 * `campaign_usage` per calendar day in the campaign's time zone by a guarded upsert in the claim's
 * transaction, given back exactly where the account quota is (a refusal, an expired claim, a
 * reconciled "not sent", a reply cancelling a claim). The race runs on PostgreSQL
 * (TEST_DATABASE_URL): PGlite serialises everything, so a race there would pass vacuously.
 */
import { createDb } from "@offerlab/db";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { dispatchOne } from "../dispatch.js";
import { runSendPath, type RunOptions } from "../loop.js";
import { nextCampaignDay } from "../quota.js";
import { reapExpired } from "../reaper.js";
import { recordReply } from "../stop-on-reply.js";
import { RunnerCrash } from "../types.js";
import { mswServer, seedWorld, type World } from "./world.js";

// Two cores shared with other suites: a claim-by-claim run on PGlite takes seconds.
vi.setConfig({ testTimeout: 60_000 });

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

function opts(w: World, extra: Partial<RunOptions> = {}): RunOptions {
  return { db: w.db, senders: w.senders, now: () => w.clock.now, accountGapMs: { min: 0, max: 0 }, leaseMs: 60_000, ...extra };
}

async function usage(w: World): Promise<{ day: string; sent: number }[]> {
  return w.db.selectFrom("campaign_usage").select(["day", "sent"]).where("campaign_id", "=", w.campaignId).orderBy("day").execute();
}

async function sentCount(w: World): Promise<number> {
  return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_queue WHERE status = 'sent'`.execute(w.db)).rows[0]!.n;
}

describe.each(engines)("the campaign's daily cap on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("counts every send per local day, defers the rest to the campaign's next midnight with campaign_daily_cap, and sends them then", async () => {
    // 23:30 UTC on 25 Nov is 18:30 in New York: the campaign's day is still the 25th there.
    w = await seedWorld({ engine, server, accounts: 2, contacts: 5, start: new Date("2026-11-25T23:30:00Z") });
    await w.db.updateTable("campaigns").set({ daily_send_cap: 3, timezone: "America/New_York" }).execute();
    const first = await runSendPath(opts(w));
    expect(first.outcomes.sent).toBe(3);
    expect(first.deferred).toEqual({ campaign_daily_cap: 2 });
    const held = await w.db.selectFrom("send_queue").select(["defer_reason", "scheduled_for"]).where("status", "=", "pending").execute();
    const midnight = new Date("2026-11-26T05:00:00Z"); // 00:00 in New York
    expect(held).toEqual([
      { defer_reason: "campaign_daily_cap", scheduled_for: midnight },
      { defer_reason: "campaign_daily_cap", scheduled_for: midnight },
    ]);
    expect(await usage(w)).toEqual([{ day: "2026-11-25", sent: 3 }]);
    // The account quota the refused claims reserved was given back: it equals the sends.
    const used = (await sql<{ n: number }>`SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day'`.execute(w.db))
      .rows[0]!.n;
    expect(used).toBe(3);
    const attempts = await w.db.selectFrom("send_attempts").select("campaign_day").execute();
    expect(attempts.map((a) => a.campaign_day)).toEqual(["2026-11-25", "2026-11-25", "2026-11-25"]);

    // The UTC day has changed (00:30 UTC on the 26th) but not New York's: still capped.
    w.clock.set(new Date("2026-11-26T00:30:00Z"));
    expect(await dispatchOne(opts(w))).toMatchObject({ kind: "idle" });
    w.clock.set(new Date("2026-11-26T05:00:01Z"));
    const next = await runSendPath(opts(w));
    expect(next.outcomes.sent).toBe(2);
    expect(await usage(w)).toEqual([
      { day: "2026-11-25", sent: 3 },
      { day: "2026-11-26", sent: 2 },
    ]);
  });

  it("the next day is the campaign's local midnight, across a daylight-saving change", () => {
    // Paris leaves summer time on 25 Oct 2026: that day lasts 25 hours.
    expect(nextCampaignDay("Europe/Paris", new Date("2026-10-24T22:30:00Z")).toISOString()).toBe("2026-10-25T23:00:00.000Z");
    expect(nextCampaignDay("Europe/Paris", new Date("2026-10-24T21:30:00Z")).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(nextCampaignDay("UTC", new Date("2026-11-25T23:59:59Z")).toISOString()).toBe("2026-11-26T00:00:00.000Z");
  });

  it("a send the provider refused gives its unit back: the cap still allows as many sends as it says", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 4 });
    await w.db.updateTable("campaigns").set({ daily_send_cap: 2 }).execute();
    w.mock.fail("refusal", { times: 1, match: "POST /emails", type: "errors/recipient_rejected" });
    expect(await dispatchOne(opts(w))).toMatchObject({ kind: "refused", final: true });
    expect((await usage(w))[0]!.sent).toBe(0);
    const summary = await runSendPath(opts(w));
    expect(summary.outcomes.sent).toBe(2);
    expect(summary.deferred).toEqual({ campaign_daily_cap: 1 });
    expect(await sentCount(w)).toBe(2);
    expect((await usage(w))[0]!.sent).toBe(2);
  });

  it("an expired claim and a reply that cancels a claim give the unit back", async () => {
    w = await seedWorld({ engine, server, accounts: 2, contacts: 3 });
    await w.db.updateTable("campaigns").set({ daily_send_cap: 1 }).execute();
    // A runner dies right after its claim: the reaper gives the unit back when the lease lapses.
    await expect(
      dispatchOne(
        opts(w, {
          crashAt: (p) => {
            if (p === "after_claim") throw new RunnerCrash(p);
          },
        }),
      ),
    ).rejects.toThrow(RunnerCrash);
    expect((await usage(w))[0]!.sent).toBe(1);
    w.clock.advance(61_000);
    expect(await reapExpired(opts(w))).toMatchObject({ requeued: 1 });
    expect((await usage(w))[0]!.sent).toBe(0);

    // A reply lands between claim and call: the claimed attempt is cancelled, its unit given back.
    let claimedQueueId: string | undefined;
    const out = await dispatchOne(
      opts(w, {
        crashAt: async (p, info) => {
          if (p !== "after_claim") return;
          claimedQueueId = info.queueId;
          const cc = await w.db
            .selectFrom("send_queue")
            .select("campaign_contact_id")
            .where("id", "=", info.queueId)
            .executeTakeFirstOrThrow();
          await recordReply({ db: w.db, now: () => w.clock.now }, { campaignContactId: cc.campaign_contact_id!, sentiment: "negative" });
        },
      }),
    );
    expect(out).toMatchObject({ kind: "lost" });
    expect(claimedQueueId).toBeDefined();
    expect((await usage(w))[0]!.sent).toBe(0);
    // The unit is free again: exactly one more send goes today.
    const rest = await runSendPath(opts(w));
    expect(rest.outcomes.sent).toBe(1);
    expect(rest.deferred).toEqual({ campaign_daily_cap: 1 });
    expect((await usage(w))[0]!.sent).toBe(1);
  });

  it("raising or clearing the cap through the edit lets the held sends go at once", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 4 });
    await w.db.updateTable("campaigns").set({ daily_send_cap: 1 }).execute();
    expect((await runSendPath(opts(w))).outcomes.sent).toBe(1);
    const { campaignAdmin } = await import("@offerlab/db");
    const edit = await campaignAdmin.changeSettings(w.db, w.campaignId, { daily_send_cap: 3 }, { now: w.clock.now });
    expect(edit.changed).toEqual(["daily_send_cap"]);
    expect(edit.queueRetimed).toBe(3);
    const more = await runSendPath(opts(w));
    expect(more.outcomes.sent).toBe(2);
    expect(more.deferred).toEqual({ campaign_daily_cap: 1 });
    await campaignAdmin.changeSettings(w.db, w.campaignId, { daily_send_cap: null }, { now: w.clock.now });
    expect((await runSendPath(opts(w))).outcomes.sent).toBe(1);
    expect(await sentCount(w)).toBe(4);
    // Without a cap the campaign's sends are not counted (they take no shared row).
    expect((await usage(w))[0]!.sent).toBe(3);
    expect((await w.db.selectFrom("send_attempts").select("campaign_day").orderBy("created_at").execute()).at(-1)).toEqual({
      campaign_day: null,
    });
  });

  it("a cap set in the middle of the day counts the day's sends so far", async () => {
    w = await seedWorld({ engine, server, accounts: 2, contacts: 6 });
    expect((await runSendPath(opts(w, { max: 2 }))).outcomes.sent).toBe(2);
    expect(await usage(w)).toEqual([]);
    const { campaignAdmin } = await import("@offerlab/db");
    await campaignAdmin.changeSettings(w.db, w.campaignId, { daily_send_cap: 3 }, { now: w.clock.now });
    expect((await usage(w))[0]!.sent).toBe(2);
    const rest = await runSendPath(opts(w));
    expect(rest.outcomes.sent).toBe(1);
    expect(rest.deferred).toEqual({ campaign_daily_cap: 3 });
    expect(await sentCount(w)).toBe(3);
  });
});

describe.runIf(PG)("the campaign's daily cap races on postgres", () => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("8 runners over 4 accounts of one campaign never exceed its cap, and the counter equals the sends", async () => {
    w = await seedWorld({ engine: "postgres", server, accounts: 4, contacts: 120 });
    await w.db.updateTable("campaigns").set({ daily_send_cap: 37 }).execute();
    const dbs = Array.from({ length: 8 }, () => createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 }));
    let results;
    try {
      results = await Promise.all(dbs.map((db, i) => runSendPath({ ...opts(w), db, runnerId: `r${i}` })));
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
    expect(results.every((r) => r.errors === 0)).toBe(true);
    expect(results.reduce((s, r) => s + r.outcomes.sent, 0)).toBe(37);
    expect(results.filter((r) => r.outcomes.sent > 0).length).toBeGreaterThan(1);
    expect(results.reduce((s, r) => s + (r.deferred.campaign_daily_cap ?? 0), 0)).toBe(120 - 37);
    expect(await sentCount(w)).toBe(37);
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(37);
    expect((await usage(w))[0]!.sent).toBe(37);
    const used = (await sql<{ n: number }>`SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day'`.execute(w.db))
      .rows[0]!.n;
    expect(used).toBe(37);
  }, 120_000);

  it("without the guard (a read, then an unconditional increment) the same race overruns the cap (the test catches the bug)", async () => {
    w = await seedWorld({ engine: "postgres", server, accounts: 4, contacts: 120 });
    const cap = 37;
    const dbs = Array.from({ length: 8 }, () => createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 }));
    // The anti-pattern: each runner reads the count, then claims when it reads below the cap.
    let sent = 0;
    try {
      await Promise.all(
        dbs.map(async (db) => {
          for (;;) {
            const claimed = await db.transaction().execute(async (trx) => {
              const row = await trx
                .selectFrom("send_queue")
                .select("id")
                .where("status", "=", "pending")
                .limit(1)
                .forUpdate()
                .skipLocked()
                .executeTakeFirst();
              if (!row) return null;
              const read = await sql<{ sent: number }>`SELECT coalesce(max(sent), 0)::int AS sent FROM campaign_usage`.execute(trx);
              await new Promise((r) => setTimeout(r, 2));
              if (read.rows[0]!.sent >= cap) {
                await trx.updateTable("send_queue").set({ status: "cancelled" }).where("id", "=", row.id).execute();
                return false;
              }
              await sql`INSERT INTO campaign_usage (campaign_id, day, sent) VALUES (${w.campaignId}::uuid, '2026-01-01', ${read.rows[0]!.sent + 1})
                ON CONFLICT (campaign_id, day) DO UPDATE SET sent = ${read.rows[0]!.sent + 1}`.execute(trx);
              await trx.updateTable("send_queue").set({ status: "sent" }).where("id", "=", row.id).execute();
              return true;
            });
            if (claimed === null) return;
            if (claimed) sent++;
          }
        }),
      );
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
    expect(sent).toBeGreaterThan(cap);
  }, 120_000);
});
