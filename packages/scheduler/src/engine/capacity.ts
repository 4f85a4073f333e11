/**
 * Account capacity: what an account may still send today and this hour (invariants 2 and 7).
 *
 * Status and warming. The schema has both `status = 'warming'` and `warming_week` (0 = not
 * warming, 1–4 = warming weeks). Invariant 7 says an account that is not `active` sends nothing,
 * and the database's `can_account_send` agrees, so:
 * - `status = 'warming'` blocks the account ({@link accountBlock} → `account_warming`): it is an
 *   account being warmed outside campaigns (by hand or by a warm-up tool), not yet for campaigns;
 * - warming inside offerlab is an `active` account with `warming_week` 1–4: it sends, with its
 *   limits ramped by {@link DEFAULT_WARMING_RAMP} (or a ramp you pass); the cron advances the week.
 */
import type { AccountStatus, MessageActionType } from "@offerlab/core";
import type { ReasonCode } from "./reasons.js";

/** The `accounts` columns the capacity rules read. */
export interface AccountLimitsInput {
  type: "linkedin" | "email";
  status: AccountStatus;
  health_score: number;
  daily_limit_connections: number;
  daily_limit_messages: number;
  daily_limit_emails: number;
  hourly_limit: number;
  warming_week: number;
}

/** The health score below which an account sends nothing (invariant 7). */
export const MIN_HEALTH_SCORE = 30;

/**
 * The default warming ramp: the fraction of the configured limits (daily and hourly) an account
 * may use in warming week 1, 2, 3 and 4 — 25 %, 50 %, 75 %, 100 %. A ramped limit is rounded down
 * but is at least 1 where the configured limit is above 0 (a limit of 0 stays 0). Week 0 means
 * "not warming" (100 %); a week past the end of the ramp uses its last fraction.
 *
 * Pass another ramp (fractions in (0, 1], one per week) to {@link effectiveLimits} to change it.
 */
export const DEFAULT_WARMING_RAMP: readonly number[] = Object.freeze([0.25, 0.5, 0.75, 1]);

/** What an account may send per day for each action, and per hour in all. */
export interface EffectiveLimits {
  connection_request: number;
  message: number;
  /** InMails share the message limit (as `can_account_send` and the counters do). */
  inmail: number;
  email: number;
  hourly: number;
}

/** The fraction of its limits an account in `warmingWeek` may use under `ramp`. */
export function warmingFactor(warmingWeek: number, ramp: readonly number[] = DEFAULT_WARMING_RAMP): number {
  if (ramp.length === 0) throw new Error("a warming ramp needs at least one week");
  for (const f of ramp) {
    if (!(f > 0 && f <= 1)) throw new Error(`warming ramp fractions must be in (0, 1], got ${f}`);
  }
  if (!(warmingWeek >= 1)) return 1;
  const index = Math.min(Math.floor(warmingWeek), ramp.length) - 1;
  return ramp[index] as number;
}

function ramped(limit: number, factor: number): number {
  const l = Math.max(0, Math.floor(Number.isFinite(limit) ? limit : 0));
  if (l === 0) return 0;
  return Math.max(1, Math.floor(l * factor + 1e-9));
}

/**
 * The limits an account may use today: its configured limits, ramped when it is warming; 0 for the
 * actions its type cannot do (a LinkedIn account sends no email, a mailbox no invitation).
 * Status and health are not applied here: see {@link accountBlock}.
 */
export function effectiveLimits(a: AccountLimitsInput, ramp: readonly number[] = DEFAULT_WARMING_RAMP): EffectiveLimits {
  const f = warmingFactor(a.warming_week, ramp);
  const hourly = ramped(a.hourly_limit, f);
  if (a.type === "linkedin") {
    const message = ramped(a.daily_limit_messages, f);
    return { connection_request: ramped(a.daily_limit_connections, f), message, inmail: message, email: 0, hourly };
  }
  return { connection_request: 0, message: 0, inmail: 0, email: ramped(a.daily_limit_emails, f), hourly };
}

/**
 * Why an account may send nothing at all now, or null when it may (subject to capacity):
 * `paused` → `account_paused`, `limited` → `account_limited`, `disconnected` or `banned` →
 * `account_disconnected`, `warming` → `account_warming` (see the module note), and an `active`
 * account whose health score is below 30 → `account_unhealthy`.
 */
export function accountBlock(a: Pick<AccountLimitsInput, "status" | "health_score">): ReasonCode | null {
  switch (a.status) {
    case "active":
      break;
    case "paused":
      return "account_paused";
    case "limited":
      return "account_limited";
    case "disconnected":
    case "banned":
      return "account_disconnected";
    case "warming":
      return "account_warming";
    default:
      return "account_paused";
  }
  if (!(a.health_score >= MIN_HEALTH_SCORE)) return "account_unhealthy";
  return null;
}

/** What an account has sent: today per action type, and in the current hour in all. */
export interface AccountUsage {
  day: Partial<Record<MessageActionType, number>>;
  hour: number;
}

/** How many actions of this kind count against the action's daily limit (message + inmail share one). */
export function usedToday(usage: AccountUsage, action: MessageActionType): number {
  const n = (k: MessageActionType) => Math.max(0, usage.day[k] ?? 0);
  return action === "message" || action === "inmail" ? n("message") + n("inmail") : n(action);
}

/** How many more actions of this kind the account may send now: the lower of the daily and hourly room. */
export function remainingCapacity(limits: EffectiveLimits, usage: AccountUsage, action: MessageActionType): number {
  const daily = limits[action] - usedToday(usage, action);
  const hourly = limits.hourly - Math.max(0, usage.hour);
  return Math.max(0, Math.min(daily, hourly));
}

/**
 * Whether one more `action` fits: the daily limit of the action (messages and InMails share the
 * message limit) is checked first, then the hourly limit over every action.
 */
export function capacityCheck(
  limits: EffectiveLimits,
  usage: AccountUsage,
  action: MessageActionType,
): { ok: true } | { ok: false; reason: "daily_cap" | "hourly_cap" } {
  if (usedToday(usage, action) >= limits[action]) return { ok: false, reason: "daily_cap" };
  if (Math.max(0, usage.hour) >= limits.hourly) return { ok: false, reason: "hourly_cap" };
  return { ok: true };
}

/**
 * {@link accountBlock} then {@link capacityCheck} for one account row, telling a daily cap that
 * only warming imposes (`account_warming_cap`) apart from the configured one (`daily_cap`).
 */
export function accountCanSend(
  a: AccountLimitsInput,
  usage: AccountUsage,
  action: MessageActionType,
  ramp: readonly number[] = DEFAULT_WARMING_RAMP,
): { ok: true } | { ok: false; reason: ReasonCode } {
  const block = accountBlock(a);
  if (block !== null) return { ok: false, reason: block };
  const limits = effectiveLimits(a, ramp);
  const check = capacityCheck(limits, usage, action);
  if (check.ok) return check;
  if (check.reason === "daily_cap" && usedToday(usage, action) < effectiveLimits({ ...a, warming_week: 0 })[action]) {
    return { ok: false, reason: "account_warming_cap" };
  }
  if (check.reason === "hourly_cap" && Math.max(0, usage.hour) < effectiveLimits({ ...a, warming_week: 0 }).hourly) {
    return { ok: false, reason: "account_warming_cap" };
  }
  return check;
}

/** The `accounts` columns the send path reads before it sends from an account. */
export interface AccountSendInput extends AccountLimitsInput {
  unipile_account_id: string | null;
  /** End of a provider cooldown (status `limited`). */
  limited_until: Date | null;
}

/**
 * Why the send path refuses every send of an account at `now`, and until when (`until` null: until
 * someone acts), or null when it may send, subject to capacity. The send path's own order
 * (`decide`): a `limited` account cools down until `limited_until`, and counts as active once that
 * has passed (or when it has none); then {@link accountBlock} (status, health); then the link to
 * the provider: without `unipile_account_id` there is no account to send through (`account_unlinked`).
 */
export function sendBlock(a: AccountSendInput, now: Date): { reason: ReasonCode; until: Date | null } | null {
  if (a.status === "limited" && a.limited_until !== null && a.limited_until.getTime() > now.getTime()) {
    return { reason: "account_limited", until: a.limited_until };
  }
  const block = accountBlock(a.status === "limited" ? { ...a, status: "active" } : a);
  if (block !== null) return { reason: block, until: null };
  if (!a.unipile_account_id) return { reason: "account_unlinked", until: null };
  return null;
}

/** The daily counters of `account_usage`: InMails count as messages. */
export type CountedAction = "connection_request" | "message" | "email";

/** The counted actions an account type performs; the others are not applicable to it. */
export function countedActionsOf(type: "linkedin" | "email"): readonly CountedAction[] {
  return type === "linkedin" ? ["connection_request", "message"] : ["email"];
}

/** One daily limit of an account today. */
export interface ActionStanding {
  /** Today's limit (ramped while warming). */
  limit: number;
  used: number;
  /** `limit - used`, at least 0. The hourly limit may still hold a send back: see `hour`. */
  remaining: number;
  /** Why one more of this action would be refused by capacity now (`daily_cap`, `account_warming_cap`, `hourly_cap`), or null. */
  refused: "daily_cap" | "hourly_cap" | "account_warming_cap" | null;
}

/** What an account may still send and whether the send path would send from it now. */
export interface AccountStanding {
  /** Per daily counter; null for an action the account's type cannot do (a mailbox sends no invitation). */
  actions: Record<CountedAction, ActionStanding | null>;
  /** The hourly limit, over every action (ramped while warming). */
  hour: { limit: number; used: number; remaining: number };
  canSend: boolean;
  /** Why it cannot send now, or null when it can. */
  reason: ReasonCode | null;
  /** When that reason ends (the cooldown, the next UTC hour or day, the end of the gap), or null when it lasts until someone acts. */
  until: Date | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * An account's standing now, by the send path's rules: its limits today ({@link effectiveLimits},
 * ramped while warming), what it used this UTC day and hour (`usage`, as `readUsage` returns it),
 * and whether a send would go — false with the reason and until when when the send path would
 * refuse it: {@link sendBlock} (paused, limited until …, disconnected, warming status, health below
 * 30, not linked to Unipile), then capacity (every action of its type at its daily, warming or
 * hourly cap), then the randomised gap between two sends (`next_send_at`).
 */
export function accountStanding(
  a: AccountSendInput & { next_send_at?: Date | null },
  usage: AccountUsage,
  now: Date,
  ramp: readonly number[] = DEFAULT_WARMING_RAMP,
): AccountStanding {
  const limits = effectiveLimits(a, ramp);
  const full = effectiveLimits({ ...a, warming_week: 0 });
  const usedHour = Math.max(0, usage.hour);
  const hour = { limit: limits.hourly, used: usedHour, remaining: Math.max(0, limits.hourly - usedHour) };
  const own = countedActionsOf(a.type);
  const actions = {} as Record<CountedAction, ActionStanding | null>;
  // Which limit refused each action: the hourly one ends with the UTC hour, a daily one with the UTC day.
  const hourly = new Set<CountedAction>();
  for (const action of ["connection_request", "message", "email"] as const) {
    if (!own.includes(action)) {
      actions[action] = null;
      continue;
    }
    const used = usedToday(usage, action);
    let refused: ActionStanding["refused"] = null;
    const check = capacityCheck(limits, usage, action);
    if (!check.ok) {
      const unramped = check.reason === "daily_cap" ? used < full[action] : usedHour < full.hourly;
      refused = unramped ? "account_warming_cap" : check.reason;
      if (check.reason === "hourly_cap") hourly.add(action);
    }
    actions[action] = { limit: limits[action], used, remaining: Math.max(0, limits[action] - used), refused };
  }

  const block = sendBlock(a, now);
  if (block !== null) return { actions, hour, canSend: false, reason: block.reason, until: block.until };
  if (own.every((k) => actions[k]!.refused !== null)) {
    // The cap that ends first: an action held by the hourly limit goes again next hour.
    const first = own.find((k) => hourly.has(k)) ?? own.find((k) => actions[k]!.refused === "daily_cap") ?? own[0]!;
    const reason = actions[first]!.refused!;
    const neverSends = own.every((k) => actions[k]!.limit === 0) || limits.hourly === 0;
    const next = hourly.has(first)
      ? (Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS
      : (Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS;
    return { actions, hour, canSend: false, reason, until: neverSends ? null : new Date(next) };
  }
  if (a.next_send_at != null && a.next_send_at.getTime() > now.getTime()) {
    return { actions, hour, canSend: false, reason: "min_gap", until: a.next_send_at };
  }
  return { actions, hour, canSend: true, reason: null, until: null };
}
