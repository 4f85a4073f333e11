import { OfferlabError, ValidationError } from "@offerlab/core";
import { campaignContacts, contacts, outcomes, resolve, type Db } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import {
  addMailbox,
  addPeople,
  baseOffer,
  clock,
  copy,
  liveCampaign as sharedLiveCampaign,
  NOW,
  testEngines,
  useTestDb,
} from "../__tests__/world.js";
import { createCampaign } from "../campaigns/create-campaign.js";
import { createOffer } from "../offers/create-offer.js";
import { outcomeInputOfRow } from "./import-outcomes.js";
import { checkOutcome, recordOutcome } from "./record-outcome.js";

const DAY = 86_400_000;
const daysBefore = (n: number) => new Date(NOW.getTime() - n * DAY);

describe("checkOutcome", () => {
  it("names every wrong field", () => {
    const e = (() => {
      try {
        checkOutcome({ person: "nobody", kind: "lunch", at: "yesterday", value: -3, currency: "euro" }, NOW);
      } catch (err) {
        return err;
      }
    })();
    expect(ValidationError.isInstance(e) && e.issues.map((i) => i.field)).toEqual(["person", "kind", "at", "value", "currency"]);
  });
  it("reads an email, a LinkedIn URL or a contact id, normalised", () => {
    expect(checkOutcome({ person: " Ann@Acme.COM ", kind: "meeting_booked" }, NOW).person).toEqual({ email: "ann@acme.com" });
    expect(checkOutcome({ person: "https://www.linkedin.com/in/ann/", kind: "rejected" }, NOW).person.linkedinUrl).toContain(
      "linkedin.com/in/ann",
    );
    expect(checkOutcome({ person: "0B7C4E2A-1111-4222-8333-444455556666", kind: "no_show" }, NOW)).toMatchObject({
      person: { contactId: "0b7c4e2a-1111-4222-8333-444455556666" },
      occurredAt: NOW,
      source: "manual",
      windowDays: 30,
    });
  });
});

describe("outcomeInputOfRow", () => {
  it("reads the person from person, contact_id, email or linkedin_url, and every optional column", () => {
    expect(outcomeInputOfRow({ email: " a@b.co ", kind: "rejected", occurred_at: "2026-01-01", external_id: "x", value: "" }, 10)).toEqual({
      person: "a@b.co",
      kind: "rejected",
      source: "csv",
      at: "2026-01-01",
      externalId: "x",
      windowDays: 10,
    });
    expect(
      outcomeInputOfRow({ person: "p", linkedin_url: "l", kind: "converted", value: "5", currency: "EUR", campaign: "c", note: "n" }),
    ).toEqual({
      person: "p",
      kind: "converted",
      source: "csv",
      campaign: "c",
      value: "5",
      currency: "EUR",
      note: "n",
    });
  });
});

describe.each(testEngines())("recordOutcome on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db(): Db {
      return t.db;
    },
    now: clock,
  };

  async function setUp(name: string) {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
    const mailbox = await addMailbox(t.db, offer.slug!);
    const people = await addPeople(t.db, offer.id, offer.slug!, 2);
    const make = async (suffix: string) =>
      (
        await createCampaign(ctx, {
          offer: offer.slug!,
          name: `${name} ${suffix}`,
          channel: "email",
          accounts: [mailbox.name],
          signal: suffix,
          icp_target: "saas",
        })
      ).campaign;
    const campA = await make("a");
    const campB = await make("b");
    await t.db.updateTable("campaigns").set({ contacts_sent: 4 }).where("id", "in", [campA.id, campB.id]).execute();
    // A touch is a send: the person is in the campaign, and history records the copy's variant.
    const touch = async (contactId: string, campaignId: string, sentAt: Date, email: string | null = null) => {
      await campaignContacts.add(t.db, { campaign_id: campaignId, contact_id: contactId });
      await t.db
        .insertInto("outreach_history")
        .values({
          contact_id: contactId,
          contact_email: email,
          campaign_id: campaignId,
          offer_id: offer.id,
          account_id: mailbox.id,
          channel: "email",
          sent_at: sentAt,
          variant: `Email ${sentAt.toISOString().slice(0, 10)}`,
        })
        .execute();
    };
    return { offer, mailbox, people, campA, campB, touch, email: (i: number) => `p${i}@${offer.slug}.co` };
  }

  it("attributes to the last touch before the outcome within the window, counts the meeting and moves the statuses", async () => {
    const w = await setUp("Attrib");
    await w.touch(w.people[0]!, w.campA.id, daysBefore(10));
    await w.touch(w.people[0]!, w.campB.id, daysBefore(3));
    await w.touch(w.people[0]!, w.campA.id, new Date(NOW.getTime() + DAY)); // after the outcome: ignored
    const r = await recordOutcome(ctx, {
      person: w.email(0),
      kind: "meeting_booked",
      at: NOW,
      meetingAt: new Date(NOW.getTime() + 2 * DAY),
    });
    expect(r).toMatchObject({
      created: true,
      attribution: "last_touch",
      countedMeeting: true,
      contactStatus: { from: "ready", to: "meeting" },
      companyStatus: { from: "qualified", to: "meeting" },
    });
    expect(r.outcome).toMatchObject({
      campaign_id: w.campB.id,
      offer_id: w.offer.id,
      account_id: w.mailbox.id,
      contact_id: w.people[0],
      // The variant of the copy the attributed send used.
      variant: `Email ${daysBefore(3).toISOString().slice(0, 10)}`,
    });
    expect(new Date(r.outcome.attributed_touch_at!).getTime()).toBe(daysBefore(3).getTime());
    const b = await resolve.campaign(t.db, w.campB.id);
    expect(b).toMatchObject({ total_meetings: 1 });
    expect(Number(b.meeting_rate)).toBe(25);
    expect((await resolve.campaign(t.db, w.campA.id)).total_meetings).toBe(0);
    expect((await resolve.offer(t.db, w.offer.id)).total_meetings).toBe(1);
    const contact = await t.db.selectFrom("contacts").select("status").where("id", "=", w.people[0]!).executeTakeFirstOrThrow();
    expect(contact.status).toBe("meeting");
  });

  it("leaves an outcome unattributed when no touch lies in the window, and honours --window-days", async () => {
    const w = await setUp("Window");
    await w.touch(w.people[0]!, w.campA.id, daysBefore(40));
    const none = await recordOutcome(ctx, { person: w.email(0), kind: "rejected", at: NOW });
    expect(none).toMatchObject({ attribution: "unattributed", countedMeeting: false, contactStatus: null });
    expect(none.outcome.campaign_id).toBeNull();
    const wide = await recordOutcome(ctx, { person: w.email(0), kind: "not_interested", at: NOW, windowDays: 45 });
    expect(wide.outcome.campaign_id).toBe(w.campA.id);
  });

  it("matches the person across offers by email", async () => {
    const w = await setUp("Across");
    const other = await setUp("Across Other");
    // the same email in the other offer, touched there more recently
    const { contact } = await contacts.upsert(t.db, {
      offer_id: other.offer.id,
      company_id: (await t.db.selectFrom("contacts").select("company_id").where("id", "=", other.people[0]!).executeTakeFirstOrThrow())
        .company_id,
      source_tool: "test",
      email: w.email(1),
      status: "contacted",
    });
    await w.touch(w.people[1]!, w.campA.id, daysBefore(8), w.email(1));
    await other.touch(contact.id, other.campA.id, daysBefore(2), w.email(1));
    const r = await recordOutcome(ctx, { person: w.email(1), kind: "converted", at: NOW, value: 1200, currency: "eur" });
    expect(r.outcome).toMatchObject({ campaign_id: other.campA.id, contact_id: contact.id, currency: "EUR" });
    expect(Number(r.outcome.value)).toBe(1200);
    expect(r.contactStatus).toEqual({ from: "contacted", to: "converted" });
  });

  it("takes a named campaign over the last touch", async () => {
    const w = await setUp("Named");
    await w.touch(w.people[0]!, w.campB.id, daysBefore(1));
    const r = await recordOutcome(ctx, { person: w.people[0]!, kind: "meeting_held", campaign: w.campA.campaign_slug! });
    expect(r).toMatchObject({ attribution: "explicit", countedMeeting: false });
    expect(r.outcome.campaign_id).toBe(w.campA.id);
  });

  it("is idempotent on the external id: a redelivery changes nothing and counts nothing twice", async () => {
    const w = await setUp("Idem");
    await w.touch(w.people[0]!, w.campA.id, daysBefore(2));
    const input = { person: w.email(0), kind: "meeting_booked", at: NOW, externalId: "cal-123", source: "cal_com" };
    const first = await recordOutcome(ctx, input);
    const again = await recordOutcome(ctx, { ...input, note: "changed" });
    expect(again).toMatchObject({ created: false, attribution: "last_touch", countedMeeting: false, contactStatus: null });
    expect(again.outcome.id).toBe(first.outcome.id);
    expect(again.outcome.note).toBeNull();
    expect((await outcomes.list(t.db, { campaignId: w.campA.id })).length).toBe(1);
    expect((await resolve.campaign(t.db, w.campA.id)).total_meetings).toBe(1);
    // a second meeting of the same person in the campaign is logged but counts people once
    const second = await recordOutcome(ctx, { person: w.email(0), kind: "meeting_booked", at: NOW });
    expect(second).toMatchObject({ created: true, countedMeeting: false });
    expect((await resolve.campaign(t.db, w.campA.id)).total_meetings).toBe(1);
  });

  it("never moves a status backwards", async () => {
    const w = await setUp("Forward");
    await recordOutcome(ctx, { person: w.email(0), kind: "converted" });
    const later = await recordOutcome(ctx, { person: w.email(0), kind: "meeting_booked" });
    expect(later.contactStatus).toBeNull();
    const contact = await t.db.selectFrom("contacts").select("status").where("id", "=", w.people[0]!).executeTakeFirstOrThrow();
    expect(contact.status).toBe("converted");
  });

  it("refuses a person we do not know with not_found naming the reference, writing nothing", async () => {
    const e = await recordOutcome(ctx, { person: "ghost@nowhere.io", kind: "meeting_booked" }).catch((err: unknown) => err);
    expect(OfferlabError.isInstance(e) && e.code).toBe("not_found");
    expect((e as Error).message).toContain("ghost@nowhere.io");
  });
});

describe.each(testEngines())("an outcome ends the person's running sequence, on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db(): Db {
      return t.db;
    },
    now: clock,
  };

  async function liveCampaign(name: string) {
    const { offer, ids, campaign, planned } = await sharedLiveCampaign(t.db, name, 3);
    expect(planned).toBe(3);
    const state = async (contactId: string) => ({
      cc: await t.db
        .selectFrom("campaign_contacts")
        .select(["status", "stop_reason"])
        .where("campaign_id", "=", campaign.id)
        .where("contact_id", "=", contactId)
        .executeTakeFirstOrThrow(),
      queue: await t.db
        .selectFrom("send_queue")
        .select(["status", "defer_reason"])
        .where("campaign_id", "=", campaign.id)
        .where("contact_id", "=", contactId)
        .execute(),
    });
    return { offer, ids, campaign, state, email: (i: number) => `p${i}@${offer.slug}.co` };
  }

  it("a booked meeting stops the sequence as `meeting` and cancels its unsent send; a redelivery changes nothing", async () => {
    const s = await liveCampaign("Stop Meet");
    const input = { person: s.email(0), kind: "meeting_booked", at: NOW, externalId: "cal-1", source: "cal_com" };
    const r = await recordOutcome(ctx, input);
    expect(r).toMatchObject({ created: true, sequencesStopped: 1, sendsCancelled: 1 });
    expect(await s.state(s.ids[0]!)).toEqual({
      cc: { status: "meeting", stop_reason: "meeting" },
      queue: [{ status: "cancelled", defer_reason: "meeting" }],
    });
    // the others go on
    expect((await s.state(s.ids[1]!)).cc.status).not.toBe("meeting");
    expect((await s.state(s.ids[1]!)).queue.map((q) => q.status)).not.toContain("cancelled");
    const again = await recordOutcome(ctx, input);
    expect(again).toMatchObject({ created: false, sequencesStopped: 0, sendsCancelled: 0 });
  });

  it("a refusal stops it as `completed`; a no-show stops nothing; an outcome dated before the enrolment stops nothing", async () => {
    const s = await liveCampaign("Stop Refuse");
    const refused = await recordOutcome(ctx, { person: s.email(0), kind: "not_interested", at: NOW });
    expect(refused).toMatchObject({ sequencesStopped: 1, sendsCancelled: 1 });
    expect((await s.state(s.ids[0]!)).cc).toEqual({ status: "completed", stop_reason: "outcome_recorded" });

    const noShow = await recordOutcome(ctx, { person: s.email(1), kind: "no_show", at: NOW });
    expect(noShow).toMatchObject({ sequencesStopped: 0, sendsCancelled: 0 });
    expect((await s.state(s.ids[1]!)).queue.map((q) => q.status)).not.toContain("cancelled");

    // a meeting from before this campaign took the person is history, not a reason to stop it
    const old = await recordOutcome(ctx, { person: s.email(2), kind: "meeting_held", at: daysBefore(30) });
    expect(old).toMatchObject({ created: true, sequencesStopped: 0, sendsCancelled: 0 });
    expect((await s.state(s.ids[2]!)).queue.map((q) => q.status)).not.toContain("cancelled");
  });
});
