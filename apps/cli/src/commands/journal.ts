/**
 * `offerlab journal normalize <file>`: a sandbox journal (`OFFERLAB_SANDBOX_JOURNAL`) with its
 * database-generated ids replaced by their order of first appearance, on stdout. Two runs of one
 * seed and start (the same commit, or two commits to compare) then differ only where their
 * behaviour does: `diff` the normalised journals.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { normalizeJournal, SANDBOX_JOURNAL_ENV } from "@offerlab/sandbox";
import type { Command } from "commander";
import { CliError, EXIT, type Io } from "../output.js";
import { examples } from "./product-helpers.js";

export function registerJournalCommands(program: Command, io: Io): void {
  const journal = program
    .command("journal")
    .description(`The sandbox's journal of provider requests (written where ${SANDBOX_JOURNAL_ENV} says)`);
  journal
    .command("normalize <file>")
    .description("Print a journal with its database ids replaced by their order of first appearance, to compare two runs")
    .addHelpText(
      "after",
      `
Every UUID-shaped id (a send attempt's id in an email's send id, …) becomes <id:1>, <id:2> … in the
order it first appears. Two sandbox runs of one seed and one start on fresh data folders then give
byte-identical output; before and after a change, the difference is what the change did to the
providers' side of the story.
${examples([
  `${SANDBOX_JOURNAL_ENV}=before.jsonl OFFERLAB_DATA_DIR=memory:// offerlab demo`,
  "offerlab journal normalize before.jsonl > before.txt",
  "diff before.txt after.txt",
])}`,
    )
    .action((file: string) => {
      const at = path.resolve(io.cwd, file);
      let text: string;
      try {
        text = readFileSync(at, "utf8");
      } catch (error) {
        throw new CliError(
          `<file>: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          EXIT.usage,
        );
      }
      io.stdout(normalizeJournal(text));
    });
}
