import { describe, expect, it } from "vitest";
import { defaultSchedulingConfig } from "./campaign-defaults.js";
import { SchedulingConfig } from "./documents.js";

describe("defaultSchedulingConfig", () => {
  it("follows the offer's email sequence, with follow-ups only without a reply", () => {
    const config = defaultSchedulingConfig("email", {
      sequence: [
        { step: 1, subject: "Hi", body: "a", delay_days: 0 },
        { step: 2, subject: "", body: "b", delay_days: 4 },
      ],
    });
    expect(config.steps).toEqual([
      { step: 1, type: "email", delay_days: 0 },
      { step: 2, type: "email", delay_days: 4, condition: "no_reply" },
    ]);
    expect(defaultSchedulingConfig("email").steps.map((s) => s.delay_days)).toEqual([0, 3, 5]);
  });

  it("gives LinkedIn and multi campaigns the schema document's sequences, each a valid schedule", () => {
    expect(defaultSchedulingConfig("linkedin").steps.map((s) => s.type)).toEqual(["connection_request", "linkedin_dm"]);
    const multi = defaultSchedulingConfig("multi");
    expect(multi).toMatchObject({ max_touches: 3, stop_on_reply: true });
    expect(multi.steps.map((s) => [s.type, s.condition])).toEqual([
      ["connection_request", undefined],
      ["linkedin_dm", "connected"],
      ["email", "no_reply"],
    ]);
    for (const channel of ["email", "linkedin", "multi"] as const)
      expect(SchedulingConfig.safeParse(defaultSchedulingConfig(channel)).success).toBe(true);
  });

  it("starts a networking campaign with a DM, never an invitation", () => {
    expect(defaultSchedulingConfig("linkedin", null, "networking").steps).toEqual([{ step: 1, type: "linkedin_dm", delay_days: 0 }]);
    const multi = defaultSchedulingConfig("multi", null, "networking");
    expect(multi.steps.map((s) => [s.type, s.condition])).toEqual([
      ["linkedin_dm", undefined],
      ["email", "no_reply"],
    ]);
    expect(defaultSchedulingConfig("linkedin", null, "cold_outreach").steps[0]!.type).toBe("connection_request");
    for (const channel of ["email", "linkedin", "multi"] as const) {
      const config = defaultSchedulingConfig(channel, null, "networking");
      expect(SchedulingConfig.safeParse(config).success).toBe(true);
      expect(config.steps.some((s) => s.type === "connection_request")).toBe(false);
    }
  });
});
