import { exitCodeForCode, exitCodes, OfferlabError, type ErrorExitCode, type OfferlabErrorOptions } from "@offerlab/core";
import { enterUserWorkingDirectory } from "./working-directory.js";

/** Where the CLI writes; injectable so tests and embedding programs can capture output. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
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
  if (value instanceof Date) return value.toISOString().replace("T", " ").slice(0, 16);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Renders rows as an aligned text table with the given columns. */
export function table(rows: Record<string, unknown>[], columns: { key: string; title?: string; max?: number }[]): string {
  const header = columns.map((c) => c.title ?? c.key);
  const body = rows.map((r) =>
    columns.map((c) => {
      const s = cell(r[c.key]);
      return c.max && s.length > c.max ? `${s.slice(0, c.max - 1)}…` : s;
    }),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

/** JSON with Dates as ISO strings, for `--json`. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
