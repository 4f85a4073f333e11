import { describe, expect, it } from "vitest";
import { selectForEnrolment, type EnrolmentCandidate } from "./enrolment.js";

const now = new Date("2026-06-15T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
let n = 0;
function candidate(
  over: Partial<EnrolmentCandidate> & { rows?: Partial<EnrolmentCandidate["person"]["rows"][number]>[]; lastTouchAt?: Date | null } = {},
): EnrolmentCandidate {
  n++;
  const { rows, lastTouchAt, ...rest } = over;
  return {
    contactId: `c${n}`,
    email: `p${n}@acme.com`,
    emailStatus: "valid",
    linkedinUrl: `https://www.linkedin.com/in/p${n}`,
    person: {
      rows: (rows ?? [{}]).map((r) => ({
        global_status: "available",
        status: "ready",
        eligible_for_outreach: true,
        connection_degree: 2,
        ...r,
      })),
      lastTouchAt: lastTouchAt ?? null,
    },
    inCampaign: false,
    activeElsewhere: null,
    ...rest,
  };
}

describe("selectForEnrolment", () => {
  it("adds fresh people and counts every skip by its reason, applying the send path's eligibility", () => {
    const fresh = candidate();
    const cands = [
      fresh,
      candidate({ inCampaign: true }),
      candidate({ rows: [{}, { global_status: "do_not_contact" }] }),
      candidate({ rows: [{ status: "unsubscribed" }] }),
      candidate({ lastTouchAt: daysAgo(10) }),
      candidate({ rows: [{ global_status: "replied" }] }),
      candidate({ rows: [{ eligible_for_outreach: false }] }),
      candidate({ activeElsewhere: "Other campaign" }),
      candidate({ email: null }),
      candidate({ emailStatus: "risky" }),
      candidate({ lastTouchAt: daysAgo(61) }),
    ];
    const r = selectForEnrolment(cands, { actions: ["email", "email"], now });
    expect(r.add).toEqual([fresh.contactId, cands[10]!.contactId]);
    expect(r.skipped).toEqual({
      already_in_campaign: 1,
      do_not_contact: 1,
      unsubscribed: 1,
      cooling_off: 1,
      replied: 1,
      not_eligible: 1,
      in_other_campaign: 1,
      no_email: 1,
      email_not_accepted: 1,
    });
    expect(r.skippedContacts.find((s) => s.contactId === cands[4]!.contactId)?.reason).toBe("cooling_off");
  });

  it("checks reachability on the first step's channel and warns about later steps", () => {
    const noLinkedIn = candidate({ linkedinUrl: null });
    const noEmail = candidate({ email: null, emailStatus: null });
    const r = selectForEnrolment([noLinkedIn, noEmail], { actions: ["connection_request", "message", "email"], now });
    expect(r.add).toEqual([noEmail.contactId]);
    expect(r.skipped).toEqual({ no_linkedin: 1 });
    expect(r.warnings).toEqual({ no_email_for_later_steps: 1 });
  });

  it("accepts other email statuses only when asked; a missing status counts as unknown", () => {
    const risky = candidate({ emailStatus: "risky" });
    const unknown = candidate({ emailStatus: null });
    const invalid = candidate({ emailStatus: "invalid" });
    const r = selectForEnrolment([risky, unknown, invalid], {
      actions: ["email"],
      now,
      acceptedEmailStatuses: ["valid", "risky", "unknown"],
    });
    expect(r.add).toEqual([risky.contactId, unknown.contactId]);
    expect(r.skipped).toEqual({ email_not_accepted: 1 });
  });

  it("keeps 1st-degree connections out of cold outreach and takes only them into networking", () => {
    const first = candidate({ connectionDegree: 1 });
    const second = candidate({ connectionDegree: 2 });
    const third = candidate({ connectionDegree: 3 });
    const unknown = candidate({ connectionDegree: null });
    const all = [first, second, third, unknown];
    const cold = selectForEnrolment(all, { actions: ["connection_request", "message"], now, campaignType: "cold_outreach" });
    // Cold outreach without degree targets enrols unknown degrees, as before (the send path re-checks at the invitation).
    expect(cold.add).toEqual([second.contactId, third.contactId, unknown.contactId]);
    expect(cold.skippedContacts).toEqual([{ contactId: first.contactId, reason: "1st_degree" }]);
    const networking = selectForEnrolment(all, { actions: ["message"], now, campaignType: "networking" });
    expect(networking.add).toEqual([first.contactId]);
    expect(networking.skipped).toEqual({ not_1st_degree: 2, degree_unknown: 1 });
  });

  it("targets connection_degrees, failing closed on an unknown degree", () => {
    const first = candidate({ connectionDegree: 1 });
    const second = candidate({ connectionDegree: 2 });
    const third = candidate({ connectionDegree: 3 });
    const unknown = candidate();
    const r = selectForEnrolment([first, second, third, unknown], {
      actions: ["connection_request", "message"],
      now,
      connectionDegrees: [2],
    });
    expect(r.add).toEqual([second.contactId]);
    expect(r.skippedContacts.map((s) => s.reason)).toEqual(["1st_degree", "degree_not_targeted", "degree_unknown"]);
    // The seed's targeting: [2, 3] with exclude_1st_degree.
    const seed = selectForEnrolment([first, second, third, unknown], {
      actions: ["connection_request"],
      now,
      connectionDegrees: [2, 3],
      exclude1stDegree: true,
    });
    expect(seed.add).toEqual([second.contactId, third.contactId]);
    // Do-not-contact still wins over the degree: the first rule that applies names the skip.
    const dnc = candidate({ connectionDegree: 1, rows: [{ global_status: "do_not_contact" }] });
    expect(selectForEnrolment([dnc], { actions: ["message"], now }).skipped).toEqual({ do_not_contact: 1 });
  });

  it("enrols one contact per person, stops at the limit, and honours a shorter cooling-off period", () => {
    const a = candidate({ email: "same@acme.com" });
    const b = candidate({ email: "same@acme.com" });
    const c = candidate();
    const d = candidate({ lastTouchAt: daysAgo(20) });
    const r = selectForEnrolment([a, b, c, d], { actions: ["email"], now, limit: 2, coolingOffDays: 14 });
    expect(r.add).toEqual([a.contactId, c.contactId]);
    expect(r.skipped).toEqual({ duplicate_person: 1, over_limit: 1 });
    expect(() => selectForEnrolment([a], { actions: [], now })).toThrow(/at least one step/);
  });
});
