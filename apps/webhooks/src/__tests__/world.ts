/**
 * A small world for the webhook server's tests: a real database, the Unipile fake (the only paid
 * API; it also produces the webhook payloads of what it did), one mailbox and one LinkedIn
 * account, and Jane Doe in an active campaign whose first email is sent through the real send
 * path. The server runs on a real port; the fake answers the vendor's calls.
 */
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { createTestDb, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createUnipile } from "@offerlab/provider-unipile";
import { createUnipileMock, type UnipileMock } from "@offerlab/provider-unipile/msw";
import { planDue, runSendPath, type Senders } from "@offerlab/scheduler";
import { setupServer } from "msw/node";

export const DAY = 86_400_000;
export const SECRET = "0123456789abcdef0123456789abcdef-test-secret";

/** MSW for the vendor; requests to our own server on 127.0.0.1 pass through, anything else fails. */
export function vendorServer() {
  const server = setupServer();
  return {
    server,
    listen: () =>
      server.listen({
        onUnhandledRequest(request, print) {
          if (new URL(request.url).hostname === "127.0.0.1") return;
          print.error();
        },
      }),
  };
}

export interface World {
  t: TestDb;
  db: Db;
  mock: UnipileMock;
  senders: Senders;
  clock: { now: Date };
  janeId: string;
  janeCcId: string;
  emailAccountId: string;
  linkedinAccountId: string;
  vendorLinkedIn: string;
  vendorMailbox: string;
  advance(ms: number): void;
  plan(): ReturnType<typeof planDue>;
  send(options?: Partial<Parameters<typeof runSendPath>[0]>): ReturnType<typeof runSendPath>;
  lastTrackingId(): string;
}

export async function seedWorld(engine: TestEngine, server: ReturnType<typeof setupServer>, steps?: unknown[]): Promise<World> {
  const t = await createTestDb(engine);
  const db = t.db;
  const clock = { now: new Date("2026-03-02T09:00:00Z") };
  const mock = createUnipileMock({ now: () => clock.now });
  server.resetHandlers(...mock.handlers);
  const unipile = createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl, reconcileSettleMs: 0, timeoutMs: 5_000 });
  const senders: Senders = { email: unipile, linkedin: unipile, reconciler: unipile };
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
  });
  const campaign = await campaigns.create(db, {
    name: "Webhooks",
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
      steps: steps ?? [
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
  const cc = (
    await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id, added_at: new Date(clock.now.getTime() - 60_000) })
  ).campaignContact;
  return {
    t,
    db,
    mock,
    senders,
    clock,
    janeId: jane.id,
    janeCcId: cc.id,
    emailAccountId: mail.id,
    linkedinAccountId: li.id,
    vendorLinkedIn,
    vendorMailbox,
    advance(ms) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    plan: () => planDue({ db, now: () => clock.now }),
    send: (options = {}) => runSendPath({ db, senders, now: () => clock.now, accountGapMs: { min: 0, max: 0 }, ...options }),
    lastTrackingId() {
      const sent = mock.state.emails.filter((e) => e.role === "sent");
      const id = sent[sent.length - 1]?.tracking_id;
      if (!id) throw new Error("no email sent yet");
      return id;
    },
  };
}

/** Plans and sends Jane's first step. */
export async function sendFirstStep(w: World): Promise<void> {
  if ((await w.plan()).planned !== 1) throw new Error("expected one planned step");
  w.advance(30 * 60_000);
  if ((await w.send()).outcomes.sent !== 1) throw new Error("expected one send");
}

/** Captures log lines (JSON) in memory. */
export function memoryLog(): { lines: string[]; write(line: string): void; parsed(): Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write(line) {
      lines.push(line);
    },
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
