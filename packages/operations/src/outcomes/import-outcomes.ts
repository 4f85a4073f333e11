/**
 * Record many outcomes at once, from rows (a CSV file read by the app). Every row is checked and
 * its person and campaign looked up first; any invalid row means nothing is written, unless
 * `skipInvalid`, which records the valid rows and reports the others. One transaction. Rows with an
 * external id already recorded are counted as `duplicates` and change nothing, so re-importing a
 * file is harmless.
 */
import { OfferlabError, ValidationError, type FieldIssue } from "@offerlab/core";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { checkOutcome, recordChecked, type RecordOutcomeInput } from "./record-outcome.js";

/** One row: column name → text. Columns: person (or email, linkedin_url, contact_id), kind, at, meeting_at, campaign, value, currency, note, external_id. */
export type OutcomeRow = Readonly<Record<string, string | undefined>>;

export interface ImportOutcomesInput {
  rows: readonly OutcomeRow[];
  /** Record the valid rows and report the others (default: any invalid row means nothing is written). */
  skipInvalid?: boolean;
  /** The attribution window in days for rows without a campaign. Default 30. */
  windowDays?: number;
}

export interface ImportOutcomeRowError {
  /** 1-based index of the row among the data rows. */
  row: number;
  message: string;
}

export interface ImportOutcomesResult {
  rows: number;
  recorded: number;
  /** Rows whose external id was recorded before: nothing changed. */
  duplicates: number;
  meetingsCounted: number;
  invalid: number;
  errors: ImportOutcomeRowError[];
}

const pick = (row: OutcomeRow, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = row[k]?.trim();
    if (v) return v;
  }
  return undefined;
};

/** A row as `recordOutcome`'s input (source `csv`). Pure. */
export function outcomeInputOfRow(row: OutcomeRow, windowDays?: number): RecordOutcomeInput {
  const input: RecordOutcomeInput = {
    person: pick(row, "person", "contact_id", "email", "linkedin_url") ?? "",
    kind: pick(row, "kind") ?? "",
    source: "csv",
  };
  const set = <K extends keyof RecordOutcomeInput>(key: K, value: RecordOutcomeInput[K] | undefined) => {
    if (value !== undefined) input[key] = value;
  };
  set("at", pick(row, "at", "occurred_at"));
  set("meetingAt", pick(row, "meeting_at"));
  set("campaign", pick(row, "campaign"));
  set("value", pick(row, "value"));
  set("currency", pick(row, "currency"));
  set("note", pick(row, "note"));
  set("externalId", pick(row, "external_id"));
  set("windowDays", windowDays);
  return input;
}

function describe(error: unknown): string | null {
  if (ValidationError.isInstance(error)) return error.issues.map((i: FieldIssue) => `${i.field}: ${i.message}`).join("; ");
  if (OfferlabError.isInstance(error) && (error.code === "not_found" || error.code === "ambiguous_reference")) return error.message;
  return null;
}

export async function importOutcomes(ctx: OperationContext, input: ImportOutcomesInput): Promise<ImportOutcomesResult> {
  const now = nowOf(ctx);
  const result: ImportOutcomesResult = { rows: input.rows.length, recorded: 0, duplicates: 0, meetingsCounted: 0, invalid: 0, errors: [] };
  const checked = input.rows.map((row, i) => {
    const raw = outcomeInputOfRow(row, input.windowDays);
    try {
      return { index: i + 1, raw, c: checkOutcome(raw, now) };
    } catch (error) {
      const message = describe(error);
      if (message === null) throw error;
      result.errors.push({ row: i + 1, message });
      return null;
    }
  });
  const valid = checked.filter((x) => x !== null);
  if (result.errors.length > 0 && !input.skipInvalid) {
    result.invalid = result.errors.length;
    throw new ImportOutcomesRejected(result);
  }
  return inTransaction(ctx.db, async (trx) => {
    // The people and campaigns are looked up inside the transaction; a row naming none is invalid.
    // Rows are recorded as they pass, so with a rejection the transaction rolls back what was written.
    for (const { index, raw, c } of valid) {
      try {
        const r = await recordChecked(trx, c, raw.person);
        if (r.created) result.recorded++;
        else result.duplicates++;
        if (r.countedMeeting) result.meetingsCounted++;
      } catch (error) {
        const message = describe(error);
        if (message === null) throw error;
        result.errors.push({ row: index, message });
      }
    }
    result.errors.sort((a, b) => a.row - b.row);
    result.invalid = result.errors.length;
    if (result.invalid > 0 && !input.skipInvalid)
      throw new ImportOutcomesRejected({ ...result, recorded: 0, duplicates: 0, meetingsCounted: 0 });
    return result;
  });
}

/** Invalid rows and no `skipInvalid`: nothing was written. Carries the per-row report. */
export class ImportOutcomesRejected extends ValidationError {
  constructor(readonly summary: ImportOutcomesResult) {
    super(
      "outcomes import",
      summary.errors.map((e) => ({ field: `row ${e.row}`, message: e.message })),
    );
  }
}
