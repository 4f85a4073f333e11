/**
 * Import suppression-list entries in bulk (rows of a CSV file, say). Every row is validated first;
 * when any is invalid nothing is written unless `skipInvalid`, and the invalid rows are reported
 * either way. One transaction: the entries and the cancellation of their people's unsent sends.
 */
import { ValidationError, type FieldIssue, type SuppressionKind } from "@offerlab/core";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { addParsedSuppression, parseSuppression } from "./add-suppression.js";

export interface ImportSuppressionRow {
  /** The email, LinkedIn URL or domain. */
  value: string;
  reason?: string;
  kind?: SuppressionKind;
}

export interface ImportSuppressionsInput {
  rows: readonly ImportSuppressionRow[];
  /** Used for rows without a reason. */
  defaultReason?: string;
  /** Import the valid rows when some are invalid. Default false: then nothing is written. */
  skipInvalid?: boolean;
}

export interface ImportSuppressionsResult {
  added: number;
  /** Rows whose entry was already on the list (or appeared earlier in the file). */
  existing: number;
  /** Queue rows cancelled. */
  cancelled: number;
  /** Invalid rows (1-based row numbers) and why; skipped when `skipInvalid`. */
  invalid: { row: number; problems: string[] }[];
}

export async function importSuppressions(ctx: OperationContext, input: ImportSuppressionsInput): Promise<ImportSuppressionsResult> {
  const valid: ReturnType<typeof parseSuppression>[] = [];
  const invalid: ImportSuppressionsResult["invalid"] = [];
  input.rows.forEach((row, i) => {
    try {
      const reason = row.reason?.trim() ? row.reason : (input.defaultReason ?? "");
      valid.push(parseSuppression({ value: row.value, reason, ...(row.kind ? { kind: row.kind } : {}) }));
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      invalid.push({ row: i + 1, problems: error.issues.map((x: FieldIssue) => `${x.field} ${x.message}`) });
    }
  });
  if (invalid.length && input.skipInvalid !== true) {
    throw new ValidationError(
      "suppression import",
      invalid.flatMap((r) => r.problems.map((p) => ({ field: `row ${r.row}`, message: p }))),
    );
  }
  const at = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const result: ImportSuppressionsResult = { added: 0, existing: 0, cancelled: 0, invalid };
    for (const entry of valid) {
      const r = await addParsedSuppression(trx, { ...entry, source: "csv" }, at);
      if (r.created) result.added++;
      else result.existing++;
      result.cancelled += r.cancelled;
    }
    return result;
  });
}
