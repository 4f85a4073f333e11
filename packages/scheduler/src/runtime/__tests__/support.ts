/**
 * The runtime tests' one seeded world, in parts: a real database (PGlite or a fresh Postgres
 * database), a clock tests move, the Unipile MSW fake standing in for the only paid API, and the
 * rows every send-path test starts from (an offer and its company, mailboxes, campaigns, templates,
 * people). `world.ts` (the email race), `events-world.ts` (Jane's multichannel campaign), the
 * planner's tests and the seed tests compose these instead of each seeding its own copy.
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createUnipile } from "@offerlab/provider-unipile";
import { createUnipileMock, type MockAccount, type UnipileMock } from "@offerlab/provider-unipile/msw";
import type { setupServer } from "msw/node";
import type { Senders } from "../types.js";

export type SetupServerApi = ReturnType<typeof setupServer>;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A clock tests can move; the runners and the Unipile fake read it. */
export interface TestClock {
  now: Date;
  advance(ms: number): void;
  set(d: Date): void;
}

export function testClock(start: Date): TestClock {
  return {
    now: new Date(start),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
    set(d: Date) {
      this.now = new Date(d);
    },
  };
}

/** `n` Gmail mailboxes of the fake, named sender0@…, sender1@… */
export function mockAccounts(n: number): MockAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `MAILBOX${String(i).padStart(15, "0")}`,
    name: `sender${i}@offerlab-demo.com`,
    type: "GOOGLE_OAUTH" as const,
    self: `sender${i}@offerlab-demo.com`,
  }));
}

/**
 * The Unipile fake behind `server` and the real adapter pointed at it, as every capability the
 * send path needs. With `now`, the fake stamps what it sends with that clock (so reconciliation,
 * which compares the two, works whatever time a test sets); without it, with the real time.
 */
export function unipileFake(
  server: SetupServerApi,
  options: { accounts?: MockAccount[]; now?: () => Date; timeoutMs?: number; linkedin?: boolean } = {},
): { mock: UnipileMock; senders: Senders } {
  const mock = createUnipileMock({
    ...(options.accounts ? { accounts: options.accounts } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  server.resetHandlers(...mock.handlers);
  const unipile = createUnipile({
    apiKey: mock.apiKey,
    baseUrl: mock.baseUrl,
    reconcileSettleMs: 0,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const senders: Senders =
    options.linkedin === false ? { email: unipile, reconciler: unipile } : { email: unipile, linkedin: unipile, reconciler: unipile };
  return { mock, senders };
}

/** An active offer and its company Acme. */
export async function seedOffer(
  db: Db,
  o: { name: string; description?: string; domain?: string },
): Promise<{ offerId: string; companyId: string }> {
  const offer = await offers.create(db, {
    name: o.name,
    type: "product",
    ownership: "internal",
    description: o.description ?? "d",
    status: "active",
  });
  const company = (
    await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: o.domain ?? "acme.example", source_tool: "manual" })
  ).company;
  return { offerId: offer.id, companyId: company.id };
}

/** One email account per fake mailbox. */
export async function seedMailboxes(
  db: Db,
  mailboxes: MockAccount[],
  limits: { daily_limit_emails?: number; hourly_limit?: number } = {},
): Promise<{ id: string; name: string }[]> {
  const out: { id: string; name: string }[] = [];
  for (const a of mailboxes) {
    const row = await accounts.create(db, {
      name: a.name,
      type: "email",
      owner: "tests",
      email_address: a.self,
      unipile_account_id: a.id,
      ...limits,
    });
    out.push({ id: row.id, name: row.name });
  }
  return out;
}

/** Open every day, all day, in UTC: a campaign whose window never gets in a test's way. */
export const ALWAYS_OPEN = { timezone: "UTC", send_window_start: "00:00", send_window_end: "23:59:59", send_days: [1, 2, 3, 4, 5, 6, 7] };

type TemplateRow = {
  name: string;
  channel: "email" | "linkedin_connect" | "linkedin_dm";
  sequence_step: number | null;
  subject?: string;
  body: string;
  status: "approved" | "draft";
};

/** The approved templates of Jane's campaign (the planner's tests add the spintax and a third email). */
export const JANE_TEMPLATES: TemplateRow[] = [
  {
    name: "note",
    channel: "linkedin_connect",
    sequence_step: null,
    body: "Hi {{first_name}}, saw {{company.name}} is hiring reps.",
    status: "approved",
  },
  { name: "dm", channel: "linkedin_dm", sequence_step: null, body: "Thanks for connecting, {{first_name}}!", status: "approved" },
  {
    name: "email 1",
    channel: "email",
    sequence_step: 1,
    subject: "Ramp time at {{company.name}}",
    body: "Hi {{first_name|there}}, quick question about onboarding.",
    status: "approved",
  },
  { name: "email 2", channel: "email", sequence_step: 2, subject: "", body: "Following up, {{first_name|there}}.", status: "approved" },
];

export async function seedTemplates(db: Db, offerId: string, rows: TemplateRow[]): Promise<void> {
  if (rows.length)
    await db
      .insertInto("message_templates")
      .values(rows.map((r) => ({ offer_id: offerId, ...r })))
      .execute();
}

export interface JaneWorld {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  senders: Senders;
  offerId: string;
  campaignId: string;
  linkedinAccountId: string;
  emailAccountId: string;
  janeId: string;
  janeCcId: string;
  vendorLinkedIn: string;
  vendorMailbox: string;
}

/**
 * Jane's world: "AI Sales Coach", one LinkedIn account and one mailbox (the fake's first two
 * accounts), an active multichannel campaign with `steps` and stop-on-reply, its templates, and
 * Jane Doe (the fake's 2nd-degree profile, reachable by email) enrolled a minute before `clock`.
 */
export async function seedJaneWorld(opts: {
  engine: TestEngine;
  server: SetupServerApi;
  clock: { now: Date };
  /** Whether the fake stamps with `clock` (else the real time). */
  fakeFollowsClock: boolean;
  timeoutMs?: number;
  campaignName: string;
  steps: unknown[];
  templates: TemplateRow[];
}): Promise<JaneWorld> {
  const t = await createTestDb(opts.engine);
  const db = t.db;
  const { mock, senders } = unipileFake(opts.server, {
    ...(opts.fakeFollowsClock ? { now: () => opts.clock.now } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const vendorLinkedIn = mock.state.accounts[0]!.id;
  const vendorMailbox = mock.state.accounts[1]!.id;
  const { offerId, companyId } = await seedOffer(db, {
    name: "AI Sales Coach",
    description: "Cuts ramp time in half.",
    domain: "acme.com",
  });
  const li = await accounts.create(db, { name: "jane_linkedin", type: "linkedin", owner: "jane", unipile_account_id: vendorLinkedIn });
  const mail = await accounts.create(db, {
    name: "jane@offerlab-demo.com",
    type: "email",
    owner: "jane",
    email_address: "jane@offerlab-demo.com",
    unipile_account_id: vendorMailbox,
  });
  const campaign = await campaigns.create(db, {
    name: opts.campaignName,
    offer_id: offerId,
    channel: "multi",
    status: "active",
    ...ALWAYS_OPEN,
    account_ids: [
      { id: li.id, name: li.name, type: "linkedin" },
      { id: mail.id, name: mail.name, type: "email" },
    ],
    scheduling_config: { steps: opts.steps, stop_on_reply: true },
  });
  await seedTemplates(db, offerId, opts.templates);
  const jane = (
    await contacts.upsert(db, {
      offer_id: offerId,
      company_id: companyId,
      source_tool: "manual",
      first_name: "Jane",
      full_name: "Jane Doe",
      email: "jane.doe@acme.com",
      linkedin_url: "https://www.linkedin.com/in/jane-doe",
      connection_degree: 2,
      status: "ready",
    })
  ).contact;
  const cc = (
    await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id, added_at: new Date(opts.clock.now.getTime() - 60_000) })
  ).campaignContact;
  return {
    t,
    db,
    mock,
    senders,
    offerId,
    campaignId: campaign.id,
    linkedinAccountId: li.id,
    emailAccountId: mail.id,
    janeId: jane.id,
    janeCcId: cc.id,
    vendorLinkedIn,
    vendorMailbox,
  };
}
