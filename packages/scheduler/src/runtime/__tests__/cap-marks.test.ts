/**
 * Issue 19, "do not claim what cannot be sent": a limit the reservation found reached is recorded
 * on the account (per counter; the hourly one for every action) and the claim skips the account's
 * rows of that action until the period ends or the limits change; a closed send window defers the
 * account's due rows of the campaign with the one it claimed. On a real database, both engines.
 */
import { accountAdmin, accounts, type Db } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { claimDueRow } from "../claim.js";
import { readTableColumns } from "../context.js";
import { dispatchOne } from "../dispatch.js";
import { runSendPath, type RunOptions } from "../loop.js";
import { lockAccount, releaseQuota } from "../quota.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

function opts(w: World): RunOptions {
  return { db: w.db, senders: w.senders, now: () => w.clock.now, accountGapMs: { min: 0, max: 0 }, leaseMs: 60_000 };
}

async function marks(db: Db, id: string) {
  return db
    .selectFrom("accounts")
    .select(["hourly_capped_until", "connections_capped_until", "messages_capped_until", "emails_capped_until"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

const NO_MARKS = { hourly_capped_until: null, connections_capped_until: null, messages_capped_until: null, emails_capped_until: null };

/** Emails the provider really sent, and what account_usage counted for the UTC day starting at `day`. */
async function sentAndCounted(w: World, day: string): Promise<{ sent: number; counted: number }> {
  const counted = await sql<{ n: number }>`
    SELECT coalesce(sum(used), 0)::int AS n FROM account_usage WHERE period = 'day' AND period_start = ${new Date(day)}::timestamptz`.execute(
    w.db,
  );
  return { sent: w.mock.state.emails.filter((e) => e.role === "sent").length, counted: counted.rows[0]!.n };
}

describe.each(testEngines())("cap marks and window deferrals on %s", (engine) => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.t.drop();
    w = undefined;
  });

  it("a capped account's rows are not claimed (one deferral, not one per row), nothing goes over the limit, and the next UTC day lets them go", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 6, dailyLimitEmails: 2, start: new Date("2026-11-25T12:00:00Z") });
    const first = await runSendPath(opts(w));
    expect(first.outcomes).toMatchObject({ sent: 2, deferred: 1 });
    expect(first.deferred).toEqual({ daily_cap: 1 });
    expect(first.handled).toBe(3);
    expect(await marks(w.db, w.accountIds[0]!)).toEqual({ ...NO_MARKS, emails_capped_until: new Date("2026-11-26T00:00:00Z") });
    // The three other due rows are neither claimed nor deferred: the runner is idle, not busy.
    const again = await runSendPath(opts(w));
    expect(again).toMatchObject({ handled: 0, deferred: {} });
    expect(await sentAndCounted(w, "2026-11-25T00:00:00Z")).toEqual({ sent: 2, counted: 2 });

    // A new UTC day makes the mark moot: two more sends, then the cap is found again.
    w.clock.set(new Date("2026-11-26T00:00:30Z"));
    const next = await runSendPath(opts(w));
    expect(next.outcomes).toMatchObject({ sent: 2, deferred: 1 });
    expect(await marks(w.db, w.accountIds[0]!)).toEqual({ ...NO_MARKS, emails_capped_until: new Date("2026-11-27T00:00:00Z") });
    expect(await sentAndCounted(w, "2026-11-26T00:00:00Z")).toEqual({ sent: 4, counted: 2 });
  });

  it("a raised limit (accounts limits) clears the mark and lets the held rows go at once; the hourly cap holds every action", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 6, dailyLimitEmails: 2, start: new Date("2026-11-25T12:00:00Z") });
    await runSendPath(opts(w));
    const name = (await w.db.selectFrom("accounts").select("name").executeTakeFirstOrThrow()).name;
    await accountAdmin.setLimits(w.db, name, { daily_limit_emails: 4, hourly_limit: 3 });
    expect(await marks(w.db, w.accountIds[0]!)).toEqual(NO_MARKS);
    // Three due rows (the deferred one waits for tomorrow): the hourly limit (3) stops the second.
    const raised = await runSendPath(opts(w));
    expect(raised.outcomes).toMatchObject({ sent: 1, deferred: 1 });
    expect(raised.deferred).toEqual({ hourly_cap: 1 });
    expect(await marks(w.db, w.accountIds[0]!)).toEqual({ ...NO_MARKS, hourly_capped_until: new Date("2026-11-25T13:00:00Z") });
    expect(await runSendPath(opts(w))).toMatchObject({ handled: 0 });
    // The next hour: one more send, then the daily limit (4).
    w.clock.set(new Date("2026-11-25T13:00:05Z"));
    const later = await runSendPath(opts(w));
    expect(later.outcomes).toMatchObject({ sent: 1, deferred: 1 });
    expect(later.deferred).toEqual({ daily_cap: 1 });
    expect(await sentAndCounted(w, "2026-11-25T00:00:00Z")).toEqual({ sent: 4, counted: 4 });
  });

  it("warming changes and quota given back clear the marks", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 1, start: new Date("2026-11-25T12:00:00Z") });
    const id = w.accountIds[0]!;
    const until = new Date("2026-11-26T00:00:00Z");
    const name = (await w.db.selectFrom("accounts").select("name").executeTakeFirstOrThrow()).name;
    await accounts.markCapped(w.db, id, { counter: "email", until });
    await accountAdmin.startWarming(w.db, name, { week: 1, now: w.clock.now });
    expect(await marks(w.db, id)).toEqual(NO_MARKS);
    await accounts.markCapped(w.db, id, { counter: "*", until });
    expect(await accounts.advanceWarming(w.db, new Date("2026-12-02T12:00:00Z"))).toBe(1);
    expect(await marks(w.db, id)).toEqual(NO_MARKS);
    await accounts.markCapped(w.db, id, { counter: "message", until });
    await accountAdmin.stopWarming(w.db, name);
    expect(await marks(w.db, id)).toEqual(NO_MARKS);
    // A unit given back (a refusal, an expired claim, a reconciled "not sent") is capacity again today.
    await accounts.markCapped(w.db, id, { counter: "email", until });
    await w.db.transaction().execute(async (trx) => {
      await lockAccount(trx, id);
      await releaseQuota(trx, {
        accountId: id,
        action: "email",
        usageDay: new Date("2026-11-25T00:00:00Z"),
        usageHour: new Date("2026-11-25T12:00:00Z"),
      });
    });
    expect(await marks(w.db, id)).toEqual(NO_MARKS);
  });

  it("a daily mark holds only the rows of its action (InMails with messages); the hourly one holds all; a lapsed one none", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 1, start: new Date("2026-11-25T12:00:00Z") });
    const db = w.db;
    const now = w.clock.now;
    const li = await accounts.create(db, { name: "li_cap", type: "linkedin", owner: "jane", hourly_limit: 100 });
    const base = await db.selectFrom("send_queue").selectAll().executeTakeFirstOrThrow();
    await db.updateTable("send_queue").set({ status: "cancelled" }).execute();
    const row = (
      step: number,
      channel: "linkedin_connect" | "linkedin_dm" | "linkedin_inmail",
      action: "connection_request" | "message" | null,
      minutesAgo: number,
    ) => ({
      campaign_id: base.campaign_id,
      campaign_contact_id: base.campaign_contact_id,
      contact_id: base.contact_id,
      account_id: li.id,
      channel,
      action_type: action,
      sequence_step: step,
      body: "Hi",
      scheduled_for: new Date(now.getTime() - minutesAgo * 60_000),
    });
    const ids = Object.fromEntries(
      (
        await db
          .insertInto("send_queue")
          .values([
            row(2, "linkedin_connect", "connection_request", 30),
            row(3, "linkedin_dm", "message", 20),
            row(4, "linkedin_inmail", null, 10),
          ])
          .returning(["id", "channel"])
          .execute()
      ).map((r) => [r.channel, r.id]),
    );
    const columns = await readTableColumns(db);
    // What the claim would take now (rolled back: the test only looks).
    const claimable = async () => {
      let got = "";
      await db
        .transaction()
        .execute(async (trx) => {
          const c = await claimDueRow(trx, now, columns);
          got = "kind" in c ? c.kind : c.row.id;
          throw new Error("rollback");
        })
        .catch((e: Error) => {
          if (e.message !== "rollback") throw e;
        });
      return got;
    };
    expect(await claimable()).toBe(ids.linkedin_connect);
    const until = new Date("2026-11-26T00:00:00Z");
    await accounts.markCapped(db, li.id, { counter: "connection_request", until });
    expect(await claimable()).toBe(ids.linkedin_dm);
    await accounts.markCapped(db, li.id, { counter: "message", until });
    expect(await claimable()).toBe("idle");
    // The email account's counter is its own: a LinkedIn invitation cap does not hold an email.
    await db.updateTable("send_queue").set({ status: "pending" }).where("id", "=", base.id).execute();
    expect(await claimable()).toBe(base.id);
    await accounts.markCapped(db, base.account_id!, { counter: "connection_request", until });
    expect(await claimable()).toBe(base.id);
    await db.updateTable("send_queue").set({ status: "cancelled" }).where("id", "=", base.id).execute();
    // Only the hourly mark left, lapsed for connections and messages: the hourly one alone holds all.
    await accounts.markCapped(db, li.id, { counter: "connection_request", until: now });
    await accounts.markCapped(db, li.id, { counter: "message", until: now });
    expect(await claimable()).toBe(ids.linkedin_connect);
    await accounts.markCapped(db, li.id, { counter: "*", until: new Date("2026-11-25T13:00:00Z") });
    expect(await claimable()).toBe("idle");
  });

  it("a closed window costs one deferral per campaign and account: the account's other due rows wait with the claimed one", async () => {
    // 18:30 in New York; the window is 09:00–17:00 there.
    w = await seedWorld({ engine, server, accounts: 2, contacts: 8, start: new Date("2026-11-25T23:30:00Z") });
    await w.db
      .updateTable("campaigns")
      .set({ send_window_start: "09:00", send_window_end: "17:00", timezone: "America/New_York" })
      .execute();
    const one = await dispatchOne(opts(w));
    expect(one).toMatchObject({ kind: "deferred", reason: "window_closed" });
    if (one.kind !== "deferred") throw new Error("unreachable");
    const rows = await w.db.selectFrom("send_queue").select(["account_id", "scheduled_for", "defer_reason"]).execute();
    const claimedAccount = (
      await w.db.selectFrom("send_queue").select("account_id").where("id", "=", one.queueId).executeTakeFirstOrThrow()
    ).account_id;
    // The claimed row's account: all four wait for the same reopening; the other account's are untouched.
    expect(rows.filter((r) => r.account_id === claimedAccount)).toEqual(
      Array(4).fill({ account_id: claimedAccount, scheduled_for: one.until, defer_reason: "window_closed" }),
    );
    expect(
      rows.filter((r) => r.account_id !== claimedAccount).every((r) => r.defer_reason === null && r.scheduled_for < w!.clock.now),
    ).toBe(true);
    const rest = await runSendPath(opts(w));
    expect(rest).toMatchObject({ handled: 1, deferred: { window_closed: 1 } });
    expect(await runSendPath(opts(w))).toMatchObject({ handled: 0 });
    // Once the window is open and past both reopenings, every row goes, once.
    w.clock.set(new Date("2026-11-26T21:30:00Z"));
    const open = await runSendPath(opts(w));
    expect(open.outcomes).toMatchObject({ sent: 8, deferred: 0 });
    expect(w.mock.state.emails.filter((e) => e.role === "sent")).toHaveLength(8);
  });
});
