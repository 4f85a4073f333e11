/**
 * Unknown outcomes always end (issue 14, "nothing lost"): driven through the real send path
 * (planDue, runSendPath/dispatchOne, reapExpired, reconcileUnknown) against the Unipile MSW fake
 * failing on purpose — "acted, then 5xx" and "acted, then the connection reset" — for invitations,
 * first DMs to 1st-degree connections (startChat), chat messages and emails. Each ends sent
 * (recorded everywhere and counted once), or not sent (and then sent exactly once), or, only when
 * the provider truly cannot tell, `undetermined`; and the reconciler backs off per attempt instead
 * of asking on every tick. PGlite always; PostgreSQL too with TEST_DATABASE_URL.
 */
import { createUnipile, type UnipileOptions } from "@offerlab/provider-unipile";
import type { UnipileFault } from "@offerlab/provider-unipile/msw";
import { sql } from "kysely";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dispatchDue, dispatchOne } from "../dispatch.js";
import { runSendPath, type RunOptions } from "../loop.js";
import { reapExpired } from "../reaper.js";
import { reconcileUnknown } from "../reconciler.js";
import { describeUnknownOutcomes, unknownOutcomes } from "../unknown-outcomes.js";
import { RunnerCrash, type Senders } from "../types.js";
import { DAY, eventWorld, type EventWorld } from "./events-world.js";
import { seedWorld, type World } from "./world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const engines = PG ? (["pglite", "postgres"] as const) : (["pglite"] as const);

const MINUTE = 60_000;
const JANE = "ACoAAAEkwwAB9KEc2TrQgOLE";
/** Unipile failures after it acted: a 5xx, and a dropped connection. */
const ACTED: UnipileFault[] = ["server_error_after_acting", "response_lost"];

const linkedinSteps = [
  { step: 1, type: "connection_request", delay_days: 0 },
  { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected" },
];
const dmSteps = [
  { step: 1, type: "linkedin_dm", delay_days: 0 },
  { step: 2, type: "linkedin_dm", delay_days: 4, condition: "no_reply" },
];

/** Counts the requests the fake receives, as `METHOD /path` (path after `/api/v1`). */
function requestLog() {
  const seen: string[] = [];
  const listener = ({ request }: { request: Request }) => {
    seen.push(`${request.method} ${new URL(request.url).pathname.replace(/^\/api\/v1/, "")}`);
  };
  server.events.on("request:start", listener);
  return {
    seen,
    count: (prefix: string) => seen.filter((r) => r.startsWith(prefix)).length,
    stop: () => server.events.removeListener("request:start", listener),
  };
}

/** A Unipile client on the world's fake and clock, reads not retried (a retry only sleeps in real time). */
function unipileFor(mock: EventWorld["mock"], clock: { now: Date }, extra: Partial<UnipileOptions> = {}): Senders {
  const unipile = createUnipile({
    apiKey: mock.apiKey,
    baseUrl: mock.baseUrl,
    reconcileSettleMs: 0,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1 },
    now: () => clock.now,
    ...extra,
  });
  return { email: unipile, linkedin: unipile, reconciler: unipile };
}

function optsOf(w: { db: EventWorld["db"]; clock: { now: Date } }, senders: Senders, extra: Partial<RunOptions> = {}): RunOptions {
  return { db: w.db, senders, now: () => w.clock.now, accountGapMs: { min: 0, max: 0 }, leaseMs: 2 * MINUTE, ...extra };
}

async function one(w: { db: EventWorld["db"] }, query: string): Promise<number> {
  return (await sql<{ n: number }>`${sql.raw(query)}`.execute(w.db)).rows[0]!.n;
}

/** Daily and hourly quota in use, by action. */
async function quota(w: { db: EventWorld["db"] }): Promise<Record<string, number>> {
  const rows = await w.db.selectFrom("account_usage").select(["period", "action", "used"]).execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[`${r.period}:${r.action}`] = (out[`${r.period}:${r.action}`] ?? 0) + r.used;
  return out;
}

/**
 * No message is left `sending` once its attempt has closed: a `sending` message needs an attempt
 * of its row still `claimed`, `sending` or `unknown`.
 */
async function expectNoStuckMessages(w: { db: EventWorld["db"] }) {
  const stuck = await sql<{ id: string; status: string }>`
    SELECT m.id, q.status FROM messages m JOIN send_queue q ON q.id = m.send_queue_id
    WHERE m.status = 'sending'
      AND NOT EXISTS (SELECT 1 FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status IN ('claimed', 'sending', 'unknown'))`.execute(
    w.db,
  );
  expect(stuck.rows).toEqual([]);
}

async function attempts(w: { db: EventWorld["db"] }) {
  return w.db.selectFrom("send_attempts").selectAll().orderBy("started_at").orderBy("created_at").execute();
}

describe.each(engines)("unknown outcomes on %s", (engine) => {
  let w: EventWorld;
  afterEach(async () => {
    server.events.removeAllListeners();
    w?.mock.clearFaults();
    await w?.t.drop();
  });

  it.each(ACTED)(
    "an invitation whose outcome is lost (%s) is found in the sent invitations: recorded once, counted once, the sequence goes on",
    async (fault) => {
      w = await eventWorld({ engine, server, steps: linkedinSteps });
      const senders = unipileFor(w.mock, w.clock);
      expect(await w.plan()).toMatchObject({ planned: 1 });
      w.advance(30 * MINUTE);
      w.mock.fail(fault, { times: 1, match: "POST /users/invite" });
      const first = await runSendPath(optsOf(w, senders));
      expect(first.outcomes).toMatchObject({ unknown: 1, sent: 0 });
      expect(w.mock.state.invitations).toHaveLength(1);
      // The member id resolved for the call was kept on the attempt before the call.
      const [unknown] = await attempts(w);
      expect(unknown).toMatchObject({ status: "unknown", provider_ids: { provider_id: JANE } });
      expect(await w.db.selectFrom("send_queue").select("status").executeTakeFirstOrThrow()).toEqual({ status: "processing" });

      w.advance(MINUTE);
      expect(await reconcileUnknown(optsOf(w, senders))).toEqual({ sent: 1, notSent: 0, cannotTell: 0, undetermined: 0, postponed: 0 });
      const [attempt] = await attempts(w);
      expect(attempt).toMatchObject({
        status: "sent",
        provider_ids: { provider_id: JANE, invitation_id: w.mock.state.invitations[0]!.id },
      });
      expect(await w.db.selectFrom("send_queue").select(["status", "external_message_id"]).executeTakeFirstOrThrow()).toEqual({
        status: "sent",
        external_message_id: w.mock.state.invitations[0]!.id,
      });
      expect(await w.db.selectFrom("messages").select("status").executeTakeFirstOrThrow()).toEqual({ status: "sent" });
      expect(await one(w, "SELECT count(*)::int AS n FROM outreach_history WHERE channel = 'linkedin_connect'")).toBe(1);
      expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });
      expect(
        await w.db
          .selectFrom("accounts")
          .select(["today_connections", "total_sent"])
          .where("id", "=", w.linkedinAccountId)
          .executeTakeFirstOrThrow(),
      ).toEqual({ today_connections: 1, total_sent: 1 });
      const cc = await w.jane();
      expect(cc).toMatchObject({ touches: 1, current_step: 1, linkedin_provider_id: JANE, linkedin_account_id: w.linkedinAccountId });
      expect(cc.invitation_sent_at).not.toBeNull();
      await expectNoStuckMessages(w);

      // Nothing sends it again; the sequence waits for the acceptance, then the DM goes.
      w.advance(DAY);
      expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(0);
      expect(await w.plan()).toMatchObject({ planned: 0, waiting: { awaiting_connection: 1 } });
      await w.deliver(w.mock.acceptInvitation(JANE).newRelation);
      await w.process();
      expect(await w.plan()).toMatchObject({ planned: 1 });
      w.advance(30 * MINUTE);
      expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(1);
      expect(w.mock.state.actions.filter((a) => a.kind === "invitation")).toHaveLength(1);
      expect(w.mock.state.actions.filter((a) => a.kind === "chat")).toHaveLength(1);
      expect(await quota(w)).toEqual({ "day:connection_request": 1, "day:message": 1, "hour:*": 2 });
    },
  );

  it.each(ACTED)(
    "a first DM to a 1st-degree connection (startChat) and a chat message whose outcomes are lost (%s) are found in the chats: each recorded and counted once",
    async (fault) => {
      w = await eventWorld({ engine, server, steps: dmSteps });
      w.mock.state.profiles.find((p) => p.provider_id === JANE)!.network_distance = "FIRST_DEGREE";
      await w.db.updateTable("contacts").set({ connection_degree: 1 }).where("id", "=", w.janeId).execute();
      const senders = unipileFor(w.mock, w.clock);
      expect(await w.plan()).toMatchObject({ planned: 1 });
      w.advance(30 * MINUTE);
      w.mock.fail(fault, { times: 1, match: "POST /chats" });
      expect((await runSendPath(optsOf(w, senders))).outcomes).toMatchObject({ unknown: 1 });
      expect(w.mock.state.actions.map((a) => a.kind)).toEqual(["chat"]);
      expect((await attempts(w))[0]).toMatchObject({ status: "unknown", provider_ids: { provider_id: JANE } });

      expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ sent: 1, cannotTell: 0 });
      const chatId = w.mock.state.chats[0]!.id;
      expect(await w.jane()).toMatchObject({ touches: 1, linkedin_chat_id: chatId, linkedin_provider_id: JANE });
      expect(
        await w.db.selectFrom("messages").select(["status", "thread_id"]).where("sequence_step", "=", 1).executeTakeFirstOrThrow(),
      ).toEqual({ status: "sent", thread_id: chatId });

      // Step 2 goes into the chat (POST /chats/{id}/messages) and is lost the same way.
      w.advance(4 * DAY + MINUTE);
      expect(await w.plan()).toMatchObject({ planned: 1 });
      w.advance(30 * MINUTE);
      w.mock.fail(fault, { times: 1, match: `POST /chats/${chatId}/messages` });
      expect((await runSendPath(optsOf(w, senders))).outcomes).toMatchObject({ unknown: 1 });
      expect((await attempts(w))[1]).toMatchObject({ status: "unknown", provider_ids: { provider_id: JANE, chat_id: chatId } });
      expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ sent: 1, cannotTell: 0 });

      expect(w.mock.state.actions.map((a) => a.kind)).toEqual(["chat", "message"]);
      expect(await w.db.selectFrom("send_queue").select("status").orderBy("sequence_step").execute()).toEqual([
        { status: "sent" },
        { status: "sent" },
      ]);
      expect(await one(w, "SELECT count(*)::int AS n FROM outreach_history")).toBe(2);
      expect(await quota(w)).toEqual({ "day:message": 2, "hour:*": 2 });
      expect(await w.jane()).toMatchObject({ touches: 2, current_step: 2 });
      await expectNoStuckMessages(w);
      w.advance(DAY);
      expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(0);
      expect(w.mock.state.actions).toHaveLength(2);
    },
  );

  it("an invitation that never left (5xx before acting) is not_sent only once the settle window has passed, spending no profile view before, then sent exactly once", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    const senders = unipileFor(w.mock, w.clock, { reconcileSettleMs: 10 * MINUTE });
    await w.plan();
    w.advance(30 * MINUTE);
    w.mock.fail("server_error", { times: 1, match: "POST /users/invite" });
    expect((await dispatchOne(optsOf(w, senders))).kind).toBe("unknown");
    expect(w.mock.state.invitations).toHaveLength(0);
    expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });

    const log = requestLog();
    expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ cannotTell: 1, notSent: 0 });
    // The settle window's end is the next check, not a minute from now; no profile view yet.
    const [waiting] = await attempts(w);
    expect(waiting!.next_check_at!.getTime() - w.clock.now.getTime()).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(log.seen).toEqual(["GET /users/invite/sent"]);
    w.advance(5 * MINUTE);
    expect(await reconcileUnknown(optsOf(w, senders))).toEqual({ sent: 0, notSent: 0, cannotTell: 0, undetermined: 0, postponed: 0 });
    expect(log.seen).toHaveLength(1);
    w.advance(6 * MINUTE);
    expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ notSent: 1 });
    expect(log.seen).toEqual(["GET /users/invite/sent", "GET /users/invite/sent", `GET /users/${JANE}`]);
    log.stop();
    expect(await w.db.selectFrom("send_queue").select(["status", "defer_reason"]).executeTakeFirstOrThrow()).toEqual({
      status: "pending",
      defer_reason: "reconciled_not_sent",
    });
    expect(await w.db.selectFrom("messages").select("status").executeTakeFirstOrThrow()).toEqual({ status: "queued" });
    expect(await quota(w)).toEqual({ "day:connection_request": 0, "hour:*": 0 });

    expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(1);
    expect(w.mock.state.actions.filter((a) => a.kind === "invitation")).toHaveLength(1);
    expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });
    expect((await attempts(w)).map((a) => a.status)).toEqual(["not_sent", "sent"]);
    await expectNoStuckMessages(w);
  });

  it("a runner that died before noting the recipient: the reconciler resolves the profile again (a safe read), proves the invitation never left, and it is sent exactly once", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    const senders = unipileFor(w.mock, w.clock, { reconcileSettleMs: 10 * MINUTE });
    await w.plan();
    w.advance(30 * MINUTE);
    await expect(
      dispatchOne(
        optsOf(w, senders, {
          crashAt: (p) => {
            if (p === "after_mark_sending") throw new RunnerCrash(p);
          },
        }),
      ),
    ).rejects.toBeInstanceOf(RunnerCrash);
    w.advance(3 * MINUTE);
    expect(await reapExpired(optsOf(w, senders))).toEqual({ requeued: 0, unknown: 1 });
    expect((await attempts(w))[0]!.provider_ids).toEqual({});
    expect((await w.jane()).linkedin_provider_id).toBeNull();

    const log = requestLog();
    expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ cannotTell: 1 });
    expect(log.seen).toEqual(["GET /users/jane-doe", "GET /users/invite/sent"]);
    expect((await attempts(w))[0]!.provider_ids).toEqual({ provider_id: JANE });
    w.advance(11 * MINUTE);
    expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ notSent: 1 });
    // The noted id serves the later checks: the profile was resolved once for the lookup.
    expect(log.count("GET /users/jane-doe")).toBe(1);
    log.stop();
    expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(1);
    expect(w.mock.state.actions.filter((a) => a.kind === "invitation")).toHaveLength(1);
    expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });
    await expectNoStuckMessages(w);
  });

  it("a runner that stalls past its lease before its call makes no call: the note of the recipient is fenced, the reconciler proves nothing left, and it is sent exactly once", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    const senders = unipileFor(w.mock, w.clock, { reconcileSettleMs: 10 * MINUTE });
    await w.plan();
    w.advance(30 * MINUTE);
    // Frozen after marking the attempt `sending` (a GC pause, a busy host): the lease lapses and the reaper takes it.
    const stalled = await dispatchOne(
      optsOf(w, senders, {
        crashAt: async (p) => {
          if (p !== "after_mark_sending") return;
          w.advance(3 * MINUTE);
          expect(await reapExpired(optsOf(w, senders))).toEqual({ requeued: 0, unknown: 1 });
        },
      }),
    );
    expect(stalled).toMatchObject({ kind: "lost" });
    expect(w.mock.state.actions).toHaveLength(0);
    expect((await attempts(w))[0]).toMatchObject({ status: "unknown" });
    expect((await attempts(w))[0]!.provider_ids).toEqual({});
    w.advance(11 * MINUTE);
    expect(await reconcileUnknown(optsOf(w, senders))).toMatchObject({ notSent: 1 });
    expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(1);
    expect(w.mock.state.actions.filter((a) => a.kind === "invitation")).toHaveLength(1);
    expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });
    await expectNoStuckMessages(w);
  });

  it("when the provider truly cannot tell, the send ends `undetermined` after a day: row failed (outcome_unknown), never resent, quota kept, shown as such", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    const senders = unipileFor(w.mock, w.clock, { reconcileSettleMs: 10 * MINUTE });
    await w.plan();
    w.advance(30 * MINUTE);
    const startedAt = w.clock.now;
    await expect(
      dispatchOne(
        optsOf(w, senders, {
          crashAt: (p) => {
            if (p === "after_mark_sending") throw new RunnerCrash(p);
          },
        }),
      ),
    ).rejects.toBeInstanceOf(RunnerCrash);
    // The person's profile is gone: the recipient can no longer be resolved, so nothing can be looked up.
    w.mock.state.profiles.splice(
      w.mock.state.profiles.findIndex((p) => p.provider_id === JANE),
      1,
    );
    w.advance(3 * MINUTE);
    await reapExpired(optsOf(w, senders));

    const log = requestLog();
    let checks = 0;
    // A reconcile pass every 5 minutes until it settles (the first check past a day; at most 27 h).
    for (let t = 0; t < 27 * 60; t += 5) {
      const r = await reconcileUnknown(optsOf(w, senders));
      checks += r.cannotTell + r.undetermined;
      if (r.undetermined) break;
      if (t === 12 * 60) {
        const open = await unknownOutcomes(w.db, { now: w.clock.now });
        expect(open).toMatchObject({ unknown: 1, undetermined: 0, oldestUnknownAt: startedAt });
        expect(describeUnknownOutcomes(open, w.clock.now)).toMatch(
          /^1 send with an unknown outcome, oldest 12 h 3 min \(since 2026-03-02 09:3\d UTC\); the provider is asked again at 2026-03-02 2\d:\d\d UTC$/,
        );
      }
      w.advance(5 * MINUTE);
    }
    log.stop();
    // Backed off: about 30 checks in a day, not 288.
    expect(checks).toBeGreaterThan(20);
    expect(checks).toBeLessThan(40);
    expect(log.seen.every((r) => r.startsWith("GET "))).toBe(true);
    const [attempt] = await attempts(w);
    expect(attempt).toMatchObject({ status: "undetermined", next_check_at: null, reconcile_checks: checks });
    expect(attempt!.reconcile_note).toMatch(/not found/i);
    expect(await w.db.selectFrom("send_queue").select(["status", "defer_reason", "current_attempt_id"]).executeTakeFirstOrThrow()).toEqual({
      status: "failed",
      defer_reason: "outcome_unknown",
      current_attempt_id: null,
    });
    const message = await w.db.selectFrom("messages").select(["status", "error_message"]).executeTakeFirstOrThrow();
    expect(message.status).toBe("failed");
    expect(message.error_message).toMatch(/^outcome unknown: the provider could not tell whether it was sent/);
    expect(
      await one(
        w,
        "SELECT count(*)::int AS n FROM message_events WHERE event_type = 'failed' AND event_data->>'reason' = 'outcome_unknown'",
      ),
    ).toBe(1);
    // It may have gone out: the limits keep counting it.
    expect(await quota(w)).toEqual({ "day:connection_request": 1, "hour:*": 1 });
    expect(await unknownOutcomes(w.db, { now: w.clock.now })).toMatchObject({
      unknown: 0,
      undetermined: 1,
      latestUndeterminedAt: startedAt,
    });
    expect(describeUnknownOutcomes(await unknownOutcomes(w.db, { now: w.clock.now }), w.clock.now)).toMatch(
      /^1 send whose outcome the provider could not tell \(never resent; see offerlab why\), the latest attempted 2026-03-02 09:30 UTC$/,
    );
    // Nothing sends it again, and the sequence is no longer held by it: step 2 now waits its
    // delay from the step's end, as after any failed step.
    expect((await runSendPath(optsOf(w, senders))).outcomes.sent).toBe(0);
    expect(w.mock.state.actions).toHaveLength(0);
    expect(await w.plan()).toMatchObject({ planned: 0, waiting: { not_due: 1 } });
    expect(await w.jane()).toMatchObject({ current_step: 1, touches: 0, status: "waiting" });
    await expectNoStuckMessages(w);
  });

  it("an invitation the provider call finds already connected ends the message too (failed, already_connected), not stuck `sending`", async () => {
    w = await eventWorld({ engine, server, steps: linkedinSteps });
    // Connected on LinkedIn since the contact was enriched: only the call's profile read knows.
    w.mock.state.profiles.find((p) => p.provider_id === JANE)!.network_distance = "FIRST_DEGREE";
    const senders = unipileFor(w.mock, w.clock);
    await w.plan();
    w.advance(30 * MINUTE);
    expect(await dispatchOne(optsOf(w, senders))).toMatchObject({ kind: "skipped", reason: "already_connected" });
    expect(await w.db.selectFrom("send_queue").select(["status", "defer_reason", "current_attempt_id"]).executeTakeFirstOrThrow()).toEqual({
      status: "skipped",
      defer_reason: "already_connected",
      current_attempt_id: null,
    });
    expect(await w.db.selectFrom("messages").select(["status", "error_message"]).executeTakeFirstOrThrow()).toEqual({
      status: "failed",
      error_message: "not sent: already_connected",
    });
    expect((await attempts(w)).map((a) => a.status)).toEqual(["refused"]);
    expect(await quota(w)).toEqual({ "day:connection_request": 0, "hour:*": 0 });
    expect(w.mock.state.actions).toHaveLength(0);
    await expectNoStuckMessages(w);
  });
});

describe.each(engines)("reconciliation back-off and bounds on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    server.events.removeAllListeners();
    w?.mock.clearFaults();
    await w?.t.drop();
  });

  /** The world's `n` emails are sent and fail before Unipile acts (500): unknown outcomes, none sent. */
  async function unknownEmails(world: World, senders: Senders, n: number) {
    world.mock.fail("server_error", { times: n, match: "POST /emails" });
    const res = await dispatchDue(optsOf(world, senders));
    expect(res.outcomes.unknown).toBe(n);
    expect(world.mock.state.emails).toHaveLength(0);
  }

  it("three unknown emails Unipile cannot settle cost a handful of reads over 8.5 minutes of ticks every 5 s, not one per tick; each is then sent exactly once", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 3, start: new Date("2026-03-02T09:00:00Z") });
    const senders = unipileFor(w.mock, w.clock);
    await unknownEmails(w, senders, 3);
    // Unipile's email list fails while the ticks run: nothing can be settled.
    w.mock.fail("server_error", { match: "GET /emails" });
    const log = requestLog();
    const started = w.clock.now.getTime();
    let ticks = 0;
    while (w.clock.now.getTime() - started <= 8.5 * MINUTE) {
      const tick = await runSendPath(optsOf(w, senders));
      expect(tick.outcomes.sent).toBe(0);
      ticks++;
      w.clock.advance(5_000);
    }
    log.stop();
    expect(ticks).toBe(103);
    // Asked at once, then about 1, 3 and 7 minutes later: at most 5 reads per email, not 103.
    expect(log.count("GET /emails")).toBeGreaterThanOrEqual(3 * 3);
    expect(log.count("GET /emails")).toBeLessThanOrEqual(3 * 5);
    expect(log.seen.every((r) => r === "GET /emails")).toBe(true);
    const open = await w.db.selectFrom("send_attempts").select(["reconcile_checks", "next_check_at", "reconcile_note"]).execute();
    for (const a of open) {
      expect(a.reconcile_checks).toBeGreaterThanOrEqual(3);
      // The next check is minutes away, not seconds.
      expect(a.next_check_at!.getTime() - w.clock.now.getTime()).toBeGreaterThan(MINUTE);
      expect(a.reconcile_note).toMatch(/500|provider error/i);
    }

    // Unipile answers again: at the next check each is proven not sent, then sent once.
    w.mock.clearFaults();
    w.clock.advance(20 * MINUTE);
    const after = await runSendPath(optsOf(w, senders));
    expect(after.reconciled).toMatchObject({ notSent: 3 });
    expect(after.outcomes.sent).toBe(3);
    const perRecipient = new Map<string, number>();
    for (const e of w.mock.state.emails)
      for (const t of e.to_attendees) perRecipient.set(t.identifier, (perRecipient.get(t.identifier) ?? 0) + 1);
    expect([...perRecipient.values()]).toEqual([1, 1, 1]);
    expect(await quota(w)).toEqual({ "day:email": 3, "hour:*": 3 });
    await expectNoStuckMessages(w);
  }, 120_000);

  it("a pass is bounded: at most `perAccount` checks per account and `limit` in all, one check when the time budget is spent, and none more for an account Unipile rate-limits", async () => {
    w = await seedWorld({ engine, server, accounts: 2, contacts: 16, start: new Date("2026-03-02T09:00:00Z") });
    // Too young to be settled for hours: every check answers "cannot tell yet".
    const senders = unipileFor(w.mock, w.clock, { reconcileSettleMs: 10 * 60 * MINUTE });
    await unknownEmails(w, senders, 16);

    const log = requestLog();
    expect(await reconcileUnknown({ ...optsOf(w, senders), perAccount: 3, limit: 25 })).toEqual({
      sent: 0,
      notSent: 0,
      cannotTell: 6,
      undetermined: 0,
      postponed: 10,
    });
    expect(await reconcileUnknown({ ...optsOf(w, senders), perAccount: 5, limit: 4 })).toEqual({
      sent: 0,
      notSent: 0,
      cannotTell: 4,
      undetermined: 0,
      postponed: 6,
    });
    expect(await reconcileUnknown({ ...optsOf(w, senders), budgetMs: 0 })).toEqual({
      sent: 0,
      notSent: 0,
      cannotTell: 1,
      undetermined: 0,
      postponed: 5,
    });
    expect(log.count("GET /emails")).toBe(6 + 4 + 1);

    // Two hours on, all 16 are due again. The first read is rate-limited: that account's other
    // attempts wait for a later pass; the other account's five are asked.
    w.clock.advance(2 * 60 * MINUTE);
    w.mock.fail("rate_limited_retry_after", { times: 1, match: "GET /emails", retryAfterSeconds: 900 });
    expect(await reconcileUnknown({ ...optsOf(w, senders), perAccount: 5 })).toEqual({
      sent: 0,
      notSent: 0,
      cannotTell: 6,
      undetermined: 0,
      postponed: 10,
    });
    expect(log.count("GET /emails")).toBe(6 + 4 + 1 + 6);
    log.stop();
    const throttled = await w.db
      .selectFrom("send_attempts")
      .select(["next_check_at", "reconcile_note"])
      .where("reconcile_note", "like", "%429%")
      .execute();
    expect(throttled).toHaveLength(1);
    // No sooner than Unipile's Retry-After.
    expect(throttled[0]!.next_check_at!.getTime() - w.clock.now.getTime()).toBeGreaterThanOrEqual(15 * MINUTE);
  }, 120_000);
});
