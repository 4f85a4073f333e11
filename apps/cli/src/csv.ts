/**
 * Reading a CSV file for `offerlab import`: its records, streamed, each with the file line it
 * ended on; a header that repeats a name is refused. Every error of the file or the parser (an unreadable file, a stray quote) is thrown by
 * the iteration, whenever it happens, and never escapes as an unhandled 'error' event.
 */
import fs from "node:fs";
import { pipeline } from "node:stream";
import { OfferlabError } from "@offerlab/core";
import { parse } from "csv-parse";

/** One data row of the file. */
export interface CsvRow {
  /** Values keyed by header (trimmed). */
  record: Record<string, string>;
  /** The file line the row ended on (1 is the header). */
  line: number;
  /**
   * Why the row cannot be imported as it stands: it has more or fewer fields than the header
   * (`record` then holds what could be matched to a header, and should not be imported).
   */
  problem?: string;
}

export interface ReadCsvOptions {
  /** Field delimiter, one character. Default: sniffed from the header line (see {@link sniffDelimiter}). */
  delimiter?: string;
}

/** The delimiters `--delimiter` names, and the characters they stand for. */
export const DELIMITERS = { comma: ",", semicolon: ";", tab: "\t" } as const;
export type DelimiterName = keyof typeof DELIMITERS;

/**
 * `--delimiter`: `comma`, `semicolon` or `tab` (or the character itself: `,`, `;`, a tab, `|`, any
 * single character). Returns the character, or null when the value is neither.
 */
export function parseDelimiter(value: string): string | null {
  const name = value.trim().toLowerCase();
  if (Object.hasOwn(DELIMITERS, name)) return DELIMITERS[name as DelimiterName];
  if (value === "\\t") return "\t";
  return value.length === 1 ? value : null;
}

/**
 * The delimiter of a file written without saying which: the one of comma, semicolon and tab that
 * its header line holds most often outside quotes (Excel in many locales writes `;`, exports from
 * databases and spreadsheets often a tab); a comma when the header holds none of them (a
 * one-column file). Reads the first 64 kB only.
 */
export function sniffDelimiter(file: string): string {
  const fd = fs.openSync(file, "r");
  let head: string;
  try {
    const buffer = Buffer.alloc(65_536);
    head = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0)).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
  const counts = new Map<string, number>(Object.values(DELIMITERS).map((d) => [d, 0]));
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/**
 * The header names the same column more than once. A record is keyed by header, so the last
 * column of a name would silently win: the file is refused instead.
 */
export class DuplicateHeaderError extends OfferlabError {
  override readonly name = "DuplicateHeaderError";
  constructor(readonly duplicates: ReadonlyMap<string, readonly number[]>) {
    super(
      "invalid_input",
      `the header repeats ${[...duplicates].map(([h, at]) => `"${h}" (columns ${at.join(", ")})`).join(", ")}: ` +
        "give each column its own name, or remove the copies",
    );
  }

  /** True for a DuplicateHeaderError of any copy of this package. */
  static override isInstance(error: unknown): error is DuplicateHeaderError {
    return OfferlabError.isNamed(error, "DuplicateHeaderError");
  }
}

/** Trimmed headers, or a DuplicateHeaderError naming every header used twice (with 1-based column numbers). */
function headerOf(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const at = new Map<string, number[]>();
  // Blank headers name no field (nothing maps onto them), so several of them lose nothing.
  names.forEach((h, i) => h !== "" && at.set(h, [...(at.get(h) ?? []), i + 1]));
  const duplicates = new Map([...at].filter(([, cols]) => cols.length > 1));
  if (duplicates.size) throw new DuplicateHeaderError(duplicates);
  return names;
}

/** What csv-parse tells about each record (`info: true`); `error` is set on a relaxed row. */
interface ParseInfo {
  lines: number;
  error?: { code?: string; record?: unknown[]; columns?: unknown[] };
}

/**
 * The data rows of `file`. Nothing is opened until the iteration starts: a reader created early
 * and read late (the import first checks the offer) would otherwise parse the first chunk with
 * nobody listening, and a bad line in it crashed the process. `pipeline` rather than `pipe`: an
 * error on either stream destroys both and reaches the loop, and leaving the loop early closes
 * the file.
 */
export async function* readCsv(file: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvRow> {
  const delimiter = options.delimiter ?? sniffDelimiter(file);
  const parser = parse({
    columns: headerOf,
    bom: true,
    skip_empty_lines: true,
    info: true,
    // A row with a field too many or too few is one bad row, reported with the others, not a
    // file that cannot be read (which would stop an import even with --skip-invalid).
    relax_column_count: true,
    delimiter,
  });
  // The iteration below reports the error; the callback only keeps pipeline from rethrowing it.
  pipeline(fs.createReadStream(file), parser, () => undefined);
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: ParseInfo }>) {
    const e = item.info.error;
    if (e?.code === "CSV_RECORD_INCONSISTENT_COLUMNS") {
      const got = e.record?.length ?? 0;
      const want = e.columns?.length ?? 0;
      const problem =
        got > want
          ? `has ${got} fields where the header has ${want} (quote a value that contains the delimiter, e.g. "Acme, Inc.")`
          : `has ${got} field${got === 1 ? "" : "s"} where the header has ${want}`;
      yield { record: item.record, line: item.info.lines, problem };
    } else {
      yield { record: item.record, line: item.info.lines };
    }
  }
}
