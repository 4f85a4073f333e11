/**
 * Send windows: the hours and ISO weekdays a campaign may send in, read on the wall clock of the
 * campaign's IANA time zone (invariant 3).
 *
 * Definition. An instant is in the window when, on the zone's local wall clock at that instant,
 * the weekday is one of `days` and the time of day `t` satisfies `start <= t < end`. Nothing
 * else: daylight-saving changes are handled by reading the wall clock, so
 * - on a spring-forward day, wall-clock times that do not exist are simply never read; a window
 *   boundary that falls in the gap maps to the first existing instant after it (the transition);
 * - on a fall-back day, a repeated wall-clock hour is in the window both times it is read; a window
 *   boundary that is ambiguous is resolved to its first occurrence (so a window ending at 01:30 on
 *   the fall-back day ends at the first 01:30, and may re-open when the clock goes back).
 *
 * Windows do not wrap around midnight (`end` must be after `start`); `end` may be `24:00` for "until
 * midnight". Only `Intl.DateTimeFormat` is used; no date library.
 */

import { OfferlabError, type OfferlabErrorOptions } from "@offerlab/core";

/** A campaign's send window. Times are `HH:MM` or `HH:MM:SS`; days are ISO (1 = Monday … 7 = Sunday). */
export interface SendWindow {
  start: string;
  end: string;
  days: readonly number[];
  timeZone: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Real offsets lie within [-12 h, +14 h]; these bound where a local day can start or end. */
const MAX_POSITIVE_OFFSET = 14 * HOUR;
const MAX_NEGATIVE_OFFSET = 12 * HOUR;
/** How far ahead a search may go before the window is declared never to open (a safety net). */
const MAX_SCAN_DAYS = 800;

/** The error thrown for an invalid window. */
export class SendWindowError extends OfferlabError {
  override name = "SendWindowError";
  constructor(message: string, options?: OfferlabErrorOptions) {
    super("send_window_invalid", message, options);
  }

  /** True for a SendWindowError of any copy of this package. */
  static override isInstance(error: unknown): error is SendWindowError {
    return OfferlabError.isNamed(error, "SendWindowError");
  }
}

// ---------------------------------------------------------------------------------------------
// Time zone arithmetic

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        era: "short",
      });
    } catch (error) {
      throw new SendWindowError(`unknown time zone ${JSON.stringify(timeZone)}: ${(error as Error).message}`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

const wallCache = new Map<string, number>();

/**
 * The local wall clock of `ms` in `timeZone`, as milliseconds of a UTC date with the same fields
 * (whole seconds; the instant's milliseconds are dropped). UTC's is the instant itself; any other
 * zone's is remembered per second (a replay of the day asks for the same few ticks many times, and
 * formatting is most of its cost: the schedule's prediction spent over half its time here).
 */
function wallMs(timeZone: string, ms: number): number {
  const whole = Math.floor(ms / SECOND) * SECOND;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return whole;
  const key = `${timeZone}|${whole}`;
  const hit = wallCache.get(key);
  if (hit !== undefined) return hit;
  const wall = formattedWallMs(timeZone, whole);
  if (wallCache.size >= 50_000) wallCache.clear();
  wallCache.set(key, wall);
  return wall;
}

function formattedWallMs(timeZone: string, ms: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of parts) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      case "era":
        bc = part.value.startsWith("B");
        break;
      default:
        break;
    }
  }
  if (bc) year = 1 - year;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return utc.getTime();
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (local = UTC + offset). */
function offsetAt(timeZone: string, ms: number): number {
  const whole = Math.floor(ms / SECOND) * SECOND;
  return wallMs(timeZone, whole) - whole;
}

/** The first instant in `(lo, hi]` whose offset is `target`, given offset(lo) ≠ target = offset(hi). */
function findTransition(timeZone: string, lo: number, hi: number, target: number): number {
  let a = Math.floor(lo / SECOND);
  let b = Math.ceil(hi / SECOND);
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offsetAt(timeZone, mid * SECOND) === target) b = mid;
    else a = mid;
  }
  return b * SECOND;
}

/**
 * The instant at which the wall clock of `timeZone` reads `wall` (a UTC-encoded wall-clock time).
 * An ambiguous time (fall back) gives its first occurrence; a time that does not exist (spring
 * forward) gives the first existing instant after it, which is the transition.
 */
function zonedWallTimeToInstant(timeZone: string, wall: number): number {
  return Math.min(...wallTimeOccurrences(timeZone, wall));
}

/**
 * Every instant at which the wall clock of `timeZone` reads `wall`: one normally, two in a
 * fall-back hour, and the transition (the first existing instant after it) when it is skipped.
 */
function wallTimeOccurrences(timeZone: string, wall: number): number[] {
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const c1 = wall - before;
  const c2 = wall - after;
  const found: number[] = [];
  if (wallMs(timeZone, c1) === wall) found.push(c1);
  if (c2 !== c1 && wallMs(timeZone, c2) === wall) found.push(c2);
  if (found.length > 0) return found;
  // A gap: the clock jumps over `wall`. The transition lies between the two candidates.
  const lo = Math.min(c1, c2);
  const hi = Math.max(c1, c2);
  const target = offsetAt(timeZone, hi);
  if (offsetAt(timeZone, lo) === target) {
    // Not expected for real zones (two transitions within two days); keep the earlier offset.
    return [c1];
  }
  return [findTransition(timeZone, lo, hi, target)];
}

// ---------------------------------------------------------------------------------------------
// Validation

interface CompiledWindow {
  timeZone: string;
  startSec: number;
  endSec: number;
  days: ReadonlySet<number>;
  key: string;
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

function parseTime(value: string, what: "start" | "end"): number {
  const match = TIME.exec(String(value).trim());
  if (match === null) {
    throw new SendWindowError(`send window ${what} ${JSON.stringify(value)} is not a time of day (HH:MM or HH:MM:SS)`);
  }
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  const seconds = match[3] === undefined ? 0 : Number(match[3]);
  const total = hours * 3600 + minutes * 60 + seconds;
  const maxHours = what === "end" ? 24 : 23;
  if (minutes > 59 || seconds > 59 || hours > maxHours || total > 86400) {
    throw new SendWindowError(`send window ${what} ${JSON.stringify(value)} is out of range`);
  }
  return total;
}

const compiled = new Map<string, CompiledWindow>();

function compile(w: SendWindow): CompiledWindow {
  const key = `${w.timeZone}|${w.start}|${w.end}|${[...w.days].join(",")}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  if (typeof w.timeZone !== "string" || w.timeZone.trim() === "") {
    throw new SendWindowError("send window time zone is empty");
  }
  formatter(w.timeZone);
  const startSec = parseTime(w.start, "start");
  const endSec = parseTime(w.end, "end");
  if (endSec <= startSec) {
    throw new SendWindowError(`send window end ${w.end} must be after its start ${w.start} (windows do not wrap around midnight)`);
  }
  if (!Array.isArray(w.days) || w.days.length === 0) {
    throw new SendWindowError("send window has no send days");
  }
  for (const day of w.days) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      throw new SendWindowError(`send day ${String(day)} is not an ISO weekday (1 = Monday … 7 = Sunday)`);
    }
  }
  const result: CompiledWindow = { timeZone: w.timeZone, startSec, endSec, days: new Set(w.days), key };
  if (compiled.size > 1000) compiled.clear();
  compiled.set(key, result);
  return result;
}

/** Throws a {@link SendWindowError} when the window is invalid; returns it unchanged otherwise. */
export function validateWindow(w: SendWindow): SendWindow {
  compile(w);
  return w;
}

/**
 * The window of a `campaigns` row: `send_window_start`, `send_window_end` (Postgres TIME, such as
 * `09:00:00`), `send_days` (ISO weekdays) and `timezone`. Validates it.
 */
export function windowFromCampaign(c: {
  send_window_start: string;
  send_window_end: string;
  send_days: number[];
  timezone: string;
}): SendWindow {
  const w: SendWindow = {
    start: c.send_window_start,
    end: c.send_window_end,
    days: [...new Set(c.send_days)].sort((a, b) => a - b),
    timeZone: c.timezone,
  };
  return validateWindow(w);
}

// ---------------------------------------------------------------------------------------------
// Window queries

/** ISO weekday (1 = Monday) of a day number (days since 1970-01-01, a Thursday). */
function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

function inWindow(cw: CompiledWindow, ms: number): boolean {
  const wall = wallMs(cw.timeZone, ms);
  const dayNumber = Math.floor(wall / DAY);
  if (!cw.days.has(isoWeekday(dayNumber))) return false;
  const sec = (wall - dayNumber * DAY) / SECOND;
  return sec >= cw.startSec && sec < cw.endSec;
}

const dayEventsCache = new Map<string, readonly number[]>();

/**
 * Every instant around local day `dayNumber` at which being in the window can change: the
 * window's opening and closing that day (when it is a send day) and any offset transition near it.
 * Between two consecutive such instants, membership is constant.
 */
function dayEvents(cw: CompiledWindow, dayNumber: number): readonly number[] {
  const key = `${cw.key}|${dayNumber}`;
  const hit = dayEventsCache.get(key);
  if (hit !== undefined) return hit;
  const events: number[] = [];
  const midnight = dayNumber * DAY;
  if (cw.days.has(isoWeekday(dayNumber))) {
    events.push(...wallTimeOccurrences(cw.timeZone, midnight + cw.startSec * SECOND));
    events.push(...wallTimeOccurrences(cw.timeZone, midnight + cw.endSec * SECOND));
  }
  const lo = midnight - MAX_POSITIVE_OFFSET;
  const hi = midnight + DAY + MAX_NEGATIVE_OFFSET;
  const offLo = offsetAt(cw.timeZone, lo);
  const offHi = offsetAt(cw.timeZone, hi);
  if (offLo !== offHi) events.push(findTransition(cw.timeZone, lo, hi, offHi));
  if (dayEventsCache.size > 20000) dayEventsCache.clear();
  dayEventsCache.set(key, events);
  return events;
}

/** The first event instant after `fromMs` at which membership equals `want`, or null. */
function nextChange(cw: CompiledWindow, fromMs: number, want: boolean): number | null {
  const firstDay = Math.floor(wallMs(cw.timeZone, fromMs) / DAY) - 1;
  const pending: number[] = [];
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    const dayNumber = firstDay + i;
    for (const e of dayEvents(cw, dayNumber)) if (e > fromMs) pending.push(e);
    pending.sort((a, b) => a - b);
    // Events of later days are all after the earliest instant of day + 1.
    const safeBefore = (dayNumber + 1) * DAY - MAX_POSITIVE_OFFSET;
    while (pending.length > 0 && (pending[0] as number) < safeBefore) {
      const e = pending.shift() as number;
      if (inWindow(cw, e) === want) return e;
    }
  }
  return null;
}

function toMs(at: Date, what: string): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new SendWindowError(`${what} is not a valid date`);
  return ms;
}

/** Whether `at` is inside the window (start inclusive, end exclusive) on the zone's wall clock. */
export function isInWindow(w: SendWindow, at: Date): boolean {
  return inWindow(compile(w), toMs(at, "at"));
}

/**
 * `from` itself when it is in the window, else the first instant of the next open window. Throws
 * when the window never opens (for example a window that lies entirely in a skipped hour on its
 * only send day, every year).
 */
export function nextWindowOpening(w: SendWindow, from: Date): Date {
  const cw = compile(w);
  const ms = toMs(from, "from");
  if (inWindow(cw, ms)) return new Date(ms);
  const next = nextChange(cw, ms, true);
  if (next === null) throw new SendWindowError(`send window ${cw.key} never opens after ${from.toISOString()}`);
  return new Date(next);
}

/** The latest instant a `Date` can hold: the end of a window that never closes. */
export const NEVER_CLOSES = new Date(8.64e15);

/**
 * When the window that contains `at` closes: the first instant after `at` that is outside the
 * window (windows of consecutive days that touch at midnight, `00:00`–`24:00`, count as one).
 * Null when `at` is not in the window; `NEVER_CLOSES` for a window open around the clock on
 * every day (`00:00`–`24:00`, days 1–7), which is a valid setting.
 */
export function currentWindowEnd(w: SendWindow, at: Date): Date | null {
  const cw = compile(w);
  const ms = toMs(at, "at");
  if (!inWindow(cw, ms)) return null;
  const end = nextChange(cw, ms, false);
  return end === null ? NEVER_CLOSES : new Date(end);
}

/**
 * The wall-clock reading of `at` in `timeZone`: ISO weekday, `HH:MM:SS` and the local date, for
 * tests, logs and the CLI.
 */
export function wallClock(timeZone: string, at: Date): { date: string; time: string; isoWeekday: number } {
  const wall = wallMs(timeZone, toMs(at, "at"));
  const iso = new Date(wall).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19), isoWeekday: isoWeekday(Math.floor(wall / DAY)) };
}

/** The offset of `timeZone` from UTC at `at`, in minutes (local = UTC + offset). */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  formatter(timeZone);
  return offsetAt(timeZone, toMs(at, "at")) / MINUTE;
}

/**
 * The instant at which `timeZone`'s wall clock reads `date` (`YYYY-MM-DD`) `time` (`HH:MM[:SS]`),
 * resolved like window boundaries: first occurrence when ambiguous, the transition when skipped.
 */
export function zonedTime(timeZone: string, date: string, time: string): Date {
  formatter(timeZone);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw new SendWindowError(`${JSON.stringify(date)} is not a YYYY-MM-DD date`);
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(zonedWallTimeToInstant(timeZone, midnight + parseTime(time, "end") * SECOND));
}
