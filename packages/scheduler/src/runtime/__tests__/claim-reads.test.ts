/**
 * What the claim reads: the settings once per tick (not once per claimed row), and the person with
 * their suppression in one statement. The behaviour they feed (a suppressed person is cancelled at
 * the claim, the cooling-off window defers a first touch) is asserted in send-path.test.ts and
 * contact-availability.test.ts; this file fails if the reads multiply again.
 */
import { settings, suppressions } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadContext, readTickSettings } from "../context.js";
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

  it("reads the campaign, campaign contact, person with their suppression and last touch in one statement, with the tick's window and columns", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 2 });
    await suppressions.add(w.db, { kind: "domain", value: "acme.example", reason: "competitor" });
    const row = await w.db.selectFrom("send_queue").selectAll().where("id", "=", w.queueIds[0]!).executeTakeFirstOrThrow();
    const account = await w.db.selectFrom("accounts").selectAll().where("id", "=", row.account_id!).executeTakeFirstOrThrow();
    const tick = { ...(await readTickSettings(w.db)), coolingOffDays: 7 };
    const get = vi.spyOn(settings, "get");
    const perContact = vi.spyOn(suppressions, "forContacts");
    let statements = 0;
    const counted = w.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });

    const ctx = await loadContext(counted, row, tick, { account });
    expect(statements).toBe(1);
    expect(ctx.coolingOffDays).toBe(7);
    expect(ctx.suppression).toMatchObject({ kind: "domain", value: "acme.example", reason: "competitor" });
    expect(ctx.person.map((p) => p.id)).toEqual([row.contact_id]);
    expect(ctx.campaign.id).toBe(row.campaign_id);
    expect(ctx.campaign.created_at).toBeInstanceOf(Date);
    expect(ctx.campaignContact?.id).toBe(row.campaign_contact_id);
    expect(ctx.offerStatus).toBe("active");
    expect(ctx.lastTouchAt).toBeNull();
    expect(get).not.toHaveBeenCalled();
    expect(perContact).not.toHaveBeenCalled();
    // The same context as the reads one by one (taken for a contact whose stored keys are not normalised).
    const byParts = await w.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("contacts")
        .set({ email: ` ${ctx.contact.email!.toUpperCase()}` })
        .where("id", "=", row.contact_id)
        .execute();
      const c = await loadContext(trx, row, tick, { account });
      await trx.updateTable("contacts").set({ email: ctx.contact.email }).where("id", "=", row.contact_id).execute();
      return c;
    });
    expect(byParts.contact.email).not.toBe(ctx.contact.email);
    expect({ ...byParts, contact: ctx.contact, person: ctx.person }).toEqual(ctx);
    // The claim's read also brings an email step's thread (the campaign contact's first sent email: none yet), still in one statement.
    statements = 0;
    const claimed = await loadContext(counted, row, tick, { account, thread: true });
    expect(statements).toBe(1);
    expect(claimed.firstEmail).toBeNull();
    // (The contact's `updated_at` moved with the two updates above.)
    expect({ ...claimed, contact: ctx.contact, person: ctx.person, firstEmail: undefined }).toEqual({ ...ctx, firstEmail: undefined });

    // Without the tick's settings it reads them itself, as before.
    expect((await loadContext(w.db, row)).coolingOffDays).toBe(60);
    expect(get).toHaveBeenCalledTimes(1);
  });
});
