/**
 * Move an offer through its lifecycle: draft → ready → active ⇄ paused → completed, or killed.
 * `ready` and `active` need an ICP and at least one approved template.
 */
import { OfferStatus, ValidationError } from "@offerlab/core";
import { offerCopy, type Offer } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export interface SetOfferStatusInput {
  /** The offer's id, slug or name. */
  offer: string;
  /** The new status (one of `OfferStatus`). */
  status: string;
}

export interface SetOfferStatusResult {
  offer: Offer;
  previous: OfferStatus;
  /** Its campaigns that are active: they send nothing while the offer is paused, completed or killed. */
  activeCampaigns: number;
}

export async function setOfferStatus(ctx: OperationContext, input: SetOfferStatusInput): Promise<SetOfferStatusResult> {
  const status = OfferStatus.safeParse(input.status);
  if (!status.success) {
    throw new ValidationError("offer", [
      { field: "status", message: `must be one of ${OfferStatus.options.join(", ")} (got "${input.status}")` },
    ]);
  }
  return inTransaction(ctx.db, (trx) => offerCopy.setStatus(trx, input.offer, status.data));
}
