/**
 * Put a person or a whole domain on the suppression list: nobody it matches is enrolled or sent
 * anything again (invariant 4). Their sends not yet at the provider are cancelled in the same
 * transaction, the way an opt-out cancels them (the scheduler's `cancelSuppressedSends`).
 */
import { inferSuppressionKind, SuppressionKind, ValidationError, type SuppressionSource } from "@offerlab/core";
import { contacts, normalizeSuppressionValue, suppressions, type DbOrTrx, type Suppression } from "@offerlab/db";
import { cancelSuppressedSends } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface AddSuppressionInput {
  /** An email address, a LinkedIn profile URL or a domain (a website URL gives its domain). */
  value: string;
  /** Why (required). */
  reason: string;
  /** Default: inferred from the value (`inferSuppressionKind`). */
  kind?: SuppressionKind;
  /** Default `manual`. */
  source?: SuppressionSource;
}

export interface AddSuppressionResult {
  suppression: Suppression;
  /** False when the entry was already on the list (it is kept as it was). */
  created: boolean;
  /** Contacts (rows, across offers) the entry matches. */
  contacts: number;
  /** Queue rows cancelled because of it. */
  cancelled: number;
}

/** Validates one entry: its kind (given or inferred) and normalised value, and a reason. */
export function parseSuppression(
  input: AddSuppressionInput,
  subject = "suppression",
): { kind: SuppressionKind; value: string; reason: string } {
  const issues: { field: string; message: string }[] = [];
  const kindParsed = input.kind === undefined ? null : SuppressionKind.safeParse(input.kind);
  if (kindParsed && !kindParsed.success)
    issues.push({ field: "kind", message: `"${String(input.kind)}" is not one of ${SuppressionKind.options.join(", ")}` });
  const raw = typeof input.value === "string" ? input.value.trim() : "";
  const kind = kindParsed?.success ? kindParsed.data : inferSuppressionKind(raw);
  const value = raw === "" ? null : normalizeSuppressionValue(kind, raw);
  if (value === null) issues.push({ field: "value", message: `"${raw}" is not a valid ${kind}` });
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason === "") issues.push({ field: "reason", message: "is required (say why)" });
  if (issues.length || value === null) throw new ValidationError(subject, issues);
  return { kind, value, reason };
}

/** Adds one parsed entry and cancels its people's unsent sends, inside the caller's transaction. */
export async function addParsedSuppression(
  trx: DbOrTrx,
  entry: { kind: SuppressionKind; value: string; reason: string; source: SuppressionSource },
  at: Date,
): Promise<AddSuppressionResult> {
  // Read the people first, then cancel (its locks come before any write), then write the entry.
  const contactIds = await suppressions.contactsMatching(trx, entry);
  const { cancelled } = await cancelSuppressedSends(trx, { contactIds, note: `suppressed: ${entry.kind} ${entry.value}`, at });
  // Stamped with the operation's clock (simulated in a sandbox run), not the database's.
  const { suppression, created } = await suppressions.add(trx, { ...entry, at });
  // Suppressed people are no longer ready for outreach (docs/contact-status.md).
  await contacts.refreshReadiness(trx, contactIds);
  return { suppression, created, contacts: contactIds.length, cancelled: cancelled.length };
}

export async function addSuppression(ctx: OperationContext, input: AddSuppressionInput): Promise<AddSuppressionResult> {
  const entry = parseSuppression(input);
  const at = nowOf(ctx);
  return inTransaction(ctx.db, (trx) => addParsedSuppression(trx, { ...entry, source: input.source ?? "manual" }, at));
}
