/** `offerlab export leads|companies|contacts`: CSV (or JSON) to stdout or a file, streamed. */
import fs from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { resolve } from "@offerlab/db";
import { EXPORT_COLUMNS, exportRows, type ExportKind } from "@offerlab/pipeline";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { openDatabase } from "../database.js";
import { CliError, EXIT, processIo, type Io } from "../output.js";

const DESCRIPTIONS: Record<ExportKind, string> = {
  leads:
    "People you may contact now (enriched or ready, eligible, not cooling off, not contacted, company not disqualified), with their company's fit and website variables",
  companies: "Companies with their fit score, reasoning, status and website variables",
  contacts: "Every contact with their email status, buyer fit, status and company",
};

const isEpipe = (e: unknown) => (e as { code?: string } | null)?.code === "EPIPE";

/**
 * Resolves when `stream` drains, closes or fails, and leaves no listener behind. (`once()` for
 * each in a race left the losers attached: a listener per wait, and a large export waits
 * thousands of times, hence MaxListenersExceededWarning.)
 */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}

/**
 * Writes text with backpressure: to a file, to the process's stdout, or to the command's stdout.
 * A reader that goes away (`export … | head`) ends the export quietly: `closed` turns true.
 */
function writerFor(
  io: Io,
  file: fs.WriteStream | null,
): { readonly closed: boolean; write(text: string): Promise<void>; end(): Promise<void> } {
  const stream: NodeJS.WritableStream | null = file ?? (io.stdout === processIo.stdout ? process.stdout : null);
  let closed = false;
  let failure: unknown = null;
  stream?.on("error", (e) => {
    if (isEpipe(e)) closed = true;
    else failure = e;
  });
  return {
    get closed() {
      return closed;
    },
    async write(text) {
      if (failure) throw failure;
      if (closed) return;
      if (!stream) return io.stdout(text);
      try {
        if (!stream.write(text)) await writable(stream);
        if (failure) throw failure;
      } catch (e) {
        if (!isEpipe(e)) throw e;
        closed = true;
      }
    },
    async end() {
      if (file) {
        file.end();
        await once(file, "finish");
      }
    },
  };
}

export function registerExportCommands(program: Command, io: Io): void {
  const cmd = program.command("export").description("Export leads, companies or contacts as CSV (or JSON)");
  for (const kind of ["leads", "companies", "contacts"] as const) {
    cmd
      .command(kind)
      .description(DESCRIPTIONS[kind])
      .option("--offer <offer>", "only this offer: id, slug or name (default: every offer)")
      .option("-o, --output <file>", "write to this file instead of stdout")
      .option("--json", "JSON (an array of objects) instead of CSV")
      .addHelpText("after", `\nColumns: ${EXPORT_COLUMNS[kind].join(", ")}\n`)
      .action(async (o: { offer?: string; output?: string; json?: boolean }) => {
        const target = o.output ? path.resolve(io.cwd, o.output) : null;
        if (target && !fs.existsSync(path.dirname(target)))
          throw new CliError(`--output: the folder ${path.dirname(target)} does not exist`, EXIT.usage);
        const db = await openDatabase(io);
        try {
          const offer = o.offer ? await resolve.offer(db, o.offer) : undefined;
          const file = target ? fs.createWriteStream(target) : null;
          const out = writerFor(io, file);
          const columns = [...EXPORT_COLUMNS[kind]];
          let n = 0;
          if (o.json) await out.write("[");
          else await out.write(stringify([columns]));
          for await (const row of exportRows(db, kind, offer ? { offerId: offer.id } : {})) {
            await out.write(o.json ? `${n ? "," : ""}\n  ${JSON.stringify(row)}` : stringify([columns.map((c) => row[c] ?? "")]));
            if (out.closed) break;
            n += 1;
          }
          if (o.json) await out.write(n ? "\n]\n" : "]\n");
          await out.end();
          if (target) io.stderr(`Exported ${n} ${kind} to ${target}.\n`);
        } finally {
          await db.destroy();
        }
      });
  }
}
