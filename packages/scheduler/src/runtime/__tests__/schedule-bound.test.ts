/**
 * `predictTodaysSends` loads only what each account can still send today (issue 18): the rows
 * beyond its capacity are counted, not loaded, and the rows it replays are predicted exactly as
 * the unbounded replay predicts them. Runs on PGlite, and on Postgres when TEST_DATABASE_URL is set.
 */
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testEngines } from "@offerlab/db/testing";
import { seededRandomSource } from "../../engine/random.js";
import type { QueueRow } from "../context.js";
import { dispatchDue } from "../dispatch.js";
import { predictTodaysSends } from "../schedule.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const start = new Date("2026-12-03T09:00:10Z");
const endOfDay = new Date("2026-12-04T00:00:00Z");

describe.each(testEngines())("today's sends, bounded by capacity, on %s", (engine) => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.t.drop();
    w = undefined;
  });

  it("loads the contexts of only the rows an account capped at 3 a day can send, and counts the other 47 as waiting for its daily limit", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 50, dailyLimitEmails: 3, start });
    const loaded: QueueRow[] = [];
    const bounded = await predictTodaysSends(w.db, {
      now: start,
      until: endOfDay,
      random: seededRandomSource("bound"),
      onLoad: (rows) => loaded.push(...rows),
    });
    expect(loaded).toHaveLength(3);
    expect(bounded.sends.size).toBe(3);
    expect([...bounded.sends.values()].every((s) => s.at !== null)).toBe(true);
    expect(bounded.waiting).toEqual([{ accountId: w.accountIds[0], campaignId: null, count: 47, reason: "daily_cap", skipped: false }]);

    // The unbounded replay of all 50 rows: the same three go at the same times; the rest wait for the daily limit.
    const all: QueueRow[] = [];
    const full = await predictTodaysSends(w.db, {
      now: start,
      until: endOfDay,
      random: seededRandomSource("bound"),
      bounded: false,
      onLoad: (rows) => all.push(...rows),
    });
    expect(all).toHaveLength(50);
    for (const [id, s] of bounded.sends) expect(s).toEqual(full.sends.get(id));
    const rest = [...full.sends.values()].filter((s) => !bounded.sends.has(s.id));
    expect(rest).toHaveLength(47);
    expect(new Set(rest.map((s) => [s.at, s.reason].join()))).toEqual(new Set([",daily_cap"]));
  }, 180_000);

  it("loads further rows when some it loaded do not use the capacity (a skipped person), until the capacity is used", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 50, dailyLimitEmails: 3, start });
    const db = w.db;
    // The first row in the claim's order (same time, no natural key: by id) goes to a person who may not be contacted.
    const first = await db
      .selectFrom("send_queue")
      .select(["id", "contact_id"])
      .orderBy("priority")
      .orderBy("scheduled_for")
      .orderBy("natural_key")
      .orderBy("id")
      .executeTakeFirstOrThrow();
    await db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("id", "=", first.contact_id).execute();
    const loaded: QueueRow[] = [];
    const random = () => seededRandomSource("bound");
    const bounded = await predictTodaysSends(db, { now: start, until: endOfDay, random: random(), onLoad: (rows) => loaded.push(...rows) });
    // 3 loaded, 2 sent (one skipped), then the next rows (3 more): 3 sent.
    expect(loaded.length).toBeGreaterThan(3);
    expect(loaded.length).toBeLessThanOrEqual(6);
    expect(new Set(loaded.map((r) => r.id)).size).toBe(loaded.length);
    expect(bounded.sends.get(first.id)).toMatchObject({ at: null, skipped: true, reason: "do_not_contact" });
    expect([...bounded.sends.values()].filter((s) => s.at !== null)).toHaveLength(3);
    expect(bounded.waiting).toEqual([
      { accountId: w.accountIds[0], campaignId: null, count: 50 - loaded.length, reason: "daily_cap", skipped: false },
    ]);
    const full = await predictTodaysSends(db, { now: start, until: endOfDay, random: random(), bounded: false });
    for (const [id, s] of bounded.sends) expect(s).toEqual(full.sends.get(id));
    expect([...full.sends.values()].filter((s) => s.at !== null)).toHaveLength(3);
  }, 180_000);

  it("when the window closes before the end and no window of the account opens again, loads nothing more: the other rows wait for it", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 120, dailyLimitEmails: 15, start });
    const db = w.db;
    // The window closes 20 minutes after the start: a few sends, then every other row waits for tomorrow's window.
    await db.updateTable("campaigns").set({ timezone: "UTC", send_window_start: "09:00", send_window_end: "09:20" }).execute();
    const loads: number[] = [];
    const random = () => seededRandomSource("window");
    const bounded = await predictTodaysSends(db, {
      now: start,
      until: endOfDay,
      random: random(),
      onLoad: (rows) => loads.push(rows.length),
    });
    // 15 rows (the daily limit's room), fewer sent, the rest held by the window; no window of the
    // account opens again today, so the other 105 cannot go and are counted, not loaded.
    expect(loads).toEqual([15]);
    const sent = [...bounded.sends.values()].filter((s) => s.at !== null);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(15);
    expect(bounded.waiting).toEqual([
      { accountId: w.accountIds[0], campaignId: null, count: 105, reason: "window_closed", skipped: false },
    ]);
    const full = await predictTodaysSends(db, { now: start, until: endOfDay, random: random(), bounded: false });
    for (const [id, s] of bounded.sends) expect(s).toEqual(full.sends.get(id));
    const rest = [...full.sends.values()].filter((s) => !bounded.sends.has(s.id));
    expect(rest).toHaveLength(105);
    expect(new Set(rest.map((s) => [s.at, s.reason].join()))).toEqual(new Set([",window_closed"]));
  }, 180_000);

  it("when another campaign of the account opens its window later in the day, loads the account's other rows at once", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 120, dailyLimitEmails: 15, start });
    const db = w.db;
    await db.updateTable("campaigns").set({ timezone: "UTC", send_window_start: "09:00", send_window_end: "09:20" }).execute();
    // The last 60 rows in the claim's order belong to a second campaign of the same account whose
    // window opens at noon: they are not among the first 15 loaded, but they can go today.
    const noon = await sql<{ id: string }>`
      INSERT INTO campaigns (name, offer_id, channel, account_id, account_ids, sequence_config, scheduling_config, status,
                             send_window_start, send_window_end, send_days, timezone)
      SELECT 'Noon', offer_id, channel, account_id, account_ids, sequence_config, scheduling_config, status,
             '12:00', '13:00', send_days, 'UTC'
      FROM campaigns WHERE id = ${w.campaignId} RETURNING id`.execute(db);
    await sql`
      UPDATE send_queue SET campaign_id = ${noon.rows[0]!.id}
      WHERE id IN (SELECT id FROM send_queue ORDER BY priority, scheduled_for, natural_key, id OFFSET 60)`.execute(db);
    const loads: number[] = [];
    const random = () => seededRandomSource("window");
    const bounded = await predictTodaysSends(db, {
      now: start,
      until: endOfDay,
      random: random(),
      onLoad: (rows) => loads.push(rows.length),
    });
    expect(loads).toEqual([15, 105]);
    expect(bounded.waiting).toEqual([]);
    const full = await predictTodaysSends(db, { now: start, until: endOfDay, random: random(), bounded: false });
    expect(bounded.sends).toEqual(full.sends);
    // Some of the noon campaign's rows go, in its window.
    const atNoon = [...bounded.sends.values()].filter((s) => s.at && s.at.getUTCHours() === 12);
    expect(atNoon.length).toBeGreaterThan(0);
  }, 180_000);

  it("loads nothing of a paused account and says its rows wait for it", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 5, start });
    await w.db.updateTable("accounts").set({ status: "paused" }).execute();
    const loaded: QueueRow[] = [];
    const r = await predictTodaysSends(w.db, { now: start, until: endOfDay, onLoad: (rows) => loaded.push(...rows) });
    expect(loaded).toHaveLength(0);
    expect(r.sends.size).toBe(0);
    expect(r.waiting).toEqual([{ accountId: w.accountIds[0], campaignId: null, count: 5, reason: "account_paused", skipped: false }]);
  }, 180_000);

  it("counts the rows of a paused campaign, or of a campaign whose offer is paused, with that reason, as the send path's first check gives it, without loading them", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 6, start });
    const db = w.db;
    for (const [set, reason] of [
      [() => db.updateTable("campaigns").set({ status: "paused" }).execute(), "campaign_not_active"],
      [
        async () => {
          await db.updateTable("campaigns").set({ status: "active" }).execute();
          await db.updateTable("offers").set({ status: "paused" }).execute();
        },
        "offer_not_active",
      ],
    ] as const) {
      await set();
      const loaded: QueueRow[] = [];
      const r = await predictTodaysSends(db, { now: start, until: endOfDay, onLoad: (rows) => loaded.push(...rows) });
      expect(loaded).toHaveLength(0);
      expect(r.waiting).toEqual([{ accountId: w.accountIds[0], campaignId: w.campaignId, count: 6, reason, skipped: false }]);
      // The unbounded replay says the same of every row.
      const full = await predictTodaysSends(db, { now: start, until: endOfDay, bounded: false });
      expect(new Set([...full.sends.values()].map((s) => [s.at, s.reason, s.skipped].join()))).toEqual(new Set([`,${reason},false`]));
    }
  }, 180_000);

  it("with due times and natural keys in opposite orders, the bounded prediction, the unbounded one and the send path send the same rows at the same times", async () => {
    // Overdue rows a minute apart whose natural keys sort the other way: after the account's gap
    // the claim takes them by due time (it claims no row of a resting account, so none is moved).
    w = await seedWorld({ engine, server, accounts: 1, contacts: 20, dailyLimitEmails: 3, start });
    const db = w.db;
    const ids = (await db.selectFrom("send_queue").select("id").orderBy("id").execute()).map((r) => r.id);
    for (const [i, id] of ids.entries())
      await db
        .updateTable("send_queue")
        .set({ scheduled_for: new Date(start.getTime() - 3_600_000 + i * 60_000), natural_key: `k${String(100 - i).padStart(3, "0")}` })
        .where("id", "=", id)
        .execute();
    const bounded = await predictTodaysSends(db, { now: start, until: endOfDay, random: seededRandomSource("order") });
    const full = await predictTodaysSends(db, { now: start, until: endOfDay, random: seededRandomSource("order"), bounded: false });
    const going = (m: Map<string, { at: Date | null }>) =>
      Object.fromEntries([...m].filter(([, s]) => s.at).map(([id, s]) => [id, s.at!.toISOString()]));
    expect(going(bounded.sends)).toEqual(going(full.sends));
    expect(Object.keys(going(bounded.sends)).sort()).toEqual(ids.slice(0, 3).sort());

    const random = seededRandomSource("order");
    let now = new Date(Math.ceil(start.getTime() / 60_000) * 60_000);
    while (now < endOfDay) {
      w.clock.set(now);
      await dispatchDue({ db, senders: w.senders, now: () => w!.clock.now, random });
      const next = await db
        .selectFrom("send_queue")
        .select(sql<Date | null>`min(scheduled_for)`.as("at"))
        .where("status", "in", ["pending", "scheduled"])
        .executeTakeFirstOrThrow();
      if (!next.at) break;
      now = new Date(Math.max(now.getTime() + 60_000, Math.ceil(new Date(next.at).getTime() / 60_000) * 60_000));
    }
    const attempts = await db.selectFrom("send_attempts").select(["send_queue_id", "started_at"]).execute();
    expect(Object.fromEntries(attempts.map((a) => [a.send_queue_id, a.started_at.toISOString()]))).toEqual(going(bounded.sends));
  }, 180_000);
});
