/**
 * A node-postgres-shaped pool over one PGlite instance, so Kysely's own PostgresDialect (its
 * adapter, query compiler and introspector) drives the embedded database exactly as it drives a
 * real server. Kysely 0.29 ships a PGlite dialect, but it needs Node 22; this is the small slice
 * of it we need on 0.28.
 *
 * Two behaviours of node-postgres are reproduced on purpose:
 * - a query without parameters goes through the simple-query protocol, so a migration file with
 *   many statements runs as one call, as it does over `pg`;
 * - the pool hands out one connection at a time (PGlite is a single session), so a transaction
 *   holds the database until it ends and concurrent callers wait their turn instead of
 *   interleaving statements inside someone else's transaction.
 */
import type { PGlite, Results } from "@electric-sql/pglite";
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";

type Command = PostgresQueryResult<unknown>["command"];

const DML = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/**
 * PGlite does not expose the command tag. Kysely reads it for two things: the affected-row count
 * of INSERT/UPDATE/DELETE/MERGE, and COMMIT turning into ROLLBACK. Derive it from the statement;
 * a data-modifying CTE (`WITH … UPDATE`) reports its affected rows like the UPDATE it is.
 */
function commandOf(sql: string, result: Results<unknown> | undefined): Command {
  const word = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i.exec(sql)?.[1]?.toUpperCase() ?? "SELECT";
  if (DML.has(word)) return word as Command;
  if (word === "COMMIT" || word === "ROLLBACK") return word;
  return (result?.affectedRows ?? 0) > 0 ? "UPDATE" : "SELECT";
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

/** Error PGlite raises after a failed statement inside a transaction (SQLSTATE 25P02). */
function isAbortedTransaction(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "25P02";
}

class PGliteClient implements PostgresPoolClient {
  #inFailedTransaction = false;

  constructor(
    private readonly pg: PGlite,
    private readonly onRelease: () => void,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query(cursor: never): never;
  async query<R>(sql: string, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    if (typeof sql !== "string") throw new Error("@offerlab/db: streaming cursors are not supported on PGlite");
    const command = commandOf(sql, undefined);
    // COMMIT of a transaction in which a statement failed is a ROLLBACK, as node-postgres reports.
    if (command === "COMMIT" && this.#inFailedTransaction) {
      await this.pg.query("ROLLBACK");
      this.#inFailedTransaction = false;
      return { command: "ROLLBACK", rowCount: 0, rows: [] };
    }
    try {
      let result: Results<R> | undefined;
      if (!parameters || parameters.length === 0) {
        const all = (await this.pg.exec(sql)) as Results<R>[];
        result = all[all.length - 1];
      } else {
        result = await this.pg.query<R>(sql, [...parameters]);
      }
      if (command === "ROLLBACK" || command === "COMMIT") this.#inFailedTransaction = false;
      const tag = commandOf(sql, result);
      return { command: tag, rowCount: result?.affectedRows ?? result?.rows.length ?? 0, rows: result?.rows ?? [] };
    } catch (error) {
      if (this.pg.isInTransaction?.() || isAbortedTransaction(error)) this.#inFailedTransaction = true;
      throw error;
    }
  }

  release(): void {
    this.onRelease();
  }
}

/** A pool of exactly one PGlite session, shaped like `pg.Pool` for Kysely's PostgresDialect. */
export function createPGlitePool(pg: PGlite, options: { closeOnEnd?: boolean } = {}): PostgresPool {
  const mutex = new Mutex();
  return {
    async connect() {
      const release = await mutex.lock();
      await pg.waitReady;
      let released = false;
      return new PGliteClient(pg, () => {
        if (released) return;
        released = true;
        release();
      });
    },
    async end() {
      if (options.closeOnEnd !== false && !pg.closed) await pg.close();
    },
  };
}
