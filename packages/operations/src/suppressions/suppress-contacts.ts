/**
 * Suppress the people behind a set of contacts (the dashboard's bulk action on a selection or a
 * whole filter): each contact's email and LinkedIn URL go on the suppression list, and their sends
 * not yet at the provider are cancelled, all in one transaction.
 */
import { ValidationError } from "@offerlab/core";
import { contacts } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { addParsedSuppression, parseSuppression } from "./add-suppression.js";

/** The most contacts one {@link suppressContacts} call may name. */
export const MAX_SUPPRESS_SELECTION = 10_000;

export interface SuppressContactsInput {
  /** Contact ids (at least one, at most 10 000). */
  contactIds: readonly string[];
  /** Why (required). */
  reason: string;
}

export interface SuppressContactsResult {
  /** Contacts found among the ids given. */
  contacts: number;
  /** Entries added to the list (an entry already there is kept as it was). */
  added: number;
  /** Queue rows cancelled. */
  cancelled: number;
  /** Contacts with neither an email nor a LinkedIn URL: nothing to suppress them by. */
  skipped: number;
}

export async function suppressContacts(ctx: OperationContext, input: SuppressContactsInput): Promise<SuppressContactsResult> {
  const ids = [...new Set(input.contactIds)];
  const issues: { field: string; message: string }[] = [];
  if (ids.length === 0) issues.push({ field: "contactIds", message: "select at least one contact" });
  const bad = ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (bad.length) issues.push({ field: "contactIds", message: `not contact ids: ${bad.slice(0, 3).join(", ")}` });
  if (ids.length > MAX_SUPPRESS_SELECTION)
    issues.push({ field: "contactIds", message: `at most ${MAX_SUPPRESS_SELECTION} at once (got ${ids.length})` });
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason === "") issues.push({ field: "reason", message: "is required (say why)" });
  if (issues.length) throw new ValidationError("suppression", issues);
  const at = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const result: SuppressContactsResult = { contacts: 0, added: 0, cancelled: 0, skipped: 0 };
    const seen = new Set<string>();
    for (const id of ids) {
      const contact = await contacts.get(trx, id);
      if (!contact) continue;
      result.contacts++;
      const values = [contact.email, contact.linkedin_url].filter((v): v is string => typeof v === "string" && v.trim() !== "");
      if (values.length === 0) {
        result.skipped++;
        continue;
      }
      for (const value of values) {
        const entry = parseSuppression({ value, reason });
        const key = `${entry.kind}:${entry.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const r = await addParsedSuppression(trx, { ...entry, source: "manual" }, at);
        if (r.created) result.added++;
        result.cancelled += r.cancelled;
      }
    }
    return result;
  });
}
