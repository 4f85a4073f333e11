/**
 * Change an offer's fields or copy. Templates whose text changed become new drafts (to approve
 * again); the ones no longer in the copy are archived.
 */
import { ValidationError } from "@offerlab/core";
import { offerCopy, OfferUpdateInput, type Offer, type TemplateSync } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";
import { copyLintIssues } from "./copy-lint.js";

export interface EditOfferInput {
  /** The offer's id, slug or name. */
  offer: string;
  /** The fields to change (any of `OfferUpdateInput`'s). */
  patch: Record<string, unknown>;
}

export interface EditOfferResult {
  offer: Offer;
  templates: TemplateSync;
  /** The fields the patch named. */
  changed: string[];
}

export async function editOffer(ctx: OperationContext, input: EditOfferInput): Promise<EditOfferResult> {
  if (Object.keys(input.patch).length === 0) {
    throw new ValidationError("offer", [{ field: "(input)", message: "nothing to change: pass at least one field" }]);
  }
  // New copy is linted before anything is written (a broken template is refused now, not at approval).
  const parsed = OfferUpdateInput.safeParse(input.patch);
  if (parsed.success) {
    const lint = copyLintIssues(parsed.data);
    if (lint.length) throw new ValidationError("offer copy", lint);
  }
  const { offer, templates } = await inTransaction(ctx.db, (trx) => offerCopy.update(trx, input.offer, input.patch));
  return { offer, templates, changed: Object.keys(input.patch) };
}
