/**
 * The dashboard tests' world: the apps' seeded outreach world (an offer, a LinkedIn account and a
 * mailbox, an active campaign with Jane Doe and `extra` more people) plus one sent email that got a
 * positive reply, and a contact whose name is markup (every page must escape it).
 */
import type { Db } from "@offerlab/db";
import { campaigns, contacts } from "@offerlab/db";
import { createTestDb, emailSent, seedOutreachWorld, touchJane as touchJaneIn, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createDashboardApp, type DashboardAppOptions } from "../app.js";
import { Sessions } from "../security.js";

export const NOW = new Date("2026-03-10T12:00:00Z");
export const SECRET = Buffer.alloc(32, 7);
export const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

export interface World {
  t: TestDb;
  db: Db;
  offerId: string;
  campaignId: string;
  janeId: string;
  hostileId: string;
  emailAccountId: string;
  linkedinAccountId: string;
  app(options?: Partial<DashboardAppOptions>): ReturnType<typeof createDashboardApp>;
  /** The CSRF token of the loopback session (no token configured). */
  csrf: string;
}

export async function seedWorld(engine: TestEngine, extra = 0): Promise<World> {
  const t = await createTestDb(engine);
  const db = t.db as Db;
  const w = await seedOutreachWorld(db, {
    name: "Spring push",
    vendorLinkedIn: "li-vendor",
    vendorMailbox: "mail-vendor",
    addedAt: new Date("2026-03-01T09:00:00Z"),
    extra,
  });
  const jane = (await contacts.get(db, w.janeId))!;
  const hostile = (
    await contacts.upsert(db, {
      offer_id: w.offerId,
      company_id: jane.company_id,
      source_tool: "manual",
      status: "ready",
      first_name: "Mallory",
      full_name: HOSTILE,
      email: "mallory@acme.com",
      title: `"><b>bold</b>`,
    })
  ).contact;
  // One email sent to Jane on 2026-03-09 and her positive reply the next morning (written as the
  // send path would leave it; tests may write rows directly).
  await emailSent(db, w, {
    subject: "Ramp time at Acme",
    body: "Hi Jane",
    sentAt: new Date("2026-03-09T10:00:00Z"),
    reply: { at: new Date("2026-03-10T08:00:00Z"), text: "Interested, let's talk", sentiment: "positive" },
    variant: "A",
  });
  await db
    .updateTable("campaign_contacts")
    .set({ touches: 1, replied: true, reply_sentiment: "positive", status: "replied" })
    .where("id", "=", w.janeCcId)
    .execute();
  return {
    t,
    db,
    offerId: w.offerId,
    campaignId: w.campaignId,
    janeId: w.janeId,
    hostileId: hostile.id,
    emailAccountId: w.emailAccountId,
    linkedinAccountId: w.linkedinAccountId,
    app: (options = {}) => createDashboardApp({ db, now: () => NOW, secret: SECRET, ...options }),
    csrf: new Sessions({ secret: SECRET }).csrfOf("local"),
  };
}

/** A touch of Jane by email in the outreach history (`@offerlab/db/testing`'s `touchJane`, on the world's database). */
export function touchJane(w: World, touch: { subject: string; sentAt: Date }): Promise<{ id: string }> {
  return touchJaneIn(w.db, w, touch);
}

/**
 * A second campaign ("Autumn push", email, one step) and two new ready contacts at Jane's company
 * (Fresh 1 and Fresh 2, fresh1@acme.com …): what the bulk-enrol tests enrol.
 */
export async function autumnCampaignAndTwoLeads(w: World): Promise<{ campaign: { id: string }; fresh: string[] }> {
  const campaign = await campaigns.create(w.db, {
    name: "Autumn push",
    offer_id: w.offerId,
    channel: "email",
    status: "active",
    account_id: w.emailAccountId,
    scheduling_config: { steps: [{ step: 1, type: "email", delay_days: 0 }], stop_on_reply: true },
  });
  const jane = (await contacts.get(w.db, w.janeId))!;
  const fresh: string[] = [];
  for (const i of [1, 2]) {
    const { contact } = await contacts.upsert(w.db, {
      offer_id: w.offerId,
      company_id: jane.company_id,
      source_tool: "manual",
      status: "ready",
      full_name: `Fresh ${i}`,
      email: `fresh${i}@acme.com`,
      email_status: "valid",
    });
    fresh.push(contact.id);
  }
  return { campaign, fresh };
}
