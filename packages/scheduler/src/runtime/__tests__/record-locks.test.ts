/**
 * The recording of a send is one statement (record.ts) whose locks must come in the order of every
 * other writer: the account, then the campaign contact, then the person's rows, then the attempt.
 * PostgreSQL takes them as the statement's plan runs; these tests hold one lock elsewhere, let a
 * runner record against it, and check, while the runner waits, that nothing after the held lock
 * was taken (a later lock taken early is how a deadlock with a reply, an opt-out or a claim
 * starts). PostgreSQL only: PGlite runs one statement at a time.
 */
import { createDb } from "@offerlab/db";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runSendPath } from "../loop.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

type Held = "account" | "campaign_contact" | "contact";

describe.runIf(process.env.TEST_DATABASE_URL)("the recording statement's lock order (postgres)", () => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  /** Can another transaction lock this row right now (without waiting)? */
  async function free(db: World["db"], table: string, id: string): Promise<boolean> {
    return db
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT id FROM ${sql.table(table)} WHERE id = ${id}::uuid FOR NO KEY UPDATE NOWAIT`.execute(trx);
        return true;
      })
      .catch((e: { code?: string }) => {
        if (e.code === "55P03") return false;
        throw e;
      });
  }

  it.each<Held>(["account", "campaign_contact", "contact"])(
    "while the %s is held elsewhere, the recording waits for it and holds nothing after it",
    async (held) => {
      w = await seedWorld({ engine: "postgres", server, accounts: 1, contacts: 1 });
      const row = await w.db
        .selectFrom("send_queue")
        .select(["id", "account_id", "campaign_contact_id", "contact_id"])
        .executeTakeFirstOrThrow();
      const heldId = { account: row.account_id!, campaign_contact: row.campaign_contact_id!, contact: row.contact_id! }[held];
      const table = { account: "accounts", campaign_contact: "campaign_contacts", contact: "contacts" }[held];
      const holder = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 1 });
      const probe = createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 2 });
      let seen: Record<string, boolean | number> | undefined;
      try {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let holding!: () => void;
        const isHeld = new Promise<void>((r) => (holding = r));
        let holderTx: Promise<void> | undefined;
        const run = runSendPath({
          db: w.db,
          senders: w.senders,
          now: () => w.clock.now,
          accountGapMs: { min: 0, max: 0 },
          // After the call, before the recording: the lock is taken elsewhere, then the runner records.
          crashAt: async (point) => {
            if (point !== "after_call") return;
            holderTx = holder.transaction().execute(async (trx) => {
              await sql`SELECT id FROM ${sql.table(table)} WHERE id = ${heldId}::uuid FOR NO KEY UPDATE`.execute(trx);
              holding();
              await released;
            });
            await isHeld;
          },
        });
        // Wait until the runner's recording statement is blocked on a lock.
        let waiting = 0;
        for (let i = 0; i < 200 && !waiting; i++) {
          if (i === 0) await isHeld;
          waiting = (
            await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '/* send-path:record */%'`.execute(probe)
          ).rows[0]!.n;
          if (!waiting) await new Promise((r) => setTimeout(r, 25));
        }
        const attemptId = (await probe.selectFrom("send_attempts").select("id").executeTakeFirstOrThrow()).id;
        seen = {
          waiting,
          account: await free(probe, "accounts", row.account_id!),
          campaign_contact: await free(probe, "campaign_contacts", row.campaign_contact_id!),
          contact: await free(probe, "contacts", row.contact_id!),
          attempt: await free(probe, "send_attempts", attemptId),
        };
        release();
        await holderTx;
        const summary = await run;
        expect(summary.outcomes.sent).toBe(1);
      } finally {
        await holder.destroy();
        await probe.destroy();
      }
      // What the recording holds while it waits: every lock before the held one, none after it.
      const order: Held[] = ["account", "campaign_contact", "contact"];
      const before = order.slice(0, order.indexOf(held));
      const after = order.slice(order.indexOf(held) + 1);
      expect(seen!.waiting).toBe(1);
      for (const lock of before) expect(seen![lock], `${lock} is held by the recording`).toBe(false);
      for (const lock of after) expect(seen![lock], `${lock} is not taken yet`).toBe(true);
      expect(seen!.attempt, "the attempt is not taken yet").toBe(true);
    },
    60_000,
  );
});
