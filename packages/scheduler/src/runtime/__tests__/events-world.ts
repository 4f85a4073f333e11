/**
 * A world for provider events: a real database, the Unipile MSW fake (which produces the webhook
 * payloads of what it did), one LinkedIn and one email account, an approved sequence's templates,
 * and Jane Doe (the fake's 2nd-degree profile, reachable by email) in an active campaign. Events go
 * through the same path the webhook server uses: Unipile's parser, the inbox, then the worker.
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createUnipile, parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import { createUnipileMock, type UnipileMock } from "@offerlab/provider-unipile/msw";
import type { setupServer } from "msw/node";
import { providerEventKey, processWebhookInbox, storeWebhookEvent, type InboxSummary, type ProcessInboxOptions, type ProviderEventDecoder } from "../events.js";
import { runSendPath } from "../loop.js";
import { planDue } from "../plan.js";
import type { Senders } from "../types.js";

export const DAY = 86_400_000;

/** The decoder the apps wire: Unipile's parser and normaliser. */
export const unipileDecoder: ProviderEventDecoder = (payload, context) => toProviderEvent(parseUnipileWebhook(payload), context);

export interface EventWorld {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  senders: Senders;
  clock: { now: Date };
  offerId: string;
  campaignId: string;
  linkedinAccountId: string;
  emailAccountId: string;
  /** Jane's contact row and campaign contact. */
  janeId: string;
  janeCcId: string;
  /** Vendor ids of the fake's accounts. */
  vendorLinkedIn: string;
  vendorMailbox: string;
  advance(ms: number): void;
  plan(): ReturnType<typeof planDue>;
  send(): ReturnType<typeof runSendPath>;
  /** Stores a raw Unipile payload the way the receiver does; returns whether it was new. */
  deliver(payload: Record<string, unknown>): Promise<boolean>;
  /** Drains the inbox with the Unipile decoder at the world's clock. */
  process(extra?: Partial<ProcessInboxOptions>): Promise<InboxSummary>;
  /** The campaign contact of Jane. */
  jane(): Promise<Awaited<ReturnType<typeof readCc>>>;
}

async function readCc(db: Db, id: string) {
  return db.selectFrom("campaign_contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

export interface EventWorldOptions {
  engine: TestEngine;
  server: ReturnType<typeof setupServer>;
  /** The sequence of the campaign. Default: one email, then a follow-up three days later. */
  steps?: unknown[];
  start?: Date;
}

export async function eventWorld(opts: EventWorldOptions): Promise<EventWorld> {
  const t = await createTestDb(opts.engine);
  const db = t.db;
  const clock = { now: new Date(opts.start ?? "2026-03-02T09:00:00Z") };
  const mock = createUnipileMock({ now: () => clock.now });
  opts.server.resetHandlers(...mock.handlers);
  const unipile = createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, reconcileSettleMs: 0, timeoutMs: 5_000 });
  const senders: Senders = { email: unipile, linkedin: unipile, reconciler: unipile };
  const vendorLinkedIn = mock.state.accounts[0]!.id;
  const vendorMailbox = mock.state.accounts[1]!.id;

  const offer = await offers.create(db, { name: "AI Sales Coach", type: "product", ownership: "internal", description: "Cuts ramp time in half.", status: "active" });
  const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
  const li = await accounts.create(db, { name: "jane_linkedin", type: "linkedin", owner: "jane", unipile_account_id: vendorLinkedIn });
  const mail = await accounts.create(db, { name: "jane@offerlab-demo.com", type: "email", owner: "jane", email_address: "jane@offerlab-demo.com", unipile_account_id: vendorMailbox });
  const campaign = await campaigns.create(db, {
    name: "Events",
    offer_id: offer.id,
    channel: "multi",
    status: "active",
    timezone: "UTC",
    send_window_start: "00:00",
    send_window_end: "23:59:59",
    send_days: [1, 2, 3, 4, 5, 6, 7],
    account_ids: [
      { id: li.id, name: li.name, type: "linkedin" },
      { id: mail.id, name: mail.name, type: "email" },
    ],
    scheduling_config: {
      steps: opts.steps ?? [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
      ],
      stop_on_reply: true,
    },
  });
  await db
    .insertInto("message_templates")
    .values([
      { offer_id: offer.id, name: "note", channel: "linkedin_connect", sequence_step: null, body: "Hi {{first_name}}, saw {{company.name}} is hiring reps.", status: "approved" },
      { offer_id: offer.id, name: "dm", channel: "linkedin_dm", sequence_step: null, body: "Thanks for connecting, {{first_name}}!", status: "approved" },
      { offer_id: offer.id, name: "email 1", channel: "email", sequence_step: 1, subject: "Ramp time at {{company.name}}", body: "Hi {{first_name|there}}, quick question about onboarding.", status: "approved" },
      { offer_id: offer.id, name: "email 2", channel: "email", sequence_step: 2, subject: "", body: "Following up, {{first_name|there}}.", status: "approved" },
    ])
    .execute();
  const jane = (
    await contacts.upsert(db, {
      offer_id: offer.id,
      company_id: company.id,
      source_tool: "manual",
      first_name: "Jane",
      full_name: "Jane Doe",
      email: "jane.doe@acme.com",
      linkedin_url: "https://www.linkedin.com/in/jane-doe",
      connection_degree: 2,
      status: "ready",
    })
  ).contact;
  const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id, added_at: new Date(clock.now.getTime() - 60_000) })).campaignContact;

  const world: EventWorld = {
    t,
    db,
    mock,
    senders,
    clock,
    offerId: offer.id,
    campaignId: campaign.id,
    linkedinAccountId: li.id,
    emailAccountId: mail.id,
    janeId: jane.id,
    janeCcId: cc.id,
    vendorLinkedIn,
    vendorMailbox,
    advance(ms) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    plan: () => planDue({ db, now: () => clock.now }),
    send: () => runSendPath({ db, senders, now: () => clock.now, accountGapMs: { min: 0, max: 0 } }),
    async deliver(payload) {
      const event = toProviderEvent(parseUnipileWebhook(payload));
      const res = await storeWebhookEvent(db, {
        provider: "unipile",
        dedupeKey: providerEventKey(event, clock.now),
        eventType: event.type,
        payload,
        receivedAt: clock.now,
      });
      return res.stored;
    },
    process: (extra = {}) => processWebhookInbox({ db, decoders: { unipile: unipileDecoder }, now: () => clock.now, ...extra }),
    jane: () => readCc(db, cc.id),
  };
  return world;
}

/** Plans and sends Jane's first step (30 minutes later, past the jitter). */
export async function sendFirstStep(w: EventWorld): Promise<void> {
  const planned = await w.plan();
  if (planned.planned !== 1) throw new Error(`expected one planned step, got ${JSON.stringify(planned)}`);
  w.advance(30 * 60_000);
  const sent = await w.send();
  if (sent.outcomes.sent !== 1) throw new Error(`expected one send, got ${JSON.stringify(sent.outcomes)}`);
}

/** The tracking id of the last email the fake sent. */
export function lastTrackingId(w: EventWorld): string {
  const sent = w.mock.state.emails.filter((e) => e.role === "sent");
  const last = sent[sent.length - 1];
  if (!last?.tracking_id) throw new Error("no email sent");
  return last.tracking_id;
}

export async function inboxRows(w: EventWorld) {
  return w.db.selectFrom("webhook_inbox").select(["event_type", "status", "outcome", "attempts", "dedupe_key"]).orderBy("received_at").orderBy("id").execute();
}
