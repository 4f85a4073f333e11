/**
 * One owner per embedded database. PGlite is a single-process database: two processes (or two
 * instances in one process) opening the same data directory corrupt each other's view of it — once
 * seen as a command spinning at 100 % CPU for 13 minutes. `createDb` takes this lock before it
 * opens a PGlite directory and `db.destroy()` gives it back; a process that died without giving it
 * back (SIGKILL, a crash) leaves a stale lock that the next process on the same host takes over.
 *
 * The lock is a file in the data directory (`offerlab.lock`, beside PostgreSQL's own files, which
 * PGlite ignores) created with O_EXCL, holding the owner's pid, host, command and start time.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OfferlabError } from "@offerlab/core";

export const LOCK_FILE = "offerlab.lock";

/** Who holds an embedded database. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  token: string;
}

/** The embedded database is open in another process (or already in this one); nothing was opened. */
export class EmbeddedDatabaseBusyError extends OfferlabError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const who =
      holder.pid === process.pid && holder.host === os.hostname()
        ? "this process already has it open"
        : `it is in use by another process: pid ${holder.pid}${holder.host === os.hostname() ? "" : ` on ${holder.host}`}, \`${holder.command}\`, since ${holder.since}`;
    super(
      "database_busy",
      `the embedded database at ${dataDir} can only be used by one process at a time, and ${who}. ` +
        "Stop that process first, or let it do the work: `offerlab serve` runs the cron daemon and the webhook server in one process. " +
        "Several processes (runners, servers, commands at once) need PostgreSQL: set DATABASE_URL." +
        (holder.host === os.hostname() ? "" : ` If that process is gone, delete ${path.join(dataDir, LOCK_FILE)}.`),
    );
    this.name = "EmbeddedDatabaseBusyError";
  }

  /** True for this error class, also across two copies of this package in one install. */
  static override isInstance(error: unknown): error is EmbeddedDatabaseBusyError {
    return OfferlabError.isNamed(error, "EmbeddedDatabaseBusyError");
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.token !== "string") return null;
    return {
      pid: parsed.pid,
      host: String(parsed.host ?? ""),
      command: String(parsed.command ?? "?"),
      since: String(parsed.since ?? "?"),
      token: parsed.token,
    };
  } catch {
    return null;
  }
}

/** The command line of this process, for the message another process shows. */
function commandLine(): string {
  const [, script = "node", ...args] = process.argv;
  const name = /offerlab|bin\.[jt]s$/.test(script) ? "offerlab" : path.basename(script);
  return [name, ...args].join(" ").slice(0, 200);
}

/**
 * Takes the lock of an embedded data directory (created when missing) and returns its release,
 * which is idempotent and also runs when the process exits. Throws {@link EmbeddedDatabaseBusyError}
 * when a live process holds it.
 */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: commandLine(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(file);
    // An unreadable lock is being written right now (or is garbage): look again before judging.
    if (!holder && attempt < 3) continue;
    const stale = holder ? holder.host === me.host && holder.pid !== process.pid && !alive(holder.pid) : attempt >= 3;
    if (!stale || attempt >= 5)
      throw new EmbeddedDatabaseBusyError(
        dataDir,
        holder ?? { pid: -1, host: me.host, command: "unknown (unreadable lock)", since: "?", token: "" },
      );
    // Take the stale lock over without removing a fresh one another process just wrote: move it
    // aside, and put it back if it turns out not to be the one judged stale.
    const aside = `${file}.${me.token}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = readHolder(aside);
    if (moved && holder && moved.token !== holder.token) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // Someone else holds it now too; theirs wins below.
      }
    }
    fs.rmSync(aside, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(release);
    // Only our own lock: never remove one a later owner took over.
    if (readHolder(file)?.token === me.token) fs.rmSync(file, { force: true });
  };
  held.add(release);
  if (!exitHook) {
    exitHook = () => {
      for (const r of [...held]) r();
    };
    process.on("exit", exitHook);
  }
  return release;
}

/** Locks this process holds, released when it exits (one listener for all of them). */
const held = new Set<() => void>();
let exitHook: (() => void) | undefined;
