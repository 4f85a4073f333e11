/**
 * `predictTodaysSends` against the send path itself: the rows are predicted, then the real send
 * path runs at every cron tick of the day (minute ticks, the Unipile fake behind it), and every
 * row goes out exactly when it was predicted to, or waits for the reason predicted. Runs on
 * PGlite, and on Postgres when TEST_DATABASE_URL is set.
 */
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testEngines } from "@offerlab/db/testing";
import { loadContext, loadContexts } from "../context.js";
import { dispatchDue } from "../dispatch.js";
import { seededRandomSource } from "../../engine/random.js";
import { predictTodaysSends, todaysOutlook } from "../schedule.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const MINUTE = 60_000;
const start = new Date("2026-12-03T09:00:10Z"); // a Thursday
const endOfDay = new Date("2026-12-04T00:00:00Z");

describe.each(testEngines())("today's sends predicted on %s", (engine) => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.t.drop();
    w = undefined;
  });

  it("predicts what the send path then does: times within the caps, the gap and the window, and why the rest wait", async () => {
    // One mailbox allowed 5 emails a day and 2 an hour, a window until 10:30, and twelve emails
    // planned for the same minute, as the planner leaves them.
    w = await seedWorld({ engine, server, accounts: 1, contacts: 12, dailyLimitEmails: 5, hourlyLimit: 2, start });
    const db = w.db;
    await db
      .updateTable("campaigns")
      .set({ send_window_start: "09:00", send_window_end: "10:30" })
      .where("id", "=", w.campaignId)
      .execute();
    // One person may not be contacted: the send path will skip that row.
    // (The fourth in the claim's order: among the rows the bounded prediction replays.)
    const dnc = await db
      .selectFrom("send_queue")
      .select(["id", "contact_id"])
      .orderBy("priority")
      .orderBy("scheduled_for")
      .orderBy("natural_key")
      .orderBy("id")
      .offset(3)
      .limit(1)
      .executeTakeFirstOrThrow();
    await db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("id", "=", dnc.contact_id).execute();

    // The runners' random source (their gaps and jitter), shared with the prediction.
    const random = seededRandomSource("schedule");
    const todays = await predictTodaysSends(db, { now: start, until: endOfDay, random });
    // Each row as the dashboard reads it: replayed, or counted as waiting with its account's reason
    // (the account's first rows, as many as it can send today and one more for the skipped person,
    // are replayed; the window then closes for the rest of the day, so the others are counted).
    const queued = await db.selectFrom("send_queue").select(["id", "account_id", "campaign_id"]).execute();
    const sends = new Map(queued.map((r) => [r.id, todaysOutlook(todays, r)!]));
    expect([...sends.values()].filter(Boolean)).toHaveLength(12);
    expect(todays.waiting).toEqual([
      { accountId: w.accountIds[0], campaignId: null, count: 12 - todays.sends.size, reason: "window_closed", skipped: false },
    ]);
    expect(todays.sends.size).toBeLessThan(12);
    const going = [...sends.values()].filter((s) => s.at !== null).sort((a, b) => a.at!.getTime() - b.at!.getTime());
    // Two in the 09:00 hour, two in the 10:00 hour before the window closes at 10:30; the fifth of
    // the day would be at 11:00, when the window is closed.
    expect(going.map((s) => s.at!.toISOString().slice(11, 13))).toEqual(["09", "09", "10", "10"]);
    expect(sends.get(dnc.id)).toMatchObject({ at: null, skipped: true, reason: "do_not_contact" });
    const waiting = [...sends.values()].filter((s) => s.at === null && !s.skipped);
    expect(waiting).toHaveLength(7);
    expect(new Set(waiting.map((s) => s.reason))).toEqual(new Set(["window_closed"]));

    // The send path, at every minute tick of the day.
    let now = new Date(Math.ceil(start.getTime() / MINUTE) * MINUTE);
    while (now < endOfDay) {
      w.clock.set(now);
      await dispatchDue({ db, senders: w.senders, now: () => w!.clock.now, random });
      const next = await db
        .selectFrom("send_queue")
        .select(sql<Date | null>`min(scheduled_for)`.as("at"))
        .where("status", "in", ["pending", "scheduled"])
        .executeTakeFirstOrThrow();
      if (!next.at) break;
      // Ticks with nothing due change nothing: go to the next one that has work.
      now = new Date(Math.max(now.getTime() + MINUTE, Math.ceil(new Date(next.at).getTime() / MINUTE) * MINUTE));
    }

    const attempts = await db.selectFrom("send_attempts").select(["send_queue_id", "started_at", "status"]).execute();
    expect(attempts.every((a) => a.status === "sent")).toBe(true);
    expect(Object.fromEntries(attempts.map((a) => [a.send_queue_id, a.started_at.toISOString()]))).toEqual(
      Object.fromEntries(going.map((s) => [s.id, s.at!.toISOString()])),
    );
    const rows = await db.selectFrom("send_queue").select(["id", "status", "defer_reason", "scheduled_for"]).execute();
    for (const r of rows) {
      const s = sends.get(r.id)!;
      if (s.at) expect(r.status).toBe("sent");
      else if (s.skipped) expect([r.status, r.defer_reason]).toEqual(["skipped", s.reason]);
      else {
        expect([r.status, r.defer_reason]).toEqual(["pending", s.reason]);
        expect(r.scheduled_for.getTime()).toBeGreaterThanOrEqual(endOfDay.getTime());
      }
    }
  }, 180_000);

  it("loads the contexts of many rows as loadContext does for one", async () => {
    w = await seedWorld({ engine, server, accounts: 2, contacts: 4, start });
    const db = w.db;
    // The same person in another offer, touched there: the person's rows and the last touch must follow.
    const row = await db.selectFrom("send_queue").selectAll().where("id", "=", w.queueIds[1]!).executeTakeFirstOrThrow();
    const contact = await db.selectFrom("contacts").selectAll().where("id", "=", row.contact_id).executeTakeFirstOrThrow();
    const other = await db
      .insertInto("offers")
      .values({ name: "Other", slug: "other", type: "service", ownership: "internal", description: "o" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const company = await db
      .insertInto("companies")
      .values({ offer_id: other.id, name: "Acme", domain: "acme.example", source_tool: "manual" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("contacts")
      .values({ offer_id: other.id, company_id: company.id, source_tool: "manual", email: contact.email, global_status: "replied" })
      .execute();
    await db
      .insertInto("outreach_history")
      .values({ contact_email: contact.email, channel: "email", sent_at: new Date("2026-11-20T10:00:00Z") })
      .execute();

    const rows = await db.selectFrom("send_queue").selectAll().execute();
    const many = await loadContexts(db, rows);
    expect(many.size).toBe(rows.length);
    for (const r of rows) {
      const one = await loadContext(db, r);
      const got = many.get(r.id)!;
      expect({ ...got, person: [...got.person].sort((a, b) => a.id.localeCompare(b.id)) }).toEqual({
        ...one,
        person: [...one.person].sort((a, b) => a.id.localeCompare(b.id)),
      });
    }
    expect(many.get(row.id)!.person).toHaveLength(2);
    expect(many.get(row.id)!.lastTouchAt).toEqual(new Date("2026-11-20T10:00:00Z"));
  }, 120_000);
});
