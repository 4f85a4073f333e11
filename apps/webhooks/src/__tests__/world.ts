/**
 * A small world for the webhook server's tests: a real database, the Unipile fake (the only paid
 * API; it also produces the webhook payloads of what it did), one mailbox and one LinkedIn
 * account, and Jane Doe in an active campaign whose first email is sent through the real send
 * path. The server runs on a real port; the fake answers the vendor's calls.
 */
import type { Db } from "@offerlab/db";
import { createTestDb, seedOutreachWorld, type TestDb, type TestEngine } from "@offerlab/db/testing";
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
  const seeded = await seedOutreachWorld(db, {
    name: "Webhooks",
    vendorLinkedIn,
    vendorMailbox,
    addedAt: new Date(clock.now.getTime() - 60_000),
    ...(steps ? { steps } : {}),
  });
  return {
    t,
    db,
    mock,
    senders,
    clock,
    janeId: seeded.janeId,
    janeCcId: seeded.janeCcId,
    emailAccountId: seeded.emailAccountId,
    linkedinAccountId: seeded.linkedinAccountId,
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
