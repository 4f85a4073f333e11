/**
 * A test world for the send path: a real database (PGlite or a fresh Postgres database), the
 * Unipile MSW fake standing in for the only paid API, and seeded campaigns with due queue rows.
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, type TestEngine, type TestDb } from "@offerlab/db/testing";
import { createUnipile } from "@offerlab/provider-unipile";
import { createUnipileMock, type MockAccount, type UnipileMock } from "@offerlab/provider-unipile/msw";
import { setupServer } from "msw/node";

export type SetupServerApi = ReturnType<typeof setupServer>;
import type { Senders } from "../types.js";

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
  clock: { now: Date; advance(ms: number): void; set(d: Date): void };
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

export function mockAccounts(n: number): MockAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `MAILBOX${String(i).padStart(15, "0")}`,
    name: `sender${i}@offerlab-demo.com`,
    type: "GOOGLE_OAUTH" as const,
    self: `sender${i}@offerlab-demo.com`,
  }));
}

/** Seeds one active email campaign whose queue rows are all due now. */
export async function seedWorld(opts: SeedOptions): Promise<World> {
  const t = await createTestDb(opts.engine);
  const db = t.db;
  const nAccounts = opts.accounts ?? 2;
  const nContacts = opts.contacts ?? 10;
  const start = opts.start ?? new Date();
  const clock = {
    now: new Date(start),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
    set(d: Date) {
      this.now = new Date(d);
    },
  };
  // The fake stamps what it sends with the world's clock, so reconciliation (which compares the
  // two) works whatever time a test sets.
  const mock = createUnipileMock({ accounts: mockAccounts(nAccounts), now: () => clock.now });
  opts.server.resetHandlers(...mock.handlers);
  const unipile = createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, reconcileSettleMs: 0, timeoutMs: 5_000 });
  const senders: Senders = { email: unipile, linkedin: unipile, reconciler: unipile };

  const offer = await offers.create(db, { name: "Send path", type: "product", ownership: "internal", description: "d", status: "active" });
  const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.example", source_tool: "manual" })).company;
  const accountIds: string[] = [];
  for (const a of mockAccounts(nAccounts)) {
    const row = await accounts.create(db, {
      name: a.name,
      type: "email",
      owner: "tests",
      email_address: a.self,
      unipile_account_id: a.id,
      daily_limit_emails: opts.dailyLimitEmails ?? 10_000,
      hourly_limit: opts.hourlyLimit ?? 10_000,
    });
    accountIds.push(row.id);
  }
  const campaign = await campaigns.create(db, {
    name: "Race",
    offer_id: offer.id,
    channel: "email",
    status: "active",
    send_window_start: "00:00",
    send_window_end: "23:59:59",
    send_days: [1, 2, 3, 4, 5, 6, 7],
    timezone: "UTC",
  });
  const queueIds: string[] = [];
  const due = new Date(start.getTime() - 60_000);
  for (let i = 0; i < nContacts; i++) {
    const contact = (
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "manual",
        full_name: `Person ${i}`,
        email: `person${i}@acme.example`,
        status: "ready",
      })
    ).contact;
    const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id, status: "in_progress" })).campaignContact;
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
  return { t, db, mock, senders, accountIds, campaignId: campaign.id, offerId: offer.id, queueIds, clock };
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
