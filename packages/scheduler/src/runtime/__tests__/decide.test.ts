/**
 * `decide` is the send path's judgement of one claimed row: an account without a Unipile id
 * waits (with its reason, as the capacity dashboards show it) instead of being claimed, charged
 * and failed for good at the provider call.
 */
import { describe, expect, it } from "vitest";
import type { SendContext } from "../context.js";
import { seededRandomSource } from "../../engine/random.js";
import { decide } from "../check.js";

const now = new Date("2026-12-03T15:00:00Z");
const HOUR = 3_600_000;

function context(account: Partial<NonNullable<SendContext["account"]>>): SendContext {
  const contact = {
    id: "c1",
    global_status: "available",
    status: "ready",
    eligible_for_outreach: true,
    connection_degree: 2,
    email: "p@x.io",
    linkedin_url: null,
  };
  return {
    row: { id: "q1", channel: "email", action_type: "email" },
    campaign: { status: "active", send_window_start: "00:00", send_window_end: "24:00", send_days: [1, 2, 3, 4, 5, 6, 7], timezone: "UTC" },
    offerStatus: "active",
    campaignContact: undefined,
    contact,
    person: [contact],
    lastTouchAt: null,
    account: {
      id: "a1",
      name: "box",
      type: "email",
      status: "active",
      health_score: 100,
      unipile_account_id: "u-box",
      limited_until: null,
      daily_limit_connections: 20,
      daily_limit_messages: 40,
      daily_limit_emails: 50,
      hourly_limit: 10,
      warming_week: 0,
      ...account,
    },
  } as unknown as SendContext;
}

describe("decide: the account checks", () => {
  it("sends from a linked, active account", () => {
    expect(decide(context({}), now)).toEqual({ kind: "go", action: "email", dailyLimit: 50, hourlyLimit: 10 });
  });

  it("defers a send from an account not linked to Unipile, with the reason, and looks again in an hour", () => {
    expect(decide(context({ unipile_account_id: null }), now)).toEqual({
      kind: "defer",
      reason: "account_unlinked",
      until: new Date(now.getTime() + HOUR),
    });
  });

  it("waits for a cooldown to end, and sends once it has", () => {
    const until = new Date(now.getTime() + 20 * 60_000);
    expect(decide(context({ status: "limited", limited_until: until }), now)).toEqual({ kind: "defer", reason: "account_limited", until });
    expect(decide(context({ status: "limited", limited_until: new Date(now.getTime() - 1) }), now)).toMatchObject({ kind: "go" });
    expect(decide(context({ status: "paused" }), now)).toEqual({
      kind: "defer",
      reason: "account_paused",
      until: new Date(now.getTime() + HOUR),
    });
  });
});

describe("decide: the campaign's accounts", () => {
  const withAccounts = (ctx: SendContext, ids: string[]): SendContext =>
    ({
      ...ctx,
      campaign: { ...ctx.campaign, account_id: null, account_ids: ids.map((id) => ({ id, name: id, type: "email" })) },
    }) as SendContext;

  it("sends from an account the campaign lists", () => {
    expect(decide(withAccounts(context({}), ["a0", "a1"]), now)).toMatchObject({ kind: "go" });
  });

  it("cancels a row on a burner account unless the campaign opts in to burners", () => {
    const burner = context({ rotation_set: "burner" });
    expect(decide(burner, now)).toEqual({ kind: "skip", reason: "sender_unavailable", status: "cancelled" });
    const optedIn = {
      ...burner,
      campaign: { ...burner.campaign, scheduling_config: { steps: [], stop_on_reply: true, use_burner_accounts: true } },
    } as SendContext;
    expect(decide(optedIn, now)).toMatchObject({ kind: "go" });
    expect(decide(context({ rotation_set: "odd" }), now)).toMatchObject({ kind: "go" });
  });

  it("cancels a row whose account was taken off the campaign (no new claim for it)", () => {
    expect(decide(withAccounts(context({}), ["a2"]), now)).toEqual({ kind: "skip", reason: "sender_unavailable", status: "cancelled" });
  });
});

describe("decide: a closed window reopens with the account's own jitter", () => {
  // 18:00 UTC: the 09:00–17:00 window (UTC) opens again tomorrow at 09:00.
  const evening = new Date("2026-12-03T18:00:00Z");
  const opening = new Date("2026-12-04T09:00:00Z").getTime();
  const MINUTE = 60_000;
  /** The reopening times of 40 rows (their natural keys name the draws) for an account with this jitter setting. */
  const reopenings = (sendJitterMinutes: number | null): number[] =>
    Array.from({ length: 40 }, (_, i) => {
      const base = context({ send_jitter_minutes: sendJitterMinutes });
      const ctx = {
        ...base,
        row: { ...base.row, natural_key: `autumn|p${i}@x.io|1` },
        campaign: { ...base.campaign, send_window_start: "09:00", send_window_end: "17:00" },
      } as SendContext;
      const d = decide(ctx, evening, seededRandomSource("jitter"));
      expect(d).toMatchObject({ kind: "defer", reason: "window_closed" });
      return (d as { until: Date }).until.getTime() - opening;
    });

  it("uses accounts.send_jitter_minutes (as the planner does), and the default 17 minutes when it is NULL", () => {
    // 0: no spread beyond the off-round-minute offset (under two minutes after the opening).
    const none = reopenings(0);
    expect(Math.min(...none)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...none)).toBeLessThan(2 * MINUTE);
    // 300 minutes: some rows wait well past what the default could draw.
    const wide = reopenings(300);
    expect(Math.max(...wide)).toBeGreaterThan(60 * MINUTE);
    expect(Math.max(...wide)).toBeLessThan(302 * MINUTE);
    // NULL: the default, up to 17 minutes (plus the off-round-minute offset).
    const byDefault = reopenings(null);
    expect(Math.max(...byDefault)).toBeGreaterThan(2 * MINUTE);
    expect(Math.max(...byDefault)).toBeLessThan(19 * MINUTE);
  });
});
