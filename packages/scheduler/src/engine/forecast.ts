/**
 * Campaign forecast: how many days the campaign's remaining sequence steps take with its current
 * accounts and limits, and what holds it back. A day-by-day simulation in the campaign's time zone
 * over the same rules the send path applies:
 *
 * - only send days count, and a day holds `window length × hourly limit` sends per account at most
 *   (the hourly limit spans every action of the account) and `window length ÷ gap` (the randomised
 *   minimum gap between two sends of an account, on average `gapSeconds`);
 * - each action has the account's daily limit ({@link effectiveLimits}), ramped while the account is
 *   warming: the warming week moves on every 7 days from `warming_started_at`, as the cron's
 *   `advanceWarming` does, and ends after week 4;
 * - an account that may not send ({@link accountBlock}: paused, disconnected, health below 30 …)
 *   contributes nothing, and burner accounts only count when the campaign opts in
 *   (`scheduling_config.use_burner_accounts`);
 * - the campaign's own daily cap (`daily_send_cap`, every action together, per calendar day in its
 *   time zone) bounds each day's sends across all its accounts;
 * - step delays, and conditions: an invitation is accepted by `acceptanceRate` of the people it goes
 *   to; a step that needs the connection goes to those, the others skip it after `wait_days_max`
 *   (or stop, per `on_condition_unmet`); `max_touches` ends a sequence.
 *
 * Today's capacity is what is left of today: today's usage is subtracted and only the rest of
 * today's window counts. Replies are not modelled: they only end sequences early, so the forecast
 * is the longest the campaign takes with everyone going through every step they qualify for.
 */
import type { MessageActionType, SchedulingConfig } from "@offerlab/core";
import { DEFAULT_CONDITION_WAIT_DAYS_MAX, DEFAULT_ON_CONDITION_UNMET, channelActionType, schedulingStepChannel } from "@offerlab/core";
import { accountBlock, effectiveLimits, usedToday, type AccountLimitsInput, type AccountUsage } from "./capacity.js";
import type { ReasonCode } from "./reasons.js";
import { needsConnection } from "./sequence.js";
import { validateWindow, wallClock, zonedTime, type SendWindow } from "./window.js";

/** An account of the campaign as the forecast reads it. */
export interface ForecastAccount extends AccountLimitsInput {
  id: string;
  name?: string;
  rotation_set?: "odd" | "even" | "burner" | null;
  /** When warming started; the week then advances every 7 days. Null: `warming_week` stays as it is. */
  warming_started_at?: Date | null;
  /** What the account has sent today (UTC day) and this hour. Default nothing. */
  usage?: AccountUsage;
}

/** Where one enrolled contact stands. */
export interface ForecastContact {
  /** The last step sent, skipped or failed (0 = none yet). */
  currentStep: number;
  /** Steps sent so far. */
  touches: number;
  /** When the last step went (or the enrolment, for step 1). */
  lastStepAt: Date;
  /** Already a 1st-degree connection of the sender. */
  connected: boolean;
}

/** Options of {@link forecastCampaign}. */
export interface ForecastOptions {
  config: SchedulingConfig;
  window: SendWindow;
  accounts: readonly ForecastAccount[];
  /** Contacts still in the sequence (not finished, not paused for a human). */
  contacts: readonly ForecastContact[];
  now: Date;
  /** Share of invitations accepted, 0–1. Default {@link DEFAULT_ACCEPTANCE_RATE}. */
  acceptanceRate?: number;
  /** Average gap between two sends of one account, in seconds. Default {@link DEFAULT_FORECAST_GAP_SECONDS}. */
  gapSeconds?: number;
  /** Days simulated before giving up. Default 3650. */
  horizonDays?: number;
  /** The campaign's own cap on sends a day (`campaigns.daily_send_cap`); null or absent: none. */
  campaignDailyCap?: number | null;
  /** What the campaign has sent today (its local day, `campaign_usage`), counted against the cap. Default 0. */
  campaignSentToday?: number;
}

/** What limited a day's sends of an action. */
export type ForecastLimit = "daily_cap" | "hourly_cap" | "min_gap" | "campaign_daily_cap";

export interface ForecastAction {
  action: MessageActionType;
  /** Sends of this action the remaining sequences need (expected value; invitations accepted by `acceptanceRate`). */
  sends: number;
  /** What a full send day holds at today's limits and warming week. */
  capacityPerDay: number;
  /** Send days on which some of the action's due sends had to wait for the next day. */
  daysLimited: number;
  /** The limit that ran out most often on those days. */
  limit: ForecastLimit | null;
}

export interface CampaignForecast {
  /** Contacts still to go through their sequence. */
  contacts: number;
  /** True when every remaining send fits within the horizon. */
  finishes: boolean;
  /** The local date (campaign time zone) of the last send, or null (nothing to send, or never). */
  finishDate: string | null;
  /** Calendar days from today (day 1) to the finish date, or null. 0 when nothing is left to send. */
  calendarDays: number | null;
  /** Send days with at least one send. */
  sendDays: number;
  actions: ForecastAction[];
  /** The action that held the campaign back most, and the limit that did; null when nothing waited. */
  bottleneck: { action: MessageActionType; limit: ForecastLimit | "no_account"; daysLimited: number; reason: string } | null;
  /** Actions the campaign needs that no account of it can send, and why; the forecast never finishes then. */
  blocked: { action: MessageActionType; reason: ReasonCode }[];
  assumptions: { acceptanceRate: number; gapSeconds: number; timeZone: string; today: string };
}

/** Default share of LinkedIn invitations accepted (a common range is 20–40 %). */
export const DEFAULT_ACCEPTANCE_RATE = 0.3;
/** Default average gap between two sends of one account: the send path's default gap is 90–300 s. */
export const DEFAULT_FORECAST_GAP_SECONDS = 195;

const DAY_MS = 86_400_000;
const EPS = 1e-6;

interface Cohort {
  /** Index (0-based) of the next step. */
  step: number;
  /** Day index (0 = today) from which the step may go. */
  ready: number;
  count: number;
  touches: number;
  connected: boolean;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function isoWeekdayOf(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

function seconds(time: string): number {
  const [h, m, s] = time.split(":").map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

/** The warming week of an account on a day: from `warming_started_at` when set, else as stored. */
function warmingWeekOn(a: ForecastAccount, at: Date): number {
  if (!a.warming_started_at) return a.warming_week;
  const elapsed = at.getTime() - a.warming_started_at.getTime();
  if (elapsed < 0) return a.warming_week;
  const weeks = Math.floor(elapsed / (7 * DAY_MS));
  return weeks >= 4 ? 0 : weeks + 1;
}

const dailyKey = (action: MessageActionType): "connection_request" | "message" | "email" => (action === "inmail" ? "message" : action);

/**
 * Forecasts the campaign's remaining sends; see the module note for the model. Pure and
 * deterministic.
 */
export function forecastCampaign(options: ForecastOptions): CampaignForecast {
  const acceptanceRate = options.acceptanceRate ?? DEFAULT_ACCEPTANCE_RATE;
  if (!(acceptanceRate >= 0 && acceptanceRate <= 1)) throw new RangeError(`acceptanceRate must be between 0 and 1, got ${acceptanceRate}`);
  const gapSeconds = options.gapSeconds ?? DEFAULT_FORECAST_GAP_SECONDS;
  if (!(gapSeconds > 0)) throw new RangeError(`gapSeconds must be above 0, got ${gapSeconds}`);
  const horizon = options.horizonDays ?? 3650;
  const window = validateWindow(options.window);
  const { config, now } = options;
  const steps = config.steps;
  const actionOf = steps.map((s) => channelActionType[schedulingStepChannel[s.type]]);
  const today = wallClock(window.timeZone, now).date;
  const nowSec = seconds(wallClock(window.timeZone, now).time);
  const days = new Set(window.days);
  const startSec = seconds(window.start.length === 5 ? `${window.start}:00` : window.start);
  const endSec = window.end.startsWith("24") ? 86_400 : seconds(window.end.length === 5 ? `${window.end}:00` : window.end);
  const usable = options.accounts.filter((a) => a.rotation_set !== "burner" || config.use_burner_accounts === true);

  const needed = [...new Set(actionOf)];
  const blocked: CampaignForecast["blocked"] = [];
  for (const action of needed) {
    const type = action === "email" ? "email" : "linkedin";
    const ofType = usable.filter((a) => a.type === type);
    if (ofType.length === 0) {
      blocked.push({ action, reason: "no_account" });
      continue;
    }
    const open = ofType.filter((a) => accountBlock(a) === null);
    if (open.length === 0) {
      blocked.push({ action, reason: accountBlock(ofType[0]!) ?? "no_account" });
      continue;
    }
    // Limits can only grow while warming, so the full (unramped) limit tells whether it ever sends.
    if (
      open.every((a) => effectiveLimits({ ...a, warming_week: 0 })[action] <= 0 || effectiveLimits({ ...a, warming_week: 0 }).hourly <= 0)
    ) {
      blocked.push({ action, reason: "daily_cap" });
    }
  }

  const dayIndexOf = (at: Date) => {
    const date = wallClock(window.timeZone, at).date;
    return Math.max(0, Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS));
  };

  let cohorts: Cohort[] = [];
  for (const c of options.contacts) {
    const step = Math.max(0, c.currentStep);
    if (step >= steps.length) continue;
    if (config.max_touches !== undefined && c.touches >= config.max_touches) continue;
    const due = new Date(c.lastStepAt.getTime() + steps[step]!.delay_days * DAY_MS);
    cohorts.push({ step, ready: dayIndexOf(due > now ? due : now), count: 1, touches: c.touches, connected: c.connected });
  }
  const contacts = cohorts.length;
  cohorts = merge(cohorts);

  const sends: Partial<Record<MessageActionType, number>> = {};
  const daysLimited: Partial<Record<MessageActionType, number>> = {};
  const limitCounts: Partial<Record<MessageActionType, Record<ForecastLimit, number>>> = {};
  let lastSendDay: number | null = null;
  let sendDays = 0;

  const advance = (c: Cohort, day: number, sent: boolean): Cohort[] => {
    // What follows step `c.step` once it was sent (or skipped) on `day`.
    const touches = c.touches + (sent ? 1 : 0);
    const nextIndex = c.step + 1;
    if (nextIndex >= steps.length) return [];
    if (config.max_touches !== undefined && touches >= config.max_touches) return [];
    return [{ step: nextIndex, ready: day + steps[nextIndex]!.delay_days, count: c.count, touches, connected: c.connected }];
  };

  /** Resolves conditions at the moment a cohort's step is due; returns cohorts that will send, and re-queued others. */
  const resolve = (c: Cohort): { send: Cohort | null; later: Cohort[] } => {
    const step = steps[c.step]!;
    if (step.type === "connection_request" && c.connected) return { send: null, later: advance(c, c.ready, false) };
    if (step.condition === "not_connected" && c.connected) return { send: null, later: unmet(c, c.ready) };
    if (needsConnection(step) && !c.connected) {
      // Nobody connects later in this model (acceptance is decided when the invitation goes), so
      // these people wait the condition out and then skip or stop.
      return { send: null, later: unmet(c, c.ready + (step.wait_days_max ?? DEFAULT_CONDITION_WAIT_DAYS_MAX)) };
    }
    return { send: c, later: [] };
  };
  const unmet = (c: Cohort, day: number): Cohort[] =>
    (steps[c.step]!.on_condition_unmet ?? DEFAULT_ON_CONDITION_UNMET) === "stop" ? [] : advance(c, day, false);

  const blockedActions = new Set(blocked.map((b) => b.action));
  let day = 0;
  for (; day <= horizon && cohorts.length > 0; day++) {
    // Only sends no account can make are left: they wait forever.
    if (cohorts.every((c) => c.ready <= day && blockedActions.has(actionOf[c.step]!))) break;
    const date = addDays(today, day);
    // Resolve conditions of everything due today; condition skips move cohorts without a send.
    let guard = 0;
    for (;;) {
      const due = cohorts.filter((c) => c.ready <= day);
      const pending: Cohort[] = [];
      let changed = false;
      const rest = cohorts.filter((c) => c.ready > day);
      for (const c of due) {
        const r = resolve(c);
        if (r.send) pending.push(r.send);
        else changed = true;
        rest.push(...r.later);
      }
      cohorts = merge([...rest, ...pending]);
      if (!changed || ++guard > steps.length + 1) break;
    }
    if (!days.has(isoWeekdayOf(date))) continue;
    const due = cohorts.filter((c) => c.ready <= day && !blockedActions.has(actionOf[c.step]!));
    if (due.length === 0) continue;

    // Room per account today.
    // Warming weeks are read at the window's opening, when the day's first send can go.
    const dayStart = zonedTime(window.timeZone, date, window.start);
    const from = day === 0 ? Math.max(startSec, nowSec) : startSec;
    const windowSec = Math.max(0, endSec - from);
    const room = usable.map((a) => {
      if (accountBlock(a) !== null) return null;
      const limits = effectiveLimits({ ...a, warming_week: warmingWeekOn(a, dayStart) });
      const usage = day === 0 ? (a.usage ?? { day: {}, hour: 0 }) : { day: {}, hour: 0 };
      const hourlyRoom = Math.floor((windowSec / 3600) * limits.hourly);
      const gapRoom = Math.floor(windowSec / gapSeconds);
      return {
        type: a.type,
        daily: {
          connection_request: Math.max(0, limits.connection_request - usedToday(usage, "connection_request")),
          message: Math.max(0, limits.message - usedToday(usage, "message")),
          email: Math.max(0, limits.email - usedToday(usage, "email")),
        },
        hourly: hourlyRoom,
        gap: gapRoom,
      };
    });

    // Oldest due first; within a day, later steps first (they keep running sequences moving).
    due.sort((a, b) => a.ready - b.ready || b.step - a.step);
    const next: Cohort[] = cohorts.filter((c) => !(c.ready <= day && !blockedActions.has(actionOf[c.step]!)));
    let sentToday = 0;
    // The campaign's own cap, shared by every action and account.
    let campaignRoom =
      options.campaignDailyCap == null
        ? Number.POSITIVE_INFINITY
        : Math.max(0, options.campaignDailyCap - (day === 0 ? (options.campaignSentToday ?? 0) : 0));
    const limitedToday = new Map<MessageActionType, ForecastLimit>();
    for (const c of due) {
      const action = actionOf[c.step]!;
      const type = action === "email" ? "email" : "linkedin";
      let need = c.count;
      let lastLimit: ForecastLimit = "daily_cap";
      for (const r of room) {
        if (!r || r.type !== type || need <= EPS) continue;
        if (campaignRoom <= EPS) {
          lastLimit = "campaign_daily_cap";
          break;
        }
        const key = dailyKey(action);
        const take = Math.min(need, r.daily[key], r.hourly, r.gap, campaignRoom);
        if (take <= EPS) {
          lastLimit = r.daily[key] <= EPS ? "daily_cap" : r.hourly <= r.gap ? "hourly_cap" : "min_gap";
          continue;
        }
        r.daily[key] -= take;
        r.hourly -= take;
        r.gap -= take;
        campaignRoom -= take;
        need -= take;
        if (need > EPS)
          lastLimit =
            campaignRoom <= EPS ? "campaign_daily_cap" : r.daily[key] <= EPS ? "daily_cap" : r.hourly <= r.gap ? "hourly_cap" : "min_gap";
      }
      const sent = c.count - need;
      if (sent > EPS) {
        sends[action] = (sends[action] ?? 0) + sent;
        sentToday += sent;
        const done: Cohort = { ...c, count: sent };
        if (action === "connection_request" && !c.connected) {
          const accepted = sent * acceptanceRate;
          if (accepted > EPS) next.push(...advance({ ...done, count: accepted, connected: true }, day, true));
          if (sent - accepted > EPS) next.push(...advance({ ...done, count: sent - accepted }, day, true));
        } else {
          next.push(...advance(done, day, true));
        }
      }
      if (need > EPS) {
        next.push({ ...c, count: need });
        limitedToday.set(action, lastLimit);
      }
    }
    for (const [action, limit] of limitedToday) {
      daysLimited[action] = (daysLimited[action] ?? 0) + 1;
      const counts = (limitCounts[action] ??= { daily_cap: 0, hourly_cap: 0, min_gap: 0, campaign_daily_cap: 0 });
      counts[limit]++;
    }
    if (sentToday > EPS) {
      lastSendDay = day;
      sendDays++;
    }
    cohorts = merge(next);
  }

  const waitingForBlocked = cohorts.some((c) => blockedActions.has(actionOf[c.step]!));
  const finishes = cohorts.length === 0 && !waitingForBlocked;

  const todayStart = zonedTime(window.timeZone, today, window.start);
  const actions: ForecastAction[] = needed.map((action) => {
    const counts = limitCounts[action];
    const limit = counts ? (Object.entries(counts).sort((a, b) => b[1] - a[1])[0]![0] as ForecastLimit) : null;
    const fullWindow = Math.max(0, endSec - startSec);
    const ofAccounts = usable
      .filter((a) => a.type === (action === "email" ? "email" : "linkedin") && accountBlock(a) === null)
      .reduce((sum, a) => {
        const limits = effectiveLimits({ ...a, warming_week: warmingWeekOn(a, todayStart) });
        return sum + Math.min(limits[action], Math.floor((fullWindow / 3600) * limits.hourly), Math.floor(fullWindow / gapSeconds));
      }, 0);
    const capacityPerDay = options.campaignDailyCap == null ? ofAccounts : Math.min(ofAccounts, options.campaignDailyCap);
    return { action, sends: Math.round(sends[action] ?? 0), capacityPerDay, daysLimited: daysLimited[action] ?? 0, limit };
  });

  let bottleneck: CampaignForecast["bottleneck"] = null;
  const firstBlocked = blocked[0];
  if (firstBlocked) {
    bottleneck = {
      action: firstBlocked.action,
      limit: "no_account",
      daysLimited: 0,
      reason: `no account of the campaign can send ${firstBlocked.action} (${firstBlocked.reason})`,
    };
  } else {
    const worst = [...actions].filter((a) => a.daysLimited > 0).sort((a, b) => b.daysLimited - a.daysLimited || b.sends - a.sends)[0];
    if (worst && worst.limit) {
      const words = {
        daily_cap: "the accounts' daily limit",
        hourly_cap: "the accounts' hourly limit over the send window",
        min_gap: "the accounts' minimum gap between sends",
        campaign_daily_cap: "the campaign's own daily cap (every action together)",
      } as const;
      bottleneck = {
        action: worst.action,
        limit: worst.limit,
        daysLimited: worst.daysLimited,
        reason: `${worst.action} sends waited for the next day on ${worst.daysLimited} send day(s): ${words[worst.limit]} (${worst.capacityPerDay} a day in all)`,
      };
    }
  }

  return {
    contacts,
    finishes,
    finishDate: finishes && lastSendDay !== null ? addDays(today, lastSendDay) : null,
    calendarDays: finishes ? (lastSendDay === null ? 0 : lastSendDay + 1) : null,
    sendDays,
    actions,
    bottleneck,
    blocked,
    assumptions: { acceptanceRate, gapSeconds, timeZone: window.timeZone, today },
  };
}

function merge(cohorts: Cohort[]): Cohort[] {
  const byKey = new Map<string, Cohort>();
  for (const c of cohorts) {
    if (c.count <= EPS) continue;
    const key = `${c.step}|${c.ready}|${c.touches}|${c.connected}`;
    const hit = byKey.get(key);
    if (hit) hit.count += c.count;
    else byKey.set(key, { ...c });
  }
  return [...byKey.values()];
}
