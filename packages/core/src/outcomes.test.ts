import { describe, expect, it } from "vitest";
import { attributeOutcome, companyStatusAfterOutcome, contactStatusAfterOutcome, type Touch } from "./outcomes.js";

const day = 86_400_000;
const at = new Date("2026-12-01T12:00:00Z");
const touch = (daysBefore: number, campaignId: string): Touch => ({
  sentAt: new Date(at.getTime() - daysBefore * day),
  campaignId,
  offerId: null,
  accountId: null,
  sequenceStep: 1,
});

describe("attributeOutcome", () => {
  it("picks the last touch before the outcome within the window", () => {
    expect(attributeOutcome([touch(10, "a"), touch(3, "b"), touch(20, "c")], at)?.campaignId).toBe("b");
  });
  it("ignores touches after the outcome", () => {
    expect(attributeOutcome([touch(5, "a"), touch(-1, "later")], at)?.campaignId).toBe("a");
  });
  it("returns null when no touch lies in the window", () => {
    expect(attributeOutcome([touch(31, "a")], at)).toBeNull();
    expect(attributeOutcome([touch(31, "a")], at, 60)?.campaignId).toBe("a");
    expect(attributeOutcome([], at)).toBeNull();
  });
  it("includes the window's edges", () => {
    expect(attributeOutcome([touch(30, "edge")], at)?.campaignId).toBe("edge");
    expect(attributeOutcome([touch(0, "same")], at)?.campaignId).toBe("same");
  });
  it("refuses a negative window", () => {
    expect(() => attributeOutcome([], at, -1)).toThrow(RangeError);
  });
});

describe("contactStatusAfterOutcome", () => {
  it("moves forward to meeting and converted", () => {
    expect(contactStatusAfterOutcome("contacted", "meeting_booked")).toBe("meeting");
    expect(contactStatusAfterOutcome("replied", "meeting_held")).toBe("meeting");
    expect(contactStatusAfterOutcome("meeting", "converted")).toBe("converted");
  });
  it("never moves backwards or out of a stop status", () => {
    expect(contactStatusAfterOutcome("converted", "meeting_booked")).toBeNull();
    expect(contactStatusAfterOutcome("meeting", "meeting_booked")).toBeNull();
    expect(contactStatusAfterOutcome("unsubscribed", "meeting_booked")).toBeNull();
    expect(contactStatusAfterOutcome("bounced", "converted")).toBeNull();
    expect(contactStatusAfterOutcome("contacted", "no_show")).toBeNull();
    expect(contactStatusAfterOutcome("contacted", "rejected")).toBeNull();
  });
});

describe("companyStatusAfterOutcome", () => {
  it("moves forward; only a meeting or a conversion leaves disqualified or rejected", () => {
    expect(companyStatusAfterOutcome("contacted", "meeting_booked")).toBe("meeting");
    expect(companyStatusAfterOutcome("meeting", "converted")).toBe("converted");
    expect(companyStatusAfterOutcome("converted", "meeting_held")).toBeNull();
    expect(companyStatusAfterOutcome("rejected", "converted")).toBe("converted");
    expect(companyStatusAfterOutcome("disqualified", "meeting_booked")).toBe("meeting");
  });
  it("a rejection or not-interested rejects the company, except a customer; a no-show or wrong person moves nothing", () => {
    expect(companyStatusAfterOutcome("responded", "rejected")).toBe("rejected");
    expect(companyStatusAfterOutcome("meeting", "not_interested")).toBe("rejected");
    expect(companyStatusAfterOutcome("converted", "rejected")).toBeNull();
    expect(companyStatusAfterOutcome("rejected", "not_interested")).toBeNull();
    expect(companyStatusAfterOutcome("contacted", "no_show")).toBeNull();
    expect(companyStatusAfterOutcome("contacted", "wrong_person")).toBeNull();
  });
});
