/**
 * Finding the return date in an out-of-office reply: "back on Monday", "returning March 10th",
 * "out until 10/03/2025", "through the 14th of April". Dates are calendar dates (`YYYY-MM-DD`)
 * resolved against the day the reply was received (its UTC date).
 */

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};
const WEEKDAYS: Record<string, number> = {
  sunday: 0,
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  tues: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  thur: 4,
  thurs: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
};

const MONTH =
  "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
const WEEKDAY = "(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)";
const ORD = "(?:st|nd|rd|th)?";

/** What a date phrase follows: whether the named day is the first day back or the last day away. */
const TRIGGER =
  /\b(back(?: in the office| at work| in office| online)?(?: on| from| by)?|return(?:ing|s)?(?: to (?:the )?(?:office|work))?(?: on)?|in the office (?:on|from)|until|till|til|bis|bis zum|jusqu'au|hasta el|through|thru|up to and including|to and including|after)\s+(?:the\s+)?$/;

/** Order of day and month in an ambiguous numeric date such as `03/04`. */
export type DateOrder = "mdy" | "dmy";

function iso(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The next date on or after `from` with this month and day (a date without a year is never in the past). */
function withYear(month: number, day: number, from: Date): string | null {
  const year = from.getUTCFullYear();
  const today = from.toISOString().slice(0, 10);
  const candidate = iso(year, month, day);
  if (candidate !== null && candidate >= today) return candidate;
  return iso(year + 1, month, day) ?? candidate;
}

function fullYear(y: string): number {
  const n = Number(y);
  return y.length <= 2 ? 2000 + n : n;
}

interface Found {
  index: number;
  date: string;
}

function findDates(text: string, receivedAt: Date, order: DateOrder): Found[] {
  const found: Found[] = [];
  const today = receivedAt.toISOString().slice(0, 10);
  const add = (index: number, date: string | null) => {
    if (date !== null) found.push({ index, date });
  };
  for (const m of text.matchAll(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g)) {
    add(m.index, iso(Number(m[1]), Number(m[2]), Number(m[3])));
  }
  for (const m of text.matchAll(/\b(\d{1,2})([./])(\d{1,2})(?:\2(\d{4}|\d{2}))?\b/g)) {
    if (found.some((f) => f.index <= m.index && m.index < f.index + 10)) continue;
    const a = Number(m[1]);
    const b = Number(m[3]);
    // Dotted dates (12.03.2025) are day-first wherever they are written.
    const dmy = a > 12 || (b <= 12 && (order === "dmy" || m[2] === "."));
    const [day, month] = dmy ? [a, b] : [b, a];
    add(m.index, m[4] === undefined ? withYear(month, day, receivedAt) : iso(fullYear(m[4]), month, day));
  }
  const dayMonth = new RegExp(`\\b(?:${WEEKDAY},?\\s+)?(\\d{1,2})${ORD}(?:\\s+of)?\\s+${MONTH}(?:,?\\s+(\\d{4}))?`, "g");
  for (const m of text.matchAll(dayMonth)) {
    const month = MONTHS[(m[3] ?? "").replace(".", "")];
    if (month === undefined) continue;
    const day = Number(m[2]);
    add(m.index, m[4] === undefined ? withYear(month, day, receivedAt) : iso(Number(m[4]), month, day));
  }
  const monthDay = new RegExp(`\\b(?:${WEEKDAY},?\\s+)?${MONTH}\\s+(\\d{1,2})${ORD}\\b(?:,?\\s+(\\d{4}))?`, "g");
  for (const m of text.matchAll(monthDay)) {
    const month = MONTHS[(m[2] ?? "").replace(".", "")];
    if (month === undefined) continue;
    const day = Number(m[3]);
    add(m.index, m[4] === undefined ? withYear(month, day, receivedAt) : iso(Number(m[4]), month, day));
  }
  for (const m of text.matchAll(new RegExp(`\\b(?:next\\s+)?${WEEKDAY}\\b`, "g"))) {
    if (found.some((f) => Math.abs(f.index - m.index) < 15)) continue;
    const target = WEEKDAYS[m[1] ?? ""];
    if (target === undefined) continue;
    // "back on Monday" means the next Monday after the reply, never the day it was sent.
    const ahead = (target - receivedAt.getUTCDay() + 7) % 7 || 7;
    add(m.index, addDays(today, ahead));
  }
  for (const m of text.matchAll(/\btomorrow\b/g)) add(m.index, addDays(today, 1));
  for (const m of text.matchAll(/\b(?:the\s+)?(\d{1,2})(st|nd|rd|th)\b(?!\s+(?:of\s+)?[a-z]{3})/g)) {
    if (found.some((f) => Math.abs(f.index - m.index) < 15)) continue;
    // "back on the 14th": the next 14th on or after the reply.
    const day = Number(m[1]);
    let month = receivedAt.getUTCMonth() + 1;
    let year = receivedAt.getUTCFullYear();
    if (day < receivedAt.getUTCDate()) {
      month = month === 12 ? 1 : month + 1;
      if (month === 1) year += 1;
    }
    add(m.index, iso(year, month, day));
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * The date an out-of-office sender is back, from the text of the reply, or null when it names
 * none. "back on X", "returning X", "until X" give X; "through X" and "after X" give the day after.
 * A date without a year is the next such date on or after `receivedAt`; a bare weekday is the next
 * one after it; ambiguous numeric dates (`03/04`) follow `order` (default `mdy`).
 */
export function extractReturnDate(text: string, receivedAt: Date = new Date(), order: DateOrder = "mdy"): string | null {
  const lower = text.toLowerCase();
  const dates = findDates(lower, receivedAt, order);
  const today = receivedAt.toISOString().slice(0, 10);
  for (const { index, date } of dates) {
    const before = lower.slice(Math.max(0, index - 40), index);
    const trigger = TRIGGER.exec(before);
    if (trigger === null) continue;
    const word = trigger[1] ?? "";
    const dayAfter = /^(through|thru|up to and including|to and including|after)$/.test(word);
    const result = dayAfter ? addDays(date, 1) : date;
    if (result >= today) return result;
  }
  // No trigger word: a single future date in an out-of-office reply is almost always the return.
  const future = [...new Set(dates.map((d) => d.date).filter((d) => d >= today))];
  return future.length === 1 ? (future[0] ?? null) : null;
}
