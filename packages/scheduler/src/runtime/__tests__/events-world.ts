/**
 * A world for provider events: Jane's world (support.ts: a real database, the Unipile MSW fake,
 * which produces the webhook payloads of what it did, one LinkedIn and one email account, an
 * approved sequence's templates, and Jane Doe in an active campaign) with a clock the fake follows.
 * Events go through the same path the webhook server uses: Unipile's parser, the inbox, then the
 * worker.
 */
import type { Db } from "@offerlab/db";
import type { TestDb, TestEngine } from "@offerlab/db/testing";
import { parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import type { UnipileMock } from "@offerlab/provider-unipile/msw";
import type { setupServer } from "msw/node";
import {
  providerEventKey,
  processWebhookInbox,
  storeWebhookEvent,
  type InboxSummary,
  type ProcessInboxOptions,
  type ProviderEventDecoder,
} from "../events.js";
import { runSendPath } from "../loop.js";
import { planDue } from "../plan.js";
import type { Senders } from "../types.js";
import { JANE_TEMPLATES, seedJaneWorld } from "./support.js";

export { DAY } from "./support.js";

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
  const clock = { now: new Date(opts.start ?? "2026-03-02T09:00:00Z") };
  const jane = await seedJaneWorld({
    engine: opts.engine,
    server: opts.server,
    clock,
    fakeFollowsClock: true,
    timeoutMs: 5_000,
    campaignName: "Events",
    steps: opts.steps ?? [
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
    ],
    templates: JANE_TEMPLATES,
  });
  const { db, senders } = jane;

  const world: EventWorld = {
    ...jane,
    clock,
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
    jane: () => readCc(db, jane.janeCcId),
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
  return w.db
    .selectFrom("webhook_inbox")
    .select(["event_type", "status", "outcome", "attempts", "dedupe_key"])
    .orderBy("received_at")
    .orderBy("id")
    .execute();
}
