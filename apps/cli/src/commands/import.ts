/** `offerlab import companies|contacts <file.csv>`: a CSV into an offer, streamed, all or nothing. */
import fs from "node:fs";
import path from "node:path";
import { resolve } from "@offerlab/db";
import { matchBookingsForEmails } from "@offerlab/operations";
import {
  ImportRejectedError,
  importFields,
  importRows,
  PipelineInputError,
  UnreadableRow,
  type ImportKind,
  type ImportSummary,
  type RowError,
} from "@offerlab/pipeline";
import type { Command } from "commander";
import { CsvError } from "csv-parse";
import { DuplicateHeaderError, readCsv } from "../csv.js";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, type Io } from "../output.js";
import { createProgress } from "../progress.js";

/** `--map "Company Name=name,Website=domain"` (repeatable) → `{ "Company Name": "name", Website: "domain" }`. */
export function parseMapFlag(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    for (const pair of value.split(",")) {
      if (pair.trim() === "") continue;
      const at = pair.lastIndexOf("=");
      if (at <= 0)
        throw new CliError(`--map: "${pair.trim()}" is not "<column>=<field>" (e.g. --map "Company Name=name,Website=domain")`, EXIT.usage);
      out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function fieldsHelp(kind: ImportKind): string {
  const lines = importFields(kind).map(
    (f) => `  ${f.field.padEnd(26)} ${f.description}; auto-mapped from: ${f.headers.map((h) => `"${h}"`).join(", ")}`,
  );
  return `\nFields (a column maps onto one; headers are compared ignoring case and punctuation):\n${lines.join("\n")}\n`;
}

function describeError(e: RowError, lines: readonly number[]): string {
  const line = lines[e.row - 1];
  if (e.field === "(row)") return `  row ${e.row}${line ? ` (line ${line})` : ""}: ${e.message}`;
  return `  row ${e.row}${line ? ` (line ${line})` : ""}, column "${e.column}"${e.column !== e.field ? ` (${e.field})` : ""}: ${e.message}${e.value !== undefined ? ` (got "${e.value}")` : ""}`;
}

const isSystemError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerImportCommands(program: Command, io: Io): void {
  const cmd = program.command("import").description("Import companies or contacts from a CSV file into an offer");

  for (const kind of ["companies", "contacts"] as const) {
    cmd
      .command(kind)
      .description(
        kind === "companies"
          ? "Import companies; deduped by normalised domain (then name), merged into the ones stored (a value fills an empty field, never replaces one)"
          : "Import contacts; their companies are found by domain or name (created when missing); deduped by normalised email and LinkedIn URL, merged into the ones stored",
      )
      .argument("<file>", "the CSV file: a header row, then one row per record (UTF-8, comma-separated unless --delimiter)")
      .requiredOption("--offer <offer>", "the offer to import into (id, slug or name)")
      .option(
        "--map <column=field,...>",
        'map columns onto fields, e.g. "Company Name=name,Website=domain"; "<column>=-" ignores one (repeatable)',
        collect,
        [],
      )
      .option("--skip-invalid", "import the valid rows and report the others (default: any invalid row means nothing is imported)")
      .option("--delimiter <char>", "field delimiter (default ,)")
      .option("--json", "print the summary as JSON")
      .addHelpText("after", fieldsHelp(kind))
      .action(async (file: string, o: { offer: string; map: string[]; skipInvalid?: boolean; delimiter?: string; json?: boolean }) => {
        const map = parseMapFlag(o.map);
        if (o.delimiter !== undefined && o.delimiter.length !== 1)
          throw new CliError(`--delimiter: must be one character (got "${o.delimiter}")`, EXIT.usage);
        const full = path.resolve(io.cwd, file);
        let stat: fs.Stats;
        try {
          stat = fs.statSync(full);
        } catch {
          throw new CliError(`cannot read ${full}: no such file`, EXIT.usage);
        }
        if (!stat.isFile()) throw new CliError(`${full} is not a file`, EXIT.usage);

        const db = await openDatabase(io);
        const progress = createProgress(io, { json: o.json });
        // The file line each data row ended on, for error reports (a number per row, not the row).
        const lines: number[] = [];
        try {
          const offer = await resolve.offer(db, o.offer);
          async function* records() {
            for await (const row of readCsv(full, o.delimiter ? { delimiter: o.delimiter } : {})) {
              lines.push(row.line);
              yield row.problem ? new UnreadableRow(row.problem) : row.record;
            }
          }
          let summary: ImportSummary;
          try {
            summary = await importRows(db, kind, records(), {
              offerId: offer.id,
              map,
              ...(o.skipInvalid ? { skipInvalid: true } : {}),
              // A booking kept for nobody (offerlab outcomes unmatched) whose attendee a row names
              // becomes a meeting in the import's transaction.
              ...(kind === "contacts" ? { onContactEmails: (trx, emails) => matchBookingsForEmails(trx, emails, new Date()) } : {}),
              onProgress: (p) => progress.update({ label: `import ${kind}`, done: p.rows, total: null, message: `${p.invalid} invalid` }),
            });
          } catch (error) {
            progress.clear();
            if (error instanceof ImportRejectedError) {
              const s = error.summary;
              const shown = s.errors.map((e) => describeError(e, lines));
              if (o.json) io.stdout(json({ file, offer: offer.slug, ...s }));
              throw new CliError(
                `${file}: ${s.invalid} of ${s.rows} rows are invalid; nothing was imported. Fix them, or use --skip-invalid to import the others:\n` +
                  `${shown.join("\n")}${s.errorCount > shown.length ? `\n  … and ${s.errorCount - shown.length} more` : ""}`,
                EXIT.usage,
              );
            }
            if (error instanceof PipelineInputError) throw new CliError(`${file}: ${error.message}`, EXIT.usage);
            if (error instanceof DuplicateHeaderError) throw new CliError(`${file}: ${error.message}; nothing was imported`, EXIT.usage);
            if (error instanceof CsvError) {
              throw new CliError(`${file}: not a readable CSV (${error.message}); nothing was imported`, EXIT.usage);
            }
            // The file went away or cannot be read after the checks above (permissions, a folder).
            if (isSystemError(error)) throw new CliError(`cannot read ${full}: ${error.message}; nothing was imported`, EXIT.usage);
            throw error;
          }
          progress.clear();
          if (o.json) {
            io.stdout(json({ file, offer: offer.slug, ...summary }));
          } else if (summary.rows === 0) {
            io.stdout(`${file} has no data rows; nothing to import.\n`);
          } else {
            const out = [
              `Imported ${kind} from ${file} into ${offer.slug}:`,
              `  rows ${summary.rows}: new ${summary.created}, merged into existing ${summary.merged} (${summary.duplicatesInFile} repeated in the file)` +
                (kind === "contacts" ? `, companies created ${summary.companiesCreated}` : ""),
              `  columns: ${Object.entries(summary.mapping.columns)
                .map(([h, f]) => (h === f ? f : `${h} → ${f}`))
                .join(", ")}`,
              ...(summary.mapping.ignored.length ? [`  ignored columns: ${summary.mapping.ignored.join(", ")}`] : []),
            ];
            io.stdout(`${out.join("\n")}\n`);
          }
          if (summary.invalid > 0) {
            const shown = summary.errors.map((e) => describeError(e, lines));
            io.stderr(
              `offerlab: skipped ${summary.invalid} invalid row(s):\n${shown.join("\n")}${summary.errorCount > shown.length ? `\n  … and ${summary.errorCount - shown.length} more` : ""}\n`,
            );
          }
        } finally {
          progress.clear();
          await db.destroy();
        }
      });
  }
}
