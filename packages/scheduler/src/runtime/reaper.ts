/**
 * The reaper: lapsed leases, at the start of every runner's tick. Safe with any number of runners.
 */
import type { MessageActionType } from "@offerlab/core";
import { sendQueue } from "@offerlab/db";
import { attemptExpired, attemptUnknown, moveAttempt } from "./attempts.js";
import { resolveOptions } from "./options.js";
import { lockAccount, releaseQuota } from "./quota.js";
import { requeueRow } from "./queue.js";
import type { SendPathOptions } from "./types.js";

/**
 * Lapsed leases. A `claimed` attempt past its lease never reached the provider: its quota is
 * released and its row returns to the queue. A `sending` attempt past its lease may have reached
 * it: it becomes `unknown` and waits for the reconciler; its row is never re-queued directly.
 */
export async function reapExpired(options: SendPathOptions): Promise<{ requeued: number; unknown: number }> {
  const o = resolveOptions(options);
  const now = o.now();
  return o.db.transaction().execute(async (trx) => {
    const candidates = await trx
      .selectFrom("send_attempts")
      .select(["account_id"])
      .distinct()
      .where("status", "in", ["claimed", "sending"])
      .where("lease_until", "<", now)
      .orderBy("account_id")
      .execute();
    // Same lock order as every other writer: accounts first, then their attempts.
    for (const c of candidates) await lockAccount(trx, c.account_id);
    const lapsed = await trx
      .selectFrom("send_attempts")
      .select(["id", "send_queue_id", "account_id", "action_type", "status", "usage_day", "usage_hour", "campaign_day"])
      .where("status", "in", ["claimed", "sending"])
      .where("lease_until", "<", now)
      .forUpdate()
      .skipLocked()
      .execute();
    let requeued = 0;
    let unknown = 0;
    for (const a of lapsed) {
      if (a.status === "claimed") {
        await moveAttempt(trx, a.id, attemptExpired(now));
        await releaseQuota(trx, {
          accountId: a.account_id,
          action: a.action_type as MessageActionType,
          usageDay: a.usage_day,
          usageHour: a.usage_hour,
          queueId: a.send_queue_id,
          campaignDay: a.campaign_day,
        });
        await requeueRow(trx, a.send_queue_id, { reason: "claim_expired" });
        await sendQueue.messageRequeued(trx, a.send_queue_id);
        requeued++;
      } else {
        await moveAttempt(trx, a.id, attemptUnknown("lease lapsed during the call (runner died or hung)"));
        unknown++;
      }
    }
    return { requeued, unknown };
  });
}
