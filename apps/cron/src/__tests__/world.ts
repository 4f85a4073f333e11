/**
 * A world for the runner's tests: a real database, the Unipile fake (the only paid API), one
 * LinkedIn account and one mailbox, approved templates, and an active campaign with Jane Doe (the
 * fake's 2nd-degree profile) and `extra` more people reachable by email.
 */
import type { Db } from "@offerlab/db";
import { createTestDb, seedOutreachWorld, type TestDb, type TestEngine } from "@offerlab/db/testing";
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
  const seeded = await seedOutreachWorld(db, {
    name: "Cron",
    vendorLinkedIn,
    vendorMailbox: mock.state.accounts[1]!.id,
    addedAt: new Date(clock.now.getTime() - 60_000),
    mailboxLimits: { daily_limit_emails: 1000, hourly_limit: 1000 },
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.window ? { window: options.window } : {}),
    ...(options.extra ? { extra: options.extra } : {}),
  });
  return {
    t,
    db,
    mock,
    unipile,
    providers: providersFromUnipile(unipile),
    clock,
    campaignId: seeded.campaignId,
    janeCcId: seeded.janeCcId,
    emailAccountId: seeded.emailAccountId,
    linkedinAccountId: seeded.linkedinAccountId,
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
