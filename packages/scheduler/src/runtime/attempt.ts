/**
 * Step 4 of the send path: commit the attempt before the provider call. At the end of the claim's
 * transaction the attempt opens (`claimed`) and the queue row becomes `processing`, in the same
 * statement as the reservation (reserve.ts `reserveAndOpen`); then, in its own
 * statement (tx1b), the attempt moves to `sending`: the boundary between "nothing started" and "the
 * provider may have acted".
 */
import type { MessageActionType } from "@offerlab/core";
import { attemptStarted, moveAttempt } from "./attempts.js";
import type { SendContext } from "./context.js";
import type { Resolved } from "./options.js";

/** What the claim's transaction hands to the rest of the path. */
export interface Claimed {
  kind: "claimed";
  ctx: SendContext;
  attemptId: string;
  action: MessageActionType;
  usageDay: Date;
  usageHour: Date;
  /** The campaign's local day the send counted against (`campaign_usage`); null when the campaign has no cap. */
  campaignDay: string | null;
}

/**
 * tx1b, fenced: a claim the reaper expired, or a reply that cancelled it, never reaches the
 * provider. False when the attempt is no longer `claimed`.
 */
export async function startAttempt(o: Pick<Resolved, "db" | "now" | "leaseMs">, attemptId: string): Promise<boolean> {
  return Boolean(await moveAttempt(o.db, attemptId, attemptStarted(new Date(o.now().getTime() + o.leaseMs))));
}
