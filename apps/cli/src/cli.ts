import { ValidationError } from "@offerlab/core";
import { PendingMigrationsError } from "@offerlab/db";
import { Command, CommanderError } from "commander";
import { registerDashboardCommands } from "./commands/dashboards.js";
import { registerDbCommands } from "./commands/db.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerOfferCommands } from "./commands/offers.js";
import { registerAccountCommands } from "./commands/accounts.js";
import { registerCampaignCommands } from "./commands/campaigns.js";
import { registerInitCommand } from "./commands/init.js";
import { registerTemplateCommands } from "./commands/templates.js";
import { registerWhyCommand } from "./commands/why.js";
import { registerDiscoverCommands } from "./commands/discover.js";
import { registerEnrichCommands } from "./commands/enrich.js";
import { registerExportCommands } from "./commands/export.js";
import { registerImportCommands } from "./commands/import.js";
import { registerScrapeCommand } from "./commands/scrape.js";
import { registerCronCommands } from "./commands/cron.js";
import { registerWebhookCommands } from "./commands/webhooks.js";
import { CliError, EXIT, processIo, type Io } from "./output.js";

export const VERSION = "0.0.0";

/** Builds the `offerlab` program. */
export function buildProgram(io: Io): Command {
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
  registerWhyCommand(program, io);
  registerDashboardCommands(program, io);
  registerDiscoverCommands(program, io);
  registerEnrichCommands(program, io);
  registerScrapeCommand(program, io);
  registerImportCommands(program, io);
  registerExportCommands(program, io);
  registerCronCommands(program, io);
  registerWebhookCommands(program, io);
  registerDemoCommand(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  }
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 failure, 2 bad input). */
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
      io.stderr(`offerlab: invalid ${error.subject}; nothing was written:\n${error.issues.map((i) => `  - ${i.field}: ${i.message}`).join("\n")}\n`);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`offerlab: ${error.message}\n`);
      return error.exitCode;
    }
    // Raised where a command opens the database itself (the runner, the webhook server): the
    // message says what to do, a stack trace would only hide it.
    if (PendingMigrationsError.isInstance(error)) {
      io.stderr(`offerlab: ${error.message}\n`);
      return EXIT.failure;
    }
    io.stderr(`offerlab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failure;
  }
}
