/** The background drain: coalesced kicks, a backlog larger than one batch, errors kept for later. */
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { storeWebhookEvent } from "@offerlab/scheduler";
import { afterEach, describe, expect, it } from "vitest";
import { createInboxDrainer } from "../inbox.js";
import { createLogger } from "../logger.js";
import { memoryLog } from "./world.js";

function ownEcho(n: number) {
  return {
    event: "message_received",
    account_id: "LI-ACCOUNT",
    account_info: { user_id: "ACoSelf" },
    chat_id: `chat${n}`,
    message_id: `msg${n}`,
    timestamp: "2026-03-02T09:00:00.000Z",
    message: "our own note",
    sender: { attendee_provider_id: "ACoSelf" },
  };
}

describe.each(testEngines())("inbox drainer on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("drains a backlog larger than one batch from a single kick", async () => {
    t = await createTestDb(engine);
    const now = new Date("2026-03-02T09:00:00Z");
    for (let i = 0; i < 12; i++)
      await storeWebhookEvent(t.db, {
        provider: "unipile",
        dedupeKey: `msg${i}`,
        eventType: "message_received",
        payload: ownEcho(i),
        receivedAt: now,
      });
    const drainer = createInboxDrainer({ db: t.db, now: () => now, limit: 5 });
    drainer.kick();
    drainer.kick(); // coalesces with the first
    await drainer.idle();
    expect(drainer.totals).toMatchObject({ claimed: 12, ignored: 12, errors: 0 });
    expect(drainer.totals.drains).toBe(3);
    const statuses = await t.db.selectFrom("webhook_inbox").select("status").execute();
    expect(statuses.every((s) => s.status === "ignored")).toBe(true);
  });

  it("a drain that fails leaves the events pending and logs why; a stopped drainer ignores kicks", async () => {
    t = await createTestDb(engine);
    const now = new Date("2026-03-02T09:00:00Z");
    await storeWebhookEvent(t.db, {
      provider: "unipile",
      dedupeKey: "msg1",
      eventType: "message_received",
      payload: ownEcho(1),
      receivedAt: now,
    });
    const log = memoryLog();
    const drainer = createInboxDrainer({ db: t.db, now: () => new Date(Number.NaN), logger: createLogger({ destination: log }) });
    drainer.kick();
    await drainer.idle();
    expect(drainer.totals.errors).toBe(1);
    expect(log.parsed()[0]).toMatchObject({ level: 40, msg: "inbox drain failed; events stay in the inbox for the next drain" });
    expect((await t.db.selectFrom("webhook_inbox").select("status").executeTakeFirstOrThrow()).status).toBe("pending");
    await drainer.stop();
    drainer.kick();
    await drainer.idle();
    expect(drainer.totals.drains).toBe(0);
  });
});
