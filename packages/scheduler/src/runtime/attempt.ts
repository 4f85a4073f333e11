/**
 * Step 4 of the send path: commit the attempt before the provider call. At the end of the claim's
 * transaction the attempt opens (`claimed`) and the queue row becomes `processing`; then, in its own
 * statement (tx1b), the attempt moves to `sending`: the boundary between "nothing started" and "the
 * provider may have acted".
 */
import type { MessageActionType } from "@offerlab/core";
import { sendQueue, type Database } from "@offerlab/db";
import type { Transaction } from "kysely";
import { attemptStarted, moveAttempt, openAttempt } from "./attempts.js";
import { AccountBusy } from "./claim.js";
import type { SendContext } from "./context.js";
import type { Resolved } from "./options.js";
import { markProcessing } from "./queue.js";

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

/** Opens the attempt and marks the row and its message in flight, inside the claim's transaction. */
export async function commitAttempt(
  trx: Transaction<Database>,
  o: Pick<Resolved, "runnerId" | "leaseMs">,
  input: { ctx: SendContext; action: MessageActionType; usageDay: Date; usageHour: Date; campaignDay: string | null; now: Date },
): Promise<Claimed> {
  const { ctx, action, usageDay, usageHour, campaignDay, now } = input;
  const queueId = ctx.row.id;
  let attemptId: string;
  try {
    attemptId = await openAttempt(trx, {
      queueId,
      accountId: ctx.account!.id,
      action,
      runnerId: o.runnerId,
      usageDay,
      usageHour,
      campaignDay,
      leaseUntil: new Date(now.getTime() + o.leaseMs),
      at: now,
    });
  } catch (error) {
    // Another attempt of this account (or of this row) is still open: this transaction is
    // aborted; the runner claims again.
    if ((error as { code?: string }).code === "23505") throw new AccountBusy();
    throw error;
  }
  await markProcessing(trx, queueId, attemptId, now);
  await sendQueue.messageSending(trx, queueId);
  return { kind: "claimed", ctx, attemptId, action, usageDay, usageHour, campaignDay };
}

/**
 * tx1b, fenced: a claim the reaper expired, or a reply that cancelled it, never reaches the
 * provider. False when the attempt is no longer `claimed`.
 */
export async function startAttempt(o: Pick<Resolved, "db" | "now" | "leaseMs">, attemptId: string): Promise<boolean> {
  return Boolean(await moveAttempt(o.db, attemptId, attemptStarted(new Date(o.now().getTime() + o.leaseMs))));
}
