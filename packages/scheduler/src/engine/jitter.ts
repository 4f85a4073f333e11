/**
 * Seeded jitter, so that sends do not land on round minutes or in lock-step, and a randomised
 * minimum gap between two sends of one account. Each function takes its randomness as a seed
 * string or as a stream of draws (a `RandomSource`'s, see random.ts): the same seed or stream
 * always gives the same instant, so a re-plan or a retry agrees with the first plan.
 */
import { seededRandom } from "@offerlab/core";
import { currentWindowEnd, nextWindowOpening, type SendWindow } from "./window.js";

/** A seed string, or the stream of draws in [0, 1) to use (say, `source.stream(key)`). */
export type JitterSeed = string | (() => number);

function drawsOf(seed: JitterSeed): () => number {
  return typeof seed === "string" ? seededRandom(seed) : seed;
}

/** The default largest jitter added to a send time, in minutes. */
export const DEFAULT_MAX_JITTER_MINUTES = 17;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How many windows to try with the full jitter before clamping the jitter into the window. */
const FULL_JITTER_TRIES = 3;

/**
 * A send instant for work that may go from `earliest` on: the next window opening at or after
 * `earliest`, plus a seeded jitter of up to `maxJitterMinutes` (default 17) whole minutes and a
 * seconds part of 1–58 s (plus milliseconds), so it is never on a round minute (the wall clock's
 * seconds are never 0).
 *
 * The result is ≥ `earliest` and inside the window. When the jitter would push it past the end of
 * that window, it moves into the next opening (with the next draw of the same seed). A window
 * shorter than the jitter, tried a few times, gets a jitter scaled to its length instead. The
 * result is deterministic for (`w`, `earliest`, `seed`, `opts`); a stream is drawn from three
 * times per window tried.
 */
export function jitteredSendTime(w: SendWindow, earliest: Date, seed: JitterSeed, opts: { maxJitterMinutes?: number } = {}): Date {
  const maxJitterMinutes = opts.maxJitterMinutes ?? DEFAULT_MAX_JITTER_MINUTES;
  if (!(Number.isFinite(maxJitterMinutes) && maxJitterMinutes >= 0)) {
    throw new RangeError(`maxJitterMinutes must be a number ≥ 0, got ${maxJitterMinutes}`);
  }
  const random = drawsOf(seed);
  let from = earliest;
  for (let attempt = 0; attempt < 400; attempt++) {
    const base = nextWindowOpening(w, from);
    const end = currentWindowEnd(w, base);
    if (end === null) throw new Error("unreachable: an opening is in its window");
    const baseMs = base.getTime();
    const room = end.getTime() - baseMs;
    const r1 = random();
    const r2 = random();
    const r3 = random();
    const spread = attempt < FULL_JITTER_TRIES ? maxJitterMinutes * MINUTE : Math.min(maxJitterMinutes * MINUTE, room);
    const candidate = offRoundMinute(w, baseMs + Math.floor(r1 * spread), r2, r3);
    if (candidate >= baseMs && candidate < end.getTime()) return new Date(candidate);
    // The jitter would leave this window (or it is too short for an off-minute instant): next one.
    from = end;
  }
  throw new Error(`no send time found for window ${w.timeZone} ${w.start}-${w.end}`);
}

/**
 * An instant in the wall-clock minute of `ms` (or the next one, so as never to go back before `ms`)
 * whose seconds are 1–58 and milliseconds random.
 */
function offRoundMinute(w: SendWindow, ms: number, r2: number, r3: number): number {
  // The zone's offset may have seconds (historical zones); align on the wall clock's minute.
  const local = ms + wallOffsetRemainder(w.timeZone, ms);
  const minuteStart = ms - (((local % MINUTE) + MINUTE) % MINUTE);
  const within = (1 + Math.floor(r2 * 58)) * SECOND + Math.floor(r3 * 1000);
  let t = minuteStart + within;
  if (t < ms) t += MINUTE;
  return t;
}

const remainders = new Map<string, number>();
/** The seconds part of a zone's offset, in ms (0 for every modern zone). */
function wallOffsetRemainder(timeZone: string, ms: number): number {
  let r = remainders.get(timeZone);
  if (r === undefined) {
    const f = new Intl.DateTimeFormat("en-US", { timeZone, second: "numeric" });
    const utcSeconds = new Date(ms).getUTCSeconds();
    const localSeconds = Number(f.formatToParts(new Date(ms)).find((p) => p.type === "second")?.value ?? utcSeconds);
    r = (((localSeconds - utcSeconds) % 60) + 60) % 60;
    remainders.set(timeZone, r);
  }
  return r * SECOND;
}

/**
 * A randomised minimum gap to keep between two sends of one account, in milliseconds, uniform
 * between `minSeconds` (default 90) and `maxSeconds` (default 300) and deterministic for the seed
 * (say, the account's and the send's natural keys), or the next draw of a stream.
 */
export function accountGapMs(seed: JitterSeed, opts: { minSeconds?: number; maxSeconds?: number } = {}): number {
  const min = opts.minSeconds ?? 90;
  const max = opts.maxSeconds ?? 300;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
    throw new RangeError(`account gap needs 0 ≤ minSeconds ≤ maxSeconds, got ${min} and ${max}`);
  }
  return Math.round((min + drawsOf(seed)() * (max - min)) * SECOND);
}

/** The earliest instant an account that last sent at `lastActionAt` may send again, or null when it never sent. */
export function accountNextFreeAt(
  lastActionAt: Date | null,
  seed: JitterSeed,
  opts: { minSeconds?: number; maxSeconds?: number } = {},
): Date | null {
  return lastActionAt === null ? null : new Date(lastActionAt.getTime() + accountGapMs(seed, opts));
}

/** Defaults of {@link reconcileDelayMs}: first delay 1 min, doubling, capped at 1 h, ±20 %. */
export const RECONCILE_BACKOFF = { firstMs: MINUTE, maxMs: 60 * MINUTE, jitter: 0.2 } as const;

/**
 * How long to wait before asking the provider again about a send whose outcome is unknown, after
 * `checks` answers that settled nothing (1 for the first): `firstMs` doubled per earlier check,
 * capped at `maxMs`, then spread by ±`jitter` (a fraction) so that many stuck sends, or many
 * runners, never ask in lock-step or at round times. Deterministic for (`checks`, `seed`) (the
 * runtime seeds it with the send's natural keys and the attempt's start), or the next draw of a
 * stream.
 */
export function reconcileDelayMs(
  checks: number,
  seed: JitterSeed,
  opts: { firstMs?: number; maxMs?: number; jitter?: number } = {},
): number {
  const first = opts.firstMs ?? RECONCILE_BACKOFF.firstMs;
  const max = opts.maxMs ?? RECONCILE_BACKOFF.maxMs;
  const jitter = opts.jitter ?? RECONCILE_BACKOFF.jitter;
  if (!(first > 0 && max >= first && jitter >= 0 && jitter < 1)) {
    throw new RangeError(`invalid back-off: firstMs ${first}, maxMs ${max}, jitter ${jitter}`);
  }
  const n = Math.max(1, Math.floor(checks));
  // 2 ** 40 is far past any cap; bounding the exponent keeps the product finite.
  const base = Math.min(max, first * 2 ** Math.min(n - 1, 40));
  const draw = typeof seed === "string" ? seededRandom(`${seed}:${n}`)() : seed();
  const spread = 1 - jitter + 2 * jitter * draw;
  return Math.round(base * spread);
}
