/**
 * A world for the runner's tests: a real database, the Unipile fake (the only paid API), one
 * LinkedIn account and one mailbox, approved templates, and an active campaign with Jane Doe (the
 * fake's 2nd-degree profile) and `extra` more people reachable by email.
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createUnipile, type UnipileProvider } from "@offerlab/provider-unipile";
import { createUnipileMock, type UnipileMock } from "@offerlab/provider-unipile/msw";
import type { setupServer } from "msw/node";
import { providersFromUnipile, usageToDatabase } from "../providers.js";
import type { TickProviders } from "../tick.js";

export const DAY = 86_400_000;

export interface World {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  unipile: UnipileProvider;
  providers: TickProviders;
  clock: { now: Date };
  campaignId: string;
  janeCcId: string;
  emailAccountId: string;
  linkedinAccountId: string;
  vendorLinkedIn: string;
  advance(ms: number): void;
  sentEmails(): number;
}

export interface WorldOptions {
  steps?: unknown[];
  /** People besides Jane, email only. Default 0. */
  extra?: number;
  start?: Date;
  /** Record every Unipile call in `tool_usage`, as the runner's bin does. Default false. */
  recordUsage?: boolean;
  /** The campaign's send window (UTC). Default 00:00–23:59:59 every day. */
  window?: { start: string; end: string; days: number[] };
}

export async function seedWorld(engine: TestEngine, server: ReturnType<typeof setupServer>, options: WorldOptions = {}): Promise<World> {
  const t = await createTestDb(engine);
  const db = t.db;
  const clock = { now: new Date(options.start ?? "2026-03-02T09:00:00Z") };
  const mock = createUnipileMock({ now: () => clock.now });
  server.resetHandlers(...mock.handlers);
  const unipile = createUnipile({
    apiKey: mock.apiKey,
    baseUrl: mock.baseUrl,
    reconcileSettleMs: 0,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1 },
    ...(options.recordUsage ? { onUsage: usageToDatabase(db) } : {}),
  });
  const vendorLinkedIn = mock.state.accounts[0]!.id;
  const vendorMailbox = mock.state.accounts[1]!.id;
  const offer = await offers.create(db, {
    name: "AI Sales Coach",
    type: "product",
    ownership: "internal",
    description: "Cuts ramp time in half.",
    status: "active",
  });
  const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
  const li = await accounts.create(db, { name: "jane_linkedin", type: "linkedin", owner: "jane", unipile_account_id: vendorLinkedIn });
  const mail = await accounts.create(db, {
    name: "jane@offerlab-demo.com",
    type: "email",
    owner: "jane",
    email_address: "jane@offerlab-demo.com",
    unipile_account_id: vendorMailbox,
    daily_limit_emails: 1000,
    hourly_limit: 1000,
  });
  const campaign = await campaigns.create(db, {
    name: "Cron",
    offer_id: offer.id,
    channel: "multi",
    status: "active",
    timezone: "UTC",
    send_window_start: options.window?.start ?? "00:00",
    send_window_end: options.window?.end ?? "23:59:59",
    send_days: options.window?.days ?? [1, 2, 3, 4, 5, 6, 7],
    account_ids: [
      { id: li.id, name: li.name, type: "linkedin" },
      { id: mail.id, name: mail.name, type: "email" },
    ],
    scheduling_config: {
      steps: options.steps ?? [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
      ],
      stop_on_reply: true,
    },
  });
  await db
    .insertInto("message_templates")
    .values([
      {
        offer_id: offer.id,
        name: "note",
        channel: "linkedin_connect",
        sequence_step: null,
        body: "Hi {{first_name}}, saw {{company.name}} is hiring reps.",
        status: "approved",
      },
      {
        offer_id: offer.id,
        name: "dm",
        channel: "linkedin_dm",
        sequence_step: null,
        body: "Thanks for connecting, {{first_name}}!",
        status: "approved",
      },
      {
        offer_id: offer.id,
        name: "email 1",
        channel: "email",
        sequence_step: 1,
        subject: "Ramp time at {{company.name}}",
        body: "Hi {{first_name|there}}, quick question about onboarding.",
        status: "approved",
      },
      {
        offer_id: offer.id,
        name: "email 2",
        channel: "email",
        sequence_step: 2,
        subject: "",
        body: "Following up, {{first_name|there}}.",
        status: "approved",
      },
    ])
    .execute();
  const people = [
    {
      first_name: "Jane",
      full_name: "Jane Doe",
      email: "jane.doe@acme.com",
      linkedin_url: "https://www.linkedin.com/in/jane-doe",
      connection_degree: 2 as const,
    },
    ...Array.from({ length: options.extra ?? 0 }, (_, i) => ({
      first_name: `P${i}`,
      full_name: `Person ${i}`,
      email: `person${i}@acme.com`,
    })),
  ];
  let janeCcId = "";
  for (const p of people) {
    const contact = (
      await contacts.upsert(db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", status: "ready", ...p })
    ).contact;
    const cc = (
      await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id, added_at: new Date(clock.now.getTime() - 60_000) })
    ).campaignContact;
    if (!janeCcId) janeCcId = cc.id;
  }
  return {
    t,
    db,
    mock,
    unipile,
    providers: providersFromUnipile(unipile),
    clock,
    campaignId: campaign.id,
    janeCcId,
    emailAccountId: mail.id,
    linkedinAccountId: li.id,
    vendorLinkedIn,
    advance(ms) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    sentEmails: () => mock.state.emails.filter((e) => e.role === "sent").length,
  };
}

/** Captures log lines (JSON) in memory. */
export function memoryLog(): {
  lines: string[];
  write(line: string): void;
  parsed(): Record<string, unknown>[];
  ticks(): Record<string, unknown>[];
} {
  const lines: string[] = [];
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    lines,
    write(line) {
      lines.push(line);
    },
    parsed,
    ticks: () => parsed().filter((l) => l.msg === "tick"),
  };
}
