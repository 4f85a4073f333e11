/** fast-check arbitraries shared by the engine's tests (not part of the package's API). */
import fc from "fast-check";
import type { SendWindow } from "./window.js";

const zones = [
  "America/New_York",
  "Europe/Paris",
  "Australia/Sydney",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "Pacific/Auckland",
  "UTC",
];

export const arbWindow = fc
  .record({
    timeZone: fc.constantFrom(...zones),
    startMin: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    length: fc.integer({ min: 1, max: 24 * 60 }),
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  })
  .map(({ timeZone, startMin, length, days }): SendWindow => {
    const endMin = Math.min(24 * 60, startMin + length);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    return { timeZone, start: hhmm(startMin), end: hhmm(endMin), days };
  });

/** Instants in 2026, biased towards daylight-saving weekends. */
export const arbInstant = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms)),
  fc
    .tuple(
      fc.constantFrom(
        Date.UTC(2026, 2, 6),
        Date.UTC(2026, 2, 27),
        Date.UTC(2026, 3, 3),
        Date.UTC(2026, 9, 2),
        Date.UTC(2026, 9, 23),
        Date.UTC(2026, 9, 30),
      ),
      fc.integer({ min: 0, max: 4 * 24 * 3600 }),
    )
    .map(([base, s]) => new Date(base + s * 1000)),
);
