/**
 * A test world for the send path: one active email campaign from a few mailboxes, whose queue
 * rows are all due now (built from the shared parts in support.ts).
 */
import { campaignContacts, campaigns, contacts, type Db } from "@offerlab/db";
import { createTestDb, type TestEngine, type TestDb } from "@offerlab/db/testing";
import type { UnipileMock } from "@offerlab/provider-unipile/msw";
import { setupServer } from "msw/node";
import type { Senders } from "../types.js";
import {
  ALWAYS_OPEN,
  mockAccounts,
  seedMailboxes,
  seedOffer,
  testClock,
  unipileFake,
  type SetupServerApi,
  type TestClock,
} from "./support.js";

export { mockAccounts, type SetupServerApi } from "./support.js";

export interface World {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  senders: Senders;
  accountIds: string[];
  campaignId: string;
  offerId: string;
  queueIds: string[];
  /** A clock tests can move. */
  clock: TestClock;
}

export function mswServer(): SetupServerApi {
  return setupServer();
}

export interface SeedOptions {
  engine: TestEngine;
  server: SetupServerApi;
  accounts?: number;
  contacts?: number;
  dailyLimitEmails?: number;
  hourlyLimit?: number;
  /** Start time of the world's clock (the Unipile fake uses the same clock). Default: the real time. */
  start?: Date;
  channel?: "email";
}

/** Seeds one active email campaign whose queue rows are all due now. */
export async function seedWorld(opts: SeedOptions): Promise<World> {
  const t = await createTestDb(opts.engine);
  const db = t.db;
  const nAccounts = opts.accounts ?? 2;
  const nContacts = opts.contacts ?? 10;
  const start = opts.start ?? new Date();
  const clock = testClock(start);
  const { mock, senders } = unipileFake(opts.server, { accounts: mockAccounts(nAccounts), now: () => clock.now, timeoutMs: 5_000 });

  const { offerId, companyId } = await seedOffer(db, { name: "Send path" });
  const accountIds = (
    await seedMailboxes(db, mockAccounts(nAccounts), {
      daily_limit_emails: opts.dailyLimitEmails ?? 10_000,
      hourly_limit: opts.hourlyLimit ?? 10_000,
    })
  ).map((a) => a.id);
  const campaign = await campaigns.create(db, { name: "Race", offer_id: offerId, channel: "email", status: "active", ...ALWAYS_OPEN });
  const queueIds: string[] = [];
  const due = new Date(start.getTime() - 60_000);
  for (let i = 0; i < nContacts; i++) {
    const contact = (
      await contacts.upsert(db, {
        offer_id: offerId,
        company_id: companyId,
        source_tool: "manual",
        full_name: `Person ${i}`,
        email: `person${i}@acme.example`,
        status: "ready",
      })
    ).contact;
    const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id, status: "in_progress" }))
      .campaignContact;
    const accountId = accountIds[i % nAccounts]!;
    const q = await db
      .insertInto("send_queue")
      .values({
        campaign_id: campaign.id,
        campaign_contact_id: cc.id,
        contact_id: contact.id,
        account_id: accountId,
        channel: "email",
        action_type: "email",
        sequence_step: 1,
        subject: `Hello ${i}`,
        body: `Hi Person ${i}, a short note.`,
        scheduled_for: due,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("messages")
      .values({
        campaign_contact_id: cc.id,
        campaign_id: campaign.id,
        contact_id: contact.id,
        account_id: accountId,
        send_queue_id: q.id,
        channel: "email",
        action_type: "email",
        sequence_step: 1,
        subject: `Hello ${i}`,
        body: `Hi Person ${i}, a short note.`,
        status: "queued",
        scheduled_at: due,
      })
      .execute();
    queueIds.push(q.id);
  }
  return { t, db, mock, senders, accountIds, campaignId: campaign.id, offerId, queueIds, clock };
}

/** Emails the fake actually sent, per recipient address. */
export function emailsPerRecipient(mock: UnipileMock): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of mock.state.emails) {
    if (e.role !== "sent") continue;
    for (const to of (e as unknown as { to_attendees?: { identifier: string }[] }).to_attendees ?? []) {
      counts.set(to.identifier, (counts.get(to.identifier) ?? 0) + 1);
    }
  }
  return counts;
}
