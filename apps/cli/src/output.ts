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

export const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
};

/** Exit codes: 0 success, 1 a failure while working, 2 bad input (nothing was written). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** An error that carries its exit code and a message meant for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
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
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

/** JSON with Dates as ISO strings, for `--json`. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
