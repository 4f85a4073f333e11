/**
 * One tick of every job against a real database and the Unipile fake: planning and sending,
 * the inbox sync catching a reply no webhook delivered, stale invitations withdrawn, books kept,
 * jobs skipped (with the reason) when no provider is configured, a failing job not stopping the
 * others, SIGTERM finishing the send in flight and claiming nothing more, several runners at once
 * (Postgres), and the tick's log line (counts, and never a secret).
 */
import { createDb } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { createUnipileMock } from "@offerlab/provider-unipile/msw";
import type { EmailSender } from "@offerlab/provider-kit";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { cronOnce } from "../main.js";
import { runTick, type TickOptions } from "../tick.js";
import { DAY, memoryLog, seedWorld, type World } from "./world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const linkedinSteps = [
  { step: 1, type: "connection_request", delay_days: 0 },
  { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected" },
];

describe.each(testEngines())("a cron tick on %s", (engine) => {
  let w: World;
  let log: ReturnType<typeof memoryLog>;
  afterEach(async () => {
    await w?.t.drop();
  });

  const tick = (extra: Partial<TickOptions> = {}) =>
    runTick({
      db: w.db,
      providers: w.providers,
      now: () => w.clock.now,
      logger: createLogger({ destination: log }),
      sendPath: { accountGapMs: { min: 0, max: 0 } },
      ...extra,
    });

  it("plans the due steps, then sends them, keeps the books, and logs one line per tick", async () => {
    w = await seedWorld(engine, server, { extra: 3 });
    log = memoryLog();
    const first = await tick();
    expect(first.jobs.plan).toMatchObject({ status: "ok", result: { planned: 4 } });
    expect(first).toMatchObject({ claimed: 0, sent: 0, errors: 0 }); // jittered into the next minutes
    w.advance(30 * 60_000);
    const second = await tick();
    expect(second).toMatchObject({ claimed: 4, sent: 4, failed: 0, unknown: 0, errors: 0, aborted: false });
    expect(w.sentEmails()).toBe(4);
    const campaign = await w.db.selectFrom("campaigns").select(["total_sent"]).where("id", "=", w.campaignId).executeTakeFirstOrThrow();
    expect(campaign.total_sent).toBe(4);
    const account = await w.db
      .selectFrom("accounts")
      .select(["today_emails", "last_health_check"])
      .where("id", "=", w.emailAccountId)
      .executeTakeFirstOrThrow();
    expect(account.today_emails).toBe(4);
    expect(account.last_health_check?.getTime()).toBe(w.clock.now.getTime());

    const lines = log.ticks();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 30,
      app: "cron",
      claimed: 4,
      sent: 4,
      deferred: {},
      skipped: 0,
      failed: 0,
      unknown: 0,
      errors: 0,
    });
    expect(typeof lines[1]!.durationMs).toBe("number");
    const jobs = lines[1]!.jobs as Record<string, Record<string, unknown>>;
    expect(Object.keys(jobs)).toEqual([
      "warming",
      "inbox_sync",
      "inbox",
      "withdraw_invitations",
      "reap",
      "reconcile",
      "plan",
      "send",
      "lifecycles",
      "daily_counters",
      "books",
      "account_health",
      "credits",
    ]);
    expect(jobs.plan).toMatchObject({ planned: 0 });
    expect(jobs.inbox_sync).toMatchObject({ accounts: 2, errors: 0 });
    expect(jobs.credits).toMatchObject({ alerts: 0 });
    // Every other line is a problem: there was none.
    expect(log.parsed().filter((l) => l.msg !== "tick")).toEqual([]);
  });

  it("the inbox sync catches a reply no webhook delivered: the sequence stops for that person only", async () => {
    w = await seedWorld(engine, server, { extra: 2 });
    log = memoryLog();
    await tick();
    w.advance(30 * 60_000);
    expect((await tick()).sent).toBe(3);
    const janeEmail = w.mock.state.emails.find(
      (e) => e.role === "sent" && e.to_attendees.some((a) => a.identifier === "jane.doe@acme.com"),
    )!;
    w.mock.receiveEmailReply({ trackingOrEmailId: janeEmail.tracking_id!, text: "Interested, can we talk Thursday?" });
    w.advance(60 * 60_000);
    const third = await tick();
    expect(third.jobs.inbox_sync).toMatchObject({ status: "ok", result: { stored: 4 } }); // 3 sent emails (tracking ids) + the reply
    expect(third.jobs.inbox).toMatchObject({ status: "ok", result: { processed: 4 } });
    const jane = await w.db.selectFrom("campaign_contacts").selectAll().where("id", "=", w.janeCcId).executeTakeFirstOrThrow();
    expect(jane).toMatchObject({ replied: true, status: "replied" });
    w.advance(3 * DAY);
    await tick();
    w.advance(30 * 60_000);
    expect((await tick()).sent).toBe(2); // the follow-ups, not Jane's
    const toJane = w.mock.state.emails.filter((e) => e.role === "sent" && e.to_attendees.some((a) => a.identifier === "jane.doe@acme.com"));
    expect(toJane).toHaveLength(1);
    expect(w.sentEmails()).toBe(5);
  });

  it("records every Unipile call of the inbox sync in tool_usage, one row per call", async () => {
    w = await seedWorld(engine, server, { recordUsage: true });
    log = memoryLog();
    const calls: string[] = [];
    const count = ({ request }: { request: Request }) => void calls.push(new URL(request.url).pathname);
    server.events.on("request:start", count);
    try {
      const t = await tick({ jobs: ["inbox_sync"] });
      expect(t.jobs.inbox_sync).toMatchObject({ status: "ok", result: { accounts: 2, errors: [] } });
    } finally {
      server.events.removeListener("request:start", count);
    }
    expect(calls.length).toBeGreaterThanOrEqual(2); // the LinkedIn account's messages, the mailbox's emails
    const rows = await w.db
      .selectFrom("tool_usage")
      .innerJoin("tools", "tools.id", "tool_usage.tool_id")
      .select(["tools.name", "tool_usage.action", "tool_usage.status", "tool_usage.request_params"])
      .orderBy("tool_usage.action")
      .execute();
    expect(rows).toHaveLength(calls.length);
    expect(rows.map((r) => [r.name, r.action, r.status])).toEqual([
      ["unipile", "list_emails", "success"],
      ["unipile", "list_messages", "success"],
    ]);
    // A parameter the call did not use is left out, not stored as a hole.
    expect(rows.find((r) => r.action === "list_messages")!.request_params).toEqual({ account_id: w.mock.state.accounts[0]!.id });
    expect(log.parsed().filter((l) => l.msg === "could not record provider usage")).toEqual([]);
  });

  it("sends in the last minute of the day of a window that ends at 24:00", async () => {
    // Mondays 23:00 to midnight (UTC). Planned at 23:40, the sends are due before 23:59; sent at
    // 23:59:30, when a window that could only end at 23:59 would have closed.
    w = await seedWorld(engine, server, {
      extra: 1,
      start: new Date("2026-03-02T23:40:00Z"),
      window: { start: "23:00", end: "24:00", days: [1] },
    });
    log = memoryLog();
    const stored = await w.db.selectFrom("campaigns").select(["send_window_end"]).where("id", "=", w.campaignId).executeTakeFirstOrThrow();
    expect(stored.send_window_end).toBe("24:00:00");
    const planned = await tick();
    expect(planned.jobs.plan).toMatchObject({ status: "ok", result: { planned: 2 } });
    w.advance(19 * 60_000 + 30_000); // 23:59:30
    const t = await tick();
    expect(t).toMatchObject({ claimed: 2, sent: 2, deferred: {}, errors: 0 });
    expect(w.sentEmails()).toBe(2);
  });

  it("withdraws a LinkedIn invitation left pending past the configured age", async () => {
    w = await seedWorld(engine, server, { steps: linkedinSteps });
    log = memoryLog();
    await tick();
    w.advance(30 * 60_000);
    expect((await tick()).sent).toBe(1);
    expect(w.mock.state.invitations).toHaveLength(1);
    w.advance(10 * DAY);
    expect((await tick({ config: { withdrawInvitationsAfterDays: 14 } })).jobs.withdraw_invitations).toMatchObject({
      result: { withdrawn: 0 },
    });
    w.advance(5 * DAY);
    expect((await tick({ config: { withdrawInvitationsAfterDays: 14 } })).jobs.withdraw_invitations).toMatchObject({
      result: { withdrawn: 1 },
    });
    expect(w.mock.state.invitations).toHaveLength(0);
  });

  it("unknown outcomes: each tick asks Unipile once per due check on the back-off (the send job never asks again), warns with the alert line, and settles them once Unipile answers", async () => {
    w = await seedWorld(engine, server, { extra: 2 });
    log = memoryLog();
    const jobs = ["reap", "reconcile", "plan", "send"] as const;
    await tick({ jobs });
    w.advance(30 * 60_000);
    // Unipile fails every send before acting: three unknown outcomes, nothing sent.
    w.mock.fail("server_error", { times: 3, match: "POST /emails" });
    expect(await tick({ jobs })).toMatchObject({ unknown: 3, sent: 0 });
    // Then its email list fails too, so nothing can be settled while the ticks run every 5 s.
    w.mock.fail("server_error", { match: "GET /emails" });
    let reads = 0;
    const count = ({ request }: { request: Request }) => {
      if (request.method === "GET" && new URL(request.url).pathname.endsWith("/emails")) reads++;
    };
    server.events.on("request:start", count);
    let last!: Awaited<ReturnType<typeof tick>>;
    try {
      for (let s = 0; s <= 510; s += 5) {
        last = await tick({ jobs });
        w.advance(5_000);
      }
    } finally {
      server.events.removeListener("request:start", count);
    }
    // 103 ticks: asked at once, then about 1, 3 and 7 minutes later — not 2 × 103 times each.
    expect(reads).toBeGreaterThanOrEqual(9);
    expect(reads).toBeLessThanOrEqual(15);
    expect(last.unknownOutcomes).toMatchObject({ unknown: 3, undetermined: 0 });
    const alerts = log
      .parsed()
      .filter((l) => l.level === 40 && typeof l.msg === "string" && l.msg.startsWith("3 sends with an unknown outcome, oldest "));
    expect(alerts.length).toBeGreaterThan(100);
    expect(alerts.at(-1)!.msg).toMatch(
      /^3 sends with an unknown outcome, oldest 8 min \(since 2026-03-02 09:3\d UTC\); the provider is asked again at 2026-03-02 \d\d:\d\d UTC$/,
    );
    expect(w.sentEmails()).toBe(0);

    // Unipile answers again: at the next check each is proven not sent, then sent exactly once.
    w.mock.clearFaults();
    w.advance(20 * 60_000);
    const settled = await tick({ jobs });
    expect(settled.jobs.reconcile).toMatchObject({ status: "ok", result: { notSent: 3 } });
    expect(settled).toMatchObject({ sent: 3, unknownOutcomes: { unknown: 0, undetermined: 0 } });
    expect(w.sentEmails()).toBe(3);
    expect(new Set(w.mock.state.emails.map((e) => e.to_attendees[0]!.identifier)).size).toBe(3);
    const usage = await w.db
      .selectFrom("account_usage")
      .select(["used"])
      .where("period", "=", "day")
      .where("account_id", "=", w.emailAccountId)
      .execute();
    expect(usage.reduce((n, u) => n + u.used, 0)).toBe(3);
  }, 120_000);

  it("without providers, sends nothing and says why; the database jobs still run", async () => {
    w = await seedWorld(engine, server, { extra: 1 });
    log = memoryLog();
    await tick({ providers: {} });
    w.advance(30 * 60_000);
    const t = await tick({ providers: {} });
    expect(t.claimed).toBe(0);
    for (const job of ["inbox_sync", "withdraw_invitations", "reconcile", "send"] as const) {
      expect(t.jobs[job]).toMatchObject({ status: "skipped", reason: expect.stringMatching(/UNIPILE_API_KEY/) });
    }
    for (const job of ["warming", "inbox", "reap", "plan", "lifecycles", "daily_counters", "books", "account_health", "credits"] as const)
      expect(t.jobs[job]!.status).toBe("ok");
    const queue = await w.db.selectFrom("send_queue").select("status").execute();
    expect(queue.map((q) => q.status)).toEqual(["pending", "pending"]);
    expect(w.sentEmails()).toBe(0);
    expect((log.ticks()[1]!.jobs as Record<string, unknown>).send).toEqual({
      skipped: "no sender configured (set UNIPILE_API_KEY and UNIPILE_DSN)",
    });
  });

  it("a failing job does not stop the others, and the tick says which failed", async () => {
    w = await seedWorld(engine, server);
    log = memoryLog();
    // The credit check reads the tools table; without it, that job fails and only that one.
    await w.db.schema.dropTable("tools").cascade().execute();
    const t = await tick();
    expect(t.errors).toBe(1);
    expect(t.jobs.credits).toMatchObject({ status: "failed", error: expect.stringMatching(/tools/) });
    for (const job of ["warming", "inbox_sync", "inbox", "plan", "send", "books", "account_health"] as const)
      expect(t.jobs[job]!.status).toBe("ok");
    const warn = log.parsed().find((l) => l.msg === "job credits failed; the next tick tries again");
    expect(warn).toMatchObject({ level: 40, job: "credits" });
    expect(log.ticks()[0]).toMatchObject({ errors: 1, jobs: { credits: { failed: expect.stringMatching(/tools/) } } });
  });

  it("on SIGTERM: the send in flight finishes and is recorded, nothing more is claimed, later jobs are skipped", async () => {
    w = await seedWorld(engine, server, { extra: 2 });
    log = memoryLog();
    await tick();
    w.advance(30 * 60_000);
    const controller = new AbortController();
    const email: EmailSender = {
      provider: "unipile",
      async sendEmail(input, call) {
        controller.abort(); // the signal arrives while the first send is in flight
        return w.unipile.sendEmail(input, call);
      },
    };
    const t = await tick({ providers: { ...w.providers, senders: { ...w.providers.senders, email } }, signal: controller.signal });
    expect(t).toMatchObject({ claimed: 1, sent: 1, aborted: true });
    for (const job of ["daily_counters", "books", "account_health", "credits"] as const)
      expect(t.jobs[job]).toMatchObject({ status: "skipped", reason: "stopping (signal received)" });
    expect(w.sentEmails()).toBe(1);
    const attempts = await w.db.selectFrom("send_attempts").select("status").execute();
    expect(attempts.map((a) => a.status)).toEqual(["sent"]);
    const queue = await w.db.selectFrom("send_queue").select("status").orderBy("status").execute();
    expect(queue.map((q) => q.status)).toEqual(["pending", "pending", "sent"]);
  });
});

describe("cronOnce from the environment", () => {
  it("runs one tick with Unipile from its variables and never logs a secret", async () => {
    const apiKey = "uk_live_Zx81nd0ntL0gM3_4ny_wh3r3_9a7c";
    const mock = createUnipileMock({ apiKey });
    server.resetHandlers(...mock.handlers);
    const log = memoryLog();
    const t = await cronOnce({
      env: {
        OFFERLAB_DATA_DIR: "memory://",
        UNIPILE_API_KEY: apiKey,
        UNIPILE_BASE_URL: mock.baseUrl,
        OFFERLAB_WEBHOOK_SECRET: "w".repeat(40),
      },
      logger: createLogger({ destination: log }),
      signal: new AbortController().signal,
    });
    expect(t.errors).toBe(0);
    expect(t.jobs.send).toMatchObject({ status: "ok" });
    expect(log.parsed().map((l) => l.msg)).toEqual(["cron ready", "tick"]);
    const all = log.lines.join("");
    expect(all).not.toContain(apiKey);
    expect(all).not.toContain("w".repeat(40));
  });

  it.runIf(PG)("masks the database password in what it logs", async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.username = url.username || "postgres";
    url.password = "Sup3rS3cretDbPassw0rd";
    const log = memoryLog();
    // Trust authentication ignores the password; whether the database is migrated or not, the
    // logs and the error (pending migrations) show the URL with its password masked.
    const t = await cronOnce({
      env: { DATABASE_URL: url.toString() },
      logger: createLogger({ destination: log }),
      signal: new AbortController().signal,
    }).catch((e: Error) => e);
    const all = log.lines.join("") + (t instanceof Error ? t.message : "");
    expect(all).not.toContain("Sup3rS3cretDbPassw0rd");
  });
});

describe.runIf(PG)("several runners at once on postgres", () => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("three runners ticking together plan each step once and send each email once", async () => {
    w = await seedWorld("postgres", server, { extra: 11 });
    const pools = [1, 2, 3].map(() => createDb({ databaseUrl: w.t.url!, env: {}, maxConnections: 3 }));
    try {
      const log = memoryLog();
      const tickAll = () =>
        Promise.all(
          pools.map((db, i) =>
            runTick({
              db,
              providers: w.providers,
              now: () => w.clock.now,
              logger: createLogger({ destination: log }),
              config: { runnerId: `runner-${i}` },
              sendPath: { accountGapMs: { min: 0, max: 0 }, busyWaitMs: 5_000 },
            }),
          ),
        );
      const planned = await tickAll();
      expect(planned.reduce((n, t) => n + Number((t.jobs.plan as { result: { planned: number } }).result.planned), 0)).toBe(12);
      w.advance(30 * 60_000);
      const sent = await tickAll();
      expect(sent.flatMap((t) => Object.entries(t.jobs).filter(([, r]) => r?.status === "failed"))).toEqual([]);
      expect(sent.reduce((n, t) => n + t.sent, 0)).toBe(12);
      const perRecipient = new Map<string, number>();
      for (const e of w.mock.state.emails.filter((x) => x.role === "sent"))
        for (const a of e.to_attendees) perRecipient.set(a.identifier, (perRecipient.get(a.identifier) ?? 0) + 1);
      expect(perRecipient.size).toBe(12);
      expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
      const runners = await w.db.selectFrom("send_attempts").select("runner_id").distinct().execute();
      expect(runners.length).toBeGreaterThanOrEqual(1);
      const campaign = await w.db.selectFrom("campaigns").select("total_sent").where("id", "=", w.campaignId).executeTakeFirstOrThrow();
      expect(campaign.total_sent).toBe(12);
    } finally {
      await Promise.all(pools.map((p) => p.destroy()));
    }
  });
});
