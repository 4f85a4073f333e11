import { describe, expect, it } from "vitest";
import { accountStatuses, campaignStatuses, offerStatuses } from "./enums.js";
import { accountStatusTransitions, campaignStatusTransitions, offerStatusTransitions, statusChangeProblem } from "./lifecycle.js";

describe("status lifecycles", () => {
  it("covers every status of each enum, and only targets known statuses", () => {
    for (const [table, values] of [
      [offerStatusTransitions, offerStatuses],
      [campaignStatusTransitions, campaignStatuses],
      [accountStatusTransitions, accountStatuses],
    ] as const) {
      expect(Object.keys(table).sort()).toEqual([...values].sort());
      for (const targets of Object.values(table)) for (const t of targets) expect(values).toContain(t);
    }
  });

  it("allows the offer path draft → ready → active → paused → active → completed, and killed → draft only", () => {
    const path = ["draft", "ready", "active", "paused", "active", "completed"] as const;
    for (let i = 1; i < path.length; i++) expect(statusChangeProblem("offer", path[i - 1]!, path[i]!)).toBeNull();
    expect(statusChangeProblem("offer", "killed", "draft")).toBeNull();
    expect(statusChangeProblem("offer", "killed", "active")).toBe(
      "an offer cannot go from killed to active; from killed it may go to draft",
    );
    expect(statusChangeProblem("offer", "draft", "active")).toMatch(/from draft it may go to ready, killed/);
  });

  it("makes completed and cancelled campaigns final, and allows a repeated status", () => {
    expect(statusChangeProblem("campaign", "cancelled", "active")).toBe("a cancelled campaign cannot change status (cancelled is final)");
    expect(statusChangeProblem("campaign", "completed", "paused")).toMatch(/final/);
    expect(statusChangeProblem("campaign", "paused", "paused")).toBeNull();
    expect(statusChangeProblem("campaign", "draft", "active")).toBeNull();
    expect(statusChangeProblem("campaign", "draft", "paused")).toMatch(/from draft it may go to ready, active, cancelled/);
  });

  it("never lets a person resume a disconnected or banned account by hand", () => {
    expect(statusChangeProblem("account", "disconnected", "active")).not.toBeNull();
    expect(statusChangeProblem("account", "banned", "active")).not.toBeNull();
    expect(statusChangeProblem("account", "disconnected", "paused")).toBeNull();
    expect(statusChangeProblem("account", "limited", "active")).toBeNull();
    expect(statusChangeProblem("account", "paused", "active")).toBeNull();
  });
});
