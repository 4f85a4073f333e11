import { editCompany } from "@offerlab/operations";
import type { Command } from "commander";
import { CliError, EXIT, json, type Io } from "../output.js";
import { examples, fields, withOperation } from "./product-helpers.js";

/** `offerlab companies …`: edit a company's status by hand. */
export function registerCompanyCommands(program: Command, io: Io): void {
  const cmd = program.command("companies").description("Companies: qualify or disqualify one by hand");

  cmd
    .command("edit")
    .description("Set a company's status by hand: new, qualified, or disqualified with a reason")
    .argument("<company>", "the company's id, domain (or website URL) or name")
    .option("--offer <offer>", "the offer whose row to edit, when the company has rows in several offers")
    .option("--status <status>", "new | qualified | disqualified (with --reason)")
    .option("--disqualify", "disqualify it (the same as --status disqualified)")
    .option("--reason <text>", "why it is disqualified (required to disqualify)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
contacted, responded, meeting, converted and rejected follow from what happened (outreach,
replies, outcomes) and are not set by hand; after outreach a company may only be disqualified.
Disqualifying stops the sequences of its contacts and cancels their sends not yet at the
provider, at once, and new enrolments leave its people out. Qualifying it again does not restart
what was stopped. Exit code 2: bad input (nothing is changed) or an unknown company.
${examples([
  'offerlab companies edit acme.com --disqualify --reason "an agency"',
  "offerlab companies edit acme.com --status qualified --offer ai-sales-coach --json",
])}`,
    )
    .action(async (ref: string, o: { offer?: string; status?: string; disqualify?: boolean; reason?: string; json?: boolean }) => {
      if (o.disqualify && o.status !== undefined && o.status !== "disqualified")
        throw new CliError("--disqualify and --status name two statuses: give one", EXIT.usage);
      const status = o.disqualify ? "disqualified" : o.status;
      if (status === undefined) throw new CliError("nothing to change: give --status or --disqualify --reason", EXIT.usage);
      const r = await withOperation(io, (ctx) =>
        editCompany(ctx, {
          company: ref,
          status,
          ...(o.offer !== undefined ? { offer: o.offer } : {}),
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
        }),
      );
      if (o.json) return io.stdout(json(r));
      const c = r.company;
      io.stdout(
        fields([
          ["company", c.name],
          ["domain", c.domain],
          ["status", c.status],
          ["reason", c.disqualification_reason],
        ]),
      );
      io.stdout(r.changed ? `\nStatus: ${r.previous.status} → ${c.status}.` : "\nNothing changed (it was already so).");
      if (r.sequencesStopped || r.cancelled)
        io.stdout(` ${r.sequencesStopped} sequence(s) stopped, ${r.cancelled} pending send(s) cancelled.`);
      io.stdout("\n");
    });
}
