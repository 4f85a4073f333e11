import path from "node:path";
import { OfferlabError } from "@offerlab/core";
import {
  DataModeMismatchError,
  DEFAULT_DATA_DIR,
  openDatabase as open,
  resolveDatabaseTarget,
  SANDBOX_DATA_DIR,
  type DatabaseTarget,
  type Db,
} from "@offerlab/db";
import { SANDBOX_ENV } from "@offerlab/sandbox/env";
import { CliError, EXIT, type Io } from "./output.js";

const set = (v: string | undefined) => typeof v === "string" && v.trim() !== "";

/** What to do when a run meets a database of the other world: the ways out, for this environment. */
export function wayOut(io: Io, error: DataModeMismatchError): string {
  const custom = set(io.env.DATABASE_URL) ? "DATABASE_URL" : set(io.env.OFFERLAB_DATA_DIR) ? "OFFERLAB_DATA_DIR" : null;
  if (error.run === "live") {
    return [
      `  - to work with the sandbox's data, add --sandbox (or set ${SANDBOX_ENV}=1)`,
      custom
        ? `  - for live work, point ${custom} at your live database (unset, live data lives in ./${DEFAULT_DATA_DIR})`
        : `  - for live work, use another database: OFFERLAB_DATA_DIR=<a directory> or DATABASE_URL=<your PostgreSQL>`,
    ].join("\n");
  }
  return custom
    ? `  - sandbox runs use their own embedded database (./${SANDBOX_DATA_DIR}) when ${custom} is not set: unset it for sandbox commands, or point it at an empty database`
    : `  - point OFFERLAB_DATA_DIR at an empty directory for the sandbox`;
}

/**
 * The CLI's words for a database of the other world (also raised inside `@offerlab/cron` and
 * `@offerlab/webhooks`, which open their own; `run` maps those): what happened and the ways out
 * for this environment, keeping the error's code (exit 2). Any other error is returned as is:
 * pending migrations and a busy embedded database already say what to do, and their codes give
 * their exit codes (1).
 */
export function databaseError(io: Io, error: unknown): unknown {
  if (DataModeMismatchError.isInstance(error))
    return new OfferlabError(error.code, `${error.summary}\n${wayOut(io, error)}`, { cause: error });
  return error;
}

/**
 * Opens the database for a command (`@offerlab/db`'s `openDatabase`: the embedded database is
 * migrated on first use, a PostgreSQL database with pending migrations is refused, and a run only
 * uses a database of its own world — live, or the sandbox's, whose embedded default is
 * `./.offerlab-sandbox`), turning its failures into the CLI's errors: a bad configuration or a
 * database of the other world exits 2, anything else 1. A sandbox run says on stderr where its data is.
 */
export async function openDatabase(
  io: Io,
  options: {
    migrateEmbedded?: boolean;
    sandbox?: boolean;
    /** Say on stderr when a new default embedded database is created (default true). */
    announceNew?: boolean;
  } = {},
): Promise<Db> {
  const sandbox = options.sandbox ?? io.sandbox === true;
  let description: string;
  let isNew: string | null = null;
  try {
    const target = resolveDatabaseTarget({ env: io.env, sandbox, cwd: io.cwd });
    description = target.description;
    isNew = newDefaultDatabase(io, target);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage);
  }
  let db: Db;
  try {
    ({ db } = await open({
      env: io.env,
      sandbox,
      cwd: io.cwd,
      checkMigrations: options.migrateEmbedded !== false,
      note: `offerlab ${sandbox ? "sandbox" : "live"} command`,
    }));
  } catch (error) {
    // An offerlab error (pending migrations, the other world, a busy embedded database) says what
    // to do; anything else is named with the database it happened on.
    if (OfferlabError.isInstance(error)) throw databaseError(io, error);
    throw new CliError(`cannot use ${description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (isNew && options.announceNew !== false) noteNewDatabase(io, isNew);
  if (sandbox && !noted.has(io)) {
    noted.add(io);
    io.stderr(`[SANDBOX] data: ${description} (the sandbox's own database; live data is never read or written)\n`);
  }
  return db;
}

/**
 * The directory of a new embedded database the defaults chose (no `.offerlab` found upwards), or
 * null: a directory the user named with OFFERLAB_DATA_DIR is theirs to know about.
 */
export function newDefaultDatabase(io: Io, target: DatabaseTarget): string | null {
  if (target.kind !== "pglite" || !target.isNew || target.dataDir.startsWith("memory://")) return null;
  return set(io.env.OFFERLAB_DATA_DIR) ? null : target.dataDir;
}

/**
 * Says once, on stderr, that a command created a new embedded database, and where: no `.offerlab`
 * was found in the user's directory or its parents (as git looks for `.git`).
 */
export function noteNewDatabase(io: Io, dataDir: string): void {
  const name = path.basename(dataDir);
  io.stderr(
    `Created a new embedded database at ${dataDir} (no ${name} in ${io.cwd} or its parents). ` +
      `Commands run in ${path.dirname(dataDir)} or below use it; set OFFERLAB_DATA_DIR or DATABASE_URL to use another.\n`,
  );
}

/** Runs whose sandbox database was already named (a command may open the database twice). */
const noted = new WeakSet<Io>();
