/**
 * What the terminal can show, the way gh and supabase decide it:
 * - width: `COLUMNS` when set, else the terminal's width when standard output is a terminal,
 *   else none (a pipe or a file gets whole lines: nothing is cut or wrapped);
 * - colour: never with `NO_COLOR` (any value, https://no-color.org), always with `FORCE_COLOR`
 *   (any value but `0`), else only on a terminal whose `TERM` is not `dumb`;
 * - times: in the campaign's time zone, with its label, else UTC.
 */
/** What the terminal rules read from a command's Io (a structural slice, so this module imports nothing of the CLI). */
export interface TerminalInfo {
  env: Record<string, string | undefined>;
  /** Standard output is a terminal. */
  isTTY?: boolean;
  /** The terminal's width in columns. */
  columns?: number;
}

/** The columns tables may use, or undefined for no limit (not a terminal). */
export function terminalWidth(io: Pick<TerminalInfo, "env" | "columns">): number | undefined {
  const fromEnv = Number(io.env.COLUMNS);
  if (io.env.COLUMNS && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return io.columns && io.columns > 0 ? io.columns : undefined;
}

/** True when output may carry ANSI colours. */
export function colorEnabled(io: Pick<TerminalInfo, "env" | "isTTY">): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "" && io.env.FORCE_COLOR !== "0") return true;
  return io.isTTY === true && io.env.TERM !== "dumb";
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

/** Wraps `text` in the ANSI codes of `style` when colour is on. */
export function paint(on: boolean, style: Style, text: string): string {
  if (!on || text === "") return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** The visible length of a string (ANSI codes take no room). */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/** How a status word reads: green when it went well, yellow when it waits, red when it did not. */
export function statusStyle(value: string): Style | undefined {
  if (/^(sent|delivered|completed|active|replied|connected|ok|valid|success|healthy|yes|up to date|applied)$/i.test(value)) return "green";
  if (/^(pending|scheduled|processing|paused|warming|draft|ready|waiting|deferred|risky|queued)$/i.test(value)) return "yellow";
  if (/^(failed|bounced|cancelled|canceled|error|disconnected|rate_limited|killed|invalid|no|pending migrations?)$/i.test(value))
    return "red";
  return undefined;
}

/** A number as people read it: whole numbers as they are, others to two decimals at most. */
export function roundNumber(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  return String(Math.round(n * 100) / 100);
}

function validZone(timeZone: string | null | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** The short label of a zone at a date: `CET`, `EST`, else the offset (`GMT+5:30`); `UTC` for UTC. */
export function zoneLabel(date: Date, timeZone: string): string {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return "UTC";
  const short = (locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" }).formatToParts(date).find((p) => p.type === "timeZoneName")
      ?.value ?? "";
  const us = short("en-US");
  if (!us.startsWith("GMT")) return us;
  const gb = short("en-GB");
  return gb.startsWith("GMT") || gb.startsWith("UTC") ? us : gb;
}

/** `2026-03-02 09:00 CET`: a time in a zone (UTC when none or unknown), with the zone's label. */
export function formatTime(date: Date, timeZone?: string | null): string {
  const zone = validZone(timeZone) ?? "UTC";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zoneLabel(date, zone)}`;
}

/**
 * Rows with their time columns written in each row's zone (`zoneOf(row)`, UTC when it has none):
 * for terminal tables only; `--json` keeps ISO times.
 */
export function withLocalTimes<T extends Record<string, unknown>>(
  rows: readonly T[],
  keys: readonly string[],
  zoneOf: (row: T) => string | null | undefined,
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = { ...row };
    for (const key of keys) {
      const v = row[key];
      const date = v instanceof Date ? v : typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : undefined;
      if (date && !Number.isNaN(date.getTime())) out[key] = formatTime(date, zoneOf(row));
    }
    return out;
  });
}
