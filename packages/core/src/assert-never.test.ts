import { describe, expect, it } from "vitest";
import { assertNever } from "./assert-never.js";

describe("assertNever", () => {
  it("throws naming what was not handled (reached only when the types were bypassed)", () => {
    expect(() => assertNever("linkedin_voice" as never, "channel")).toThrow('unhandled channel: "linkedin_voice"');
  });
});
