/**
 * `offerlab cron once|daemon`: the runner of `@offerlab/cron` — one tick for a platform cron, or
 * ticks on a schedule for a long-running process. Logs (one JSON line per tick) go to stdout.
 */
import { createLogger, cronDaemon, cronOnce, providersFromUnipile, validateSchedule, type CronMainOptions } from "@offerlab/cron";
import { createUsageRecorder } from "@offerlab/pipeline";
import type { CallGate, OnUsage } from "@offerlab/provider-kit";
import { isSandboxEnabled, SANDBOX_BANNER } from "@offerlab/sandbox/env";
import { seededRandomSource } from "@offerlab/scheduler";
import type { Command } from "commander";
import { CliError, EXIT, type Io } from "../output.js";
import { addSandboxOptions, createCliProviders } from "../providers.js";
import { examples } from "./product-helpers.js";

export interface CronFlags {
  pretty?: boolean;
  schedule?: string;
  sandbox?: boolean;
  sandboxSeed?: string;
}

/**
 * The runner's options from the CLI's flags and environment (also used by `offerlab serve`). A
 * sandbox run draws every random choice from its seed (`--seed`); with `simulatedTime` (`cron
 * once`) its tick also runs at the sandbox's simulated time (`--start`), so one seed, one start
 * and one database give one outcome. A daemon's ticks follow the wall clock.
 */
export async function mainOptions(io: Io, o: CronFlags, mode: { simulatedTime?: boolean } = {}): Promise<CronMainOptions> {
  const pretty = Boolean(o.pretty) || io.env.OFFERLAB_LOG_PRETTY === "1";
  const options: CronMainOptions = {
    env: io.env,
    pretty,
    logger: createLogger({ pretty, env: io.env, destination: { write: (line) => io.stdout(line) } }),
  };
  // Sandbox: the simulated world's Unipile sends (in this process only); real mode builds
  // Unipile from UNIPILE_API_KEY / UNIPILE_DSN inside the runner, which says when it is missing.
  if (io.sandbox === true || isSandboxEnabled(io.env, { sandbox: o.sandbox === true })) {
    options.sandbox = true;
    // Usage is recorded once the runner has opened the database.
    let sink: OnUsage | undefined;
    let gate: CallGate | undefined;
    const providers = await createCliProviders(io, {
      sandbox: true,
      seed: o.sandboxSeed,
      onUsage: (event) => sink?.(event),
      gate: (call) => (gate ? gate(call) : Promise.resolve()),
      banner: false,
    });
    const world = providers.world!;
    options.random = seededRandomSource(world.seed);
    if (mode.simulatedTime) options.now = world.clock.now;
    options.providers = (db) => {
      io.stderr(`${SANDBOX_BANNER}\n`);
      const recorder = createUsageRecorder(db, {
        sandbox: true,
        onError: (error) => io.stderr(`offerlab: could not record Unipile usage: ${(error as Error).message}\n`),
      });
      sink = recorder.onUsage;
      gate = recorder.gate;
      return providersFromUnipile(providers.get("unipile"));
    };
  }
  return options;
}

export function registerCronCommands(program: Command, io: Io): void {
  const cron = program.command("cron").description("The runner: send due steps, apply events, keep the books (once, or as a daemon)");

  addSandboxOptions(
    cron
      .command("once")
      .description("Run every job once and exit (for Railway cron, GitHub Actions, a Kubernetes CronJob)")
      .option("--pretty", "human-readable logs instead of JSON lines (also OFFERLAB_LOG_PRETTY=1)"),
  )
    .addHelpText(
      "after",
      `
Jobs, in order: warming, inbox sync, inbox, withdraw stale invitations, reap, reconcile, plan,
send, daily counters, books, account health, credits. One JSON line per tick on stdout. Exit code
1 when a job failed (the next run tries again). Reads DATABASE_URL, UNIPILE_API_KEY, UNIPILE_DSN
and the OFFERLAB_* variables of apps/cron/README.md; OFFERLAB_SEND_CONCURRENCY (default 4, 1–256)
is how many sends are in flight at once, each from a different account.
${examples(["offerlab cron once", "offerlab cron once --pretty", "offerlab cron once --sandbox --pretty"])}`,
    )
    .action(async (o: CronFlags) => {
      // A configuration error (CronConfigError, exit 2) or a database one ends the command in `run`.
      const tick = await cronOnce(await mainOptions(io, o, { simulatedTime: true }));
      const failed = Object.entries(tick.jobs).filter(([, r]) => r?.status === "failed");
      if (failed.length) {
        throw new CliError(
          `${failed.length} job(s) failed: ${failed.map(([name, r]) => `${name} (${r?.status === "failed" ? r.error : ""})`).join("; ")}`,
          EXIT.failure,
        );
      }
    });

  addSandboxOptions(
    cron
      .command("daemon")
      .description("Run ticks on a schedule until SIGTERM/SIGINT (the sends in flight finish first)")
      .option("--schedule <cron>", "cron expression in UTC, seconds optional (default: OFFERLAB_CRON_SCHEDULE, else every minute)")
      .option("--pretty", "human-readable logs instead of JSON lines (also OFFERLAB_LOG_PRETTY=1)"),
    // A daemon's ticks follow the wall clock: no simulated start.
    { start: false },
  )
    .addHelpText(
      "after",
      `
Never two ticks at once in one process; any number of daemons (and \`once\` runs) may share a
database. A database that stops answering is waited out with back-off. OFFERLAB_SEND_CONCURRENCY
(default 4, 1–256): sends in flight at once, each from a different account; SIGTERM waits for all.
${examples(["offerlab cron daemon", 'offerlab cron daemon --schedule "*/30 * * * * *" --pretty'])}`,
    )
    .action(async (o: CronFlags) => {
      if (o.schedule !== undefined) {
        try {
          validateSchedule(o.schedule, "--schedule");
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
      }
      await cronDaemon({ ...(await mainOptions(io, o)), ...(o.schedule ? { schedule: o.schedule } : {}) });
    });
}
