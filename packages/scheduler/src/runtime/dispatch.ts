/**
 * The send path, read top to bottom (SEND-PATH.md, section 2): claim one due queue row, check every
 * invariant inside the claim, reserve capacity with guarded statements, commit the attempt, call
 * the provider outside any transaction, then settle the outcome fenced by the attempt id. Each
 * step has its own module; the attempt's states are written by `attempts.ts` only.
 */
import { accounts } from "@offerlab/db";
import { startAttempt, type Claimed } from "./attempt.js";
import { classifyError, callProvider, type ProviderResult } from "./call.js";
import { decide, rowActionOf } from "./check.js";
import { AccountBusy, claimDueRow, loadClaimed } from "./claim.js";
import { readTableColumns, readTickSettings, type TickSettings } from "./context.js";
import { resolveOptions, type Resolved } from "./options.js";
import { deferRow, deferRowAndSiblings, skipRow } from "./queue.js";
import { counterOf } from "./quota.js";
import { reserveAndOpen } from "./reserve.js";
import { settle } from "./settle.js";
import { RunnerCrash, type DispatchOutcome, type SendPathOptions } from "./types.js";

/**
 * Sends at most one due queue row. Safe with any number of runners at once: rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, limits are reserved with guarded statements, the attempt is committed
 * before the provider call and its outcome is recorded only through the attempt id. `tick`: the
 * settings the caller read once for its tick (`runSendPath`, `dispatchDue`); else read per claim.
 * `hooks.onClaimed`: told when the attempt is committed (the runner counts its sends in flight).
 */
export async function dispatchOne(
  options: SendPathOptions,
  tick?: TickSettings,
  hooks: { onClaimed?: () => void } = {},
): Promise<DispatchOutcome> {
  const o = resolveOptions(options);
  const now = o.now();
  // tx1: claim → check → reserve → attempt.
  const claimed = await claimWithRetries(o, now, tick);
  if (claimed.kind !== "claimed") return claimed;
  hooks.onClaimed?.();
  const { ctx, attemptId } = claimed;
  const info = { queueId: ctx.row.id, attemptId };
  await o.crashAt?.("after_claim", info);

  // tx1b: from here on the provider may have acted.
  if (!(await startAttempt(o, attemptId)))
    return { kind: "lost", queueId: ctx.row.id, attemptId, reason: "claim expired or cancelled before the call" };
  await o.crashAt?.("after_mark_sending", info);

  // The call, outside any transaction.
  let result: ProviderResult;
  try {
    result = await callProvider(o, ctx, attemptId, info);
  } catch (error) {
    if (error instanceof RunnerCrash) throw error;
    result = classifyError(error, o);
  }
  await o.crashAt?.("after_call", info);

  // tx2: settle, fenced by the attempt id.
  return settle(o, claimed, result);
}

/**
 * Two runners can pick rows of the same free account at once; the loser's transaction hits the
 * one-in-flight-per-account index and rolls back. It simply claims again (that account is now
 * filtered out as busy).
 */
async function claimWithRetries(o: Resolved, now: Date, tick: TickSettings | undefined): Promise<Claimed | DispatchOutcome> {
  for (let tries = 0; ; tries++) {
    try {
      return await claimOne(o, now, tick);
    } catch (error) {
      if (!(error instanceof AccountBusy)) throw error;
      if (tries >= 5) return { kind: "busy" };
    }
  }
}

/** tx1: claim one due row and commit an attempt, or defer / skip it with its reason. */
function claimOne(o: Resolved, now: Date, tick: TickSettings | undefined): Promise<Claimed | DispatchOutcome> {
  return o.db.transaction().execute(async (trx): Promise<Claimed | DispatchOutcome> => {
    // Without the tick's settings and columns (a caller that did not read them), this claim reads them.
    const t = tick?.columns ? tick : tick ? { ...tick, columns: await readTableColumns(trx) } : await readTickSettings(trx);
    const claimed = await claimDueRow(trx, now, t.columns!);
    if ("kind" in claimed) return claimed;
    const { row } = claimed;
    const ctx = await loadClaimed(trx, claimed, t);

    const d = decide(ctx, now, o.random);
    if (d.kind === "defer") {
      if (d.reason === "window_closed") {
        // The window is the campaign's (its time zone, never the recipient's), so it holds every
        // due row of this campaign and account at this instant: they wait with this one, in one
        // statement, so a closed window costs one claim per campaign and account, not one per row
        // (issue 19). Deferring them here rather than skipping them in the claim keeps the window's
        // rules (days, hours, time zones, DST) in one place, `engine/window.ts`, instead of copying
        // them into SQL. They share this row's reopening (with its jitter): the account's rest
        // after the first send spaces the others, which the claim skips while it lasts.
        await deferRowAndSiblings(trx, row, { reason: d.reason, until: d.until, now });
      } else {
        await deferRow(trx, row.id, d.reason, d.until);
        // A daily limit of 0 for this action (set so, or ramped down by warming) is a cap reached
        // too: recorded like the reservation's (reserve.ts), so the claim skips the account's
        // other rows of this action until the next UTC day or a change of limits.
        if (d.reason === "daily_cap" && ctx.account)
          await accounts.markCapped(trx, ctx.account.id, { counter: counterOf(rowActionOf(ctx)), until: d.until });
      }
      return { kind: "deferred", queueId: row.id, reason: d.reason, until: d.until };
    }
    if (d.kind === "skip") {
      await skipRow(trx, ctx, d.reason, d.status, now);
      return { kind: "skipped", queueId: row.id, reason: d.reason };
    }

    // Reserve and open the attempt in one statement (reserve.ts `reserveAndOpen`).
    let reserved: Awaited<ReturnType<typeof reserveAndOpen>>;
    try {
      reserved = await reserveAndOpen(trx, o, ctx, d, now);
    } catch (error) {
      // Another attempt of this account (or of this row) is still open: this transaction is
      // aborted; the runner claims again.
      if ((error as { code?: string }).code === "23505") throw new AccountBusy();
      throw error;
    }
    if (!reserved.ok) {
      await deferRow(trx, row.id, reserved.reason, reserved.until);
      return { kind: "deferred", queueId: row.id, reason: reserved.reason, until: reserved.until };
    }
    const { attemptId, usageDay, usageHour, campaignDay } = reserved;
    return { kind: "claimed", ctx, attemptId, action: d.action, usageDay, usageHour, campaignDay } satisfies Claimed;
  });
}

/** Runs `dispatchOne` until nothing is due (or `max` rows were handled). */
export async function dispatchDue(
  options: SendPathOptions & { max?: number },
): Promise<{ handled: number; outcomes: Record<DispatchOutcome["kind"], number>; deferred: Record<string, number> }> {
  const outcomes: Record<DispatchOutcome["kind"], number> = {
    idle: 0,
    busy: 0,
    deferred: 0,
    skipped: 0,
    sent: 0,
    refused: 0,
    unknown: 0,
    lost: 0,
  };
  const deferred: Record<string, number> = {};
  let handled = 0;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const tick = await readTickSettings(options.db);
  while (handled < max) {
    const out = await dispatchOne(options, tick);
    if (out.kind === "idle" || out.kind === "busy") break;
    handled++;
    outcomes[out.kind]++;
    if (out.kind === "deferred") deferred[out.reason] = (deferred[out.reason] ?? 0) + 1;
  }
  return { handled, outcomes, deferred };
}
