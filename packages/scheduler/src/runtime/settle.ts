/**
 * Step 6 of the send path (tx2): record what the provider call did, fenced by the attempt id, so
 * that nothing is written twice and no runner settles another's attempt. One case per outcome.
 */
import { assertNever } from "@offerlab/core";
import { accounts, contacts, sendQueue } from "@offerlab/db";
import type { DispatchOutcome } from "./types.js";
import type { Claimed } from "./attempt.js";
import { attemptRefused, attemptUnknown, moveAttempt } from "./attempts.js";
import type { ProviderResult } from "./call.js";
import type { Resolved } from "./options.js";
import { lockAccount, releaseQuota } from "./quota.js";
import { failRow, noteUnknownOutcome, retryRow, skipRow } from "./queue.js";
import { recordSent } from "./record.js";
import { refusalPolicy } from "./refusal.js";

export async function settle(o: Resolved, c: Claimed, result: ProviderResult): Promise<DispatchOutcome> {
  switch (result.kind) {
    case "sent":
      return settleSent(o, c, result);
    case "skipped":
      return settleNothingToDo(o, c, result);
    case "unknown":
      return settleUnknown(o, c, result);
    case "refused":
      return settleRefused(o, c, result);
    default:
      return assertNever(result, "provider result");
  }
}

const lost = (c: Claimed, reason = "attempt no longer open"): DispatchOutcome => ({
  kind: "lost",
  queueId: c.ctx.row.id,
  attemptId: c.attemptId,
  reason,
});

async function settleSent(o: Resolved, c: Claimed, result: Extract<ProviderResult, { kind: "sent" }>): Promise<DispatchOutcome> {
  const queueId = c.ctx.row.id;
  const recorded = await recordSent(o, {
    ctx: c.ctx,
    attemptId: c.attemptId,
    action: c.action,
    providerIds: result.providerIds,
    now: o.now(),
    info: { queueId, attemptId: c.attemptId },
  });
  if (!recorded) return lost(c, "attempt no longer open (already recorded)");
  return { kind: "sent", queueId, attemptId: c.attemptId };
}

/** The provider showed there is nothing to send (already connected): a definite no-op. */
async function settleNothingToDo(o: Resolved, c: Claimed, result: Extract<ProviderResult, { kind: "skipped" }>): Promise<DispatchOutcome> {
  const queueId = c.ctx.row.id;
  const now = o.now();
  const done = await o.db.transaction().execute(async (trx) => {
    await lockAccount(trx, c.ctx.account!.id);
    if (!(await moveAttempt(trx, c.attemptId, attemptRefused(now, result.reason, result.reason)))) return false;
    await releaseQuota(trx, {
      accountId: c.ctx.account!.id,
      action: c.action,
      usageDay: c.usageDay,
      usageHour: c.usageHour,
      queueId,
      campaignDay: c.campaignDay,
    });
    await skipRow(trx, c.ctx, result.reason, "skipped", now, { releaseAttempt: true });
    if (result.reason === "already_connected" && c.ctx.row.contact_id) {
      await contacts.markConnected(trx, [c.ctx.row.contact_id]);
    }
    return true;
  });
  return done ? { kind: "skipped", queueId, reason: result.reason } : lost(c);
}

/** Nobody knows whether the provider acted: the attempt waits for the reconciler; the row is never re-queued directly. */
async function settleUnknown(o: Resolved, c: Claimed, result: Extract<ProviderResult, { kind: "unknown" }>): Promise<DispatchOutcome> {
  const queueId = c.ctx.row.id;
  const moved = await moveAttempt(o.db, c.attemptId, attemptUnknown(result.reason));
  await noteUnknownOutcome(o.db, queueId, result.reason);
  return moved ? { kind: "unknown", queueId, attemptId: c.attemptId, reason: result.reason } : lost(c);
}

/** A definite refusal: the provider did nothing. The quota is given back and the policy decides the rest. */
async function settleRefused(o: Resolved, c: Claimed, result: Extract<ProviderResult, { kind: "refused" }>): Promise<DispatchOutcome> {
  const queueId = c.ctx.row.id;
  const accountId = c.ctx.account!.id;
  const now = o.now();
  const final = await o.db.transaction().execute(async (trx) => {
    await lockAccount(trx, accountId);
    if (!(await moveAttempt(trx, c.attemptId, attemptRefused(now, result.errorKind, result.message)))) return null;
    await releaseQuota(trx, {
      accountId,
      action: c.action,
      usageDay: c.usageDay,
      usageHour: c.usageHour,
      queueId,
      campaignDay: c.campaignDay,
    });
    const row = await trx.selectFrom("send_queue").select(["attempts", "max_attempts"]).where("id", "=", queueId).executeTakeFirstOrThrow();
    const policy = refusalPolicy(result, { attempts: row.attempts, maxAttempts: row.max_attempts }, now);
    if (policy.cooldownUntil) await accounts.coolDown(trx, accountId, policy.cooldownUntil);
    if (policy.disconnect) await accounts.markDisconnected(trx, accountId);
    await trx
      .insertInto("account_activity")
      .values({
        account_id: accountId,
        contact_id: c.ctx.row.contact_id,
        action_type: c.action,
        status: policy.activity,
        error_message: policy.error,
        created_at: now,
      })
      .execute();
    if (policy.final) {
      await failRow(trx, queueId, { reason: result.reason, error: policy.error, now });
      await sendQueue.messagesFailed(trx, [queueId], { error: policy.error });
      await sendQueue.recordEvent(trx, {
        queueId,
        contactId: c.ctx.row.contact_id,
        campaignId: c.ctx.row.campaign_id,
        accountId,
        type: "failed",
        data: { reason: result.reason, kind: result.errorKind, message: result.message },
        at: now,
      });
    } else {
      await retryRow(trx, queueId, { reason: result.reason, error: policy.error, at: policy.retryAt! });
      await sendQueue.messageRequeued(trx, queueId);
    }
    return policy.final;
  });
  if (final === null) return lost(c);
  return { kind: "refused", queueId, attemptId: c.attemptId, reason: result.reason, final };
}
