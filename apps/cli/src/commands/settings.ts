/** `offerlab settings show`: the settings; `offerlab settings cooling-off <days>`: change the window. */
import { COOLING_OFF_DAYS_RANGE, settings } from "@offerlab/db";
import { setCoolingOff } from "@offerlab/operations";
import type { Command } from "commander";
import { CliError, EXIT, json, type Io } from "../output.js";
import { examples, intFlag, withDb, withOperation } from "./product-helpers.js";

export function registerSettingsCommands(program: Command, io: Io): void {
  const cmd = program.command("settings").description("Settings every offer shares (the cooling-off window)");
  cmd
    .command("show")
    .description("Show the settings")
    .option("--json", "print the settings as JSON")
    .addHelpText("after", examples(["offerlab settings show"]))
    .action(async (o: { json?: boolean }) => {
      const s = await withDb(io, (db) => settings.get(db));
      if (o.json) {
        io.stdout(json(s));
        return;
      }
      io.stdout(`cooling-off window: ${s.coolingOffDays} days (no first touch from a new campaign within it of our last touch)\n`);
    });

  cmd
    .command("cooling-off")
    .description("Set the cooling-off window in days (default 60): a person we touched comes back to every offer once it has passed")
    .argument("<days>", `whole days, ${COOLING_OFF_DAYS_RANGE.min} to ${COOLING_OFF_DAYS_RANGE.max}`)
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples(["offerlab settings cooling-off 90"]))
    .action(async (value: string, o: { json?: boolean }) => {
      const days = intFlag("<days>", value, COOLING_OFF_DAYS_RANGE.min, COOLING_OFF_DAYS_RANGE.max);
      if (days === undefined) throw new CliError("<days> is required", EXIT.usage);
      const result = await withOperation(io, (ctx) => setCoolingOff(ctx, { days }));
      if (o.json) {
        io.stdout(json(result));
        return;
      }
      io.stdout(`cooling-off window: ${result.previous.coolingOffDays} → ${result.settings.coolingOffDays} days\n`);
    });
}
