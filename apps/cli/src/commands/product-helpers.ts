/**
 * Small helpers shared by the product commands (offers, templates, accounts, campaigns, why):
 * flag parsing that names the flag and what is allowed, reading YAML/JSON files, the database
 * around an action, and aligned key/value output.
 */
import fs from "node:fs";
import path from "node:path";
import type { Db } from "@offerlab/db";
import type { OperationContext } from "@offerlab/operations";
import YAML from "yaml";
import { openDatabase } from "../database.js";
import { CliError, EXIT, type Io } from "../output.js";

/** Opens the database, runs `fn`, and always closes it. */
export async function withDb<T>(io: Io, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(io);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Opens the database, runs one operation with it, and always closes it. Its typed errors pass
 * through: `run()` prints every offerlab error as `offerlab: <message>` with its code's exit code.
 */
export function withOperation<T>(io: Io, run: (ctx: OperationContext) => Promise<T>): Promise<T> {
  return withDb(io, (db) => run({ db }));
}

/** A whole number flag within [min, max], or undefined when absent; exit 2 naming the flag otherwise. */
export function intFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`${flag}: must be a whole number from ${min} to ${max} (got "${value}")`, EXIT.usage);
  }
  return n;
}

/** A number flag within [min, max], or undefined when absent. */
export function numberFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new CliError(`${flag}: must be a number from ${min} to ${max} (got "${value}")`, EXIT.usage);
  }
  return n;
}

/** A comma-separated flag, each item one of `allowed` (when given); undefined when absent. */
export function listFlag<T extends string>(flag: string, value: string | undefined, allowed?: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CliError(`${flag}: give at least one value${allowed ? ` (${allowed.join(", ")})` : ""}`, EXIT.usage);
  if (allowed) {
    const bad = items.filter((i) => !(allowed as readonly string[]).includes(i));
    if (bad.length)
      throw new CliError(`${flag}: ${bad.map((b) => `"${b}"`).join(", ")} not allowed; use ${allowed.join(", ")}`, EXIT.usage);
  }
  return items as T[];
}

/** One value of `allowed`, or undefined when absent. */
export function enumFlag<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new CliError(`${flag}: must be one of ${allowed.join(", ")} (got "${value}")`, EXIT.usage);
  return value as T;
}

/** Reads a YAML (`.yaml`, `.yml`) or JSON file holding one object; exit 2 naming the flag when it cannot. */
export function readObjectFile(flag: string, file: string, cwd: string): Record<string, unknown> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch {
    throw new CliError(`${flag}: cannot read ${full}`, EXIT.usage);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let parsed: unknown;
  try {
    parsed = yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`${flag}: ${file} is not valid ${yaml ? "YAML" : "JSON"}: ${(error as Error).message}`, EXIT.usage);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${flag}: ${file} must contain one object (key: value pairs)`, EXIT.usage);
  }
  // YAML block scalars end in a newline; stored text should not.
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v.trim() : v]));
}

/** Refuses keys of a file that are not in `allowed`, naming them and the allowed ones. */
export function onlyKeys(flag: string, data: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(data).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new CliError(`${flag}: unknown key(s) ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`, EXIT.usage);
  }
}

/** A date as `YYYY-MM-DD HH:MM` (UTC), or empty. */
export function when(d: Date | null | undefined): string {
  return d ? d.toISOString().replace("T", " ").slice(0, 16) : "";
}

/** Aligned `key  value` lines, skipping empty values. */
export function fields(rows: [string, unknown][]): string {
  const kept = rows.filter(([, v]) => v !== null && v !== undefined && v !== "");
  const w = Math.max(0, ...kept.map(([k]) => k.length));
  return kept.map(([k, v]) => `${k.padEnd(w)}  ${v instanceof Date ? when(v) : String(v)}`).join("\n") + "\n";
}

/** Examples appended to a command's `--help`. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
