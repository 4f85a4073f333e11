/**
 * The books the cron keeps, recomputed from the facts: the account reply rate counts each person
 * who replied once, over the people the account contacted, however many history rows a reply
 * marks (it marks every row of the person in the campaign).
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { recomputeAccountHealth } from "../books.js";
import { DAY } from "./support.js";

const NOW = new Date("2026-03-20T12:00:00Z");

describe.each(testEngines())("books on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("account reply_rate is per person: 2 of 6 people replied is 33.33 %, not the share of history rows a reply marked", async () => {
    t = await createTestDb(engine);
    const db = t.db;
    const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
    const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "exa" })).company;
    const mail = await accounts.create(db, { name: "mail", type: "email", owner: "mike", email_address: "m@x.com" });
    const campaign = await campaigns.create(db, {
      name: "A",
      offer_id: offer.id,
      channel: "email",
      account_id: mail.id,
      campaign_slug: "a",
    });
    // Two people who got three emails each and replied to the third; four who got one and did not.
    const people = [
      { name: "p0", emails: 3, replied: true },
      { name: "p1", emails: 3, replied: true },
      ...[2, 3, 4, 5].map((i) => ({ name: `p${i}`, emails: 1, replied: false })),
    ];
    for (const p of people) {
      const email = `${p.name}@acme.com`;
      const contact = (
        await contacts.upsert(db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", full_name: p.name, email })
      ).contact;
      const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id })).campaignContact;
      for (let step = 1; step <= p.emails; step++) {
        const sentAt = new Date(NOW.getTime() - (10 - step) * DAY);
        const answered = p.replied && step === p.emails;
        await db
          .insertInto("messages")
          .values({
            campaign_contact_id: cc.id,
            campaign_id: campaign.id,
            contact_id: contact.id,
            account_id: mail.id,
            channel: "email",
            action_type: "email",
            sequence_step: step,
            body: "hello",
            status: "sent",
            sent_at: sentAt,
            ...(answered ? { replied_at: new Date(sentAt.getTime() + DAY), reply_text: "yes" } : {}),
          })
          .execute();
        await db
          .insertInto("outreach_history")
          .values({
            contact_email: email,
            contact_id: contact.id,
            campaign_id: campaign.id,
            offer_id: offer.id,
            account_id: mail.id,
            channel: "email",
            sent_at: sentAt,
            // What a reply does to history: every row of the person in the campaign is marked.
            ...(p.replied ? { status: "replied" as const, replied_at: new Date(NOW.getTime() - DAY) } : {}),
          })
          .execute();
      }
    }
    await recomputeAccountHealth(db, { now: NOW });
    const row = await db.selectFrom("accounts").select(["reply_rate", "bounce_rate"]).where("id", "=", mail.id).executeTakeFirstOrThrow();
    // Per history row it was 6 of 10 rows = 60 %.
    expect(row).toEqual({ reply_rate: 33.33, bounce_rate: 0 });
  });
});
