/**
 * What the claim reads: the settings once per tick (not once per claimed row), and the person with
 * their suppression in one statement. The behaviour they feed (a suppressed person is cancelled at
 * the claim, the cooling-off window defers a first touch) is asserted in send-path.test.ts and
 * contact-availability.test.ts; this file fails if the reads multiply again.
 */
import { settings, suppressions } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadContext } from "../context.js";
import { dispatchDue } from "../dispatch.js";
import { runSendPath } from "../loop.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe.each(testEngines())("the claim's reads on %s", (engine) => {
  let w: World | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await w?.t.drop();
    w = undefined;
  });

  it("reads the settings once per tick, however many rows it claims", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 3 });
    const get = vi.spyOn(settings, "get");
    const summary = await runSendPath({ db: w.db, senders: w.senders, now: () => w!.clock.now, accountGapMs: { min: 0, max: 0 } });
    expect(summary.outcomes.sent).toBe(3);
    expect(get).toHaveBeenCalledTimes(1);

    get.mockClear();
    await w.db.updateTable("send_queue").set({ status: "pending" }).where("status", "=", "sent").execute();
    await dispatchDue({ db: w.db, senders: w.senders, now: () => w!.clock.now, accountGapMs: { min: 0, max: 0 } });
    expect(get).toHaveBeenCalledTimes(1);
  });

  it("reads the person and their suppression in one statement, and uses the tick's window without reading the settings", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 2 });
    await suppressions.add(w.db, { kind: "domain", value: "acme.example", reason: "competitor" });
    const row = await w.db.selectFrom("send_queue").selectAll().where("id", "=", w.queueIds[0]!).executeTakeFirstOrThrow();
    const get = vi.spyOn(settings, "get");
    const perContact = vi.spyOn(suppressions, "forContacts");
    const ofPerson = vi.spyOn(suppressions, "ofPerson");

    const ctx = await loadContext(w.db, row, { coolingOffDays: 7 });
    expect(ctx.coolingOffDays).toBe(7);
    expect(ctx.suppression).toMatchObject({ kind: "domain", value: "acme.example", reason: "competitor" });
    expect(ctx.person.map((p) => p.id)).toEqual([row.contact_id]);
    expect(get).not.toHaveBeenCalled();
    expect(perContact).not.toHaveBeenCalled();
    expect(ofPerson).toHaveBeenCalledTimes(1);

    // Without the tick's settings it reads them itself, as before.
    expect((await loadContext(w.db, row)).coolingOffDays).toBe(60);
    expect(get).toHaveBeenCalledTimes(1);
  });
});
