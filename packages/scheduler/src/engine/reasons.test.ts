import { describe, expect, it } from "vitest";
import { describeReason, isReasonCode, reasonCodes } from "./reasons.js";

describe("reason codes", () => {
  it("describe every code with one sentence", () => {
    for (const code of reasonCodes) {
      const text = describeReason(code);
      expect(text).toMatch(/^[A-Z].*\.$/);
    }
    expect(new Set(reasonCodes).size).toBe(reasonCodes.length);
    expect(isReasonCode("daily_cap")).toBe(true);
    expect(isReasonCode("nope")).toBe(false);
  });

  it("names the cooling-off window in force, not a fixed 60 days", () => {
    expect(describeReason("cooling_off", { coolingOffDays: 90 })).toMatch(/less than 90 days ago \(the cooling-off window\)/);
    expect(describeReason("cooling_off", { coolingOffDays: 1 })).toMatch(/less than 1 day ago/);
    expect(describeReason("cooling_off")).not.toMatch(/less than 60 days/);
    expect(describeReason("cooling_off")).toMatch(/offerlab settings show/);
    expect(describeReason("daily_cap", { coolingOffDays: 90 })).toBe(describeReason("daily_cap"));
  });
});
