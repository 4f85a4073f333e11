/**
 * The attempt's state machine (attempts.ts) on a real database: each transition writes its own
 * status, only from the states it may leave, and stamps the time it is given — the runner's
 * injected clock, here years away from the wall clock, so a `new Date()` or a database `now()`
 * anywhere shows.
 */
import { testEngines } from "@offerlab/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  attemptCancelled,
  attemptExpired,
  attemptNotSent,
  attemptRefused,
  attemptSent,
  attemptStarted,
  attemptUndetermined,
  attemptUnknown,
  moveAttempt,
  openAttempt,
  type AttemptTransition,
} from "../attempts.js";
import { dispatchOne } from "../dispatch.js";
import { usagePeriods } from "../quota.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

/** Far from the wall clock (and from the database's `now()`), on purpose. */
const T0 = new Date("2031-07-14T10:00:00.000Z");
const later = (ms: number) => new Date(T0.getTime() + ms);

describe.each(testEngines())("attempt transitions on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  /** Opens a `claimed` attempt on queue row i (each row has its own account). */
  async function open(i: number): Promise<string> {
    const { day, hour } = usagePeriods(T0);
    const row = await w.db.selectFrom("send_queue").select(["id", "account_id"]).where("id", "=", w.queueIds[i]!).executeTakeFirstOrThrow();
    return w.db.transaction().execute((trx) =>
      openAttempt(trx, {
        queueId: row.id,
        accountId: row.account_id!,
        action: "email",
        runnerId: "r1",
        usageDay: day,
        usageHour: hour,
        leaseUntil: later(60_000),
        at: T0,
      }),
    );
  }
  const read = (id: string) => w.db.selectFrom("send_attempts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const move = (id: string, t: AttemptTransition) => moveAttempt(w.db, id, t);

  it("writes each outcome's status and the given time, and only from the states it may leave", async () => {
    w = await seedWorld({ engine, server, accounts: 8, contacts: 8, start: T0 });
    const opened = await open(0);
    expect(await read(opened)).toMatchObject({
      status: "claimed",
      started_at: T0,
      created_at: T0,
      lease_until: later(60_000),
      finished_at: null,
    });

    // claimed → sending → sent
    expect(await move(opened, attemptStarted(later(120_000)))).toEqual({ accountId: w.accountIds[0] });
    expect(await read(opened)).toMatchObject({ status: "sending", lease_until: later(120_000), finished_at: null });
    expect(await move(opened, attemptSent(later(1_000), { email_id: "e1" }))).toBeTruthy();
    expect(await read(opened)).toMatchObject({
      status: "sent",
      finished_at: later(1_000),
      provider_ids: { email_id: "e1" },
      reconcile_note: null,
    });

    // sending → refused
    const refused = await open(1);
    await move(refused, attemptStarted(later(120_000)));
    expect(await move(refused, attemptRefused(later(2_000), "rate_limited", "slow down"))).toBeTruthy();
    expect(await read(refused)).toMatchObject({
      status: "refused",
      finished_at: later(2_000),
      error_kind: "rate_limited",
      error_message: "slow down",
    });

    // sending → unknown (not terminal: no end time) → sent, with the reconciler's evidence
    const unknown = await open(2);
    await move(unknown, attemptStarted(later(120_000)));
    expect(await move(unknown, attemptUnknown("socket hang up"))).toBeTruthy();
    expect(await read(unknown)).toMatchObject({
      status: "unknown",
      finished_at: null,
      error_kind: "unknown_outcome",
      error_message: "socket hang up",
    });
    expect(await move(unknown, attemptSent(later(3_000), { tracking_id: "t1" }, "found in the sent folder"))).toBeTruthy();
    expect(await read(unknown)).toMatchObject({
      status: "sent",
      finished_at: later(3_000),
      reconcile_note: "found in the sent folder",
      provider_ids: { tracking_id: "t1" },
    });

    // claimed → expired
    const expired = await open(3);
    expect(await move(expired, attemptExpired(later(4_000)))).toBeTruthy();
    expect(await read(expired)).toMatchObject({
      status: "expired",
      finished_at: later(4_000),
      error_kind: null,
      error_message: "lease lapsed before the call",
    });

    // claimed → cancelled
    const cancelled = await open(4);
    expect(await move(cancelled, attemptCancelled(later(5_000), "replied", "a reply arrived before the call"))).toBeTruthy();
    expect(await read(cancelled)).toMatchObject({
      status: "cancelled",
      finished_at: later(5_000),
      error_kind: "replied",
      error_message: "a reply arrived before the call",
    });

    // unknown → not sent
    const notSent = await open(5);
    await move(notSent, attemptStarted(later(120_000)));
    await move(notSent, attemptUnknown("timeout"));
    expect(await move(notSent, attemptNotSent(later(6_000), "not in the sent folder"))).toBeTruthy();
    expect(await read(notSent)).toMatchObject({
      status: "not_sent",
      finished_at: later(6_000),
      error_kind: "reconciled",
      error_message: "not in the sent folder",
    });

    // unknown → undetermined: the error that made it unknown stays, the check is counted
    const undetermined = await open(6);
    await move(undetermined, attemptStarted(later(120_000)));
    await move(undetermined, attemptUnknown("500 after the request left"));
    await w.db
      .updateTable("send_attempts")
      .set({ reconcile_checks: 4, next_check_at: later(60_000) })
      .where("id", "=", undetermined)
      .execute();
    expect(await move(undetermined, attemptUndetermined(later(7_000), "cannot tell (after 5 checks)"))).toBeTruthy();
    expect(await read(undetermined)).toMatchObject({
      status: "undetermined",
      finished_at: later(7_000),
      error_kind: "unknown_outcome",
      error_message: "500 after the request left",
      reconcile_checks: 5,
      reconcile_note: "cannot tell (after 5 checks)",
      next_check_at: null,
    });

    // Fences: a transition from a state it may not leave changes nothing.
    const fenced: [string, AttemptTransition][] = [
      [opened, attemptSent(later(9_000), {})], // sent is terminal
      [refused, attemptUnknown("late")],
      [expired, attemptStarted(later(9_000))], // an expired claim never reaches the provider
      [cancelled, attemptStarted(later(9_000))],
      [notSent, attemptSent(later(9_000), {})],
      [undetermined, attemptNotSent(later(9_000), "late")],
    ];
    for (const [id, t] of fenced) {
      const before = await read(id);
      expect(await move(id, t), `${before.status} → ${t.to}`).toBeUndefined();
      expect(await read(id)).toEqual(before);
    }
    const claimed = await open(7);
    for (const t of [
      attemptSent(later(9_000), {}),
      attemptRefused(later(9_000), null, null),
      attemptUnknown("x"),
      attemptNotSent(later(9_000), "x"),
      attemptUndetermined(later(9_000), "x"),
    ]) {
      expect(await move(claimed, t), `claimed → ${t.to}`).toBeUndefined();
    }
    expect((await read(claimed)).status).toBe("claimed");
  });

  it("a send through the whole path stamps the injected clock on its attempt", async () => {
    w = await seedWorld({ engine, server, accounts: 1, contacts: 1, start: T0 });
    const out = await dispatchOne({
      db: w.db,
      senders: w.senders,
      now: () => w.clock.now,
      accountGapMs: { min: 0, max: 0 },
      leaseMs: 60_000,
    });
    expect(out.kind).toBe("sent");
    const a = await w.db.selectFrom("send_attempts").selectAll().executeTakeFirstOrThrow();
    expect(a).toMatchObject({ status: "sent", started_at: T0, created_at: T0, finished_at: T0, lease_until: later(60_000) });
  });
});
