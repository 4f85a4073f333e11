import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseAccount, contactParity, rotationPool, type CandidateAccount } from "./accounts.js";
import { effectiveLimits, type AccountLimitsInput } from "./capacity.js";

const base: AccountLimitsInput = {
  type: "linkedin",
  status: "active",
  health_score: 100,
  daily_limit_connections: 20,
  daily_limit_messages: 40,
  daily_limit_emails: 100,
  hourly_limit: 10,
  warming_week: 0,
};
const li = (id: string, over: Partial<CandidateAccount> = {}): CandidateAccount => ({
  id,
  type: "linkedin",
  rotation_set: null,
  limits: effectiveLimits(base),
  usage: { day: {}, hour: 0 },
  block: null,
  ...over,
});
const mail = (id: string, over: Partial<CandidateAccount> = {}): CandidateAccount =>
  li(id, { type: "email", limits: effectiveLimits({ ...base, type: "email" }), ...over });

describe("chooseAccount", () => {
  it("picks the account of the action's type with the most room", () => {
    const pool = [
      li("a", { usage: { day: { connection_request: 15 }, hour: 0 } }),
      li("b", { usage: { day: { connection_request: 3 }, hour: 0 } }),
      mail("m"),
    ];
    expect(chooseAccount(pool, { action: "connection_request", contactKey: "c1" })).toEqual({ ok: true, accountId: "b" });
    expect(chooseAccount(pool, { action: "email", contactKey: "c1" })).toEqual({ ok: true, accountId: "m" });
    expect(chooseAccount([mail("m")], { action: "message", contactKey: "c1" })).toEqual({ ok: false, reason: "no_account" });
  });

  it("breaks ties deterministically and spreads contacts over equal accounts", () => {
    const pool = [li("a"), li("b"), li("c")];
    const picks = Array.from({ length: 300 }, (_, i) => chooseAccount(pool, { action: "message", contactKey: `c${i}` }));
    expect(Array.from({ length: 300 }, (_, i) => chooseAccount([...pool].reverse(), { action: "message", contactKey: `c${i}` }))).toEqual(
      picks,
    );
    const counts = new Map<string, number>();
    for (const p of picks) if (p.ok) counts.set(p.accountId, (counts.get(p.accountId) ?? 0) + 1);
    for (const id of ["a", "b", "c"]) expect(counts.get(id)).toBeGreaterThan(60);
  });

  it("breaks ties by the accounts' natural keys (Unipile ids), so the choice does not change with database ids", () => {
    const pool = (ids: [string, string, string]) => [
      li(ids[0], { key: "UNIPILE-A" }),
      li(ids[1], { key: "UNIPILE-B" }),
      li(ids[2], { key: "UNIPILE-C" }),
    ];
    const keyOf = (p: CandidateAccount[], choice: ReturnType<typeof chooseAccount>) =>
      choice.ok ? p.find((a) => a.id === choice.accountId)!.key : null;
    const one = pool(["0b1c", "7f00", "e3a2"]);
    const two = pool(["f9d1", "13aa", "5c07"]);
    const picks = (p: CandidateAccount[]) =>
      Array.from({ length: 60 }, (_, i) => keyOf(p, chooseAccount(p, { action: "message", contactKey: `person${i}@acme.example` })));
    expect(picks(two)).toEqual(picks(one));
    expect(new Set(picks(one)).size).toBe(3);
  });

  it("keeps the sticky sender even when others have more room, and reports its reason when it cannot send", () => {
    const pool = [li("a", { usage: { day: { message: 39 }, hour: 0 } }), li("b")];
    expect(chooseAccount(pool, { action: "message", contactKey: "c", stickyAccountId: "a" })).toEqual({ ok: true, accountId: "a" });
    const full = [li("a", { usage: { day: { message: 40 }, hour: 0 } }), li("b")];
    expect(chooseAccount(full, { action: "message", contactKey: "c", stickyAccountId: "a" })).toEqual({ ok: false, reason: "daily_cap" });
    const paused = [li("a", { block: "account_paused" }), li("b")];
    expect(chooseAccount(paused, { action: "message", contactKey: "c", stickyAccountId: "a" })).toEqual({
      ok: false,
      reason: "account_paused",
    });
    expect(chooseAccount([li("b")], { action: "message", contactKey: "c", stickyAccountId: "a" })).toEqual({
      ok: false,
      reason: "sender_unavailable",
    });
    // A LinkedIn sticky sender does not bind an email step.
    expect(chooseAccount([li("a"), mail("m")], { action: "email", contactKey: "c", stickyAccountId: "a" })).toEqual({
      ok: true,
      accountId: "m",
    });
  });

  it("skips blocked or full accounts and reports the most short-lived reason when none can send", () => {
    const pool = [
      li("a", { block: "account_paused" }),
      li("b", { usage: { day: {}, hour: 10 } }),
      li("c", { usage: { day: { message: 40 }, hour: 0 } }),
    ];
    expect(chooseAccount(pool, { action: "message", contactKey: "c" })).toEqual({ ok: false, reason: "hourly_cap" });
    expect(chooseAccount([...pool, li("d")], { action: "message", contactKey: "c" })).toEqual({ ok: true, accountId: "d" });
    const now = new Date("2026-06-01T12:00:00Z");
    const gap = [li("a", { notBefore: new Date("2026-06-01T12:02:00Z") })];
    expect(chooseAccount(gap, { action: "message", contactKey: "c", now })).toEqual({ ok: false, reason: "min_gap" });
    expect(chooseAccount(gap, { action: "message", contactKey: "c", now: new Date("2026-06-01T12:02:00Z") })).toEqual({
      ok: true,
      accountId: "a",
    });
  });

  it("uses burner accounts only when asked, and then only them", () => {
    const pool = [li("burn", { rotation_set: "burner" }), li("main")];
    expect(chooseAccount([li("burn", { rotation_set: "burner" })], { action: "message", contactKey: "c" })).toEqual({
      ok: false,
      reason: "no_account",
    });
    expect(chooseAccount(pool, { action: "message", contactKey: "c" })).toEqual({ ok: true, accountId: "main" });
    expect(chooseAccount(pool, { action: "message", contactKey: "c", rotation: "burner" })).toEqual({ ok: true, accountId: "burn" });
  });

  it("lets a campaign that opts in (allowBurner) send from its burner accounts like accounts without a set", () => {
    const burnerOnly = [li("burn", { rotation_set: "burner" })];
    expect(chooseAccount(burnerOnly, { action: "message", contactKey: "c", allowBurner: true })).toEqual({ ok: true, accountId: "burn" });
    // Beside odd/even accounts, a burner serves contacts of both parities.
    const split = [li("burn", { rotation_set: "burner" }), li("o", { rotation_set: "odd" }), li("e", { rotation_set: "even" })];
    for (const key of ["a", "b", "c", "d", "e", "f"]) {
      const pool = rotationPool(split, { action: "message", contactKey: key, allowBurner: true }).map((a) => a.id);
      expect(pool).toContain("burn");
      expect(pool).toHaveLength(2);
      expect(rotationPool(split, { action: "message", contactKey: key }).map((a) => a.id)).not.toContain("burn");
    }
  });

  it("splits contacts between odd and even accounts by a stable parity, or uses one set when asked", () => {
    const pool = [li("o", { rotation_set: "odd" }), li("e", { rotation_set: "even" })];
    for (let i = 0; i < 50; i++) {
      const key = `contact-${i}`;
      const r = chooseAccount(pool, { action: "connection_request", contactKey: key });
      expect(r).toEqual({ ok: true, accountId: contactParity(key) === "odd" ? "o" : "e" });
    }
    expect(chooseAccount(pool, { action: "message", contactKey: "x", rotation: "even" })).toEqual({ ok: true, accountId: "e" });
    // An odd contact whose odd account is full waits rather than crossing over to the even account.
    const oddKey = Array.from({ length: 20 }, (_, i) => `k${i}`).find((k) => contactParity(k) === "odd") as string;
    const fullOdd = [li("o", { rotation_set: "odd", usage: { day: { message: 40 }, hour: 0 } }), li("e", { rotation_set: "even" })];
    expect(chooseAccount(fullOdd, { action: "message", contactKey: oddKey })).toEqual({ ok: false, reason: "daily_cap" });
    // A pool tagged on one side only still serves every contact.
    const evenKey = Array.from({ length: 20 }, (_, i) => `k${i}`).find((k) => contactParity(k) === "even") as string;
    expect(rotationPool([li("o", { rotation_set: "odd" })], { action: "message", contactKey: evenKey }).map((a) => a.id)).toEqual(["o"]);
  });

  it("property: a chosen account has room, the right type and is not blocked; the choice is deterministic", () => {
    const arbCandidate = fc.record({
      id: fc.constantFrom("a", "b", "c", "d", "e"),
      type: fc.constantFrom("linkedin" as const, "email" as const),
      rotation_set: fc.constantFrom(null, "odd" as const, "even" as const, "burner" as const),
      limits: fc
        .record({
          connection_request: fc.integer({ min: 0, max: 5 }),
          message: fc.integer({ min: 0, max: 5 }),
          inmail: fc.constant(0),
          email: fc.integer({ min: 0, max: 5 }),
          hourly: fc.integer({ min: 0, max: 3 }),
        })
        .map((l) => ({ ...l, inmail: l.message })),
      usage: fc.record({
        day: fc.record({
          connection_request: fc.integer({ min: 0, max: 6 }),
          message: fc.integer({ min: 0, max: 6 }),
          email: fc.integer({ min: 0, max: 6 }),
        }),
        hour: fc.integer({ min: 0, max: 4 }),
      }),
      block: fc.constantFrom(null, null, "account_paused" as const, "account_unhealthy" as const),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbCandidate, { selector: (a) => a.id, maxLength: 5 }),
        fc.constantFrom("connection_request" as const, "message" as const, "inmail" as const, "email" as const),
        fc.string(),
        fc.option(fc.constantFrom("a", "b", "z"), { nil: null }),
        fc.constantFrom(null, "odd" as const, "even" as const, "burner" as const),
        (candidates, action, contactKey, stickyAccountId, rotation) => {
          const ctx = { action, contactKey, stickyAccountId, rotation };
          const r = chooseAccount(candidates, ctx);
          expect(chooseAccount([...candidates].reverse(), ctx)).toEqual(r);
          if (!r.ok) return;
          const a = candidates.find((c) => c.id === r.accountId)!;
          expect(a.block).toBeNull();
          expect(a.type).toBe(action === "email" ? "email" : "linkedin");
          const used = action === "message" || action === "inmail" ? a.usage.day.message : a.usage.day[action];
          expect(used).toBeLessThan(a.limits[action]);
          expect(a.usage.hour).toBeLessThan(a.limits.hourly);
          const sticky = candidates.find((c) => c.id === stickyAccountId);
          if (sticky !== undefined && sticky.type === a.type) {
            expect(a.id).toBe(sticky.id); // the sticky sender wins over rotation and capacity
          } else {
            expect(a.rotation_set === "burner").toBe(rotation === "burner");
            if (rotation !== null) expect(a.rotation_set).toBe(rotation);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
