/**
 * `offerlab serve`: the cron daemon, the webhook server and the web dashboard in one process,
 * sharing one database.
 * The embedded database belongs to one process at a time, so this is how embedded users run both;
 * on PostgreSQL it is simply one process instead of two.
 */
import { OfferlabError } from "@offerlab/core";
import { cronDaemon, loadCronConfig, validateSchedule } from "@offerlab/cron";
import { startDashboardServer, TOKEN_ENV } from "@offerlab/dashboard";
import { dataMode } from "@offerlab/db";
import { ConfigError, createLogger, DEFAULT_SECRET_HEADER, loadWebhookConfig, serveWebhooks } from "@offerlab/webhooks";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { CliError, EXIT, type Io } from "../output.js";
import { addSandboxOptions } from "../providers.js";
import { mainOptions, type CronFlags } from "./cron.js";
import { dashboardOptions, embeddedDataDir, signInHint } from "./dashboard-web.js";
import { examples, intFlag } from "./product-helpers.js";

interface ServeFlags extends CronFlags {
  port?: string;
  dashboard?: boolean;
  dashboardPort?: string;
  dashboardHost?: string;
}

export function registerServeCommand(program: Command, io: Io): void {
  addSandboxOptions(
    program
      .command("serve")
      .description(
        "Run the cron daemon, the webhook server and the web dashboard in one process, on one database (what the embedded database needs)",
      )
      .option(
        "--schedule <cron>",
        "the runner's cron expression in UTC, seconds optional (default: OFFERLAB_CRON_SCHEDULE, else every minute)",
      )
      .option("--port <n>", "the webhook server's port (default: PORT, else 8787)")
      .option("--pretty", "human-readable logs instead of JSON lines (also OFFERLAB_LOG_PRETTY=1)")
      .option("--dashboard-port <n>", "the web dashboard's port (default: OFFERLAB_DASHBOARD_PORT, else 4317)")
      .option("--dashboard-host <address>", `the web dashboard's address (default 127.0.0.1; any other needs ${TOKEN_ENV})`)
      .option("--no-dashboard", "run without the web dashboard"),
    // Its ticks and requests follow the wall clock: no simulated start.
    { start: false },
  )
    .addHelpText(
      "after",
      `
The embedded database (PGlite) can be open in one process only, so \`offerlab cron daemon\`,
\`offerlab webhooks serve\` and \`offerlab dashboard\` cannot run side by side on it: \`serve\` runs
all three, with one database (the dashboard on 127.0.0.1 unless --dashboard-host and ${TOKEN_ENV}).
Needs what both need: OFFERLAB_WEBHOOK_SECRET (32 characters or more; \`offerlab webhooks register\`
generates one; header ${DEFAULT_SECRET_HEADER}), UNIPILE_API_KEY and UNIPILE_DSN, and the OFFERLAB_*
variables of apps/cron/README.md and apps/webhooks/README.md (OFFERLAB_SEND_CONCURRENCY, default 4:
sends in flight at once, each from a different account). SIGTERM/SIGINT: no new claims or
connections, the sends and requests in flight finish, then a clean exit; a second signal exits at once.
${examples(["OFFERLAB_WEBHOOK_SECRET=… offerlab serve --pretty", 'offerlab serve --schedule "*/30 * * * * *" --port 8080'])}`,
    )
    .action(async (o: ServeFlags) => {
      const port = intFlag("--port", o.port, 0, 65535);
      if (o.schedule !== undefined) {
        try {
          validateSchedule(o.schedule, "--schedule");
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
      }
      const dashboard =
        o.dashboard === false
          ? null
          : dashboardOptions(io, {
              ...(o.dashboardPort ? { port: o.dashboardPort } : {}),
              ...(o.dashboardHost ? { host: o.dashboardHost } : {}),
            });
      // Every configuration is checked before anything starts.
      let grace: number;
      try {
        loadWebhookConfig(io.env);
        grace = loadCronConfig(io.env).shutdownGraceSeconds;
      } catch (error) {
        if (error instanceof ConfigError) {
          throw new CliError(
            `${error.message} (a runner without webhooks: \`offerlab cron daemon\`, which syncs inboxes instead)`,
            EXIT.usage,
          );
        }
        throw error;
      }
      const db = await openDatabase(io);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = () => {
        signals++;
        if (signals > 1) process.exit(130);
        controller.abort();
        // The runner's grace period: a send still in flight after it is fenced by its lease.
        setTimeout(() => process.exit(1), grace * 1000).unref();
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      let web: Awaited<ReturnType<typeof startDashboardServer>> | null = null;
      try {
        if (dashboard) {
          const mark = await dataMode(db);
          web = await startDashboardServer({
            db,
            ...dashboard,
            ...embeddedDataDir(db),
            mode: mark?.mode === "sandbox" ? "sandbox data" : "live data",
            dataClock: mark?.mode === "sandbox",
          }).catch((error: Error) => {
            // A bad setting (a corrupt session key file, Supabase Auth half set) says so itself; only
            // a failure to bind is about the address.
            if (OfferlabError.isInstance(error)) throw error;
            throw new CliError(`the dashboard cannot listen on ${dashboard.host}:${dashboard.port}: ${error.message}`);
          });
          io.stderr(`Dashboard: ${web.url}${signInHint(dashboard)}\n`);
          controller.signal.addEventListener("abort", () => void web?.close(), { once: true });
        }
        const cron = await mainOptions(io, o);
        const pretty = cron.pretty ?? false;
        // Either part failing (a port in use) stops the other: one process, one fate.
        const [runner, server] = await Promise.allSettled([
          cronDaemon({ ...cron, db, signal: controller.signal, ...(o.schedule ? { schedule: o.schedule } : {}) }).finally(() =>
            controller.abort(),
          ),
          serveWebhooks({
            env: io.env,
            db,
            signal: controller.signal,
            pretty,
            ...(port !== undefined ? { port } : {}),
            logger: createLogger({ pretty, env: io.env, destination: { write: (line) => io.stdout(line) } }),
          }).finally(() => controller.abort()),
        ]);
        if (server.status === "rejected")
          throw new CliError(`the webhook server stopped: ${(server.reason as Error).message ?? String(server.reason)}`);
        if (runner.status === "rejected") throw runner.reason;
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        await web?.close();
        await db.destroy();
      }
    });
}
