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
});
