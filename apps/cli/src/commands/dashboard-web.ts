/**
 * `offerlab dashboard`: the web dashboard of `@offerlab/dashboard` on this machine's database,
 * until SIGTERM/SIGINT. Loopback by default; another address needs OFFERLAB_DASHBOARD_TOKEN or Supabase Auth.
 */
import { OfferlabError } from "@offerlab/core";
import { databaseTargetOf, dataMode, type Db } from "@offerlab/db";
import {
  dashboardAuthFromEnv,
  dashboardConfigProblem,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  startDashboardServer,
  SECRET_ENV,
  TOKEN_ENV,
  type SupabaseAuthOptions,
} from "@offerlab/dashboard";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, type Io } from "../output.js";
import { addSandboxOptions } from "../providers.js";
import { examples, intFlag } from "./product-helpers.js";

export interface DashboardFlags {
  port?: string;
  host?: string;
  json?: boolean;
}

export interface DashboardCliOptions {
  port: number;
  host: string;
  token?: string;
  supabaseAuth?: SupabaseAuthOptions;
  sessionSecret?: string;
}

/** The dashboard's options from flags and environment, checked before anything starts. */
export function dashboardOptions(io: Io, o: DashboardFlags): DashboardCliOptions {
  const port =
    intFlag("--port", o.port, 0, 65535) ??
    (io.env.OFFERLAB_DASHBOARD_PORT ? intFlag("OFFERLAB_DASHBOARD_PORT", io.env.OFFERLAB_DASHBOARD_PORT, 0, 65535) : undefined) ??
    DEFAULT_DASHBOARD_PORT;
  const host = (o.host ?? io.env.OFFERLAB_DASHBOARD_HOST ?? DEFAULT_DASHBOARD_HOST).trim();
  let auth: ReturnType<typeof dashboardAuthFromEnv>;
  try {
    auth = dashboardAuthFromEnv(io.env);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const problem = dashboardConfigProblem({ host, ...auth });
  if (problem) throw new CliError(problem, EXIT.usage);
  return { port, host, ...auth };
}

/** How the printed URL says to sign in. */
export function signInHint(options: DashboardCliOptions): string {
  const ways = [...(options.supabaseAuth ? ["Supabase Auth"] : []), ...(options.token ? [TOKEN_ENV] : [])];
  return ways.length ? ` (sign in with ${ways.join(" or ")})` : "";
}

/** The embedded database's data folder (where the dashboard keeps its session key), if the database is one. */
export function embeddedDataDir(db: Db): { dataDir: string } | Record<string, never> {
  const target = databaseTargetOf(db);
  return target?.kind === "pglite" && !target.dataDir.startsWith("memory://") ? { dataDir: target.dataDir } : {};
}

export function registerDashboardWebCommand(program: Command, io: Io): void {
  addSandboxOptions(
    program
      .command("dashboard")
      .description("Open the web dashboard (overview, campaigns, leads, people, replies, accounts, live activity) on this database")
      .option("--port <n>", `port (default: OFFERLAB_DASHBOARD_PORT, else ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)`)
      .option("--host <address>", `address to listen on (default ${DEFAULT_DASHBOARD_HOST}; any other needs ${TOKEN_ENV} or Supabase Auth)`)
      .option("--json", "print the URL as JSON ({ url, host, port, protected }) once listening"),
    { start: false },
  )
    .addHelpText(
      "after",
      `
Listens on ${DEFAULT_DASHBOARD_HOST} (this machine only) unless --host says otherwise; on any other
address it refuses to start without a login: ${TOKEN_ENV} (16 characters or more), or Supabase
Auth (OFFERLAB_DASHBOARD_ALLOWED_EMAILS and/or OFFERLAB_DASHBOARD_ALLOWED_DOMAINS with SUPABASE_URL
and SUPABASE_ANON_KEY). A sign-in lasts 12 hours (a signed, HttpOnly session cookie); its key is
derived from ${SECRET_ENV} or kept in the data folder, so a restart signs nobody out. Every write
carries a CSRF token.
The embedded database belongs to one process: stop \`offerlab serve\` first, or use the dashboard
it runs. SIGTERM/SIGINT stop it.
${examples(["offerlab dashboard --sandbox", "offerlab dashboard --port 8080", `${TOKEN_ENV}=$(openssl rand -hex 24) offerlab dashboard --host 0.0.0.0`])}`,
    )
    .action(async (o: DashboardFlags) => {
      const options = dashboardOptions(io, o);
      const db = await openDatabase(io);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      try {
        const mark = await dataMode(db);
        const server = await startDashboardServer({
          db,
          ...options,
          ...embeddedDataDir(db),
          mode: mark?.mode === "sandbox" ? "sandbox data" : "live data",
          dataClock: mark?.mode === "sandbox",
        }).catch((error: Error) => {
          // A bad setting (a corrupt session key file, Supabase Auth half set) says so itself; only
          // a failure to bind is about the address.
          if (OfferlabError.isInstance(error)) throw error;
          throw new CliError(`the dashboard cannot listen on ${options.host}:${options.port}: ${error.message}`);
        });
        if (o.json)
          io.stdout(
            json({
              url: server.url,
              host: options.host,
              port: server.port,
              protected: options.token !== undefined || !!options.supabaseAuth,
            }),
          );
        else io.stdout(`Dashboard: ${server.url}${signInHint(options)} — Ctrl-C stops it\n`);
        await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
        await server.close();
      } finally {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        await db.destroy();
      }
    });
}
