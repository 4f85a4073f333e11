/**
 * `offerlab cron once|daemon` and the package bin: configuration and providers from the
 * environment, the database, and the process's signals. SIGTERM/SIGINT: no new claim, the
 * in-flight send finishes (or, after the grace period, is left to its lease and the reconciler),
 * then a clean exit. A second signal exits at once.
 */
import { databaseTargetOf, openDatabase, type Db } from "@offerlab/db";
import type { RandomSource } from "@offerlab/scheduler";
import { loadCronConfig, type CronConfig } from "./config.js";
import { runDaemon, type DaemonSummary } from "./daemon.js";
import { createLogger, type Logger } from "./logger.js";
import { providersFromUnipile, rateGateOnDatabase, unipileFromEnv, usageToDatabase } from "./providers.js";
import { runTick, type TickProviders, type TickSummary } from "./tick.js";

export interface CronMainOptions {
  /** Where every setting is read (`DATABASE_URL`, `UNIPILE_*`, `OFFERLAB_*`). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Human-readable logs. Default: `OFFERLAB_LOG_PRETTY=1`, else JSON lines. */
  pretty?: boolean;
  /** Default: pino JSON lines (or pretty lines) on standard output, secrets redacted. */
  logger?: Logger;
  /** Overrides `OFFERLAB_CRON_SCHEDULE` (daemon only). */
  schedule?: string;
  /**
   * Providers to use instead of those built from the environment (the CLI passes its own, e.g.
   * the sandbox's). Receives the open database, for usage recording.
   */
  providers?: (db: Db) => TickProviders;
  /**
   * A sandbox run (the CLI's `--sandbox`): the database is the sandbox's own (`./.offerlab-sandbox`
   * by default) and a live database is refused; without it a database the sandbox filled is
   * refused. Default false.
   */
  sandbox?: boolean;
  /**
   * The runner's source of random draws (send-time jitter, account gaps, back-offs). Default:
   * `systemRandomSource()`, random per process; the CLI's sandbox runs pass a seeded one.
   */
  random?: RandomSource;
  /**
   * The clock of `cronOnce`'s tick. Default `() => new Date()`; the CLI's `cron once --sandbox`
   * passes the sandbox's simulated clock. (A daemon's ticks always follow the wall clock.)
   */
  now?: () => Date;
  /**
   * An open database to use instead of opening one from the environment (`offerlab serve` shares
   * one between the runner and the webhook server). It is not closed at the end. Default: none.
   */
  db?: Db;
  /** Stops the run when aborted. Default: SIGTERM and SIGINT of this process. */
  signal?: AbortSignal;
  /** Called when a second signal asks to stop at once, or the grace period ran out. Default: `process.exit(code)`. */
  exit?: (code: number) => void;
}

interface Prepared {
  config: CronConfig;
  logger: Logger;
  db: Db;
  providers: TickProviders;
  signal: AbortSignal;
  /** Stops listening for signals and closes the database (unless it was given). */
  release(): Promise<void>;
}

async function prepare(options: CronMainOptions): Promise<Prepared> {
  const env = options.env ?? process.env;
  const config = loadCronConfig(env);
  const logger = options.logger ?? createLogger({ pretty: options.pretty ?? env.OFFERLAB_LOG_PRETTY === "1", env });
  const { db, target } = options.db
    ? { db: options.db, target: databaseTargetOf(options.db) }
    : await openDatabase({ env, sandbox: options.sandbox === true });
  const ownDb = !options.db;
  let providers: TickProviders;
  if (options.providers) providers = options.providers(db);
  else {
    const { unipile, missing } = unipileFromEnv(env, usageToDatabase(db, logger), rateGateOnDatabase(db));
    if (!unipile)
      logger.warn(
        { missing },
        `Unipile is not configured (${missing.join(", ")}): nothing is sent, synced or withdrawn; the other jobs run`,
      );
    providers = unipile ? providersFromUnipile(unipile) : {};
  }
  logger.info({ database: target?.description ?? "(given)", runnerId: config.runnerId, providers: Object.keys(providers) }, "cron ready");

  const controller = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let signals = 0;
  let grace: NodeJS.Timeout | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.error({ signal: sig }, "second signal: exiting now; an in-flight send is fenced by its lease and settled by the reconciler");
      exit(130);
      return;
    }
    logger.info({ signal: sig, graceSeconds: config.shutdownGraceSeconds }, "stopping: no new claims; finishing the send in flight");
    controller.abort();
    grace = setTimeout(() => {
      logger.error(
        { graceSeconds: config.shutdownGraceSeconds },
        "the send in flight did not finish in time: exiting; its lease fences it and the reconciler settles it",
      );
      exit(1);
    }, config.shutdownGraceSeconds * 1000);
    grace.unref();
  };
  if (options.signal) options.signal.addEventListener("abort", () => controller.abort(), { once: true });
  else {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  return {
    config,
    logger,
    db,
    providers,
    signal: controller.signal,
    async release() {
      if (grace) clearTimeout(grace);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      if (ownDb) await db.destroy();
    },
  };
}

/** `once`: one tick, then exit (for a platform cron). Resolves with the tick's summary. */
export async function cronOnce(options: CronMainOptions = {}): Promise<TickSummary> {
  const p = await prepare(options);
  try {
    return await runTick({
      db: p.db,
      providers: p.providers,
      config: p.config,
      logger: p.logger,
      signal: p.signal,
      ...(options.random ? { random: options.random } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } finally {
    await p.release();
  }
}

/** `daemon`: ticks on the schedule until stopped. */
export async function cronDaemon(options: CronMainOptions = {}): Promise<DaemonSummary> {
  const p = await prepare(options);
  try {
    return await runDaemon({
      db: p.db,
      providers: p.providers,
      config: p.config,
      logger: p.logger,
      signal: p.signal,
      schedule: options.schedule ?? p.config.schedule,
      ...(options.random ? { random: options.random } : {}),
    });
  } finally {
    await p.release();
  }
}
