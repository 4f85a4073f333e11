import { exitCodeForCode, exitCodes, OfferlabError, type ErrorExitCode, type OfferlabErrorOptions } from "@offerlab/core";
import { colorEnabled, formatTime, paint, roundNumber, statusStyle, terminalWidth } from "./terminal.js";
import { enterUserWorkingDirectory } from "./working-directory.js";

/** Where the CLI writes; injectable so tests and embedding programs can capture output. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Standard output is a terminal (colour, progress). Default false. */
  isTTY?: boolean;
  /** The terminal's width in columns, when standard output is one (`COLUMNS` overrides). */
  columns?: number;
  /**
   * This run works in the sandbox (`--sandbox` or `OFFERLAB_SANDBOX=1`): simulated providers and
   * the sandbox's own database. Set by the program for the command being run; default false.
   */
  sandbox?: boolean;
  /** The command's `--seed` (or its older name `--sandbox-seed`), when it has one. */
  sandboxSeed?: string | undefined;
  /** The command's `--start`, when it has one (checked already). */
  sandboxStart?: string | undefined;
}

let stdoutClosed = false;

/** True once the reader of this process's standard output went away (`offerlab … | head -1`). */
export function isStdoutClosed(): boolean {
  return stdoutClosed;
}

export const processIo: Io = {
  // Once the reader is gone, output has nowhere to go: it is dropped, not an error.
  stdout: (t) => void (stdoutClosed || process.stdout.write(t)),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  // `pnpm offerlab …` runs in the repository's root: go back to where the user typed it.
  cwd: enterUserWorkingDirectory(process.env),
  isTTY: process.stdout.isTTY === true,
  // Read when a table is printed: the terminal may have been resized since start-up.
  get columns() {
    return process.stdout.isTTY ? process.stdout.columns : undefined;
  },
};

/**
 * Makes a closed standard output end the command quietly, as git and gh do: `offerlab … | head -1`
 * used to crash with an unhandled EPIPE and a stack trace. From the first EPIPE on, output is
 * dropped and the command ends as it would have (an export stops reading at once), with its own
 * exit code: 0 when it succeeded. Commands that run until stopped (the cron daemon, the webhook
 * server) keep running without output until they are stopped as usual. Other errors of the
 * stream are thrown as before.
 */
export function endQuietlyOnClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stdoutClosed = true;
  });
}

/** Exit codes: 0 success, 1 a failure while working, 2 bad input (nothing was written). Core's `exitCodes`. */
export const EXIT = exitCodes;

/**
 * An error of the CLI's own with a message meant for the user: bad usage (`EXIT.usage`, code
 * `invalid_usage`) or a failure while working (`EXIT.failure`, the default, code
 * `command_failed`). Its exit code is its code's, from core's one table, like every other
 * offerlab error's.
 */
export class CliError extends OfferlabError {
  override readonly name = "CliError";
  /** The exit code of {@link code}: 2 for `invalid_usage`, 1 for `command_failed`. */
  readonly exitCode: ErrorExitCode;

  constructor(message: string, exitCode: ErrorExitCode = EXIT.failure, options?: OfferlabErrorOptions) {
    super(exitCode === EXIT.usage ? "invalid_usage" : "command_failed", message, options);
    this.exitCode = exitCodeForCode(this.code);
  }

  /** True for a CliError of any copy of this package. */
  static override isInstance(error: unknown): error is CliError {
    return OfferlabError.isNamed(error, "CliError");
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  // A time no caller localised: UTC, and said so.
  if (value instanceof Date) return formatTime(value);
  if (typeof value === "number") return roundNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A column of a terminal table. */
export interface TableColumn {
  key: string;
  /** The header (default: the key). */
  title?: string;
  /**
   * Widest the column gets when the table does not fit the terminal: longer text wraps onto more
   * lines (never cut). Ignored when the table fits, and when output is not a terminal.
   */
  max?: number;
  /**
   * Never wrapped or cut: ids, slugs, emails, URLs, hints and fixes (the default for keys that name
   * one, e.g. `id`, `campaign_slug`, `contact_email`, `hint`). Copying one must give the whole value.
   */
  keep?: boolean;
  /**
   * Dropped when the table does not fit the terminal, lowest first (the table then says which
   * columns it left out). Default: never dropped.
   */
  drop?: number;
}

const KEEP_KEY = /(^|_)(id|ids|slug|email|url|hint|fix|ref|value|version)$/;

/** Where and how a table is shown: the terminal's width (none: no limit) and whether to colour. */
export interface TableOutput {
  width?: number | undefined;
  color?: boolean;
}

function outputOf(out: TableOutput | Io | undefined): TableOutput {
  if (!out) return {};
  if ("stdout" in out) return { width: terminalWidth(out), color: colorEnabled(out) };
  return out;
}

/** Splits `text` into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(" ", width);
    const at = cut > 0 ? cut : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/**
 * Renders rows as an aligned text table. On a terminal (`out`: the command's Io, or a width) it
 * fits the width as gh does: first it leaves out the columns marked `drop`, then it wraps the
 * text columns (names, titles, reasons) onto more lines; ids, slugs, emails and hints are never
 * cut or wrapped. Without a width (a pipe, a file) every value is printed whole. Numbers are
 * rounded to two decimals; colour (bold headers, status words) only where `out` allows it.
 */
export function table(rows: Record<string, unknown>[], columns: TableColumn[], out?: TableOutput | Io): string {
  const { width, color = false } = outputOf(out);
  let cols = columns.map((c) => ({ ...c, keep: c.keep ?? KEEP_KEY.test(c.key), title: c.title ?? c.key }));
  const texts = (c: (typeof cols)[number]) => rows.map((r) => cell(r[c.key]));
  const natural = (c: (typeof cols)[number]) => Math.max(c.title.length, ...texts(c).map((t) => t.length));
  const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + 2 * Math.max(ws.length - 1, 0);
  const dropped: string[] = [];
  if (width !== undefined) {
    // 1. Leave out the less important columns, lowest `drop` first, while the table is too wide.
    const droppable = cols.filter((c) => c.drop !== undefined).sort((a, b) => a.drop! - b.drop!);
    for (const c of droppable) {
      if (total(cols.map(natural)) <= width) break;
      cols = cols.filter((x) => x !== c);
      dropped.push(c.title);
    }
  }
  let widths = cols.map(natural);
  if (width !== undefined && total(widths) > width) {
    // 2. Wrap the text columns: each gets a fair share of the room the kept columns leave, never
    //    less than its header (or 8), and not more than its `max` while others still need room.
    const flexible = cols.map((c, i) => (!c.keep ? i : -1)).filter((i) => i >= 0);
    const fixed = total(widths) - flexible.reduce((a, i) => a + widths[i]!, 0);
    let room = Math.max(width - fixed, 0);
    const order = [...flexible].sort(
      (a, b) => Math.min(widths[a]!, cols[a]!.max ?? Infinity) - Math.min(widths[b]!, cols[b]!.max ?? Infinity),
    );
    const next = [...widths];
    order.forEach((i, n) => {
      const share = Math.floor(room / (order.length - n));
      const floor = Math.max(cols[i]!.title.length, Math.min(8, widths[i]!));
      next[i] = Math.max(floor, Math.min(widths[i]!, share));
      room -= next[i]!;
    });
    widths = next;
  }
  const header = cols.map((c) => c.title);
  const body = rows.map((r) => cols.map((c, i) => (c.keep ? [cell(r[c.key])] : wrap(cell(r[c.key]), widths[i]!))));
  const styleOf = (c: (typeof cols)[number], text: string) =>
    color && (c.key === "status" || c.key.endsWith("_status") || c.key === "state") ? statusStyle(text) : undefined;
  const line = (cells: string[], style?: (i: number, text: string) => string) =>
    cells
      .map((text, i) => {
        const padded = text.padEnd(widths[i]!);
        return style ? style(i, text) + padded.slice(text.length) : padded;
      })
      .join("  ")
      .trimEnd();
  const lines = [
    line(header, (_, t) => paint(color, "bold", t)),
    line(
      widths.map((w) => "-".repeat(w)),
      (_, t) => paint(color, "dim", t),
    ),
  ];
  for (const row of body) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      lines.push(
        line(
          row.map((c) => c[k] ?? ""),
          (i, t) => {
            const st = k === 0 ? styleOf(cols[i]!, t) : undefined;
            return st ? paint(color, st, t) : t;
          },
        ),
      );
    }
  }
  const note = dropped.length ? `(${dropped.join(", ")} left out to fit the terminal: widen it, or use --json)\n` : "";
  return lines.join("\n") + "\n" + note;
}

/** JSON with Dates as ISO strings, for `--json`. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
