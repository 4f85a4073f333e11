import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messageActionTypes } from "@offerlab/core";
import { checkEligibility, COOLING_OFF_DAYS, coolingOffEndsAt, type PersonState } from "./eligibility.js";

type Row = PersonState["rows"][number];
const row = (over: Partial<Row> = {}): Row => ({
  global_status: "available",
  status: "ready",
  eligible_for_outreach: true,
  connection_degree: 2,
  ...over,
});
const now = new Date("2026-06-15T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const first = { isFirstTouch: true, action: "email" as const, now };
const followUp = { isFirstTouch: false, action: "email" as const, now };

describe("checkEligibility", () => {
  it("lets a fresh person through", () => {
    expect(checkEligibility({ rows: [row()], lastTouchAt: null }, first)).toEqual({ ok: true });
    expect(checkEligibility({ rows: [row()], lastTouchAt: daysAgo(61) }, first)).toEqual({ ok: true });
  });

  it("never touches a suppressed person, first touch or follow-up, before any other reason", () => {
    const person = { rows: [row({ global_status: "do_not_contact" })], lastTouchAt: daysAgo(1), suppressed: true };
    expect(checkEligibility(person, first)).toEqual({ ok: false, reason: "suppressed" });
    expect(checkEligibility({ rows: [row()], lastTouchAt: null, suppressed: true }, followUp)).toEqual({ ok: false, reason: "suppressed" });
    expect(checkEligibility({ rows: [row()], lastTouchAt: null, suppressed: false }, followUp)).toEqual({ ok: true });
  });

  it("never touches do_not_contact, unsubscribed or bounced people, on any of their rows", () => {
    for (const ctx of [first, followUp]) {
      expect(checkEligibility({ rows: [row(), row({ global_status: "do_not_contact" })], lastTouchAt: null }, ctx)).toEqual({
        ok: false,
        reason: "do_not_contact",
      });
      expect(checkEligibility({ rows: [row({ status: "unsubscribed" }), row()], lastTouchAt: null }, ctx)).toEqual({
        ok: false,
        reason: "unsubscribed",
      });
      expect(checkEligibility({ rows: [row(), row({ status: "bounced" })], lastTouchAt: null }, ctx)).toEqual({
        ok: false,
        reason: "bounced",
      });
    }
  });

  it("blocks a first touch within 60 days of our last touch, but not a follow-up", () => {
    expect(checkEligibility({ rows: [row()], lastTouchAt: daysAgo(59) }, first)).toEqual({ ok: false, reason: "cooling_off" });
    expect(checkEligibility({ rows: [row()], lastTouchAt: daysAgo(59) }, followUp)).toEqual({ ok: true });
    // Exactly 60 days later the person is available again.
    expect(checkEligibility({ rows: [row()], lastTouchAt: daysAgo(60) }, first)).toEqual({ ok: true });
    expect(coolingOffEndsAt(daysAgo(60)).toISOString()).toBe(now.toISOString());
    expect(checkEligibility({ rows: [row()], lastTouchAt: daysAgo(20) }, { ...first, coolingOffDays: 14 })).toEqual({ ok: true });
  });

  it("trusts a cooling_off flag only when no last touch is known", () => {
    expect(checkEligibility({ rows: [row({ global_status: "cooling_off" })], lastTouchAt: null }, first)).toEqual({
      ok: false,
      reason: "cooling_off",
    });
    expect(checkEligibility({ rows: [row({ global_status: "cooling_off" })], lastTouchAt: daysAgo(90) }, first)).toEqual({ ok: true });
  });

  it("blocks first touches of people who replied or are marked not eligible", () => {
    expect(checkEligibility({ rows: [row({ global_status: "replied" })], lastTouchAt: daysAgo(200) }, first)).toEqual({
      ok: false,
      reason: "replied",
    });
    expect(checkEligibility({ rows: [row({ eligible_for_outreach: false })], lastTouchAt: null }, first)).toEqual({
      ok: false,
      reason: "not_eligible",
    });
    expect(checkEligibility({ rows: [row({ eligible_for_outreach: false })], lastTouchAt: null }, followUp)).toEqual({ ok: true });
  });

  it("skips invitations to 1st-degree connections only", () => {
    const person = { rows: [row({ connection_degree: 1 })], lastTouchAt: null };
    expect(checkEligibility(person, { ...first, action: "connection_request" })).toEqual({ ok: false, reason: "already_connected" });
    expect(checkEligibility(person, { ...first, action: "message" })).toEqual({ ok: true });
  });

  it("property: never allows a first touch within 60 days of the last touch, nor anything to a blocked person", () => {
    const arbRow = fc.record({
      global_status: fc.constantFrom("available" as const, "cooling_off" as const, "do_not_contact" as const, "replied" as const),
      status: fc.constantFrom("new", "ready", "contacted", "replied", "unsubscribed", "bounced"),
      eligible_for_outreach: fc.boolean(),
      connection_degree: fc.constantFrom(null, 1, 2, 3),
    });
    fc.assert(
      fc.property(
        fc.array(arbRow, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer({ min: -5 * 86_400_000, max: 200 * 86_400_000 }), { nil: null }),
        fc.boolean(),
        fc.constantFrom(...messageActionTypes),
        (rows, agoMs, isFirstTouch, action) => {
          const lastTouchAt = agoMs === null ? null : new Date(now.getTime() - agoMs);
          const result = checkEligibility({ rows, lastTouchAt }, { isFirstTouch, action, now });
          if (result.ok) {
            if (isFirstTouch && agoMs !== null) expect(agoMs).toBeGreaterThanOrEqual(COOLING_OFF_DAYS * 86_400_000);
            for (const r of rows) {
              expect(r.global_status).not.toBe("do_not_contact");
              expect(["unsubscribed", "bounced"]).not.toContain(r.status);
              if (action === "connection_request") expect(r.connection_degree).not.toBe(1);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
