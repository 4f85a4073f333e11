import fc from "fast-check";
import { arbInstant, arbWindow } from "./arbitraries.test-support.js";
import { jitteredSendTime } from "./jitter.js";
import { describe, expect, it } from "vitest";
import {
  currentWindowEnd,
  isInWindow,
  NEVER_CLOSES,
  nextWindowOpening,
  SendWindowError,
  validateWindow,
  wallClock,
  windowFromCampaign,
  zonedTime,
  type SendWindow,
} from "./window.js";

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);
const WEEKDAYS = [1, 2, 3, 4, 5];
const ny = (start: string, end: string, days: number[] = WEEKDAYS): SendWindow => ({
  start,
  end,
  days,
  timeZone: "America/New_York",
});

describe("zonedTime (wall clock → instant)", () => {
  it("maps a skipped spring-forward time to the transition and an ambiguous fall-back time to its first occurrence", () => {
    // New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
    expect(iso(zonedTime("America/New_York", "2026-03-08", "02:30"))).toBe("2026-03-08T07:00:00.000Z");
    expect(iso(zonedTime("America/New_York", "2026-11-01", "01:30"))).toBe("2026-11-01T05:30:00.000Z");
    // Paris: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    expect(iso(zonedTime("Europe/Paris", "2026-03-29", "02:30"))).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(zonedTime("Europe/Paris", "2026-10-25", "02:30"))).toBe("2026-10-25T00:30:00.000Z");
    // Sydney: 2026-04-05 03:00 AEDT → 02:00 AEST; 2026-10-04 02:00 AEST → 03:00 AEDT.
    expect(iso(zonedTime("Australia/Sydney", "2026-04-05", "02:30"))).toBe("2026-04-04T15:30:00.000Z");
    expect(iso(zonedTime("Australia/Sydney", "2026-10-04", "02:30"))).toBe("2026-10-03T16:00:00.000Z");
    expect(iso(zonedTime("Europe/Paris", "2026-06-01", "09:00:00"))).toBe("2026-06-01T07:00:00.000Z");
  });
});

describe("validation", () => {
  it("rejects a bad zone, end ≤ start, empty or invalid days and malformed times", () => {
    expect(() => validateWindow({ ...ny("09:00", "17:00"), timeZone: "Mars/Olympus" })).toThrow(/unknown time zone/);
    expect(() => validateWindow(ny("17:00", "09:00"))).toThrow(/must be after its start/);
    expect(() => validateWindow(ny("09:00", "09:00"))).toThrow(SendWindowError);
    expect(() => validateWindow(ny("09:00", "17:00", []))).toThrow(/no send days/);
    expect(() => validateWindow(ny("09:00", "17:00", [0]))).toThrow(/ISO weekday/);
    expect(() => validateWindow(ny("09:00", "17:00", [8]))).toThrow(/ISO weekday/);
    expect(() => validateWindow(ny("9am", "17:00"))).toThrow(/not a time of day/);
    expect(() => validateWindow(ny("24:00", "24:00"))).toThrow(/out of range/);
    expect(() => validateWindow(ny("09:60", "17:00"))).toThrow(/out of range/);
    expect(() => isInWindow(ny("09:00", "17:00"), new Date(Number.NaN))).toThrow(/not a valid date/);
  });

  it("reads a campaigns row (Postgres TIME strings, unsorted duplicate days)", () => {
    const w = windowFromCampaign({
      send_window_start: "09:00:00",
      send_window_end: "17:30:00",
      send_days: [5, 1, 3, 1],
      timezone: "Europe/Paris",
    });
    expect(w).toEqual({ start: "09:00:00", end: "17:30:00", days: [1, 3, 5], timeZone: "Europe/Paris" });
    expect(() => windowFromCampaign({ send_window_start: "09:00", send_window_end: "17:00", send_days: [], timezone: "UTC" })).toThrow();
  });
});

describe("isInWindow", () => {
  const w = ny("09:00", "17:00");
  it("is start-inclusive and end-exclusive on the zone's wall clock", () => {
    expect(isInWindow(w, at("2026-06-01T13:00:00Z"))).toBe(true); // Mon 09:00 EDT
    expect(isInWindow(w, at("2026-06-01T12:59:59.999Z"))).toBe(false);
    expect(isInWindow(w, at("2026-06-01T20:59:59Z"))).toBe(true); // 16:59:59
    expect(isInWindow(w, at("2026-06-01T21:00:00Z"))).toBe(false); // 17:00
  });
  it("takes the weekday in the campaign's zone, not in UTC", () => {
    // Friday 2026-06-05 16:30 EDT is Friday 20:30 UTC; Saturday 00:30 UTC is still Friday 20:30 EDT.
    const late = ny("18:00", "23:00");
    expect(isInWindow(late, at("2026-06-06T00:30:00Z"))).toBe(true);
    expect(isInWindow(late, at("2026-06-07T00:30:00Z"))).toBe(false); // Saturday evening in New York
  });
  it("reads a repeated fall-back hour as in the window both times", () => {
    const w1 = ny("01:00", "01:30", [7]);
    expect(isInWindow(w1, at("2026-11-01T05:15:00Z"))).toBe(true); // 01:15 EDT
    expect(isInWindow(w1, at("2026-11-01T06:15:00Z"))).toBe(true); // 01:15 EST
    expect(isInWindow(w1, at("2026-11-01T05:45:00Z"))).toBe(false); // 01:45 EDT
  });
});

describe("nextWindowOpening and currentWindowEnd", () => {
  it("returns `from` itself when in the window", () => {
    const w = ny("09:00", "17:00");
    expect(iso(nextWindowOpening(w, at("2026-06-02T15:12:13.456Z")))).toBe("2026-06-02T15:12:13.456Z");
  });

  it("jumps from Friday evening to Monday morning, across the spring-forward weekend", () => {
    const w = ny("09:00", "17:00");
    // Friday 2026-03-06 18:00 EST; the clocks change on Sunday 8 March; Monday 09:00 is EDT.
    const open = nextWindowOpening(w, at("2026-03-06T23:00:00Z"));
    expect(iso(open)).toBe("2026-03-09T13:00:00.000Z");
    expect(iso(currentWindowEnd(w, open))).toBe("2026-03-09T21:00:00.000Z");
    expect(currentWindowEnd(w, at("2026-03-06T23:00:00Z"))).toBeNull();
  });

  it("jumps from Friday evening to Monday morning in Sydney across the end of daylight saving", () => {
    const w: SendWindow = { start: "09:00", end: "17:00", days: WEEKDAYS, timeZone: "Australia/Sydney" };
    // Friday 2026-04-03 18:00 AEDT (+11); Monday 2026-04-06 09:00 AEST (+10).
    expect(iso(nextWindowOpening(w, at("2026-04-03T07:00:00Z")))).toBe("2026-04-05T23:00:00.000Z");
    // And into daylight saving in October: Friday 2026-10-02 18:00 AEST → Monday 09:00 AEDT.
    expect(iso(nextWindowOpening(w, at("2026-10-02T08:00:00Z")))).toBe("2026-10-04T22:00:00.000Z");
  });

  it("opens at midnight and treats 24:00 as the end of the day", () => {
    const early: SendWindow = { start: "00:00", end: "06:00", days: [1, 2, 3, 4, 5, 6, 7], timeZone: "Europe/Paris" };
    expect(iso(nextWindowOpening(early, at("2026-01-14T22:59:59Z")))).toBe("2026-01-14T23:00:00.000Z");
    const evening: SendWindow = { start: "18:00", end: "24:00", days: [1, 2, 3], timeZone: "Europe/Paris" };
    expect(iso(currentWindowEnd(evening, at("2026-01-14T21:00:00Z")))).toBe("2026-01-14T23:00:00.000Z"); // Wed → midnight
    expect(isInWindow(evening, at("2026-01-14T22:59:59Z"))).toBe(true);
    // Whole days that touch at midnight form one window.
    const allDay: SendWindow = { start: "00:00", end: "24:00", days: [1, 2], timeZone: "Europe/Paris" };
    expect(iso(currentWindowEnd(allDay, at("2026-01-12T10:00:00Z")))).toBe("2026-01-13T23:00:00.000Z");
  });

  it("reads 24:00:00, the end of a window as PostgreSQL returns it, as midnight at the end of the day", () => {
    const w = windowFromCampaign({ send_window_start: "23:00:00", send_window_end: "24:00:00", send_days: [3], timezone: "Europe/Paris" });
    // Wednesday 2026-01-14 in Paris (+1): the last minute and the last millisecond are in.
    expect(isInWindow(w, at("2026-01-14T22:59:00Z"))).toBe(true);
    expect(isInWindow(w, at("2026-01-14T22:59:59.999Z"))).toBe(true);
    expect(isInWindow(w, at("2026-01-14T23:00:00Z"))).toBe(false); // Thursday 00:00
    expect(iso(nextWindowOpening(w, at("2026-01-14T22:59:30Z")))).toBe("2026-01-14T22:59:30.000Z");
    expect(iso(currentWindowEnd(w, at("2026-01-14T22:59:30Z")))).toBe("2026-01-14T23:00:00.000Z");
    expect(iso(nextWindowOpening(w, at("2026-01-14T23:00:00Z")))).toBe("2026-01-21T22:00:00.000Z"); // next Wednesday 23:00
    // The day the clocks go back in New York has 25 hours: the window still ends at that day's midnight.
    const sundays = windowFromCampaign({
      send_window_start: "00:00",
      send_window_end: "24:00:00",
      send_days: [7],
      timezone: "America/New_York",
    });
    expect(isInWindow(sundays, at("2026-11-02T04:59:59Z"))).toBe(true); // Sunday 23:59:59 EST
    expect(isInWindow(sundays, at("2026-11-02T05:00:00Z"))).toBe(false); // Monday 00:00 EST
    expect(iso(currentWindowEnd(sundays, at("2026-11-01T12:00:00Z")))).toBe("2026-11-02T05:00:00.000Z");
  });

  it("a window open around the clock every day never closes, and sends can still be placed in it", () => {
    const always: SendWindow = { start: "00:00", end: "24:00", days: [1, 2, 3, 4, 5, 6, 7], timeZone: "America/New_York" };
    const from = at("2026-03-06T00:00:00Z"); // the weekend the clocks spring forward
    expect(currentWindowEnd(always, from)).toEqual(NEVER_CLOSES);
    const t = jitteredSendTime(always, from, "contact-1");
    expect(t.getTime()).toBeGreaterThanOrEqual(from.getTime());
    expect(t.getTime() - from.getTime()).toBeLessThan(18 * 60_000);
  });

  it("opens a window whose start is skipped by spring forward at the transition", () => {
    const w = ny("02:30", "04:00", [7]);
    expect(iso(nextWindowOpening(w, at("2026-03-08T05:00:00Z")))).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
    expect(iso(currentWindowEnd(w, at("2026-03-08T07:00:00Z")))).toBe("2026-03-08T08:00:00.000Z"); // 04:00 EDT
    // A window whose end is skipped closes at the transition.
    const w2 = ny("01:00", "02:30", [7]);
    expect(iso(currentWindowEnd(w2, at("2026-03-08T06:30:00Z")))).toBe("2026-03-08T07:00:00.000Z");
    // A window entirely inside the skipped hour does not open that day: it opens the next Sunday.
    const w3 = ny("02:10", "02:50", [7]);
    expect(iso(nextWindowOpening(w3, at("2026-03-08T05:00:00Z")))).toBe("2026-03-15T06:10:00.000Z");
  });

  it("closes at the first occurrence of an ambiguous end, and re-opens when the clock falls back", () => {
    const w = ny("01:00", "01:30", [7]);
    expect(iso(nextWindowOpening(w, at("2026-11-01T04:00:00Z")))).toBe("2026-11-01T05:00:00.000Z"); // 01:00 EDT
    expect(iso(currentWindowEnd(w, at("2026-11-01T05:10:00Z")))).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
    expect(iso(nextWindowOpening(w, at("2026-11-01T05:45:00Z")))).toBe("2026-11-01T06:00:00.000Z"); // 01:00 EST
    expect(iso(currentWindowEnd(w, at("2026-11-01T06:00:00Z")))).toBe("2026-11-01T06:30:00.000Z"); // 01:30 EST
  });

  it("handles Paris in March and October", () => {
    const w: SendWindow = { start: "02:00", end: "03:00", days: [7], timeZone: "Europe/Paris" };
    // 2026-03-29: 02:00 does not exist; 02:00–03:00 is entirely skipped → next Sunday 02:00 CEST.
    expect(iso(nextWindowOpening(w, at("2026-03-28T23:00:00Z")))).toBe("2026-04-05T00:00:00.000Z");
    // 2026-10-25: 02:00–03:00 CEST, then 02:00–03:00 CET again; the window is open through both.
    expect(iso(nextWindowOpening(w, at("2026-10-24T22:00:00Z")))).toBe("2026-10-25T00:00:00.000Z");
    expect(isInWindow(w, at("2026-10-25T01:30:00Z"))).toBe(true); // 02:30 CET
    expect(iso(currentWindowEnd(w, at("2026-10-25T00:10:00Z")))).toBe("2026-10-25T02:00:00.000Z");
    const office: SendWindow = { start: "09:00", end: "18:00", days: WEEKDAYS, timeZone: "Europe/Paris" };
    // Friday 2026-10-23 19:00 CEST → Monday 2026-10-26 09:00 CET.
    expect(iso(nextWindowOpening(office, at("2026-10-23T17:00:00Z")))).toBe("2026-10-26T08:00:00.000Z");
  });
});

describe("properties", () => {
  it("the next opening is in the window, not before `from`, and nothing between them is in the window", () => {
    fc.assert(
      fc.property(arbWindow, arbInstant, (w, from) => {
        const open = nextWindowOpening(w, from);
        expect(open.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(isInWindow(w, open)).toBe(true);
        const { time, isoWeekday } = wallClock(w.timeZone, open);
        expect(w.days).toContain(isoWeekday);
        expect(time >= w.start.padEnd(8, ":00")).toBe(true);
        if (open.getTime() > from.getTime()) {
          expect(isInWindow(w, new Date(open.getTime() - 1000))).toBe(false);
          const span = open.getTime() - from.getTime();
          for (let i = 0; i < 20; i++) {
            expect(isInWindow(w, new Date(from.getTime() + Math.floor((span * i) / 20)))).toBe(false);
          }
        }
        const end = currentWindowEnd(w, open);
        expect(end).not.toBeNull();
        expect(end!.getTime()).toBeGreaterThan(open.getTime());
        if (end!.getTime() === NEVER_CLOSES.getTime()) {
          // Only a window open around the clock on every day never closes (the generator makes
          // one now and then: seed -461276200 did).
          expect([new Set(w.days).size, w.start, w.end]).toEqual([7, "00:00", "24:00"]);
        } else {
          expect(isInWindow(w, end!)).toBe(false);
          expect(isInWindow(w, new Date(end!.getTime() - 1000))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with a minute-by-minute scan of the wall clock around daylight-saving weekends", () => {
    fc.assert(
      fc.property(arbWindow, arbInstant, (w, from) => {
        const open = nextWindowOpening(w, from);
        // Scan every minute boundary for three days: windows and transitions start on minutes.
        let t = Math.ceil(from.getTime() / 60_000) * 60_000;
        let scanned: number | null = isInWindow(w, from) ? from.getTime() : null;
        for (let i = 0; scanned === null && i < 3 * 24 * 60; i++, t += 60_000) {
          if (isInWindow(w, new Date(t))) scanned = t;
        }
        if (scanned !== null) expect(open.getTime()).toBe(scanned);
        else expect(open.getTime()).toBeGreaterThan(t - 60_000);
        if (scanned !== null) {
          const end = currentWindowEnd(w, open)!.getTime();
          let u = Math.floor(open.getTime() / 60_000) * 60_000 + 60_000;
          let closed: number | null = null;
          for (let i = 0; closed === null && i < 3 * 24 * 60; i++, u += 60_000) {
            if (!isInWindow(w, new Date(u))) closed = u;
          }
          if (closed !== null) expect(end).toBe(closed);
        }
      }),
      { numRuns: 60 },
    );
  });
});
