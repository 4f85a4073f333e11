/** One file of supabase/migrations. */
export interface Migration {
  /** The 14-digit timestamp of the file name: the version the Supabase CLI records. */
  version: string;
  /** The snake_case name after the timestamp. */
  name: string;
  /** The file's SQL, applied as one transaction. */
  sql: string;
}
