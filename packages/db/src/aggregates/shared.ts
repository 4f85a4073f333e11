/** Helpers the aggregate modules share (not exported from the package). */
import { jsonDocumentColumns } from "@offerlab/core";
import { sql } from "kysely";
import { jsonb } from "../jsonb.js";
import type { DbOrTrx } from "../transaction.js";

/** Encodes the JSONB columns of a validated row for Kysely (see `jsonb`); drops undefined values. */
export function encode<T extends Record<string, unknown>>(table: string, values: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const jsonCols = jsonDocumentColumns[table as keyof typeof jsonDocumentColumns] ?? [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] = (jsonCols as readonly string[]).includes(key) ? jsonb(value) : value;
  }
  return out;
}

/** A unique-key violation (of `constraint`, when given). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code !== "23505") return false;
  return !constraint || e.constraint === constraint || (e.message ?? "").includes(constraint);
}

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Bind parameters one statement may carry: the wire protocol counts them in 16 bits (65,535).
 * A multi-row insert binds one per cell, so a batch wider than this is written in slices.
 */
const MAX_PARAMS = 65_000;

/** Rows of `rows` per multi-row insert so that no statement binds more than {@link MAX_PARAMS}. */
export function rowsPerStatement(rows: readonly Record<string, unknown>[]): number {
  const columns = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) columns.add(k);
  return Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.size)));
}

/**
 * Inserts many new rows through one staged statement per shape: the rows travel as one JSON
 * document (one bind parameter, whatever the batch's size) and are turned into rows of the table by
 * `jsonb_populate_recordset`, so the database parses one value instead of a parameter per cell.
 * Rows are grouped by the columns they set, so a column a row leaves out keeps its default. The
 * values are the validated row's own (JSON columns as plain objects, not `encode`d). Use it for
 * rows known to be new (the caller merged the batch first); it does not handle conflicts.
 */
export async function insertStaged(db: DbOrTrx, table: "contacts" | "companies", rows: readonly Record<string, unknown>[]): Promise<void> {
  const groups = new Map<string, Record<string, unknown>[]>();
  // The columns a row sets, in the order its keys were written; rows made alike share the order,
  // so the sorted list is worked out once per order.
  const sortedOf = new Map<string, string>();
  for (const row of rows) {
    let written = "";
    for (const k in row) if (Object.prototype.hasOwnProperty.call(row, k) && row[k] !== undefined) written += written ? `,${k}` : k;
    let key = sortedOf.get(written);
    if (key === undefined) {
      key = written === "" ? "" : written.split(",").sort().join(",");
      sortedOf.set(written, key);
    }
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const [key, group] of groups) {
    const columns = sql.join(key.split(",").map((c) => sql.ref(c)));
    for (const part of chunks(group, 5000)) {
      await sql`INSERT INTO ${sql.table(table)} (${columns})
        SELECT ${columns} FROM jsonb_populate_recordset(NULL::${sql.table(table)}, ${jsonb(part)})`.execute(db);
    }
  }
}
