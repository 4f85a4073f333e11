/**
 * `offerlab webhooks serve` and the package bin: configuration from the environment, the
 * database, the server, and a clean stop on SIGTERM/SIGINT (or when `signal` aborts).
 */
import { databaseTargetOf, openDatabase, type Db } from "@offerlab/db";
import { loadWebhookConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { startWebhookServer, type RunningWebhookServer } from "./server.js";

export interface ServeOptions {
  /** Where every setting is read (`OFFERLAB_WEBHOOK_*`, `PORT`, `DATABASE_URL`). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Human-readable logs. Default: `OFFERLAB_LOG_PRETTY=1`, else JSON lines. */
  pretty?: boolean;
  /** Overrides `PORT`. */
  port?: number;
  /** Stops the server when aborted. Default: SIGTERM and SIGINT. */
  signal?: AbortSignal;
  /** Default: pino JSON lines (or pretty lines) on standard output, secrets redacted. */
  logger?: Logger;
  /** Called once the server listens (tests read the URL here). */
  onListening?: (server: RunningWebhookServer) => void;
  /**
   * A sandbox run (the CLI's `--sandbox`): the sandbox's own database; a live one is refused (and
   * without it, a database the sandbox filled is refused). Default false.
   */
  sandbox?: boolean;
  /**
   * An open database to use instead of opening one from the environment (`offerlab serve` shares
   * one between the runner and the server). It is not closed at the end. Default: none.
   */
  db?: Db;
}

/** Runs the server until the signal (or SIGTERM/SIGINT); resolves after a clean stop. */
export async function serveWebhooks(options: ServeOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const config = loadWebhookConfig(env);
  const logger = options.logger ?? createLogger({ pretty: options.pretty ?? env.OFFERLAB_LOG_PRETTY === "1", env });
  const { db, target } = options.db
    ? { db: options.db, target: databaseTargetOf(options.db) }
    : await openDatabase({ env, sandbox: options.sandbox === true });
  logger.info({ database: target?.description ?? "(given)" }, "database ready");
  let server: RunningWebhookServer | null = null;
  const controller = new AbortController();
  const stopOn = (sig: NodeJS.Signals) => {
    logger.info({ signal: sig }, "stopping: no new connections, finishing requests in flight");
    controller.abort();
  };
  if (!options.signal) {
    process.once("SIGTERM", stopOn);
    process.once("SIGINT", stopOn);
  }
  const signal = options.signal ?? controller.signal;
  try {
    server = await startWebhookServer({ db, logger, config: { ...config, port: options.port ?? config.port } });
    options.onListening?.(server);
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    process.off("SIGTERM", stopOn);
    process.off("SIGINT", stopOn);
    await server?.close();
    if (!options.db) await db.destroy();
  }
}
