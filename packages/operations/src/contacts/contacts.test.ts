import { ValidationError } from "@offerlab/core";
import { contacts, NotFoundError, type Db } from "@offerlab/db";
import { planDue } from "@offerlab/scheduler";
import { describe, expect, it } from "vitest";
import { addPeople, baseOffer, clock, copy, liveCampaign as sharedLiveCampaign, NOW, testEngines, useTestDb } from "../__tests__/world.js";
import { createOffer } from "../offers/create-offer.js";
import { editContact } from "./edit-contact.js";
import { unpauseContact } from "./unpause-contact.js";

const HOUR = 3_600_000;

const issuesOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!ValidationError.isInstance(e)) throw new Error(`expected a ValidationError, got ${String(e)}`);
  return e.issues;
};

/** Every row a test compares before and after a refused edit. */
async function snapshot(db: Db) {
  return {
    contacts: await db.selectFrom("contacts").selectAll().orderBy("id").execute(),
    ccs: await db.selectFrom("campaign_contacts").selectAll().orderBy("id").execute(),
    queue: await db.selectFrom("send_queue").selectAll().orderBy("id").execute(),
  };
}

describe.each(testEngines())("contact edits on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  /** A launched email campaign (always open) whose first step is planned for every person: pending queue rows. */
  async function liveCampaign(name: string, people = 2) {
    const w = await sharedLiveCampaign(t.db, name, people);
    expect(w.planned).toBe(people);
    return w;
  }

  const queueOf = (contactId: string) =>
    t.db.selectFrom("send_queue").select(["id", "status", "defer_reason", "scheduled_for"]).where("contact_id", "=", contactId).execute();
  const ccOf = (contactId: string) =>
    t.db.selectFrom("campaign_contacts").selectAll().where("contact_id", "=", contactId).executeTakeFirstOrThrow();

  it("edits notes, connection degree and pipeline status; refuses what a person may not set, writing nothing", async () => {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name: "Notes Co", ...copy } });
    const [id] = await addPeople(t.db, offer.id, "notes", 1);
    const r = await editContact(ctx, {
      contact: "P0@Notes.co",
      notes: "met at SaaStr",
      connectionDegree: 2,
      status: "skip",
      skipReason: "left the company",
    });
    expect(r.changed).toEqual(["status", "notes", "connection_degree"]);
    expect(r.contact).toMatchObject({ id, notes: "met at SaaStr", connection_degree: 2, status: "skip", skip_reason: "left the company" });
    expect(r.previous).toMatchObject({ status: "ready", notes: null, connection_degree: null });
    const back = await editContact(ctx, { contact: id!, status: "ready", notes: "" });
    expect(back.contact).toMatchObject({ status: "ready", skip_reason: null, notes: null });

    const before = await snapshot(t.db);
    expect(await issuesOf(editContact(ctx, { contact: id!, status: "meeting" }))).toEqual([
      { field: "status", message: "meeting is recorded from the outcome, not set by hand: use `offerlab outcomes record`" },
    ]);
    expect((await issuesOf(editContact(ctx, { contact: id!, status: "contacted", connectionDegree: 4 }))).map((i) => i.field)).toEqual([
      "status",
      "connection_degree",
    ]);
    expect((await issuesOf(editContact(ctx, { contact: id!, status: "vip" })))[0]!.message).toMatch(/not a contact status/);
    expect((await issuesOf(editContact(ctx, { contact: id!, release: true })))[0]).toMatchObject({ field: "release" });
    expect((await issuesOf(editContact(ctx, { contact: id! })))[0]).toMatchObject({ field: "(input)" });
    expect(await snapshot(t.db)).toEqual(before);

    const missing = await editContact(ctx, { contact: "nobody@nowhere.io", notes: "x" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(missing) && missing.code).toBe("not_found");
  });

  it("a person with rows in two offers is named with the offer (or the id)", async () => {
    const a = await createOffer(ctx, { offer: { ...baseOffer, name: "Twin A", ...copy } });
    const b = await createOffer(ctx, { offer: { ...baseOffer, name: "Twin B", ...copy } });
    await addPeople(t.db, a.offer.id, "twin", 1);
    const [inB] = await addPeople(t.db, b.offer.id, "twin", 1);
    const ambiguous = await editContact(ctx, { contact: "p0@twin.co", notes: "x" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(ambiguous) && ambiguous.code).toBe("ambiguous_reference");
    expect((await editContact(ctx, { contact: "p0@twin.co", offer: b.offer.slug!, notes: "b" })).contact.id).toBe(inB);
  });

  it("do-not-contact stops the person everywhere: every row, their sequences, their unsent sends; it cannot be released", async () => {
    const s = await liveCampaign("Dnc Co");
    const other = await createOffer(ctx, { offer: { ...baseOffer, name: "Dnc Other", ...copy } });
    const [twin] = await addPeople(t.db, other.offer.id, "dnc-co", 1);
    const r = await editContact(ctx, { contact: `p0@${s.domain}`, offer: s.offer.slug!, doNotContact: true });
    expect(r).toMatchObject({ changed: ["do_not_contact"], sequencesStopped: 1, cancelled: 1 });
    for (const id of [s.ids[0]!, twin!]) {
      const row = await contacts.get(t.db, id);
      expect(row).toMatchObject({ global_status: "do_not_contact", eligible_for_outreach: false });
      // Not an opt-out: the pipeline status stays.
      expect(row!.status).not.toBe("unsubscribed");
    }
    expect(await queueOf(s.ids[0]!)).toEqual([expect.objectContaining({ status: "cancelled", defer_reason: "do_not_contact" })]);
    expect(await ccOf(s.ids[0]!)).toMatchObject({ status: "completed", stop_reason: "do_not_contact", next_step_at: null });
    // The other person is untouched.
    expect(await queueOf(s.ids[1]!)).toEqual([expect.objectContaining({ status: "pending" })]);
    expect(await contacts.get(t.db, s.ids[1]!)).toMatchObject({ global_status: "available" });
    expect((await issuesOf(editContact(ctx, { contact: s.ids[0]!, release: true })))[0]!.message).toMatch(/final/);
  });

  it("an opt-out recorded by hand is an opt-out: unsubscribed, do-not-contact, sequence stopped, sends cancelled", async () => {
    const s = await liveCampaign("Optout Co");
    const r = await editContact(ctx, { contact: s.ids[1]!, status: "unsubscribed" });
    expect(r).toMatchObject({ changed: ["status", "do_not_contact"], sequencesStopped: 1, cancelled: 1 });
    expect(r.contact).toMatchObject({ status: "unsubscribed", global_status: "do_not_contact" });
    expect(await ccOf(s.ids[1]!)).toMatchObject({ status: "unsubscribed", stop_reason: "unsubscribed" });
    expect(await queueOf(s.ids[1]!)).toEqual([expect.objectContaining({ status: "cancelled", defer_reason: "unsubscribed" })]);
    expect((await issuesOf(editContact(ctx, { contact: s.ids[1]!, status: "ready" })))[0]!.message).toMatch(/unsubscribed is final/);
  });

  it("releases a person held by a reply on every row", async () => {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name: "Release Co", ...copy } });
    const [id] = await addPeople(t.db, offer.id, "release", 1);
    await t.db.updateTable("contacts").set({ global_status: "replied" }).where("id", "=", id!).execute();
    const r = await editContact(ctx, { contact: id!, release: true });
    expect(r.changed).toEqual(["released"]);
    expect(r.contact.global_status).toBe("available");
    expect((await issuesOf(editContact(ctx, { contact: id!, release: true })))[0]!.message).toMatch(/not held by a reply/);
  });

  it("un-pauses a sequence held by an out-of-office reply: its held sends are due again", async () => {
    const s = await liveCampaign("Ooo Co");
    const until = new Date(NOW.getTime() + 72 * HOUR);
    const cc = await ccOf(s.ids[0]!);
    await t.db.updateTable("campaign_contacts").set({ paused_until: until, next_step_at: until }).where("id", "=", cc.id).execute();
    await t.db
      .updateTable("send_queue")
      .set({ scheduled_for: until, defer_reason: "out_of_office" })
      .where("campaign_contact_id", "=", cc.id)
      .execute();

    const r = await unpauseContact(ctx, { contact: `p0@${s.domain}` });
    expect(r).toMatchObject({ campaign: s.campaign.campaign_slug, released: 1, was: `out_of_office until ${until.toISOString()}` });
    expect(await ccOf(s.ids[0]!)).toMatchObject({ paused_until: null, next_step_at: NOW, status: cc.status });
    expect(await queueOf(s.ids[0]!)).toEqual([expect.objectContaining({ status: "pending", defer_reason: null, scheduled_for: NOW })]);
    // Not paused any more: refused, nothing written.
    const again = await issuesOf(unpauseContact(ctx, { contact: s.ids[0]! }));
    expect(again[0]).toMatchObject({ field: "contact" });
    expect(again[0]!.message).toMatch(/is not paused in any running campaign/);
  });

  it("un-pauses a sequence paused for a human: back to queued, and its next step is planned", async () => {
    const s = await liveCampaign("Paused Co", 1);
    const cc = await ccOf(s.ids[0]!);
    // Paused by the planner before its first step (e.g. no approved template then).
    await t.db.deleteFrom("messages").where("campaign_contact_id", "=", cc.id).execute();
    await t.db.deleteFrom("send_queue").where("campaign_contact_id", "=", cc.id).execute();
    await t.db
      .updateTable("campaign_contacts")
      .set({ status: "paused", stop_reason: "no approved email template for step 1", next_step_at: null })
      .where("id", "=", cc.id)
      .execute();
    expect((await planDue({ db: t.db, now: () => NOW, campaignId: s.campaign.id })).planned).toBe(0);

    const wrongCampaign = await unpauseContact(ctx, { contact: s.ids[0]!, campaign: "no-such-campaign" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(wrongCampaign)).toBe(true);

    const r = await unpauseContact(ctx, { contact: s.ids[0]!, campaign: s.campaign.campaign_slug! });
    expect(r).toMatchObject({ was: "no approved email template for step 1", released: 0 });
    expect(r.campaignContact).toMatchObject({ status: "queued", stop_reason: null, next_step_at: NOW });
    expect((await planDue({ db: t.db, now: () => NOW, campaignId: s.campaign.id })).planned).toBe(1);
    expect(await queueOf(s.ids[0]!)).toEqual([expect.objectContaining({ status: "pending" })]);
  });
});
