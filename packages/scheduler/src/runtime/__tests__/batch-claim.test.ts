/**
 * The batch claim (issue 19): free lanes of a runner take their rows from one claim of up to k due
 * rows, at most one per account, in the claim's order, checked and reserved in one transaction. A
 * row whose reservation hits the one-in-flight index (23505) is undone alone; the others stay
 * claimed. The race that provokes a 23505 needs a second connection: PostgreSQL only.
 */
import { createDb } from "@offerlab/db";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Claimed } from "../attempt.js";
import { dispatchBatch, sendClaimed } from "../dispatch.js";
import { runSendPath } from "../loop.js";
import type { SendPathOptions } from "../types.js";
import { emailsPerRecipient, mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

function opts(w: World): SendPathOptions {
  return { db: w.db, senders: w.senders, now: () => w.clock.now, accountGapMs: { min: 0, max: 0 }, leaseMs: 60_000 };
}

const claimedIds = (out: { kind: string }[]) => out.filter((o): o is Claimed => o.kind === "claimed").map((c) => c.ctx.row.id);

async function openAttempts(w: World): Promise<{ send_queue_id: string; account_id: string }[]> {
  return w.db
    .selectFrom("send_attempts")
    .select(["send_queue_id", "account_id"])
    .where("status", "in", ["claimed", "sending"])
    .orderBy("created_at")
    .execute();
}

describe.each(engines)("the batch claim on %s", (engine) => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.t.drop();
    w = undefined;
  });

  it("takes one row per account in the claim's order, skipping resting accounts and accounts in flight", async () => {
    // Rows i belong to account i % 3. Account 2 rests; its row 2 is the most urgent of all.
    w = await seedWorld({ engine, server, accounts: 3, contacts: 9 });
    const [a0, a1, a2] = w.accountIds as [string, string, string];
    const q = w.queueIds;
    const priorities: [number, number][] = [
      [2, 1],
      [4, 2],
      [1, 3],
      [0, 4],
      [3, 5],
    ];
    for (const [i, p] of priorities) await w.db.updateTable("send_queue").set({ priority: p }).where("id", "=", q[i]!).execute();
    await w.db
      .updateTable("send_queue")
      .set({ priority: 10 })
      .where(
        "id",
        "not in",
        priorities.map(([i]) => q[i]!),
      )
      .execute();
    await w.db
      .updateTable("accounts")
      .set({ next_send_at: new Date(w.clock.now.getTime() + 60_000) })
      .where("id", "=", a2)
      .execute();

    // In order: row 2 (account 2, resting: not claimed), row 4 (account 1), row 1 (account 1 again:
    // not in the same batch), row 0 (account 0).
    const first = await dispatchBatch(opts(w), 2);
    expect(claimedIds(first)).toEqual([q[4], q[0]]);
    expect((await openAttempts(w)).map((a) => [a.send_queue_id, a.account_id])).toEqual([
      [q[4], a1],
      [q[0], a0],
    ]);

    // Both free accounts are mid-send, the third rests: nothing more is claimed.
    expect(await dispatchBatch(opts(w), 3)).toEqual([{ kind: "busy" }]);

    // Each claimed row goes on to its own send, once.
    const sent = await Promise.all(first.map((c) => sendClaimed(opts(w!), c as Claimed)));
    expect(sent.map((s) => s.kind)).toEqual(["sent", "sent"]);
    expect([...emailsPerRecipient(w.mock).keys()].sort()).toEqual(["person0@acme.example", "person4@acme.example"]);
    expect(await openAttempts(w)).toEqual([]);

    // The next batch: row 1 (account 1), then row 3 (account 0); account 2 still rests.
    const next = await dispatchBatch(opts(w), 3);
    expect(claimedIds(next)).toEqual([q[1], q[3]]);
  });

  it.each([1, 4])("a runner with %i lanes claims for its free lanes at once, never two rows of one account in a claim", async (lanes) => {
    w = await seedWorld({ engine, server, accounts: 4, contacts: 12 });
    // The rows each claim statement returned, by the statement's query id.
    const claimIds = new Set<unknown>();
    const perClaim: string[][] = [];
    const counted = w.db.withPlugin({
      transformQuery: (args) => {
        const node = args.node as { kind: string; sqlFragments?: readonly string[] };
        if (node.kind === "RawNode" && node.sqlFragments?.[0]?.includes("send-path:claim")) claimIds.add(args.queryId);
        return args.node;
      },
      transformResult: async (args) => {
        if (claimIds.has(args.queryId)) perClaim.push(args.result.rows.map((r) => (r as { account_id: string }).account_id));
        return args.result;
      },
    });
    const summary = await runSendPath({ ...opts(w), db: counted, concurrency: lanes });
    expect(summary.outcomes.sent).toBe(12);
    expect(summary.errors).toBe(0);
    expect([...emailsPerRecipient(w.mock).values()]).toEqual(Array.from({ length: 12 }, () => 1));
    for (const accounts of perClaim) expect(new Set(accounts).size).toBe(accounts.length);
    // One lane: one row per claim, as before. Four: the first claim, with every lane free, takes a
    // row for each.
    expect(Math.max(...perClaim.map((a) => a.length))).toBe(lanes);
    expect(perClaim[0]).toHaveLength(lanes);
  });

  it("writes deferred and skipped rows of the batch as the single claim does, beside the claimed ones", async () => {
    w = await seedWorld({ engine, server, accounts: 3, contacts: 3 });
    const q = w.queueIds;
    // Row 1's campaign contact replied (the check skips it); row 2's is paused for a day (deferred).
    const ccOf = async (i: number) =>
      (await w!.db.selectFrom("send_queue").select("campaign_contact_id").where("id", "=", q[i]!).executeTakeFirstOrThrow())
        .campaign_contact_id!;
    await w.db
      .updateTable("campaign_contacts")
      .set({ replied: true })
      .where("id", "=", await ccOf(1))
      .execute();
    const until = new Date(w.clock.now.getTime() + 86_400_000);
    await w.db
      .updateTable("campaign_contacts")
      .set({ paused_until: until })
      .where("id", "=", await ccOf(2))
      .execute();
    const out = await dispatchBatch(opts(w), 3);
    expect(out.map((o) => o.kind).sort()).toEqual(["claimed", "deferred", "skipped"]);
    expect(claimedIds(out)).toEqual([q[0]]);
    const rows = await w.db.selectFrom("send_queue").select(["id", "status", "defer_reason"]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(q[0]!)?.status).toBe("processing");
    expect(byId.get(q[1]!)?.status).toBe("cancelled");
    expect(byId.get(q[2]!)).toMatchObject({ status: "pending", defer_reason: "paused" });
    expect(out.find((o) => o.kind === "deferred")).toEqual({ kind: "deferred", queueId: q[2], reason: "paused", until });
  });
});

describe.runIf(PG)("the batch claim's 23505 on postgres", () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.t.drop();
    w = undefined;
  });

  it("a reservation that hits the one-in-flight index leaves the batch's other rows claimed", async () => {
    // Rows: 0 → account 0, 1 → account 1, 2 → account 2, 3 → account 1 (held by the other writer).
    w = await seedWorld({ engine: "postgres", server, accounts: 3, contacts: 4 });
    const q = w.queueIds;
    const [, a1] = w.accountIds as [string, string, string];
    for (const [i, p] of [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ] as const)
      await w.db.updateTable("send_queue").set({ priority: p }).where("id", "=", q[i]!).execute();
    // Another connection opens an attempt for account 1 (on row 3) without committing: the claim's
    // snapshot does not see it, so account 1's row 1 is claimed, and its reservation waits on the
    // index entry until the writer commits, then fails with 23505.
    const other = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 });
    const x = await other.startTransaction().execute();
    try {
      const now = w.clock.now;
      await x
        .insertInto("send_attempts")
        .values({
          send_queue_id: q[3]!,
          account_id: a1,
          action_type: "email",
          runner_id: "other",
          status: "claimed",
          usage_day: now,
          usage_hour: now,
          lease_until: new Date(now.getTime() + 60_000),
          started_at: now,
        })
        .execute();
      // The claim statements the batch runs: one (a 23505 that aborted the transaction would make it
      // claim again, from a snapshot that then sees the writer's attempt).
      let claims = 0;
      const counted = w.db.withPlugin({
        transformQuery: (args) => {
          const node = args.node as { kind: string; sqlFragments?: readonly string[] };
          if (node.kind === "RawNode" && node.sqlFragments?.[0]?.includes("send-path:claim")) claims++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const batch = dispatchBatch({ ...opts(w), db: counted }, 3);
      // Commit once the batch's reservation is waiting on the writer's index entry.
      for (let i = 0; ; i++) {
        const waiting = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'`.execute(other);
        if (waiting.rows[0]!.n > 0) break;
        if (i > 1000) throw new Error("the batch never waited on the other writer");
        await new Promise((r) => setTimeout(r, 10));
      }
      await x.commit().execute();
      const out = await batch;
      expect(claimedIds(out)).toEqual([q[0], q[2]]);
      expect(out).toHaveLength(2);
      expect(claims).toBe(1);
    } finally {
      if (!x.isCommitted) await x.rollback().execute();
      await other.destroy();
    }
    const attempts = await w.db
      .selectFrom("send_attempts")
      .select(["send_queue_id", "runner_id"])
      .where("status", "=", "claimed")
      .orderBy("send_queue_id")
      .execute();
    expect(new Set(attempts.map((a) => a.send_queue_id))).toEqual(new Set([q[0], q[2], q[3]]));
    const rows = await w.db.selectFrom("send_queue").select(["id", "status"]).execute();
    const status = new Map(rows.map((r) => [r.id, r.status]));
    // Row 1 is untouched (its reservation undone: no quota taken), ready for a later claim.
    expect([status.get(q[0]!), status.get(q[1]!), status.get(q[2]!)]).toEqual(["processing", "pending", "processing"]);
    const used = await sql<{ account_id: string; used: number }>`
      SELECT account_id, used FROM account_usage WHERE period = 'day' ORDER BY account_id`.execute(w.db);
    expect(used.rows.find((u) => u.account_id === a1)).toBeUndefined();
    expect(used.rows.map((u) => u.used)).toEqual([1, 1]);
  });
});
