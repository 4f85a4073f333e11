/**
 * When the send path will actually send each queued row, within the caps.
 *
 * The planner queues a step at the time it is due (jittered into the window) without spreading
 * the rows of one account over its capacity: thirty invitations can sit seconds apart on an
 * account allowed five a day and two an hour. The send path is what applies the caps, one claim
 * at a time. This module replays that, so a dashboard can say when each row goes and which will
 * not go today, and why, without changing what the planner or the send path do.
 *
 * The replay follows the send path's rules in its order, account by account (accounts do not
 * share limits):
 * - the cron claims due rows at its ticks (every `tickMs`, by default every minute like the
 *   default `OFFERLAB_CRON_SCHEDULE`), one row of an account at a time, ordered by priority,
 *   `scheduled_for` and the row's natural key (then id), as the claim does;
 * - each claim asks `decide` (the send path's own judgement of the row at that instant: campaign,
 *   contact, eligibility, window, account): a deferral moves the row to the time it names (for a
 *   closed window, the jittered opening the send path would write), a skip means it is never sent;
 * - the gap between two sends of an account is the send path's own draw for that account and row
 *   (`gap`, from the runners' random source: exact when it is the same source, as with a seeded
 *   one; a prediction from another process of a production runner draws other gaps within the
 *   same bounds), starting from the account's `next_send_at`; a row due while the account keeps
 *   its gap waits for the gap's end (`min_gap`) and keeps its `scheduled_for`, as with the claim,
 *   which claims no row of a resting account: after the gap the claim's order is the rows' own;
 * - the daily limit of the action (per UTC day; messages and InMails share one) and the hourly
 *   limit (per UTC hour, every action) are counted from what the account used already today and
 *   this hour; the row claimed over a limit waits for the next UTC day or hour, and the account is
 *   marked capped until then: the claim skips its other rows of that action (every row, for the
 *   hourly limit), which keep their time and so their order (`cappedUntil`, the marks it starts with);
 * - a row deferred by its closed window takes the account's other due rows of its campaign with it,
 *   to the same reopening (the window is the campaign's).
 *
 * What it does not know: sends the planner will add later, replies or opt-outs still to come,
 * provider refusals and cooldowns, and runners that are late or stopped. It is a prediction of
 * the queue as it stands, not a promise.
 */
import type { MessageActionType } from "@offerlab/core";
import type { AccountUsage, EffectiveLimits } from "./capacity.js";
import { accountGapMs } from "./jitter.js";

/** A queued row (status `pending` or `scheduled`). */
export interface QueuedSend {
  id: string;
  accountId: string | null;
  /** `send_queue.priority`: lower goes first. */
  priority: number;
  /** `send_queue.scheduled_for`: when it may go. */
  scheduledFor: Date;
  /** `send_queue.natural_key`: the claim's tie-breaker before the id. Default: none (the id decides). */
  naturalKey?: string | null;
  /**
   * The row's campaign: a closed window defers the account's other due rows of the campaign with
   * it, as the send path does. Default: none (the row is deferred alone).
   */
  campaignId?: string | null;
  /**
   * The row's action (`action_type`, else its channel's): the claim skips the rows of an action
   * whose daily limit the account reached. Default: none (such rows are claimed and deferred
   * one by one).
   */
  action?: MessageActionType | null;
}

/** An account of the queued rows, as it stands now. */
export interface QueuedSendAccount {
  id: string;
  /** What it used this UTC day and hour (`readUsage` at `now`). */
  usage: AccountUsage;
  /** `accounts.next_send_at`: the end of the gap after its last send. */
  nextSendAt: Date | null;
  /** Its limits without warming, to tell a warming cap from the configured one. Default: none told apart. */
  unrampedLimits?: EffectiveLimits;
  /**
   * Its cap marks (`accounts.hourly_capped_until`, `…_capped_until` per daily counter): until when
   * the claim skips its rows (all of them for the hourly mark, those of the counter's actions for
   * a daily one). Default: none.
   */
  cappedUntil?: { hourly?: Date | null; connection_request?: Date | null; message?: Date | null; email?: Date | null };
}

/** The send path's judgement of a row at an instant (its `decide`). */
export type SendDecision =
  | { kind: "go"; action: MessageActionType; dailyLimit: number; hourlyLimit: number }
  | { kind: "defer"; reason: string; until: Date }
  | { kind: "skip"; reason: string };

export interface PredictSendTimesOptions {
  rows: readonly QueuedSend[];
  accounts: readonly QueuedSendAccount[];
  now: Date;
  /** The end of the prediction (exclusive), e.g. the end of today. */
  until: Date;
  /** The send path's decision for a row at an instant. */
  decide: (rowId: string, at: Date) => SendDecision;
  /** The gap between two sends of an account, in ms, as the send path draws it. Default 90–300 s (its default). */
  gapMs?: { min: number; max: number };
  /**
   * The send path's draw of the gap after a row is sent, in ms, within `gapMs` (the runtime names
   * it as the claim does). Default: a draw named by the account and row ids.
   */
  gap?: (rowId: string) => number;
  /** How often the cron claims due rows, in ms; 0 for "at once". Default 60 000 (every minute). */
  tickMs?: number;
  /**
   * Told, per account, the claim instant before `until` from which the account is free (past its
   * gap and its hourly limit) and none of the replayed rows is left for it to send before
   * `until`: a row left out of the replay could go from then on. Not called for an account whose
   * gaps or limits carry it to `until`. (`predictTodaysSends` bounds its work with it.)
   */
  onIdle?: (accountId: string | null, at: Date) => void;
}

/** What the replay says about one row. */
export interface PredictedSend {
  id: string;
  /** When it is sent (the tick that claims it), or null when not before `until`. */
  at: Date | null;
  /** Why it is not sent before `until` (the last reason it was deferred, or the skip's), else null. */
  reason: string | null;
  /** True when the send path would skip it (it is never sent). */
  skipped: boolean;
  /** Every reason it waited for before it went (or until `until`), in order, each once. */
  waited: string[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const counterOf = (action: MessageActionType): "connection_request" | "message" | "email" => (action === "inmail" ? "message" : action);

interface Pending {
  row: QueuedSend;
  /** Its current `scheduled_for`, in ms (a deferral moves it, as the send path does). */
  sf: number;
  out: PredictedSend;
}

/** Replays the send path over the queued rows; see the module note. One entry per row. */
export function predictSendTimes(options: PredictSendTimesOptions): Map<string, PredictedSend> {
  const now = options.now.getTime();
  const until = options.until.getTime();
  const tickMs = options.tickMs ?? 60_000;
  const gap = options.gapMs ?? { min: 90_000, max: 300_000 };
  const tick = (ms: number) => (tickMs > 0 ? Math.ceil(ms / tickMs) * tickMs : ms);
  const accounts = new Map(options.accounts.map((a) => [a.id, a]));
  const result = new Map<string, PredictedSend>();

  const groups = new Map<string, Pending[]>();
  for (const row of options.rows) {
    const out: PredictedSend = { id: row.id, at: null, reason: null, skipped: false, waited: [] };
    result.set(row.id, out);
    const key = row.accountId ?? "";
    const list = groups.get(key) ?? [];
    list.push({ row, sf: row.scheduledFor.getTime(), out });
    groups.set(key, list);
  }

  for (const [accountId, rows] of groups) {
    const account = accounts.get(accountId);
    let free = Math.max(now, account?.nextSendAt?.getTime() ?? now);
    let day = Math.floor(now / DAY);
    let hour = Math.floor(now / HOUR);
    let dayUsed: Record<string, number> = { ...(account?.usage.day ?? {}) };
    let hourUsed = Math.max(0, account?.usage.hour ?? 0);
    // The rows still to replay, in two parts: `due` (their time has come at the current tick; the
    // pick is among them) and `later` (sorted by time), so a tick looks at the rows due, not at the
    // whole queue (the schedule of a day with thousands of rows per account was quadratic).
    const due: Pending[] = [];
    const later = [...rows].sort((a, b) => a.sf - b.sf);
    const putLater = (p: Pending) => {
      let lo = 0;
      let hi = later.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (later[mid]!.sf <= p.sf) lo = mid + 1;
        else hi = mid;
      }
      later.splice(lo, 0, p);
    };
    const done = (p: Pending) => due.splice(due.indexOf(p), 1);
    // A row waits for `reason` (kept as its last, and once in the list of what it waited for).
    const note = (p: Pending, reason: string) => {
      p.out.reason = reason;
      if (!p.out.waited.includes(reason)) p.out.waited.push(reason);
    };
    const wait = (p: Pending, reason: string, to: number, at: number) => {
      // Never back in time (a decision's instant is always later in practice; this keeps the loop finite).
      p.sf = Math.max(to, at + Math.max(tickMs, 1000));
      note(p, reason);
      done(p);
      // Waiting past the end: it cannot go out in this replay, and it changes no other row's turn.
      if (tick(p.sf) < until) putLater(p);
    };

    // The account's cap marks (the claim skips the rows they hold, which keep their time): the
    // hourly one holds every row, a daily one the rows of its counter's actions.
    const marks = account?.cappedUntil;
    let hourCap = marks?.hourly?.getTime() ?? 0;
    let hourCapReason = "hourly_cap";
    const counterCap: Record<string, { until: number; reason: string }> = {};
    for (const c of ["connection_request", "message", "email"] as const) {
      const until = marks?.[c]?.getTime();
      if (until) counterCap[c] = { until, reason: "daily_cap" };
    }
    const blockOf = (p: Pending): { until: number; reason: string } | null => {
      const daily = p.row.action ? counterCap[counterOf(p.row.action)] : undefined;
      if (daily && daily.until >= hourCap) return daily;
      return hourCap > 0 ? { until: hourCap, reason: hourCapReason } : (daily ?? null);
    };
    const claimableAt = (p: Pending) => Math.max(p.sf, blockOf(p)?.until ?? 0);

    // The claim instant of the latest decision (time only moves forward).
    let cursor = 0;
    let ready = 0;
    for (;;) {
      ready = Math.max(tick(Math.max(now, free)), cursor, hourCap);
      if (due.length === 0 && later.length === 0) break;
      // The first instant a row can be claimed: its time, or the end of the mark that holds it.
      let earliest = Infinity;
      for (const p of due) earliest = Math.min(earliest, claimableAt(p));
      for (const p of later) {
        if (p.sf >= earliest) break;
        earliest = Math.min(earliest, claimableAt(p));
      }
      let t = tick(Math.max(now, earliest));
      // The rows due before then that a mark held wait for it (the claim skipped them).
      const heldTill = (p: Pending) => {
        const at = tick(Math.max(now, p.sf));
        const block = at < t ? blockOf(p) : null;
        if (block && block.until > at) note(p, block.reason);
        return at < t;
      };
      for (const p of due) heldTill(p);
      for (const p of later) if (!heldTill(p)) break;
      if (t < free) {
        // The claim leaves the rows of a resting account alone (it claims none of them while the
        // account keeps its gap): they keep their time, so their claim order, and the first tick
        // after the gap takes the first of them.
        for (const p of due) if (tick(Math.max(now, p.sf)) < free) note(p, "min_gap");
        for (const p of later) {
          if (tick(Math.max(now, p.sf)) >= free) break;
          note(p, "min_gap");
        }
        t = tick(free);
      }
      if (t >= until) break;
      cursor = t;
      while (later.length > 0 && later[0]!.sf <= t) due.push(later.shift()!);
      let pick: Pending | undefined;
      for (const p of due) {
        const block = blockOf(p);
        if (block && block.until > t) {
          note(p, block.reason);
          continue;
        }
        if (
          !pick ||
          p.row.priority < pick.row.priority ||
          (p.row.priority === pick.row.priority && (p.sf < pick.sf || (p.sf === pick.sf && claimTie(p.row, pick.row) < 0)))
        )
          pick = p;
      }
      if (!pick) break; // unreachable: the earliest row is claimable at t
      const d = options.decide(pick.row.id, new Date(t));
      if (d.kind === "skip") {
        pick.out.skipped = true;
        pick.out.reason = d.reason;
        done(pick);
        continue;
      }
      if (d.kind === "defer") {
        if (d.reason === "window_closed" && pick.row.campaignId) {
          // The campaign's window holds the account's other due rows of the campaign: they wait
          // with this one, for the same reopening (the send path's deferral of its siblings).
          const campaign = pick.row.campaignId;
          for (const p of due.filter((x) => x.row.campaignId === campaign)) wait(p, d.reason, d.until.getTime(), t);
          continue;
        }
        wait(pick, d.reason, d.until.getTime(), t);
        // A daily limit of 0 (the send path's check): the action's counter is marked until then.
        if (d.reason === "daily_cap" && pick.row.action)
          counterCap[counterOf(pick.row.action)] = { until: d.until.getTime(), reason: d.reason };
        continue;
      }
      if (Math.floor(t / DAY) !== day) {
        day = Math.floor(t / DAY);
        dayUsed = {};
      }
      if (Math.floor(t / HOUR) !== hour) {
        hour = Math.floor(t / HOUR);
        hourUsed = 0;
      }
      const counter = counterOf(d.action);
      const used = dayUsed[counter] ?? 0;
      const full = account?.unrampedLimits;
      if (used >= d.dailyLimit) {
        const reason = full && used < full[d.action] ? "account_warming_cap" : "daily_cap";
        wait(pick, reason, (day + 1) * DAY, t);
        counterCap[counter] = { until: (day + 1) * DAY, reason };
        continue;
      }
      if (hourUsed >= d.hourlyLimit) {
        hourCapReason = full && hourUsed < full.hourly ? "account_warming_cap" : "hourly_cap";
        hourCap = (hour + 1) * HOUR;
        wait(pick, hourCapReason, hourCap, t);
        continue;
      }
      dayUsed[counter] = used + 1;
      hourUsed++;
      pick.out.at = new Date(t);
      pick.out.reason = null;
      done(pick);
      free =
        t +
        (gap.max <= 0
          ? 0
          : options.gap
            ? options.gap(pick.row.id)
            : accountGapMs(`${accountId}:${pick.row.id}`, { minSeconds: gap.min / 1000, maxSeconds: gap.max / 1000 }));
    }
    // Free from `ready` on with nothing replayed left to send before the end.
    if (ready < until) options.onIdle?.(accountId === "" ? null : accountId, new Date(ready));
    for (const p of [...due, ...later]) p.out.reason ??= "not_due";
  }
  return result;
}

/** The claim's order among rows of one priority and time: the natural key (NULLs last, as PostgreSQL sorts), then the id. */
function claimTie(a: QueuedSend, b: QueuedSend): number {
  const ka = a.naturalKey ?? null;
  const kb = b.naturalKey ?? null;
  if (ka !== kb) {
    if (ka === null) return 1;
    if (kb === null) return -1;
    if (ka < kb) return -1;
    if (ka > kb) return 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
