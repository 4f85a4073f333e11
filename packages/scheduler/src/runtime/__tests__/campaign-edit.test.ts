/**
 * Editing a live campaign (db's `campaignAdmin.changeSettings`, behind `offerlab campaigns edit`)
 * reaches the sends not yet claimed, and the send path keeps its invariants across it: an account
 * taken off the campaign gets no new claim (its rows are cancelled by the edit, and a row planned
 * while the edit committed is cancelled by the claim), nothing is sent twice, and a changed window
 * judges the waiting rows again. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { campaignAdmin } from "@offerlab/db";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runSendPath, type RunOptions } from "../loop.js";
import { emailsPerRecipient, mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

function opts(w: World, extra: Partial<RunOptions> = {}): RunOptions {
  return { db: w.db, senders: w.senders, now: () => w.clock.now, accountGapMs: { min: 0, max: 0 }, leaseMs: 60_000, ...extra };
}

async function rows(w: World) {
  return w.db
    .selectFrom("send_queue as q")
    .leftJoin("messages as m", "m.send_queue_id", "q.id")
    .select(["q.id", "q.account_id", "q.status", "q.defer_reason", "q.scheduled_for", "m.status as message_status"])
    .orderBy("q.id")
    .execute();
}

async function attemptsBy(w: World, accountId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM send_attempts WHERE account_id = ${accountId}::uuid`.execute(w.db);
  return r.rows[0]!.n;
}

describe.each(engines)("editing a live campaign on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("an account taken off the campaign gets no new claim; the others send each row once", async () => {
    // 6 due rows, 3 per account (round robin).
    w = await seedWorld({ engine, server, accounts: 2, contacts: 6, start: new Date("2026-12-02T12:00:00Z") });
    const [a0, a1] = w.accountIds as [string, string];
    await campaignAdmin.changeSettings(w.db, w.campaignId, { accounts: [a0, a1] }, { now: w.clock.now });

    const edit = await campaignAdmin.changeSettings(w.db, w.campaignId, { accounts: [a1] }, { now: w.clock.now });
    expect(edit).toMatchObject({ changed: ["accounts"], queueCancelled: 3, queueRetimed: 0 });
    expect(edit.removedAccounts.map((a) => a.id)).toEqual([a0]);
    expect(edit.campaign.account_ids?.map((a) => a.id)).toEqual([a1]);
    const after = await rows(w);
    expect(after.filter((r) => r.account_id === a0).every((r) => r.status === "cancelled" && r.defer_reason === "sender_unavailable")).toBe(
      true,
    );
    expect(after.filter((r) => r.account_id === a0).every((r) => r.message_status === "failed")).toBe(true);
    expect(after.filter((r) => r.account_id === a1).every((r) => r.status === "pending")).toBe(true);
    const skipped = await w.db.selectFrom("message_events").select("event_data").where("event_type", "=", "skipped").execute();
    expect(skipped).toHaveLength(3);

    // A planner that read the old account list commits a row for the removed account after the edit:
    // the claim cancels it too, without a call.
    const late = after.find((r) => r.account_id === a0)!;
    await w.db.updateTable("send_queue").set({ status: "pending", defer_reason: null, ended_at: null }).where("id", "=", late.id).execute();

    const summary = await runSendPath(opts(w));
    expect(summary.outcomes.sent).toBe(3);
    expect(await attemptsBy(w, a0)).toBe(0);
    expect(await attemptsBy(w, a1)).toBe(3);
    const final = await rows(w);
    expect(final.find((r) => r.id === late.id)).toMatchObject({ status: "cancelled", defer_reason: "sender_unavailable" });
    const perRecipient = emailsPerRecipient(w.mock);
    expect([...perRecipient.values()]).toEqual([1, 1, 1]);
  });

  it("a window edit takes effect for the rows not yet claimed: closed defers them, reopened sends them", async () => {
    // Wednesday 12:00 UTC.
    w = await seedWorld({ engine, server, accounts: 1, contacts: 2, start: new Date("2026-12-02T12:00:00Z") });
    // Close the window now (Mondays only): the claim defers every row to next Monday's window.
    const closed = await campaignAdmin.changeSettings(w.db, w.campaignId, { send_days: [1] }, { now: w.clock.now });
    expect(closed.changed).toEqual(["send_days"]);
    const deferred = await runSendPath(opts(w));
    expect(deferred.outcomes.sent ?? 0).toBe(0);
    const waiting = await rows(w);
    expect(waiting.every((r) => r.status === "pending" && r.defer_reason === "window_closed")).toBe(true);
    expect(waiting.every((r) => r.scheduled_for.getTime() >= new Date("2026-12-07T00:00:00Z").getTime())).toBe(true);

    // Reopen it today: the waiting rows are due again now, and go.
    const reopened = await campaignAdmin.changeSettings(w.db, w.campaignId, { send_days: [1, 2, 3, 4, 5] }, { now: w.clock.now });
    expect(reopened).toMatchObject({ changed: ["send_days"], queueRetimed: 2 });
    const sent = await runSendPath(opts(w));
    expect(sent.outcomes.sent).toBe(2);
  });

  it("a refused edit writes nothing: the campaign and its queue stay as they were", async () => {
    w = await seedWorld({ engine, server, accounts: 2, contacts: 2 });
    const before = await w.db.selectFrom("campaigns").selectAll().where("id", "=", w.campaignId).executeTakeFirstOrThrow();
    const queueBefore = await rows(w);
    const refused = await campaignAdmin
      .changeSettings(w.db, w.campaignId, {
        send_window_start: "18:00",
        send_window_end: "09:00",
        timezone: "Mars/Olympus",
        accounts: ["nobody@nowhere.io"],
      })
      .then(
        () => null,
        (e: unknown) => e as { issues?: { field: string }[] },
      );
    expect(refused?.issues?.map((i) => i.field)).toEqual(["send_window_end", "timezone", "accounts"]);
    expect(await w.db.selectFrom("campaigns").selectAll().where("id", "=", w.campaignId).executeTakeFirstOrThrow()).toEqual(before);
    expect(await rows(w)).toEqual(queueBefore);
  });
});
