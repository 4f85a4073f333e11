import fs from "node:fs";
import path from "node:path";
import { SuppressionKind } from "@offerlab/core";
import { suppressions } from "@offerlab/db";
import { addSuppression, importSuppressions, removeSuppression, type ImportSuppressionRow } from "@offerlab/operations";
import type { Command } from "commander";
import { readCsv } from "../csv.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { enumFlag, examples, when, withDb, withOperation } from "./product-helpers.js";

/** `offerlab suppress …`: the suppression list (people and domains never contacted). */
export function registerSuppressCommands(program: Command, io: Io): void {
  const cmd = program
    .command("suppress")
    .description("The suppression list: emails, LinkedIn URLs and domains offerlab never contacts")
    .addHelpText(
      "after",
      `
A suppressed person is never enrolled and never sent anything, in any campaign of any offer: the
send path checks the list again when it claims a send. A domain suppresses everyone whose email or
company is at it. Adding an entry cancels the sends of its people that have not left yet.
${examples([
  'offerlab suppress add jane@acme.com --reason "asked by mail"',
  'offerlab suppress add acme.com --reason "customer"',
  "offerlab suppress list --json",
  "offerlab suppress import do-not-contact.csv --skip-invalid",
])}`,
    );

  cmd
    .command("add")
    .description("Add an email, a LinkedIn profile URL or a domain (the kind is inferred unless --kind)")
    .argument("<value>", "an email address, a LinkedIn profile URL or a domain")
    .requiredOption("--reason <text>", "why (required)")
    .option("--kind <kind>", SuppressionKind.options.join(" | "))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples([
        'offerlab suppress add jane@acme.com --reason "asked by mail"',
        'offerlab suppress add https://www.linkedin.com/in/jane-doe --reason "customer" --kind linkedin',
      ]),
    )
    .action(async (value: string, o: { reason: string; kind?: string; json?: boolean }) => {
      const kind = enumFlag("--kind", o.kind, SuppressionKind.options);
      const r = await withOperation(io, (ctx) => addSuppression(ctx, { value, reason: o.reason, ...(kind ? { kind } : {}) }));
      if (o.json) return io.stdout(json(r));
      const s = r.suppression;
      io.stdout(
        `${r.created ? "Suppressed" : "Already suppressed"}: ${s.kind} ${s.value} (${s.reason}). ` +
          `${r.contacts} contact row(s) match; ${r.cancelled} pending send(s) cancelled.\n`,
      );
    });

  cmd
    .command("remove")
    .description("Take an entry off the list (sends it cancelled stay cancelled)")
    .argument("<value>", "the entry's email, LinkedIn URL or domain")
    .option("--kind <kind>", SuppressionKind.options.join(" | "))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Exit code 2 when no entry has that value (nothing is removed).
${examples(["offerlab suppress remove acme.com", "offerlab suppress remove jane@acme.com --json"])}`,
    )
    .action(async (value: string, o: { kind?: string; json?: boolean }) => {
      const kind = enumFlag("--kind", o.kind, SuppressionKind.options);
      const r = await withOperation(io, (ctx) => removeSuppression(ctx, { value, ...(kind ? { kind } : {}) }));
      // A value that names no entry exits 2 (not_found), with or without --json.
      if (o.json) return io.stdout(json(r));
      io.stdout(`Removed: ${r.removed.kind} ${r.removed.value}.\n`);
    });

  cmd
    .command("list")
    .description("Every entry of the list")
    .option("--json", "print the entries as JSON")
    .addHelpText("after", examples(["offerlab suppress list", "offerlab suppress list --json"]))
    .action(async (o: { json?: boolean }) => {
      const rows = await withDb(io, (db) => suppressions.list(db));
      if (o.json) return io.stdout(json(rows));
      if (rows.length === 0) return io.stdout("The suppression list is empty.\n");
      io.stdout(
        table(
          rows.map((r) => ({ ...r, added: when(r.created_at) })),
          [{ key: "kind" }, { key: "value", max: 48 }, { key: "reason", max: 40 }, { key: "source", drop: 1 }, { key: "added", drop: 2 }],
          io,
        ),
      );
    });

  cmd
    .command("import")
    .description("Import entries from a CSV file with a `value` column (or email, linkedin_url, domain) and optional `reason`, `kind`")
    .argument("<file>", "the CSV file")
    .option("--reason <text>", "the reason of rows without one")
    .option("--skip-invalid", "import the valid rows when some are invalid (default: import nothing)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(['offerlab suppress import customers.csv --reason "customer"', "offerlab suppress import list.csv --skip-invalid --json"]),
    )
    .action(async (file: string, o: { reason?: string; skipInvalid?: boolean; json?: boolean }) => {
      const full = path.resolve(io.cwd, file);
      if (!fs.existsSync(full) || !fs.statSync(full).isFile()) throw new CliError(`cannot read ${full}: no such file`, EXIT.usage);
      const rows: ImportSuppressionRow[] = [];
      for await (const row of readCsv(full)) {
        const r = row.record;
        const value = r.value ?? r.email ?? r.linkedin_url ?? r.domain ?? "";
        const kind = r.kind || (r.value ? undefined : r.email ? "email" : r.linkedin_url ? "linkedin" : r.domain ? "domain" : undefined);
        rows.push({ value: row.problem ? "" : value, ...(r.reason ? { reason: r.reason } : {}), ...(kind ? { kind: kind as never } : {}) });
      }
      const result = await withOperation(io, (ctx) =>
        importSuppressions(ctx, { rows, skipInvalid: o.skipInvalid === true, ...(o.reason ? { defaultReason: o.reason } : {}) }),
      );
      if (o.json) return io.stdout(json(result));
      io.stdout(
        `Imported ${result.added} new entr${result.added === 1 ? "y" : "ies"} (${result.existing} already there); ${result.cancelled} pending send(s) cancelled.\n`,
      );
      for (const bad of result.invalid) io.stdout(`  skipped row ${bad.row}: ${bad.problems.join("; ")}\n`);
    });
}
