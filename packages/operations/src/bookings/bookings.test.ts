import { readFileSync } from "node:fs";
import { OfferlabError, signCalComBody, signCalendlyBody } from "@offerlab/core";
import { bookings, campaignContacts, contacts, outcomes, resolve, type Db } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { addMailbox, addPeople, baseOffer, clock, copy, NOW, testEngines, useTestDb } from "../__tests__/world.js";
import { createCampaign } from "../campaigns/create-campaign.js";
import { createOffer } from "../offers/create-offer.js";
import { importRows } from "@offerlab/pipeline";
import { matchBookings, matchBookingsForEmails } from "./match-bookings.js";
import { receiveBooking } from "./receive-booking.js";

const DAY = 86_400_000;
const SECRET = "calcom-secret-0123456789abcdef0123456789";
/** The fields of the vendors' documented bodies the tests change. */
interface Fixture {
  triggerEvent: string;
  createdAt: string;
  created_at: string;
  payload: { uid: string; email: string; startTime: string; attendees: { email: string; name: string; timeZone: string }[] };
}
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../core/src/__fixtures__/${name}.json`, import.meta.url), "utf8")) as Fixture;

/** Cal.com's documented BOOKING_CREATED body for `email`, created at `at`, as raw bytes and signature. */
function calcom(email: string, opts: { uid?: string; at?: Date; trigger?: string; fixtureName?: string } = {}) {
  const body = fixture(opts.fixtureName ?? "calcom-booking-created");
  body.triggerEvent = opts.trigger ?? body.triggerEvent;
  body.createdAt = (opts.at ?? NOW).toISOString();
  body.payload.uid = opts.uid ?? "uid-1";
  body.payload.attendees = [{ email, name: "Someone", timeZone: "Europe/London" }];
  body.payload.startTime = new Date(NOW.getTime() + 3 * DAY).toISOString();
  const rawBody = JSON.stringify(body);
  return { rawBody, signature: signCalComBody(rawBody, SECRET) };
}

describe.each(testEngines())("bookings from Cal.com and Calendly on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db(): Db {
      return t.db;
    },
    now: clock,
  };
  const receive = (source: "cal_com" | "calendly", d: { rawBody: string; signature: string | undefined }) =>
    receiveBooking(ctx, { source, rawBody: d.rawBody, signature: d.signature, secret: SECRET });
  const count = async () => ({
    outcomes: (await outcomes.list(t.db)).length,
    unmatched: (await bookings.listUnmatched(t.db, { open: false })).length,
  });

  async function setUp(name: string) {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
    const mailbox = await addMailbox(t.db, offer.slug!);
    const people = await addPeople(t.db, offer.id, offer.slug!, 2);
    const { campaign } = await createCampaign(ctx, {
      offer: offer.slug!,
      name: `${name} camp`,
      channel: "email",
      accounts: [mailbox.name],
      signal: "s",
      icp_target: "saas",
    });
    await t.db.updateTable("campaigns").set({ contacts_sent: 4 }).where("id", "=", campaign.id).execute();
    // A touch is a send: the person is in the campaign (joined before it), and history records it.
    const touch = async (contactId: string, sentAt: Date, email: string) => {
      await campaignContacts.add(t.db, { campaign_id: campaign.id, contact_id: contactId, added_at: sentAt });
      await t.db
        .insertInto("outreach_history")
        .values({
          contact_id: contactId,
          contact_email: email,
          campaign_id: campaign.id,
          offer_id: offer.id,
          account_id: mailbox.id,
          channel: "email",
          sent_at: sentAt,
        })
        .execute();
    };
    return { offer, people, campaign, touch, email: (i: number) => `p${i}@${offer.slug}.co` };
  }

  it("a signed BOOKING_CREATED records one meeting for the attendee (email matched normalised), counted once", async () => {
    const w = await setUp("Signed");
    await w.touch(w.people[0]!, new Date(NOW.getTime() - 2 * DAY), w.email(0));
    const d = calcom(w.email(0).toUpperCase(), { uid: "signed-1" });
    const r = await receive("cal_com", d);
    expect(r).toMatchObject({ status: "recorded", attendee: w.email(0), attribution: "last_touch", countedMeeting: true });
    if (r.status !== "recorded") throw new Error("unreachable");
    expect(r.outcome).toMatchObject({
      kind: "meeting_booked",
      source: "cal_com",
      external_id: "signed-1:BOOKING_CREATED",
      campaign_id: w.campaign.id,
      contact_id: w.people[0],
    });
    expect(new Date(r.outcome.meeting_at!).toISOString()).toBe(new Date(NOW.getTime() + 3 * DAY).toISOString());
    // Redelivery: the same event again has no second effect.
    const again = await receive("cal_com", d);
    expect(again).toMatchObject({ status: "duplicate", countedMeeting: false });
    expect((await outcomes.list(t.db, { campaignId: w.campaign.id })).length).toBe(1);
    expect((await resolve.campaign(t.db, w.campaign.id)).total_meetings).toBe(1);
  });

  it("a bad, missing or stale signature is refused (unauthorized) and writes nothing", async () => {
    const w = await setUp("Refused");
    const before = await count();
    const good = calcom(w.email(0), { uid: "refused-1" });
    const cases = [
      { rawBody: good.rawBody, signature: undefined },
      { rawBody: good.rawBody, signature: signCalComBody(good.rawBody, "someone else's secret") },
      { rawBody: good.rawBody.replace(w.email(0), w.email(1)), signature: good.signature },
      // Signed correctly but created outside the 5-minute replay window.
      calcom(w.email(0), { uid: "refused-2", at: new Date(NOW.getTime() - 10 * 60_000) }),
    ];
    for (const c of cases) {
      const e = await receive("cal_com", c).catch((err: unknown) => err);
      expect(OfferlabError.isInstance(e) && e.code).toBe("unauthorized");
    }
    const stale = await receive("cal_com", cases[3]!).catch((err: unknown) => err);
    expect((stale as Error).message).toContain("outside the replay window");
    expect(await count()).toEqual(before);
  });

  it("malformed JSON and a body without the booking's fields are invalid_input, writing nothing; PING is ignored", async () => {
    const before = await count();
    const raw = "{not json";
    const e = await receive("cal_com", { rawBody: raw, signature: signCalComBody(raw, SECRET) }).catch((err: unknown) => err);
    expect(OfferlabError.isInstance(e) && e.code).toBe("invalid_input");
    const ping = fixture("calcom-ping");
    ping.createdAt = NOW.toISOString();
    const pingRaw = JSON.stringify(ping);
    expect(await receive("cal_com", { rawBody: pingRaw, signature: signCalComBody(pingRaw, SECRET) })).toMatchObject({
      status: "ignored",
      trigger: "PING",
    });
    expect(await count()).toEqual(before);
  });

  it("matches the attendee across offers to the campaign that last touched them", async () => {
    const a = await setUp("Across A");
    const b = await setUp("Across B");
    const shared = a.email(1);
    const company = await t.db.selectFrom("contacts").select("company_id").where("id", "=", b.people[0]!).executeTakeFirstOrThrow();
    const { contact } = await contacts.upsert(t.db, {
      offer_id: b.offer.id,
      company_id: company.company_id,
      source_tool: "test",
      email: shared,
      status: "contacted",
    });
    await a.touch(a.people[1]!, new Date(NOW.getTime() - 9 * DAY), shared);
    await b.touch(contact.id, new Date(NOW.getTime() - 1 * DAY), shared);
    const r = await receive("cal_com", calcom(shared, { uid: "across-1" }));
    expect(r.status).toBe("recorded");
    if (r.status !== "recorded") throw new Error("unreachable");
    expect(r.outcome).toMatchObject({ campaign_id: b.campaign.id, offer_id: b.offer.id, contact_id: contact.id });
    expect((await resolve.campaign(t.db, b.campaign.id)).total_meetings).toBe(1);
    expect((await resolve.campaign(t.db, a.campaign.id)).total_meetings).toBe(0);
  });

  it("a cancellation is a meeting_cancelled outcome of its own: no counter moves", async () => {
    const w = await setUp("Cancel");
    await w.touch(w.people[0]!, new Date(NOW.getTime() - DAY), w.email(0));
    await receive("cal_com", calcom(w.email(0), { uid: "cancel-1" }));
    const c = await receive("cal_com", calcom(w.email(0), { uid: "cancel-1", fixtureName: "calcom-booking-cancelled" }));
    expect(c).toMatchObject({ status: "recorded", countedMeeting: false });
    if (c.status !== "recorded") throw new Error("unreachable");
    expect(c.outcome).toMatchObject({ kind: "meeting_cancelled", external_id: "cancel-1:BOOKING_CANCELLED", meeting_at: null });
    expect(c.outcome.note).toContain("Something came up");
    expect((await resolve.campaign(t.db, w.campaign.id)).total_meetings).toBe(1);
  });

  it("a booking for nobody we know is kept once as unmatched, listed, and matched once the person is imported", async () => {
    const w = await setUp("Unmatched");
    await w.touch(w.people[0]!, new Date(NOW.getTime() - DAY), w.email(0));
    const d = calcom("Stranger@Elsewhere.example", { uid: "stranger-1" });
    const first = await receive("cal_com", d);
    expect(first).toMatchObject({ status: "unmatched", created: true });
    expect(await receive("cal_com", d)).toMatchObject({ status: "unmatched", created: false });
    const open = await bookings.listUnmatched(t.db);
    const row = open.find((b) => b.external_id === "stranger-1:BOOKING_CREATED");
    expect(row).toMatchObject({
      source: "cal_com",
      attendee_email: "stranger@elsewhere.example",
      event: "created",
      matched_outcome_id: null,
    });
    expect(open.filter((b) => b.external_id === "stranger-1:BOOKING_CREATED")).toHaveLength(1);
    expect((row!.payload as { triggerEvent: string }).triggerEvent).toBe("BOOKING_CREATED");

    // Imported later, with a touch before the booking: matching records the meeting.
    const company = await t.db.selectFrom("contacts").select("company_id").where("id", "=", w.people[0]!).executeTakeFirstOrThrow();
    const { contact } = await contacts.upsert(t.db, {
      offer_id: w.offer.id,
      company_id: company.company_id,
      source_tool: "test",
      email: "stranger@elsewhere.example",
    });
    await w.touch(contact.id, new Date(NOW.getTime() - 2 * DAY), "stranger@elsewhere.example");
    const m = await matchBookings(ctx);
    expect(m.matched.map((x) => x.attendee)).toEqual(["stranger@elsewhere.example"]);
    const outcome = (await outcomes.list(t.db, { contactIds: [contact.id] }))[0]!;
    expect(outcome).toMatchObject({ kind: "meeting_booked", campaign_id: w.campaign.id, external_id: "stranger-1:BOOKING_CREATED" });
    expect((await bookings.listUnmatched(t.db)).some((b) => b.id === row!.id)).toBe(false);
    expect((await bookings.findUnmatched(t.db, "cal_com", "stranger-1:BOOKING_CREATED"))?.matched_outcome_id).toBe(outcome.id);
    // Matching again changes nothing.
    expect((await matchBookings(ctx)).matched).toEqual([]);
  });

  it("finds the kept bookings among more addresses than one statement can bind (an import of 70,000 contacts)", async () => {
    await receive("cal_com", calcom("Early@Elsewhere.example", { uid: "early" }));
    await receive("cal_com", calcom("late@elsewhere.example", { uid: "late" }));
    // 70,000 addresses: over the wire protocol's 65,535 parameters if they went in one statement.
    const many = Array.from({ length: 70_000 }, (_, i) => `person${i}@import.example`);
    const found = await bookings.openUnmatchedFor(t.db, ["late@elsewhere.example", ...many, " EARLY@elsewhere.example "]);
    expect(found.map((b) => b.external_id).sort()).toEqual(["early:BOOKING_CREATED", "late:BOOKING_CREATED"]);
    // Oldest first (then by id), as one statement ordered them.
    const order = (b: (typeof found)[number]) => `${b.received_at.toISOString()}|${b.id}`;
    expect(found.map(order)).toEqual(found.map(order).sort());
    // The next tests list the open bookings: these two are not theirs.
    await t.db
      .deleteFrom("unmatched_bookings")
      .where(
        "id",
        "in",
        found.map((b) => b.id),
      )
      .execute();
  });

  it("a CSV import that gives a contact the attendee's address matches the kept booking in the import's transaction", async () => {
    const w = await setUp("Import Match");
    const d = calcom("Later@Imported.example", { uid: "later-1" });
    expect(await receive("cal_com", d)).toMatchObject({ status: "unmatched", created: true });
    const other = calcom("nobody@else.example", { uid: "other-1" });
    expect(await receive("cal_com", other)).toMatchObject({ status: "unmatched" });

    const hook = (trx: Parameters<typeof matchBookingsForEmails>[0], emails: readonly string[]) => matchBookingsForEmails(trx, emails, NOW);
    // An import refused for an invalid row writes nothing, and matches nothing.
    await expect(
      importRows(t.db, "contacts", [{ email: "later@imported.example", company_domain: "imported.example", linkedin_url: "not a url" }], {
        offerId: w.offer.id,
        onContactEmails: hook,
      }),
    ).rejects.toThrow();
    expect((await bookings.listUnmatched(t.db)).map((b) => b.external_id).sort()).toEqual([
      "later-1:BOOKING_CREATED",
      "other-1:BOOKING_CREATED",
    ]);

    const summary = await importRows(
      t.db,
      "contacts",
      [{ email: "LATER@imported.example", full_name: "Lee Later", company_domain: "imported.example" }],
      { offerId: w.offer.id, onContactEmails: hook },
    );
    expect(summary).toMatchObject({ created: 1, written: true });
    const contact = (await outcomes.findPerson(t.db, { email: "later@imported.example" }))[0]!;
    const recorded = await outcomes.list(t.db, { contactIds: [contact.id] });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ kind: "meeting_booked", source: "cal_com", external_id: "later-1:BOOKING_CREATED" });
    const kept = await bookings.findUnmatched(t.db, "cal_com", "later-1:BOOKING_CREATED");
    expect(kept?.matched_outcome_id).toBe(recorded[0]!.id);
    // The other booking's attendee is still unknown: it stays open.
    expect((await bookings.listUnmatched(t.db)).map((b) => b.external_id)).toEqual(["other-1:BOOKING_CREATED"]);
    // Importing the same person again records nothing twice.
    await importRows(t.db, "contacts", [{ email: "later@imported.example", company_domain: "imported.example" }], {
      offerId: w.offer.id,
      onContactEmails: hook,
    });
    expect(await outcomes.list(t.db, { contactIds: [contact.id] })).toHaveLength(1);
  });

  it("an address found for a contact (the enrichment hook) matches the kept booking in the same transaction; a failed write matches nothing", async () => {
    const w = await setUp("Enrich Match");
    expect(await receive("cal_com", calcom("found@enriched.example", { uid: "found-1" }))).toMatchObject({ status: "unmatched" });
    const company = await t.db.selectFrom("contacts").select("company_id").where("id", "=", w.people[0]!).executeTakeFirstOrThrow();
    const { contact } = await contacts.upsert(t.db, {
      offer_id: w.offer.id,
      company_id: company.company_id,
      source_tool: "test",
      full_name: "Fay Found",
      linkedin_url: "https://www.linkedin.com/in/fay-found",
    });
    // The write and the match roll back together.
    await expect(
      t.db.transaction().execute(async (trx) => {
        await contacts.recordEmailCheck(trx, contact, { status: "valid", email: "found@enriched.example", source: "test", at: NOW });
        await matchBookingsForEmails(trx, ["found@enriched.example"], NOW);
        throw new Error("the step failed after the match");
      }),
    ).rejects.toThrow(/after the match/);
    expect((await bookings.findUnmatched(t.db, "cal_com", "found-1:BOOKING_CREATED"))?.matched_outcome_id).toBeNull();
    expect(await outcomes.list(t.db, { contactIds: [contact.id] })).toEqual([]);

    const r = await t.db.transaction().execute(async (trx) => {
      await contacts.recordEmailCheck(trx, contact, { status: "valid", email: "found@enriched.example", source: "test", at: NOW });
      return matchBookingsForEmails(trx, ["Found@Enriched.example"], NOW);
    });
    expect(r.matched.map((m) => m.attendee)).toEqual(["found@enriched.example"]);
    expect(await outcomes.list(t.db, { contactIds: [contact.id] })).toMatchObject([{ kind: "meeting_booked" }]);
    expect(await matchBookingsForEmails(t.db, ["found@enriched.example"], NOW)).toEqual({ checked: 0, matched: [], stillUnmatched: 0 });
  });

  it("Calendly: a fresh signature records the invitee's meeting once; a stale one is refused", async () => {
    const w = await setUp("Calendly");
    await w.touch(w.people[1]!, new Date(NOW.getTime() - DAY), w.email(1));
    const body = fixture("calendly-invitee-created");
    body.created_at = NOW.toISOString();
    body.payload.email = w.email(1);
    const rawBody = JSON.stringify(body);
    const d = { rawBody, signature: signCalendlyBody(rawBody, SECRET, NOW) };
    const r = await receive("calendly", d);
    expect(r).toMatchObject({ status: "recorded", countedMeeting: true });
    if (r.status !== "recorded") throw new Error("unreachable");
    expect(r.outcome).toMatchObject({ source: "calendly", campaign_id: w.campaign.id, kind: "meeting_booked" });
    expect(await receive("calendly", d)).toMatchObject({ status: "duplicate" });
    const stale = { rawBody, signature: signCalendlyBody(rawBody, SECRET, new Date(NOW.getTime() - 3_600_000)) };
    const e = await receive("calendly", stale).catch((err: unknown) => err);
    expect(OfferlabError.isInstance(e) && e.code).toBe("unauthorized");
  });
});
