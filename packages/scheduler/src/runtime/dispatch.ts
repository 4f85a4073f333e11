/**
 * The send path, read top to bottom (SEND-PATH.md, section 2): claim one due queue row, check every
 * invariant inside the claim, reserve capacity with guarded statements, commit the attempt, call
 * the provider outside any transaction, then settle the outcome fenced by the attempt id. Each
 * step has its own module; the attempt's states are written by `attempts.ts` only.
 */
import { accounts, type Database } from "@offerlab/db";
import { sql, type Transaction } from "kysely";
import { startAttempt, type Claimed } from "./attempt.js";
import { classifyError, callProvider, type ProviderResult } from "./call.js";
import { decide, rowActionOf } from "./check.js";
import { AccountBusy, claimDueRow, claimDueRows, loadClaimed } from "./claim.js";
import { readTableColumns, readTickSettings, type AccountRow, type QueueRow, type TickSettings } from "./context.js";
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
  return sendResolved(o, claimed);
}

/**
 * Claims up to `k` due rows in one transaction (one statement for the claim, one commit for the
 * batch), at most one per account: what a runner with `k` free lanes hands to them (loop.ts). Each
 * claimed row comes back with its attempt committed, to be sent with {@link sendClaimed}; deferred
 * and skipped rows come back as their outcome. `[idle]` or `[busy]` when nothing was claimed. With
 * `k` 1 this is `dispatchOne`'s own claim.
 */
export async function dispatchBatch(options: SendPathOptions, k: number, tick?: TickSettings): Promise<(Claimed | DispatchOutcome)[]> {
  const o = resolveOptions(options);
  const now = o.now();
  if (k === 1) return [await claimWithRetries(o, now, tick)];
  for (let tries = 0; ; tries++) {
    try {
      return await claimBatch(o, now, tick, k);
    } catch (error) {
      if (!(error instanceof AccountBusy)) throw error;
      if (tries >= 5) return [{ kind: "busy" }];
    }
  }
}

/**
 * The rest of the send path for a claimed row whose attempt is committed: mark it sending (tx1b),
 * call the provider outside any transaction, settle fenced by the attempt id (tx2).
 */
export function sendClaimed(options: SendPathOptions, claimed: Claimed): Promise<DispatchOutcome> {
  return sendResolved(resolveOptions(options), claimed);
}

async function sendResolved(o: Resolved, claimed: Claimed): Promise<DispatchOutcome> {
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
    const t = await tickIn(trx, tick);
    const claimed = await claimDueRow(trx, now, t.columns!);
    if ("kind" in claimed) return claimed;
    return checkAndReserve(trx, o, now, t, claimed, false);
  });
}

/** Without the tick's settings and columns (a caller that did not read them), the claim reads them. */
async function tickIn(trx: Transaction<Database>, tick: TickSettings | undefined): Promise<TickSettings> {
  return tick?.columns ? tick : tick ? { ...tick, columns: await readTableColumns(trx) } : await readTickSettings(trx);
}

/**
 * tx1 for several rows: claim up to `k` (one per account) in one statement, then check and reserve
 * each in the same transaction, which commits once for the batch. Throws {@link AccountBusy} when
 * no row is left (every account held elsewhere): the caller claims again.
 */
function claimBatch(o: Resolved, now: Date, tick: TickSettings | undefined, k: number): Promise<(Claimed | DispatchOutcome)[]> {
  return o.db.transaction().execute(async (trx) => {
    const t = await tickIn(trx, tick);
    const claimed = await claimDueRows(trx, now, t.columns!, k);
    if ("kind" in claimed) return [claimed];
    const out: (Claimed | DispatchOutcome)[] = [];
    for (const c of claimed) {
      const got = await checkAndReserve(trx, o, now, t, c, true);
      if (got.kind !== "busy") out.push(got);
    }
    if (out.length === 0) throw new AccountBusy();
    return out;
  });
}

/**
 * Step 2 to 4 for one claimed row, inside the claim's transaction: check it, then defer or skip it
 * with its reason, or reserve its capacity and open its attempt. `batch`: the row is one of several
 * in the transaction, so a reservation that hits the one-in-flight index (23505) must not abort the
 * others; it is undone alone, back to a savepoint taken just before it, and the row comes back
 * `busy` (not claimed; its lock goes at commit). A savepoint rather than relying on the claim's
 * account locks: the claim's snapshot is taken before it locks the accounts, so an attempt another
 * runner committed in between (or opened without the account's lock) is not filtered out, and the
 * index is what catches it. It costs one statement per reserved row, and only in a batch.
 */
async function checkAndReserve(
  trx: Transaction<Database>,
  o: Resolved,
  now: Date,
  t: TickSettings,
  claimed: { row: QueueRow; account: AccountRow | undefined },
  batch: boolean,
): Promise<Claimed | DispatchOutcome> {
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
  if (batch) await sql`SAVEPOINT claim_row`.execute(trx);
  try {
    reserved = await reserveAndOpen(trx, o, ctx, d, now);
  } catch (error) {
    if ((error as { code?: string }).code !== "23505") throw error;
    // Another attempt of this account (or of this row) is still open. Alone, this transaction is
    // aborted and the runner claims again; in a batch, only this row's reservation is undone.
    if (!batch) throw new AccountBusy();
    await sql`ROLLBACK TO SAVEPOINT claim_row`.execute(trx);
    return { kind: "busy" };
  }
  if (!reserved.ok) {
    await deferRow(trx, row.id, reserved.reason, reserved.until);
    return { kind: "deferred", queueId: row.id, reason: reserved.reason, until: reserved.until };
  }
  const { attemptId, usageDay, usageHour, campaignDay } = reserved;
  return { kind: "claimed", ctx, attemptId, action: d.action, usageDay, usageHour, campaignDay } satisfies Claimed;
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
