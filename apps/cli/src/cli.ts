import { exitCodeOf, OfferlabError, ValidationError } from "@offerlab/core";
import { SANDBOX_DATA_DIR } from "@offerlab/db";
import { isSandboxEnabled, SANDBOX_ENV } from "@offerlab/sandbox";
import { Command, CommanderError } from "commander";
import { registerDashboardCommands } from "./commands/dashboards.js";
import { registerDbCommands } from "./commands/db.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerOfferCommands } from "./commands/offers.js";
import { registerAccountCommands } from "./commands/accounts.js";
import { registerCampaignCommands } from "./commands/campaigns.js";
import { registerCompanyCommands } from "./commands/companies.js";
import { registerContactCommands } from "./commands/contacts.js";
import { registerInitCommand } from "./commands/init.js";
import { registerJournalCommands } from "./commands/journal.js";
import { registerTemplateCommands } from "./commands/templates.js";
import { registerSettingsCommands } from "./commands/settings.js";
import { registerWhyCommand } from "./commands/why.js";
import { registerOutcomeCommands } from "./commands/outcomes.js";
import { registerExperimentCommands, registerReportCommand } from "./commands/experiments.js";
import { registerSuppressCommands } from "./commands/suppress.js";
import { registerDiscoverCommands } from "./commands/discover.js";
import { registerEnrichCommands } from "./commands/enrich.js";
import { registerExportCommands } from "./commands/export.js";
import { registerImportCommands } from "./commands/import.js";
import { registerScrapeCommand } from "./commands/scrape.js";
import { registerCronCommands } from "./commands/cron.js";
import { registerWebhookCommands } from "./commands/webhooks.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerToolsCommands } from "./commands/tools.js";
import { databaseError } from "./database.js";
import { CliError, EXIT, processIo, type Io } from "./output.js";
import { sandboxStart } from "./providers.js";

export const VERSION = "0.0.0";

/** The help of the `--sandbox` flag every command has. */
const SANDBOX_HELP = `work in the sandbox: simulated providers and the sandbox's own database (${SANDBOX_DATA_DIR} unless OFFERLAB_DATA_DIR or DATABASE_URL is set; also ${SANDBOX_ENV}=1)`;

/** Builds the `offerlab` program. */
export function buildProgram(parentIo: Io): Command {
  // This run's own Io: the command being run decides whether it is a sandbox run (below).
  const io: Io = { ...parentIo, sandbox: isSandboxEnabled(parentIo.env) };
  const program = new Command("offerlab")
    .description("Test B2B offers with outbound: positioning, discovery, sequences, numbers.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerDbCommands(program, io);
  registerInitCommand(program, io);
  registerOfferCommands(program, io);
  registerTemplateCommands(program, io);
  registerAccountCommands(program, io);
  registerCampaignCommands(program, io);
  registerContactCommands(program, io);
  registerCompanyCommands(program, io);
  registerWhyCommand(program, io);
  registerSettingsCommands(program, io);
  registerOutcomeCommands(program, io);
  registerSuppressCommands(program, io);
  registerExperimentCommands(program, io);
  registerReportCommand(program, io);
  registerDashboardCommands(program, io);
  registerToolsCommands(program, io);
  registerDiscoverCommands(program, io);
  registerEnrichCommands(program, io);
  registerScrapeCommand(program, io);
  registerImportCommands(program, io);
  registerExportCommands(program, io);
  registerCronCommands(program, io);
  registerWebhookCommands(program, io);
  registerServeCommand(program, io);
  registerDemoCommand(program, io);
  registerJournalCommands(program, io);
  const leaves: Command[] = [];
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    leaves.push(...(cmd.commands.length ? cmd.commands : [cmd]));
  }
  // Every command that reads or writes data can work in the sandbox, so `--sandbox` is everywhere
  // and means one thing: simulated providers and the sandbox's own database.
  for (const leaf of leaves) {
    // `init` and `journal` read and write files only, never a database or a provider.
    const fileOnly = leaf.name() === "init" || leaf.parent?.name() === "journal";
    if (!fileOnly && !leaf.options.some((o) => o.long === "--sandbox")) leaf.option("--sandbox", SANDBOX_HELP);
  }
  program.hook("preAction", (_program, action) => {
    const o = action.opts<{ sandbox?: boolean; sandboxSeed?: string; seed?: string; start?: string }>();
    io.sandbox = isSandboxEnabled(io.env, { sandbox: o.sandbox === true });
    // Checked before anything runs: bad input writes nothing.
    if (o.seed !== undefined && o.sandboxSeed !== undefined && o.seed !== o.sandboxSeed) {
      throw new CliError("--seed: give it once (--sandbox-seed is its older name)", EXIT.usage);
    }
    const seed = o.seed ?? o.sandboxSeed;
    if (seed !== undefined && !seed.trim()) throw new CliError("--seed: give a non-empty seed", EXIT.usage);
    io.sandboxSeed = seed?.trim();
    if (o.start !== undefined) sandboxStart(o.start);
    io.sandboxStart = o.start;
  });
  return program;
}

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 bad input). Every offerlab error ends
 * the command with its message and the exit code of its code (core's one table); anything else is
 * unexpected and shows its stack.
 */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (ValidationError.isInstance(error)) {
      io.stderr(
        `offerlab: invalid ${error.subject}; nothing was written:\n${error.issues.map((i) => `  - ${i.field}: ${i.message}`).join("\n")}\n`,
      );
      return exitCodeOf(error);
    }
    // The CLI's own errors, a reference that names no row (or several), a database that cannot be
    // used as it is (pending migrations, the other world's data, held by another process; also
    // where a command opens it itself: the runner, the webhook server), …: the message says what
    // to do, a stack trace would only hide it.
    if (OfferlabError.isInstance(error)) {
      io.stderr(`offerlab: ${(databaseError(io, error) as Error).message}\n`);
      return exitCodeOf(error);
    }
    io.stderr(`offerlab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failure;
  }
}
