import { sql, type ColumnType, type RawBuilder } from "kysely";

/**
 * A JSONB value on its way into the database. node-postgres turns a top-level JavaScript array
 * into a Postgres array literal, and PGlite re-encodes a string given for a jsonb parameter, so
 * the only encoding both engines read the same is JSON text cast to jsonb. Every JSONB column's
 * insert and update type is this, so the type checker rejects a raw object or array.
 */
export type JsonbParam<T> = RawBuilder<T>;

/** A JSONB column: reads as `T`, writes through `jsonb(value)`. */
export type Jsonb<T> = ColumnType<T, JsonbParam<T>, JsonbParam<T>>;

/** Encodes a value for a JSONB column (`null` stays SQL NULL). */
export function jsonb<T>(value: T): JsonbParam<T> {
  if (value === null || value === undefined) return sql<T>`NULL`;
  return sql<T>`CAST(CAST(${JSON.stringify(value)} AS text) AS jsonb)`;
}
