/**
 * Import companies or contacts into an offer from records (a CSV file's rows, read by the caller):
 * the offer named as a person names it, the columns mapped onto fields, every row validated and
 * reported, the rows deduped and merged into what is stored with the companies' and contacts'
 * merge rule, all in one transaction. Imported contacts' emails match the bookings kept unmatched. The CLI parses its flags, reads the file and prints; this
 * is the use case.
 *
 * The rows are streamed: one batch in memory at a time. Each batch is staged as one multi-row
 * statement per table and merged set-based (`companies.findOrCreateMany`, `companies.upsertMany`,
 * `contacts.upsertMany` in `@offerlab/db`), so the cost per row is the validation, not round trips.
 */
import { resolve, type Offer } from "@offerlab/db";
import { ImportRejectedError, importRows, type ImportKind, type ImportRowSource, type ImportSummary } from "@offerlab/pipeline";
import { matchBookingsForEmails } from "../bookings/match-bookings.js";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface ImportRecordsInput {
  kind: ImportKind;
  /** The offer to import into: its id, slug or name. */
  offer: string;
  /** Records keyed by column header, or `UnreadableRow`s for lines the reader could not read. */
  rows: ImportRowSource;
  /** Column header → field, before the auto-mapping (`""` or `"-"` ignores a column). Default none. */
  map?: Record<string, string>;
  /** Import the valid rows and report the others. Default false: any invalid row means nothing is written. */
  skipInvalid?: boolean;
  /** Rows staged per statement, 1–2000. Default 1000. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (progress: { rows: number; invalid: number; written: number }) => void;
}

export interface ImportRecordsResult {
  offer: Pick<Offer, "id" | "slug" | "name">;
  summary: ImportSummary;
}

/**
 * Imports the records. Throws db's `NotFoundError` for an offer that names nothing, pipeline's
 * `PipelineInputError` for an unusable column mapping, and `ImportRejectedError` (nothing
 * written; the row-level report attached) when a row is invalid and `skipInvalid` is off.
 */
export async function importRecords(ctx: OperationContext, input: ImportRecordsInput): Promise<ImportRecordsResult> {
  return inTransaction(ctx.db, async (trx) => {
    const offer = await resolve.offer(trx, input.offer);
    const summary = await importRows(trx, input.kind, input.rows, {
      offerId: offer.id,
      ...(input.map ? { map: input.map } : {}),
      ...(input.skipInvalid ? { skipInvalid: true } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      // A booking kept for nobody (`offerlab outcomes unmatched`) whose attendee a row names
      // becomes a meeting in the import's transaction.
      ...(input.kind === "contacts" ? { onContactEmails: (t, emails) => matchBookingsForEmails(t, emails, nowOf(ctx)) } : {}),
    }).catch((error: unknown) => {
      // The report names the offer as it is stored, for the caller's output.
      if (ImportRejectedError.isInstance(error)) error.offer = { id: offer.id, slug: offer.slug };
      throw error;
    });
    return { offer: { id: offer.id, slug: offer.slug, name: offer.name }, summary };
  });
}
