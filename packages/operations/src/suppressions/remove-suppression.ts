/**
 * Take an entry off the suppression list. Sends it cancelled stay cancelled; its people who are
 * enriched and otherwise eligible become `ready` again (docs/contact-status.md). A value that names
 * no entry is a NotFoundError (code `not_found`), like any other reference that names nothing.
 */
import { inferSuppressionKind, SuppressionKind, ValidationError } from "@offerlab/core";
import { contacts, NotFoundError, suppressions, type Suppression } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export interface RemoveSuppressionInput {
  /** The entry's value, as it was added (it is normalised again). */
  value: string;
  /** Default: inferred from the value. */
  kind?: SuppressionKind;
}

export interface RemoveSuppressionResult {
  /** The entry removed. */
  removed: Suppression;
}

export async function removeSuppression(ctx: OperationContext, input: RemoveSuppressionInput): Promise<RemoveSuppressionResult> {
  const raw = typeof input.value === "string" ? input.value.trim() : "";
  if (raw === "") throw new ValidationError("suppression", [{ field: "value", message: "is required" }]);
  const parsed = input.kind === undefined ? null : SuppressionKind.safeParse(input.kind);
  if (parsed && !parsed.success)
    throw new ValidationError("suppression", [
      { field: "kind", message: `"${String(input.kind)}" is not one of ${SuppressionKind.options.join(", ")}` },
    ]);
  const kind = parsed?.success ? parsed.data : inferSuppressionKind(raw);
  return inTransaction(ctx.db, async (trx) => {
    const removed = await suppressions.remove(trx, kind, raw);
    if (!removed) throw new NotFoundError("suppression", `${kind} ${raw}`);
    await contacts.refreshReadiness(trx, await suppressions.contactsMatching(trx, removed));
    return { removed };
  });
}
