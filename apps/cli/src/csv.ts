/**
 * Reading a CSV file for `offerlab import`: its records, streamed, each with the file line it
 * ended on. Every error of the file or the parser (an unreadable file, a stray quote) is thrown by
 * the iteration, whenever it happens, and never escapes as an unhandled 'error' event.
 */
import fs from "node:fs";
import { pipeline } from "node:stream";
import { parse } from "csv-parse";

/** One data row of the file. */
export interface CsvRow {
  /** Values keyed by header (trimmed). */
  record: Record<string, string>;
  /** The file line the row ended on (1 is the header). */
  line: number;
}

export interface ReadCsvOptions {
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
}

/**
 * The data rows of `file`. Nothing is opened until the iteration starts: a reader created early
 * and read late (the import first checks the offer) would otherwise parse the first chunk with
 * nobody listening, and a bad line in it crashed the process. `pipeline` rather than `pipe`: an
 * error on either stream destroys both and reaches the loop, and leaving the loop early closes
 * the file.
 */
export async function* readCsv(file: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvRow> {
  const parser = parse({
    columns: (header: string[]) => header.map((h) => h.trim()),
    bom: true,
    skip_empty_lines: true,
    info: true,
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
  });
  // The iteration below reports the error; the callback only keeps pipeline from rethrowing it.
  pipeline(fs.createReadStream(file), parser, () => undefined);
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { record: item.record, line: item.info.lines };
  }
}
