/**
 * A one-line progress display on stderr for long commands: a bar when the total is known, a
 * counter while it is not, the credits spent and what is being worked on. Shown only when stderr
 * is a terminal and the output is not `--json`; otherwise every call is a no-op, so scripts and
 * pipes get clean output.
 */
import { processIo, type Io } from "./output.js";

export interface ProgressUpdate {
  /** What is running, e.g. `discover_companies` or `import`. */
  label: string;
  done: number;
  /** Null while unknown (a search still paging). */
  total: number | null;
  /** Credits spent so far. Default: not shown. */
  credits?: number;
  /** The item being worked on. Default: none. */
  message?: string;
}

export interface Progress {
  /** True when updates are drawn. */
  readonly enabled: boolean;
  update(update: ProgressUpdate): void;
  /** Clears the line (call before printing the summary, and on errors). */
  clear(): void;
}

export interface ProgressOptions {
  /** `--json` was given: never draw. Default false. */
  json?: boolean | undefined;
  /**
   * Whether stderr is a terminal. Default: `process.stderr.isTTY` when the command writes to the
   * process's own stderr, else false (captured output in tests and embedding programs).
   */
  tty?: boolean | undefined;
  /** Terminal width. Default `process.stderr.columns`, else 80. */
  columns?: number | undefined;
  /** Least time between two redraws, in ms. Default 100. */
  intervalMs?: number | undefined;
  /** The clock (tests). Default `Date.now`. */
  now?: () => number;
}

const BAR = 24;

/** Renders one progress line (pure; exported for tests). */
export function renderProgress(u: ProgressUpdate, columns = 80): string {
  const parts = [u.label];
  if (u.total !== null && u.total > 0) {
    const ratio = Math.max(0, Math.min(1, u.done / u.total));
    const filled = Math.round(ratio * BAR);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(BAR - filled)}] ${u.done}/${u.total}`);
  } else {
    parts.push(`${u.done}…`);
  }
  if (u.credits !== undefined) parts.push(`${Math.round(u.credits * 100) / 100} credits`);
  if (u.message) parts.push(u.message);
  const line = parts.join("  ");
  return line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
}

export function createProgress(io: Io, options: ProgressOptions = {}): Progress {
  const tty = options.tty ?? (io.stderr === processIo.stderr && process.stderr.isTTY === true);
  if (options.json || !tty) return { enabled: false, update: () => undefined, clear: () => undefined };
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  let last = -Infinity;
  let drawn = false;
  return {
    enabled: true,
    update(u) {
      const t = now();
      // Always draw the last item of a known total, so the bar ends full.
      if (t - last < interval && !(u.total !== null && u.done >= u.total)) return;
      last = t;
      io.stderr(`\r\x1b[2K${renderProgress(u, options.columns ?? process.stderr.columns ?? 80)}`);
      drawn = true;
    },
    clear() {
      if (drawn) io.stderr("\r\x1b[2K");
      drawn = false;
    },
  };
}
