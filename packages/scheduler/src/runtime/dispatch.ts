/**
 * The send path: claim one due queue row, re-check every invariant inside the claim, reserve
 * capacity with guarded statements, commit an attempt, call the provider outside any transaction,
 * then record the outcome fenced by the attempt id. See SEND-PATH.md, section 2.
 */
import { channelActionType, type MessageActionType, type MessageChannel } from "@offerlab/core";
import { jsonb, type Database } from "@offerlab/db";
import { ProviderError } from "@offerlab/provider-kit";
import { sql, type Transaction } from "kysely";
import {
  checkEligibility,
  COOLING_OFF_DAYS,
  effectiveLimits,
  isInWindow,
  nextWindowOpening,
  sendBlock,
  windowFromCampaign,
  type ReasonCode,
} from "../engine/index.js";
import { accountGapMs, jitteredSendTime } from "../engine/jitter.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, loadContext, sendKey, type SendContext } from "./context.js";
import { callProvider, type ProviderResult } from "./provider-call.js";
import { lockAccount, releaseQuota, reserveQuota, usagePeriods } from "./quota.js";
import { recordSent } from "./record.js";
import { RunnerCrash, type DispatchOutcome, type SendPathOptions } from "./types.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Defaults of SendPathOptions, resolved once per call. */
export function resolveOptions(opts: SendPathOptions) {
  return {
    db: opts.db,
    senders: opts.senders,
    runnerId: opts.runnerId ?? `runner-${process.pid}`,
    now: opts.now ?? (() => new Date()),
    leaseMs: opts.leaseMs ?? 120_000,
    providerTimeoutMs: opts.providerTimeoutMs ?? 30_000,
    accountGapMs: opts.accountGapMs ?? { min: 90_000, max: 300_000 },
    random: opts.random ?? systemRandomSource(),
    defaultCooldownMs: opts.defaultCooldownMs ?? HOUR,
    crashAt: opts.crashAt,
  };
}
export type Resolved = ReturnType<typeof resolveOptions>;

type Decision =
  | { kind: "go"; action: MessageActionType; dailyLimit: number; hourlyLimit: number }
  | { kind: "defer"; reason: ReasonCode | string; until: Date }
  | { kind: "skip"; reason: ReasonCode | string; status: "skipped" | "cancelled" };

const STOPPED_CC = new Set(["replied", "meeting", "bounced", "unsubscribed", "completed", "failed"]);

/**
 * Whether a reply ends the person's sequence in this campaign: always, unless the campaign's
 * `scheduling_config.stop_on_reply` is false; a negative reply ends it even then.
 */
export function replyStops(schedulingConfig: unknown, sentiment: string | null | undefined): boolean {
  if (sentiment === "negative") return true;
  return (schedulingConfig as { stop_on_reply?: unknown } | null)?.stop_on_reply !== false;
}

/** The natural key of the row being sent: the planner's, else computed from its context. */
export function rowKey(ctx: Pick<SendContext, "row" | "campaign" | "contact">): string {
  return ctx.row.natural_key ?? sendKey(ctx.campaign, ctx.contact, ctx.row.sequence_step);
}

/**
 * Decides, from state read inside the claim, whether this row may be sent now. Pure but for
 * `random`, whose draws (the jitter of a reopening window) are named by the row's natural key.
 */
export function decide(ctx: SendContext, now: Date, random: RandomSource = systemRandomSource()): Decision {
  const { row, campaign, campaignContact: cc, account } = ctx;
  const action = (row.action_type as MessageActionType | null) ?? channelActionType[row.channel as MessageChannel];

  if (campaign.status === "cancelled" || campaign.status === "completed") {
    return { kind: "skip", reason: "campaign_not_active", status: "cancelled" };
  }
  if (campaign.status !== "active") return { kind: "defer", reason: "campaign_not_active", until: new Date(now.getTime() + HOUR) };
  // A paused, completed or killed offer holds every send of its campaigns; they go on when the
  // offer is active again (its campaigns keep their own status).
  if (ctx.offerStatus !== "active") return { kind: "defer", reason: "offer_not_active", until: new Date(now.getTime() + HOUR) };

  if (cc && STOPPED_CC.has(cc.status)) {
    return { kind: "skip", reason: cc.status === "replied" || cc.replied ? "replied" : cc.status, status: "cancelled" };
  }
  // A reply stops the sequence unless the campaign says `stop_on_reply: false`, and then still
  // when it was negative (an opt-out or a bounce stops the person through their own statuses).
  if (cc?.replied && replyStops(campaign.scheduling_config, cc.reply_sentiment)) return { kind: "skip", reason: "replied", status: "cancelled" };
  if (cc?.paused_until && cc.paused_until > now) return { kind: "defer", reason: "paused", until: cc.paused_until };
  if (cc?.status === "paused") return { kind: "defer", reason: "paused", until: new Date(now.getTime() + HOUR) };

  const isFirstTouch = !cc || cc.touches === 0;
  const eligibility = checkEligibility(
    {
      rows: ctx.person.map((p) => ({
        global_status: p.global_status,
        status: p.status,
        eligible_for_outreach: p.eligible_for_outreach,
        connection_degree: p.id === ctx.contact.id ? p.connection_degree : null,
      })),
      lastTouchAt: ctx.lastTouchAt,
    },
    { isFirstTouch, action, now },
  );
  if (!eligibility.ok) {
    if (eligibility.reason === "cooling_off" && ctx.lastTouchAt) {
      return { kind: "defer", reason: "cooling_off", until: new Date(ctx.lastTouchAt.getTime() + COOLING_OFF_DAYS * DAY) };
    }
    return { kind: "skip", reason: eligibility.reason, status: "skipped" };
  }

  const window = windowFromCampaign(campaign);
  if (!isInWindow(window, now)) {
    return { kind: "defer", reason: "window_closed", until: jitteredSendTime(window, nextWindowOpening(window, now), random.stream(`reopen|${rowKey(ctx)}`)) };
  }

  if (!account) return { kind: "defer", reason: "no_account", until: new Date(now.getTime() + HOUR) };
  // The same rule the capacity dashboards show (accountStanding): a cooldown waits until it ends;
  // paused, disconnected, unhealthy or unlinked accounts are looked at again in an hour.
  const block = sendBlock(account, now);
  if (block) return { kind: "defer", reason: block.reason, until: block.until ?? new Date(now.getTime() + HOUR) };

  const limits = effectiveLimits(account);
  const dailyLimit = limits[action];
  if (dailyLimit <= 0) return { kind: "defer", reason: "daily_cap", until: nextUtcDay(now) };
  return { kind: "go", action, dailyLimit, hourlyLimit: limits.hourly };
}

function nextUtcDay(now: Date): Date {
  return new Date(usagePeriods(now).day.getTime() + DAY);
}

async function deferRow(trx: Transaction<Database>, queueId: string, reason: string, until: Date): Promise<void> {
  await trx
    .updateTable("send_queue")
    .set({ scheduled_for: until, defer_reason: reason })
    .where("id", "=", queueId)
    .where("status", "in", ["pending", "scheduled"])
    .execute();
}

async function skipRow(trx: Transaction<Database>, ctx: SendContext, reason: string, status: "skipped" | "cancelled", now: Date) {
  await trx
    .updateTable("send_queue")
    .set({ status, defer_reason: reason, last_error: reason, ended_at: now })
    .where("id", "=", ctx.row.id)
    .execute();
  // `sending` too: a skip the provider call found (already connected) comes after the claim
  // marked the message sending, and must not leave it there.
  await trx
    .updateTable("messages")
    .set({ status: "failed", error_message: `not sent: ${reason}` })
    .where("send_queue_id", "=", ctx.row.id)
    .where("status", "in", ["pending", "queued", "sending"])
    .execute();
  await trx
    .insertInto("message_events")
    .values({
      send_queue_id: ctx.row.id,
      contact_id: ctx.row.contact_id,
      campaign_id: ctx.row.campaign_id,
      account_id: ctx.row.account_id,
      event_type: "skipped",
      event_data: jsonb({ reason, at: now.toISOString() }),
      created_at: now,
    })
    .execute();
}

// Internal: the account is locked by another runner, or its one-in-flight insert lost a race
// (23505); `dispatchOne` catches it and claims again, so it never leaves this file: no
// OfferlabError, no code.
class AccountBusy extends Error {}

interface Claimed {
  kind: "claimed";
  ctx: SendContext;
  attemptId: string;
  action: MessageActionType;
  usageDay: Date;
  usageHour: Date;
}

/** tx1: claim one due row and commit an attempt, or defer / skip it with its reason. */
async function claim(o: Resolved, now: Date): Promise<Claimed | DispatchOutcome> {
  return o.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("send_queue")
      .selectAll()
      .where("status", "in", ["pending", "scheduled"])
      .where("scheduled_for", "<=", now)
      // Rows of an account with a send in flight wait for it (one in flight per account).
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("send_attempts")
              .select("send_attempts.id")
              .whereRef("send_attempts.account_id", "=", "send_queue.account_id")
              .where("send_attempts.status", "in", ["claimed", "sending"]),
          ),
        ),
      )
      .orderBy("priority")
      .orderBy("scheduled_for")
      // Ties (rows deferred to one instant: the next day, an account's next slot) go by natural
      // key, so that a seeded run replays; the id only breaks ties between rows without one.
      .orderBy("natural_key")
      .orderBy("id")
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!row) {
      // Nothing claimable. Tell "nothing due" from "due, but every such account is mid-send".
      const waiting = await trx
        .selectFrom("send_queue")
        .select("id")
        .where("status", "in", ["pending", "scheduled"])
        .where("scheduled_for", "<=", now)
        .limit(1)
        .executeTakeFirst();
      return (waiting ? { kind: "busy" } : { kind: "idle" }) as DispatchOutcome;
    }

    // The account row is locked before anything else of the account, without waiting: a claim
    // that waited here while holding its queue row could deadlock with a recording transaction
    // (which locks the account first). A busy account means: claim something else.
    if (row.account_id) {
      const got = await sql`SELECT id FROM accounts WHERE id = ${row.account_id}::uuid FOR NO KEY UPDATE SKIP LOCKED`.execute(trx);
      if (got.rows.length === 0) throw new AccountBusy();
    }
    // A cooldown that has ended gives the account back before anything reads its status.
    if (row.account_id) {
      await trx
        .updateTable("accounts")
        .set({ status: "active", limited_until: null })
        .where("id", "=", row.account_id)
        .where("status", "=", "limited")
        .where("limited_until", "<=", now)
        .execute();
    }
    const ctx = await loadContext(trx, row);
    const d = decide(ctx, now, o.random);
    if (d.kind === "defer") {
      await deferRow(trx, row.id, d.reason, d.until);
      return { kind: "deferred", queueId: row.id, reason: d.reason, until: d.until } as const;
    }
    if (d.kind === "skip") {
      await skipRow(trx, ctx, d.reason, d.status, now);
      return { kind: "skipped", queueId: row.id, reason: d.reason } as const;
    }
    const account = ctx.account!;

    // Pacing: one guarded update claims the account's next slot.
    const gap =
      o.accountGapMs.max > 0
        ? accountGapMs(o.random.stream(`gap|${accountKey(account)}|${rowKey(ctx)}`), { minSeconds: o.accountGapMs.min / 1000, maxSeconds: o.accountGapMs.max / 1000 })
        : 0;
    const paced = await trx
      .updateTable("accounts")
      .set({ next_send_at: new Date(now.getTime() + gap) })
      .where("id", "=", account.id)
      .where((eb) => eb.or([eb("next_send_at", "is", null), eb("next_send_at", "<=", now)]))
      .returning("id")
      .executeTakeFirst();
    if (!paced) {
      const until = account.next_send_at && account.next_send_at > now ? account.next_send_at : new Date(now.getTime() + 1000);
      await deferRow(trx, row.id, "min_gap", until);
      return { kind: "deferred", queueId: row.id, reason: "min_gap", until } as const;
    }

    const refused = await reserveQuota(trx, { accountId: account.id, action: d.action, dailyLimit: d.dailyLimit, hourlyLimit: d.hourlyLimit, now });
    if (refused) {
      await trx.updateTable("accounts").set({ next_send_at: account.next_send_at }).where("id", "=", account.id).execute();
      const { hour } = usagePeriods(now);
      const until = refused === "daily_cap" ? nextUtcDay(now) : new Date(hour.getTime() + HOUR);
      await deferRow(trx, row.id, refused, until);
      return { kind: "deferred", queueId: row.id, reason: refused, until } as const;
    }

    const { day, hour } = usagePeriods(now);
    let attemptId: string;
    try {
      const attempt = await trx
        .insertInto("send_attempts")
        .values({
          send_queue_id: row.id,
          account_id: account.id,
          action_type: d.action,
          runner_id: o.runnerId,
          status: "claimed",
          usage_day: day,
          usage_hour: hour,
          lease_until: new Date(now.getTime() + o.leaseMs),
          started_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      attemptId = attempt.id;
    } catch (error) {
      // Another attempt of this account (or of this row) is still open: this transaction is
      // aborted; the row is deferred in a fresh one below.
      if ((error as { code?: string }).code === "23505") throw new AccountBusy();
      throw error;
    }
    await trx
      .updateTable("send_queue")
      .set((eb) => ({
        status: "processing",
        current_attempt_id: attemptId,
        attempts: eb("attempts", "+", 1),
        last_attempt_at: now,
        defer_reason: null,
      }))
      .where("id", "=", row.id)
      .execute();
    await trx
      .updateTable("messages")
      .set({ status: "sending" })
      .where("send_queue_id", "=", row.id)
      .where("status", "in", ["pending", "queued"])
      .execute();
    return { kind: "claimed", ctx, attemptId, action: d.action, usageDay: day, usageHour: hour } satisfies Claimed;
  });
}

/**
 * Sends at most one due queue row. Safe with any number of runners at once: rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, limits are reserved with guarded statements, the attempt is committed
 * before the provider call and its outcome is recorded only through the attempt id.
 */
export async function dispatchOne(options: SendPathOptions): Promise<DispatchOutcome> {
  const o = resolveOptions(options);
  const now = o.now();
  let claimed: Claimed | DispatchOutcome | undefined;
  // Two runners can pick rows of the same free account at once; the loser's transaction hits the
  // one-in-flight-per-account index and rolls back. It simply claims again (that account is now
  // filtered out as busy).
  for (let tries = 0; claimed === undefined; tries++) {
    try {
      claimed = await claim(o, now);
    } catch (error) {
      if (!(error instanceof AccountBusy)) throw error;
      if (tries >= 5) return { kind: "busy" };
    }
  }
  if (claimed.kind !== "claimed") return claimed;
  const { ctx, attemptId } = claimed;
  const info = { queueId: ctx.row.id, attemptId };
  await o.crashAt?.("after_claim", info);

  // tx1b: the boundary between "nothing started" and "the provider may have acted". Fenced: a
  // claim the reaper expired, or a reply that cancelled it, never reaches the provider.
  const marked = await o.db
    .updateTable("send_attempts")
    .set({ status: "sending", lease_until: new Date(o.now().getTime() + o.leaseMs) })
    .where("id", "=", attemptId)
    .where("status", "=", "claimed")
    .returning("id")
    .executeTakeFirst();
  if (!marked) return { kind: "lost", queueId: ctx.row.id, attemptId, reason: "claim expired or cancelled before the call" };
  await o.crashAt?.("after_mark_sending", info);

  let result: ProviderResult;
  try {
    result = await callProvider(o, ctx, attemptId, info);
  } catch (error) {
    if (error instanceof RunnerCrash) throw error;
    result = classifyError(error, o);
  }
  await o.crashAt?.("after_call", info);

  return applyResult(o, claimed, result);
}

/** Maps a provider failure onto the state machine of SEND-PATH.md 2.2. Fails closed: anything
 * that is not a definite refusal is an unknown outcome. */
export function classifyError(error: unknown, o: Pick<Resolved, "defaultCooldownMs">): ProviderResult {
  if (!ProviderError.isInstance(error)) {
    return { kind: "unknown", reason: error instanceof Error ? error.message : String(error) };
  }
  const reason = error.reason ?? error.vendorCode ?? error.kind;
  switch (error.kind) {
    case "rate_limited":
      return { kind: "refused", reason, errorKind: error.kind, message: error.message, cooldownMs: error.retryAfterMs ?? o.defaultCooldownMs };
    case "auth":
      return { kind: "refused", reason, errorKind: error.kind, message: error.message, accountProblem: true };
    case "invalid":
    case "not_found":
    case "credits":
      return { kind: "refused", reason, errorKind: error.kind, message: error.message, permanent: true };
    case "transient":
      // The kit reports transient only when the request did not leave (never for a send that
      // may have reached the vendor), so nothing happened: retry later.
      return { kind: "refused", reason, errorKind: error.kind, message: error.message };
    default:
      return { kind: "unknown", reason: `${reason}: ${error.message}` };
  }
}

/** Records what the provider call did, fenced by the attempt id. */
async function applyResult(o: Resolved, c: Claimed, result: ProviderResult): Promise<DispatchOutcome> {
  const queueId = c.ctx.row.id;
  const now = o.now();
  if (result.kind === "sent") {
    const recorded = await recordSent(o, { ctx: c.ctx, attemptId: c.attemptId, action: c.action, providerIds: result.providerIds, now, info: { queueId, attemptId: c.attemptId } });
    if (!recorded) return { kind: "lost", queueId, attemptId: c.attemptId, reason: "attempt no longer open (already recorded)" };
    return { kind: "sent", queueId, attemptId: c.attemptId };
  }
  if (result.kind === "skipped") {
    // The provider showed there is nothing to send (already connected): a definite no-op.
    const done = await o.db.transaction().execute(async (trx) => {
      await lockAccount(trx, c.ctx.account!.id);
      const closed = await closeAttempt(trx, c.attemptId, "refused", result.reason, result.reason, now);
      if (!closed) return false;
      await releaseQuota(trx, { accountId: c.ctx.account!.id, action: c.action, usageDay: c.usageDay, usageHour: c.usageHour });
      await trx.updateTable("send_queue").set({ status: "processing" }).where("id", "=", queueId).execute();
      await skipRow(trx, c.ctx, result.reason, "skipped", now);
      await trx.updateTable("send_queue").set({ current_attempt_id: null }).where("id", "=", queueId).execute();
      if (result.reason === "already_connected" && c.ctx.row.contact_id) {
        await trx.updateTable("contacts").set({ connection_degree: 1 }).where("id", "=", c.ctx.row.contact_id).execute();
      }
      return true;
    });
    return done ? { kind: "skipped", queueId, reason: result.reason } : { kind: "lost", queueId, attemptId: c.attemptId, reason: "attempt no longer open" };
  }
  if (result.kind === "unknown") {
    const moved = await o.db
      .updateTable("send_attempts")
      .set({ status: "unknown", error_kind: "unknown_outcome", error_message: result.reason })
      .where("id", "=", c.attemptId)
      .where("status", "=", "sending")
      .returning("id")
      .executeTakeFirst();
    await o.db.updateTable("send_queue").set({ last_error: `unknown outcome: ${result.reason}` }).where("id", "=", queueId).execute();
    return moved
      ? { kind: "unknown", queueId, attemptId: c.attemptId, reason: result.reason }
      : { kind: "lost", queueId, attemptId: c.attemptId, reason: "attempt no longer open" };
  }
  // A definite refusal: the provider did nothing. Give the quota back and decide the row's fate.
  const final = await o.db.transaction().execute(async (trx) => {
    await lockAccount(trx, c.ctx.account!.id);
    const closed = await closeAttempt(trx, c.attemptId, "refused", result.errorKind, result.message, now);
    if (!closed) return null;
    await releaseQuota(trx, { accountId: c.ctx.account!.id, action: c.action, usageDay: c.usageDay, usageHour: c.usageHour });
    const accountId = c.ctx.account!.id;
    if (result.cooldownMs !== undefined) {
      await trx
        .updateTable("accounts")
        .set({ status: "limited", limited_until: new Date(now.getTime() + result.cooldownMs) })
        .where("id", "=", accountId)
        .where("status", "in", ["active", "limited"])
        .execute();
    }
    if (result.accountProblem) {
      await trx.updateTable("accounts").set({ status: "disconnected" }).where("id", "=", accountId).execute();
    }
    await trx
      .insertInto("account_activity")
      .values({
        account_id: accountId,
        contact_id: c.ctx.row.contact_id,
        action_type: c.action,
        status: result.cooldownMs !== undefined ? "rate_limited" : "failed",
        error_message: `${result.reason}: ${result.message}`,
        created_at: now,
      })
      .execute();
    const row = await trx.selectFrom("send_queue").select(["attempts", "max_attempts"]).where("id", "=", queueId).executeTakeFirstOrThrow();
    const isFinal = Boolean(result.permanent) || row.attempts >= row.max_attempts;
    if (isFinal) {
      await trx
        .updateTable("send_queue")
        .set({ status: "failed", last_error: `${result.reason}: ${result.message}`, defer_reason: result.reason, current_attempt_id: null, ended_at: now })
        .where("id", "=", queueId)
        .execute();
      await trx.updateTable("messages").set({ status: "failed", error_message: `${result.reason}: ${result.message}` }).where("send_queue_id", "=", queueId).execute();
      await trx
        .insertInto("message_events")
        .values({
          send_queue_id: queueId,
          contact_id: c.ctx.row.contact_id,
          campaign_id: c.ctx.row.campaign_id,
          account_id: accountId,
          event_type: "failed",
          event_data: jsonb({ reason: result.reason, kind: result.errorKind, message: result.message }),
          created_at: now,
        })
        .execute();
    } else {
      const retryAt = new Date(now.getTime() + (result.cooldownMs ?? Math.min(HOUR, 5 * 60_000 * 2 ** Math.max(0, row.attempts - 1))));
      await trx
        .updateTable("send_queue")
        .set({ status: "pending", scheduled_for: retryAt, last_error: `${result.reason}: ${result.message}`, defer_reason: result.reason, current_attempt_id: null })
        .where("id", "=", queueId)
        .execute();
      await trx.updateTable("messages").set({ status: "queued" }).where("send_queue_id", "=", queueId).where("status", "=", "sending").execute();
    }
    return isFinal;
  });
  if (final === null) return { kind: "lost", queueId, attemptId: c.attemptId, reason: "attempt no longer open" };
  return { kind: "refused", queueId, attemptId: c.attemptId, reason: result.reason, final };
}

/** Moves an open attempt to a terminal state; false when it was no longer open (fenced). */
export async function closeAttempt(
  trx: Transaction<Database>,
  attemptId: string,
  status: "refused" | "not_sent" | "expired" | "cancelled" | "undetermined",
  errorKind: string | null,
  message: string | null,
  /** When it ended, on the runner's clock. */
  at: Date,
): Promise<boolean> {
  const from = status === "not_sent" || status === "undetermined" ? ["unknown"] : status === "expired" || status === "cancelled" ? ["claimed"] : ["sending", "unknown"];
  const res = await trx
    .updateTable("send_attempts")
    .set({ status, error_kind: errorKind, error_message: message, finished_at: at })
    .where("id", "=", attemptId)
    .where("status", "in", from as ("claimed" | "sending" | "unknown")[])
    .returning("id")
    .executeTakeFirst();
  return Boolean(res);
}

/** Runs `dispatchOne` until nothing is due (or `max` rows were handled). */
export async function dispatchDue(
  options: SendPathOptions & { max?: number },
): Promise<{ handled: number; outcomes: Record<DispatchOutcome["kind"], number>; deferred: Record<string, number> }> {
  const outcomes: Record<DispatchOutcome["kind"], number> = { idle: 0, busy: 0, deferred: 0, skipped: 0, sent: 0, refused: 0, unknown: 0, lost: 0 };
  const deferred: Record<string, number> = {};
  let handled = 0;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  while (handled < max) {
    const out = await dispatchOne(options);
    if (out.kind === "idle" || out.kind === "busy") break;
    handled++;
    outcomes[out.kind]++;
    if (out.kind === "deferred") deferred[out.reason] = (deferred[out.reason] ?? 0) + 1;
  }
  return { handled, outcomes, deferred };
}
