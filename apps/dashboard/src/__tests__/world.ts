/**
 * The dashboard tests' world: the apps' seeded outreach world (an offer, a LinkedIn account and a
 * mailbox, an active campaign with Jane Doe and `extra` more people) plus one sent email that got a
 * positive reply, and a contact whose name is markup (every page must escape it).
 */
import type { Db } from "@offerlab/db";
import { contacts } from "@offerlab/db";
import { createTestDb, seedOutreachWorld, type TestDb, type TestEngine } from "@offerlab/db/testing";
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
  await db
    .insertInto("messages")
    .values({
      campaign_contact_id: w.janeCcId,
      campaign_id: w.campaignId,
      contact_id: w.janeId,
      account_id: w.emailAccountId,
      channel: "email",
      action_type: "email",
      sequence_step: 1,
      subject: "Ramp time at Acme",
      body: "Hi Jane",
      status: "replied",
      sent_at: new Date("2026-03-09T10:00:00Z"),
      replied_at: new Date("2026-03-10T08:00:00Z"),
      reply_text: "Interested, let's talk",
      reply_sentiment: "positive",
      variant: "A",
    })
    .execute();
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

/** A touch of Jane by email written straight into the outreach history (as a recorded send leaves one). */
export async function touchJane(w: World, touch: { subject: string; sentAt: Date }): Promise<{ id: string }> {
  return w.db
    .insertInto("outreach_history")
    .values({
      contact_id: w.janeId,
      contact_email: "jane.doe@acme.com",
      campaign_id: w.campaignId,
      offer_id: w.offerId,
      account_id: w.emailAccountId,
      channel: "email",
      message_subject: touch.subject,
      sent_at: touch.sentAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}
