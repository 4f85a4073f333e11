import { describe, expect, it } from "vitest";
import type { SchedulingConfig } from "@offerlab/core";
import { checkLaunch, plannerTemplate, resolveStepTemplates, type LaunchInput, type LaunchTemplate } from "./launch.js";

const CAMPAIGN = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
let seq = 0;
const tpl = (over: Partial<LaunchTemplate>): LaunchTemplate => ({
  id: `t${++seq}`,
  name: `t${seq}`,
  channel: "email",
  sequence_step: null,
  campaign_id: null,
  created_at: new Date(2026, 0, seq),
  ...over,
});
const multi: SchedulingConfig = {
  steps: [
    { step: 1, type: "connection_request", delay_days: 0 },
    { step: 2, type: "linkedin_dm", delay_days: 2, condition: "connected" },
    { step: 3, type: "email", delay_days: 3, condition: "no_reply" },
    { step: 4, type: "email", delay_days: 3, condition: "no_reply" },
  ],
  stop_on_reply: true,
};

describe("plannerTemplate", () => {
  it("prefers this campaign's template, then the step's, then any step's, then the oldest; never another campaign's", () => {
    const anyStep = tpl({});
    const step2 = tpl({ sequence_step: 2 });
    const mine = tpl({ campaign_id: CAMPAIGN });
    const theirs = tpl({ campaign_id: OTHER, sequence_step: 2 });
    expect(plannerTemplate([anyStep, step2, theirs], CAMPAIGN, 2, "email")).toBe(step2);
    expect(plannerTemplate([anyStep, step2, mine], CAMPAIGN, 2, "email")).toBe(mine);
    expect(plannerTemplate([anyStep, step2], CAMPAIGN, 1, "email")).toBe(anyStep);
    expect(plannerTemplate([theirs], CAMPAIGN, 2, "email")).toBeNull();
    expect(plannerTemplate([step2], CAMPAIGN, 2, "linkedin_dm")).toBeNull();
  });

  it("takes templates written together (one created_at) by name, as the planner does, whatever order they come in", () => {
    const at = new Date(2026, 1, 1);
    const b = tpl({ id: "a-first-id", name: "email b", sequence_step: 1, created_at: at });
    const a = tpl({ id: "z-last-id", name: "email a", sequence_step: 1, created_at: at });
    expect(plannerTemplate([b, a], CAMPAIGN, 1, "email")).toBe(a);
    expect(plannerTemplate([a, b], CAMPAIGN, 1, "email")).toBe(a);
  });
});

describe("resolveStepTemplates", () => {
  it("binds the offer's first and second emails to a multi campaign's email steps 3 and 4", () => {
    const note = tpl({ channel: "linkedin_connect" });
    const dm = tpl({ channel: "linkedin_dm" });
    const e1 = tpl({ sequence_step: 1 });
    const e2 = tpl({ sequence_step: 2 });
    const e3 = tpl({ sequence_step: 3 });
    const steps = resolveStepTemplates(multi, CAMPAIGN, [note, dm, e1, e2, e3]);
    expect(steps.map((s) => [s.step, s.template?.id, s.bind])).toEqual([
      [1, note.id, false],
      [2, dm.id, false],
      [3, e1.id, true],
      [4, e2.id, true],
    ]);
    // After launch created the bindings, the campaign's own templates win and nothing is bound again.
    const bound3 = tpl({ sequence_step: 3, campaign_id: CAMPAIGN });
    const again = resolveStepTemplates(multi, CAMPAIGN, [note, dm, e1, e2, e3, bound3]);
    expect(again[2]).toMatchObject({ template: bound3, bind: false });
  });

  it("binds nothing when email steps already line up with the offer's sequence", () => {
    const e1 = tpl({ sequence_step: 1 });
    const e2 = tpl({ sequence_step: 2 });
    const config: SchedulingConfig = {
      steps: [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3 },
      ],
      stop_on_reply: true,
    };
    expect(resolveStepTemplates(config, CAMPAIGN, [e1, e2]).map((s) => [s.template?.id, s.bind])).toEqual([
      [e1.id, false],
      [e2.id, false],
    ]);
  });
});

describe("checkLaunch", () => {
  const account = (over: Partial<LaunchInput["accounts"][number]> = {}): LaunchInput["accounts"][number] => ({
    id: "a1",
    name: "jane_linkedin",
    type: "linkedin",
    rotation_set: null,
    status: "active",
    health_score: 100,
    daily_limit_connections: 20,
    daily_limit_messages: 40,
    daily_limit_emails: 0,
    hourly_limit: 10,
    warming_week: 0,
    ...over,
  });
  const input = (over: Partial<LaunchInput> = {}): LaunchInput => ({
    campaign: {
      id: CAMPAIGN,
      status: "draft",
      scheduling_config: multi,
      send_window_start: "09:00:00",
      send_window_end: "17:00:00",
      send_days: [1, 2, 3, 4, 5],
      timezone: "Europe/Paris",
    },
    offer: { status: "ready" },
    accounts: [account(), account({ id: "a2", name: "jane@x.com", type: "email" })],
    missingAccountIds: [],
    templates: [
      tpl({ channel: "linkedin_connect" }),
      tpl({ channel: "linkedin_dm" }),
      tpl({ sequence_step: 1 }),
      tpl({ sequence_step: 2 }),
    ],
    contacts: 5,
    ...over,
  });

  it("passes a complete campaign and lists the bindings to create", () => {
    const r = checkLaunch(input());
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.steps.filter((s) => s.bind).map((s) => s.step)).toEqual([3, 4]);
  });

  it("names each problem: missing templates, missing account types, final status, killed offer, bad window, bad schedule", () => {
    const r = checkLaunch(
      input({
        campaign: { ...input().campaign, status: "cancelled", send_window_start: "18:00:00", send_window_end: "09:00:00" },
        offer: { status: "killed" },
        accounts: [account()],
        missingAccountIds: ["33333333-3333-4333-8333-333333333333"],
        templates: [tpl({ channel: "linkedin_connect" })],
      }),
    );
    const fields = r.problems.map((p) => p.field);
    expect(fields).toEqual([
      "status",
      "offer.status",
      "send_window",
      "account_ids",
      "scheduling_config.steps.1",
      "scheduling_config.steps.2",
      "scheduling_config.steps.3",
      "account_ids",
    ]);
    expect(r.problems.find((p) => p.field === "scheduling_config.steps.1")!.message).toMatch(
      /step 2 \(linkedin_dm\) has no approved template/,
    );
    expect(r.problems.at(-1)!.message).toMatch(/email steps but no email account/);

    const bad = checkLaunch(
      input({ campaign: { ...input().campaign, scheduling_config: { steps: [{ step: 2, type: "email", delay_days: 0 }] } } }),
    );
    expect(bad.problems).toEqual([
      { field: "scheduling_config.steps.0.step", message: "steps must be numbered 1..n in order: expected 1, got 2" },
    ]);
    expect(checkLaunch(input({ campaign: { ...input().campaign, scheduling_config: null } })).problems).toEqual([
      { field: "scheduling_config", message: "is not set: the campaign has no steps" },
    ]);
  });

  it("refuses a networking campaign whose schedule invites (its people are connections already)", () => {
    const r = checkLaunch(input({ campaign: { ...input().campaign, campaign_type: "networking" } }));
    expect(r.problems).toEqual([
      { field: "scheduling_config.steps.0", message: expect.stringMatching(/networking campaign .* sends no invitation/) },
    ]);
    expect(checkLaunch(input({ campaign: { ...input().campaign, campaign_type: "cold_outreach" } })).problems).toEqual([]);
  });

  it("refuses burner-only accounts unless the campaign opts in with use_burner_accounts, and says how", () => {
    const burners = [account({ rotation_set: "burner" }), account({ id: "a2", name: "jane@x.com", type: "email" })];
    const refused = checkLaunch(input({ accounts: burners }));
    expect(refused.problems).toEqual([
      { field: "account_ids", message: expect.stringMatching(/only burner linkedin accounts.*use_burner_accounts/) },
    ]);
    const optedIn = checkLaunch(
      input({ accounts: burners, campaign: { ...input().campaign, scheduling_config: { ...multi, use_burner_accounts: true } } }),
    );
    expect(optedIn.problems).toEqual([]);
  });

  it("warns, without refusing, when every account of a type is held back or there are no contacts", () => {
    const r = checkLaunch(
      input({ accounts: [account({ status: "paused" }), account({ id: "a2", name: "jane@x.com", type: "email" })], contacts: 0 }),
    );
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      expect.stringMatching(/every linkedin account of the campaign is held back.*jane_linkedin: The sending account is paused/),
      expect.stringMatching(/no contacts yet/),
    ]);
  });
});
