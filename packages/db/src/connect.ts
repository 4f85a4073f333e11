import { OfferlabError } from "@offerlab/core";
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { createHash } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.generated.js";
import { lockEmbeddedDatabase } from "./embedded-lock.js";
import { createPGlitePool } from "./pglite-pool.js";

/**
 * The extensions an embedded database starts with: those the migrations create (pg_trgm, the
 * leads search's trigram indexes). PGlite loads an extension only when it is started with it, so
 * every PGlite that runs the migrations is created with these.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };

/** Where an offerlab database lives, as `offerlab db status` reports it. */
export type DatabaseTarget =
  | {
      kind: "pglite";
      dataDir: string;
      description: string;
      /**
       * The directory does not exist yet: opening it creates a new, empty database there (no
       * `.offerlab` was found in the working directory or its parents, or the configured
       * directory is new). The CLI says so once.
       */
      isNew: boolean;
    }
  | { kind: "postgres"; url: string; description: string };

/**
 * The directory name of the embedded database. Without `OFFERLAB_DATA_DIR`, the nearest
 * `.offerlab` in the working directory or one of its parents is used, as git finds `.git`; a new
 * one is made in the working directory only when there is none.
 */
export const DEFAULT_DATA_DIR = ".offerlab";
/** Where the sandbox's embedded database lives by default (`offerlab demo`, `--sandbox`), found the same way. */
export const SANDBOX_DATA_DIR = ".offerlab-sandbox";

export interface CreateDbOptions {
  /**
   * PostgreSQL connection string (a Supabase direct or pooler URL works).
   * Default: `process.env.DATABASE_URL`. When neither is set, the embedded PGlite is used.
   */
  databaseUrl?: string;
  /**
   * Directory of the embedded PGlite database, or `memory://` for a throwaway one.
   * Default: `process.env.OFFERLAB_DATA_DIR` (relative to `cwd`), else the nearest `.offerlab`
   * in `cwd` or one of its parents, else `.offerlab` in `cwd` (`.offerlab-sandbox` for a sandbox run).
   */
  dataDir?: string;
  /** The directory the user works in: where the search for `.offerlab` starts. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * A sandbox run: with neither `databaseUrl`/`DATABASE_URL` nor `dataDir`/`OFFERLAB_DATA_DIR`,
   * the embedded database is `./.offerlab-sandbox`, apart from live data. `openDatabase` also
   * marks the database as the sandbox's and refuses a live one. Default false.
   */
  sandbox?: boolean;
  /** Maximum connections of the node-postgres pool. Default: 10. */
  maxConnections?: number;
  /**
   * PostgreSQL only: plan the send path's statements once per connection (named prepared
   * statements, {@link preparedStatementsFor}). Default: `OFFERLAB_PREPARED_STATEMENTS` (`on` /
   * `off`), else on, except through a transaction pooler (port 6543, Supabase's, or a URL with
   * `pgbouncer=true`), which cannot keep a statement from one transaction to the next.
   */
  preparedStatements?: boolean;
  /**
   * Starts the embedded PGlite database from a dump of another one (PGlite's `dumpDataDir()`)
   * instead of an empty cluster; ignored for PostgreSQL. `@offerlab/db/testing` uses it to give each
   * test a migrated database without initdb and migrations. Default: none.
   */
  pgliteLoadDataDir?: Blob;
  /** Environment to read defaults from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

/**
 * Values come back the same way from both engines: bigint counts (`COUNT(*)`) and numerics
 * (`DECIMAL(5,2)` rates) as JavaScript numbers, dates as `YYYY-MM-DD` strings (no time-zone
 * shift), timestamps as `Date`.
 */
const toNumber = (value: string) => (value === null ? null : Number(value));
const keepString = (value: string) => value;

/** Hides the password of a connection string, for logs and `db status`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

/** The nearest directory called `name` in `from` or one of its parents (as git finds `.git`), or undefined. */
export function findUpwards(name: string, from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, name);
    try {
      if (fs.statSync(candidate).isDirectory()) return candidate;
    } catch {
      // not here: look in the parent
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Which database `createDb` would open with these options, without opening it. */
export function resolveDatabaseTarget(options: CreateDbOptions = {}): DatabaseTarget {
  const env = options.env ?? process.env;
  const url = options.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined);
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new OfferlabError(
        "config_invalid",
        `DATABASE_URL must be a postgres:// or postgresql:// URL (got "${redactUrl(url)}"); unset it to use the embedded database`,
      );
    }
    return { kind: "postgres", url, description: `PostgreSQL at ${redactUrl(url)}` };
  }
  const cwd = options.cwd ?? process.cwd();
  const configured = options.dataDir ?? (env.OFFERLAB_DATA_DIR?.trim() || undefined);
  let dataDir: string;
  if (configured?.startsWith("memory://")) {
    return { kind: "pglite", dataDir: configured, description: `embedded PGlite at ${configured}`, isNew: true };
  } else if (configured) {
    dataDir = path.resolve(cwd, configured);
  } else {
    const name = options.sandbox ? SANDBOX_DATA_DIR : DEFAULT_DATA_DIR;
    dataDir = findUpwards(name, cwd) ?? path.resolve(cwd, name);
  }
  return { kind: "pglite", dataDir, description: `embedded PGlite at ${dataDir}`, isNew: !fs.existsSync(dataDir) };
}

/**
 * The statements a connection prepares (plans once, then runs by name): those whose text starts
 * with this comment, the send path's (`/* send-path:claim *\/`, …). They run several times per
 * send, their shapes are few and fixed, and planning their CTEs cost the database about as much
 * as running them (issue 19, BENCHMARKS.md "Send path"). Every other statement stays unnamed, so a
 * long-running process does not collect one prepared statement per ad-hoc query shape.
 */
export const PREPARED_STATEMENT_MARK = "/* send-path:";

const ON = new Set(["on", "1", "true", "yes"]);
const OFF = new Set(["off", "0", "false", "no"]);

/**
 * Whether a pool on this URL names the send path's statements: `OFFERLAB_PREPARED_STATEMENTS`
 * (`on` or `off`) when set; else on, except for a transaction pooler, which hands each
 * transaction to any server connection, where a statement prepared by an earlier one does not
 * exist: port 6543 (Supabase's transaction pooler) or `pgbouncer=true` in the URL (Prisma's
 * convention for PgBouncer). A session pooler (Supabase's on port 5432) keeps them.
 */
export function preparedStatementsFor(url: string, env: Record<string, string | undefined> = process.env): boolean {
  const setting = env.OFFERLAB_PREPARED_STATEMENTS?.trim().toLowerCase();
  if (setting) {
    if (ON.has(setting)) return true;
    if (OFF.has(setting)) return false;
    throw new OfferlabError(
      "config_invalid",
      `OFFERLAB_PREPARED_STATEMENTS must be "on" or "off" (got "${env.OFFERLAB_PREPARED_STATEMENTS}"); unset it to decide from DATABASE_URL`,
    );
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.port !== "6543" && u.searchParams.get("pgbouncer") !== "true";
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes a pool client run the statements marked {@link PREPARED_STATEMENT_MARK} as named prepared
 * statements (node-postgres parses a name once per connection, then only binds and executes it).
 * The name is a hash of the text, so one text is one statement. Two failures are taken care of:
 * - a statement whose result columns changed under it (a migration added a column to a table it
 *   reads with `*`: "cached plan must not change result type", 0A000) fails once; the connection
 *   then prepares it again under a new name;
 * - a statement missing on the server (26000) or already there (42P05) means something between
 *   us and PostgreSQL does not keep a connection's statements (a transaction pooler on another
 *   port): the error says to turn them off.
 */
function prepareHotStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  const names = new Map<string, string>();
  let generation = 0;
  (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
    if (typeof config !== "string" || !config.startsWith(PREPARED_STATEMENT_MARK) || typeof values === "function" || callback)
      return query(config, values, callback);
    let name = names.get(config);
    if (!name) {
      name = `offerlab_${generation}_${createHash("sha1").update(config).digest("base64url").slice(0, 22)}`;
      names.set(config, name);
    }
    const result = query({ name, text: config, values }) as Promise<unknown>;
    return result.catch((error: { code?: string; message?: string }) => {
      if (error?.code === "0A000") {
        generation++;
        names.clear();
      } else if (error?.code === "26000" || error?.code === "42P05") {
        error.message = `${error.message} (a connection pooler in transaction mode? set OFFERLAB_PREPARED_STATEMENTS=off, or add pgbouncer=true to DATABASE_URL)`;
      }
      throw error;
    });
  };
}

export type Db = Kysely<Database>;

const targets = new WeakMap<Kysely<Database>, DatabaseTarget>();

/** The target a Kysely instance made by `createDb` talks to. */
export function databaseTargetOf(db: Kysely<Database>): DatabaseTarget | undefined {
  return targets.get(db);
}

/**
 * Opens the offerlab database: node-postgres when `DATABASE_URL` is set, else the embedded PGlite
 * under `./.offerlab/` (or `OFFERLAB_DATA_DIR`). Nothing is migrated here: call `migrate(db)`.
 *
 * The Postgres pool keeps no session state, and names only the send path's statements (prepared
 * once per connection, {@link preparedStatementsFor}), which it does not do through a transaction
 * pooler, so it works through Supabase's transaction pooler. An embedded data directory belongs to one process at a time: a
 * second open (another process, or this one) throws `EmbeddedDatabaseBusyError` naming the holder.
 * Close with `await db.destroy()` (which gives the directory back).
 */
export function createDb(options: CreateDbOptions = {}): Kysely<Database> {
  const target = resolveDatabaseTarget(options);
  let db: Kysely<Database>;
  if (target.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: options.maxConnections ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") => {
          if (oid === OID.INT8 || oid === OID.NUMERIC) return toNumber;
          if (oid === OID.DATE) return keepString;
          return pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection (a Postgres restart, a pooler recycling it) must not
    // crash the process: the pool drops that client and opens a new one on the next query.
    pool.on("error", () => {});
    // A checked-out client whose connection dies between two queries emits 'error' with no
    // listener, which would crash the process; the pending or next query fails instead.
    const prepared = options.preparedStatements ?? preparedStatementsFor(target.url, options.env ?? process.env);
    pool.on("connect", (client) => {
      client.on("error", () => {});
      if (prepared) prepareHotStatements(client);
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    // One process per data directory (a throwaway in-memory database has no directory to share).
    const unlock = target.dataDir.startsWith("memory://") ? undefined : lockEmbeddedDatabase(target.dataDir);
    let pglite: PGlite;
    try {
      pglite = new PGlite({
        dataDir: target.dataDir,
        ...(options.pgliteLoadDataDir ? { loadDataDir: options.pgliteLoadDataDir } : {}),
        parsers: { [OID.INT8]: toNumber, [OID.NUMERIC]: toNumber, [OID.DATE]: keepString },
        extensions: PGLITE_EXTENSIONS,
      });
    } catch (error) {
      unlock?.();
      throw error;
    }
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPGlitePool(pglite) }) });
    // Kysely ends the pool only if a query ever ran; the directory must be given back either way.
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      try {
        await destroy();
      } finally {
        try {
          if (!pglite.closed) await pglite.close();
        } finally {
          unlock?.();
        }
      }
    };
  }
  targets.set(db, target);
  return db;
}
