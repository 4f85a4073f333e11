/**
 * The reconciler: settles unknown outcomes with the provider's safe reads. Safe with any number of
 * runners; nothing is ever resent on a guess.
 */
import { assertNever, type MessageActionType, type MessageChannel } from "@offerlab/core";
import { ProviderError, type ReconcileResult, type SendReconciler, type UncertainSend } from "@offerlab/provider-kit";
import { sendQueue, type Database } from "@offerlab/db";
import { sql, type Selectable } from "kysely";
import { reconcileDelayMs } from "../engine/jitter.js";
import {
  attemptNotSent,
  attemptUndetermined,
  moveAttempt,
  noteAttemptIds,
  postponeReconcileCheck,
  takeReconcileCheck,
} from "./attempts.js";
import { rowKey } from "./check.js";
import { loadContext, type QueueRow, type SendContext } from "./context.js";
import { resolveOptions, type Resolved } from "./options.js";
import { lockAccount, releaseQuota } from "./quota.js";
import { failRow, requeueRow } from "./queue.js";
import { recordSent } from "./record.js";
import { RunnerCrash, type SendPathOptions } from "./types.js";

/** What the reconciler needs to look one send up, from the attempt, its row and its contact. */
interface LookupKeys {
  vendorAccount: string;
  /** The recipient's LinkedIn member id (resolved with the sending account). */
  providerId: string | null;
  /** The chat the message went into, when the call addressed one. */
  chatId: string | null;
}

function uncertainSendOf(
  channel: MessageChannel,
  keys: LookupKeys,
  input: { text: string; attemptId: string; at: Date; to: string | null; subject: string | null },
): UncertainSend | null {
  switch (channel) {
    case "email":
      return {
        kind: "email",
        accountId: keys.vendorAccount,
        sendId: input.attemptId,
        attemptedAt: input.at,
        ...(input.to ? { to: input.to } : {}),
        ...(input.subject ? { subject: input.subject } : {}),
      };
    case "linkedin_connect":
      return keys.providerId
        ? { kind: "linkedin_invitation", accountId: keys.vendorAccount, providerId: keys.providerId, attemptedAt: input.at }
        : null;
    case "linkedin_dm":
    case "linkedin_inmail":
      if (!keys.chatId && !keys.providerId) return null;
      return {
        kind: "linkedin_message",
        accountId: keys.vendorAccount,
        ...(keys.chatId ? { chatId: keys.chatId } : {}),
        ...(keys.providerId ? { recipientProviderId: keys.providerId } : {}),
        text: input.text,
        attemptedAt: input.at,
      };
    default:
      return assertNever(channel, "message channel");
  }
}

/**
 * The reconciler's ids under the keys a send records (`tracking_id`, `email_id`, `chat_id`, …),
 * so replies, tracking events and follow-up threads find a reconciled send like any other. An
 * email's `messageId` is its RFC Message-ID, kept apart from a LinkedIn message id.
 */
function recordedProviderIds(channel: string, ids: Record<string, string | null> | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(ids ?? {})) {
    const snake = key === "messageId" && channel === "email" ? "rfc_message_id" : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[snake] = value;
  }
  return out;
}

export interface ReconcileSummary {
  sent: number;
  notSent: number;
  /** Checks that settled nothing (the provider could not tell yet, or could not be asked); each is asked again later, on its back-off. */
  cannotTell: number;
  /** Attempts the provider still could not settle a day after the attempt: failed with `outcome_unknown`, never resent. */
  undetermined: number;
  /** Attempts due for a check but left for a later pass (the pass's limit, per-account cap or time budget, or the provider's rate limit). */
  postponed: number;
}

/** Tuning of one reconciliation pass (see {@link reconcileUnknown}). */
export interface ReconcileOptions {
  /** At most this many provider checks in one pass. Default 25. */
  limit?: number;
  /**
   * At most this many checks per sending account in one pass, so one account's backlog neither
   * fills a pass nor bursts that account's Unipile reads. Default 5.
   */
  perAccount?: number;
  /**
   * No new check starts once the pass has run this long (real time, in ms): a cron tick keeps its
   * time for planning and sending. At least one check always runs. Default 10 000.
   */
  budgetMs?: number;
  /**
   * A provider that still cannot tell this long after the attempt (in ms) settles it as
   * `undetermined`. Checks that could not reach the provider at all (network, rate limit,
   * credentials) never do: those keep their back-off until the provider answers. Default 24 h.
   */
  undeterminedAfterMs?: number;
}

const RECONCILE_DEFAULTS = { limit: 25, perAccount: 5, budgetMs: 10_000, undeterminedAfterMs: 24 * 3_600_000 };
/** A provider's "ask again after" is honoured up to this; longer hints are the back-off's business. */
const MAX_HINT_MS = 3_600_000;

type SendAttemptRow = Selectable<Database["send_attempts"]>;

/**
 * What one check learnt: the provider's answer (a "cannot tell" also when our data lacks what a
 * lookup needs, or the profile is gone: waiting will not change those, so they count towards
 * `undetermined`), or why the provider could not be asked at all (network, rate limit,
 * credentials), which never gives up on its own. `noted` holds ids resolved for this check.
 */
type Check =
  | { kind: "answer"; result: ReconcileResult; noted?: Record<string, string | null> }
  | { kind: "unreachable"; reason: string; retryAfterMs?: number; rateLimited?: boolean };

/**
 * Settles `unknown` attempts by asking the provider (safe reads only). "sent" records the send as
 * if the runner had (queue row, message, history, counters, the next step planned); "not sent"
 * releases the quota and returns the row to the queue (or fails it after max_attempts); "cannot
 * tell" asks again later — nothing is ever resent on a guess.
 *
 * Each attempt is asked at once, then on a jittered exponential back-off (`reconcileDelayMs`:
 * about 1 min, doubling, capped near 1 h; never sooner than the provider's own "ask again after",
 * nor than its Retry-After on a rate limit), so a send the provider cannot settle yet costs a few
 * reads an hour, not one per tick and runner. A runner takes a check by moving the attempt's
 * `next_check_at` forward with a guarded update: runners never ask about the same attempt at once.
 * A pass is bounded (`limit`, `perAccount`, `budgetMs`), and stops asking about an account the
 * provider rate-limited. When the provider still cannot tell a day after the attempt
 * (`undeterminedAfterMs`), the attempt becomes `undetermined` and its row fails with
 * `outcome_unknown`: never resent, its quota still counted, shown by `offerlab why` and the
 * dashboards.
 */
export async function reconcileUnknown(options: SendPathOptions & ReconcileOptions): Promise<ReconcileSummary> {
  const o = resolveOptions(options);
  const limit = options.limit ?? RECONCILE_DEFAULTS.limit;
  const perAccount = options.perAccount ?? RECONCILE_DEFAULTS.perAccount;
  const budgetMs = options.budgetMs ?? RECONCILE_DEFAULTS.budgetMs;
  const undeterminedAfterMs = options.undeterminedAfterMs ?? RECONCILE_DEFAULTS.undeterminedAfterMs;
  const summary: ReconcileSummary = { sent: 0, notSent: 0, cannotTell: 0, undetermined: 0, postponed: 0 };
  // Nothing to ask with: leave every attempt as it is (no check is spent, none gives up).
  const reconciler = o.senders.reconciler;
  if (!reconciler) return summary;
  const started = performance.now();
  const passNow = o.now();

  const dueCount = Number(
    (
      await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM send_attempts
        WHERE status = 'unknown' AND (next_check_at IS NULL OR next_check_at <= ${passNow}::timestamptz)`.execute(o.db)
    ).rows[0]?.n ?? 0,
  );
  if (dueCount === 0) return summary;
  // The most overdue first, at most `perAccount` of each account.
  // Ties (attempts of one tick share its start) go by the rows' natural keys, as in the claim.
  const picked = await sql<{ id: string }>`
    SELECT id FROM (
      SELECT a.id, coalesce(a.next_check_at, a.started_at) AS due_at, q.natural_key,
             row_number() OVER (PARTITION BY a.account_id ORDER BY coalesce(a.next_check_at, a.started_at), q.natural_key, a.id) AS rn
      FROM send_attempts a JOIN send_queue q ON q.id = a.send_queue_id
      WHERE a.status = 'unknown' AND (a.next_check_at IS NULL OR a.next_check_at <= ${passNow}::timestamptz)
    ) due
    WHERE rn <= ${perAccount}
    ORDER BY due_at, natural_key, id
    LIMIT ${limit}`.execute(o.db);
  const ids = picked.rows.map((r) => r.id);
  const attempts = ids.length ? await o.db.selectFrom("send_attempts").selectAll().where("id", "in", ids).execute() : [];
  attempts.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));

  const throttled = new Set<string>();
  let asked = 0;
  for (const a of attempts) {
    if (throttled.has(a.account_id) || (asked > 0 && performance.now() - started >= budgetMs)) continue;
    const now = o.now();
    const checks = a.reconcile_checks + 1;
    const row = await o.db.selectFrom("send_queue").selectAll().where("id", "=", a.send_queue_id).executeTakeFirstOrThrow();
    const ctx = await loadContext(o.db, row);
    const key = backoffKey(ctx, a);
    // Take the check: moving the due time forward first means another runner's pass skips this
    // attempt, and a runner that dies mid-check leaves it for the back-off instead of a hot loop.
    const taken = await takeReconcileCheck(
      o.db,
      a.id,
      now,
      new Date(now.getTime() + reconcileDelayMs(checks, o.random.stream(`${key}|${checks}`))),
    );
    if (!taken) continue;
    asked++;
    const check = await checkOne(o, reconciler, a, ctx);
    const at = o.now();
    if (check.kind === "unreachable") {
      if (check.rateLimited) throttled.add(a.account_id);
      await postpone(o, a, key, checks, at, check.reason, check.retryAfterMs);
      summary.cannotTell++;
      continue;
    }
    const result = check.result;
    if (result.outcome === "sent") {
      const ok = await recordSent(o, {
        ctx,
        attemptId: a.id,
        action: a.action_type as MessageActionType,
        // What the call addressed (noted before it), completed by what the provider showed.
        providerIds: {
          ...(a.provider_ids as Record<string, string | null>),
          ...check.noted,
          ...recordedProviderIds(row.channel, result.providerIds),
        },
        now: at,
        info: { queueId: row.id, attemptId: a.id },
        evidence: result.evidence,
      });
      if (ok) summary.sent++;
    } else if (result.outcome === "not_sent") {
      if (await settleNotSent(o, a, row, result.evidence, at)) summary.notSent++;
    } else if (at.getTime() - a.started_at.getTime() >= undeterminedAfterMs) {
      if (await settleUndetermined(o, a, ctx, `${result.reason} (after ${checks} checks)`, at)) summary.undetermined++;
    } else {
      await postpone(o, a, key, checks, at, result.reason, result.retryAfterMs);
      summary.cannotTell++;
    }
  }
  summary.postponed = Math.max(0, dueCount - asked);
  return summary;
}

/**
 * One look at the provider for one attempt. The recipient's LinkedIn id comes from the attempt
 * (noted just before its call) or the campaign contact; when neither has it (the runner died
 * between resolving the profile and noting it, or an attempt older than the note), the profile is
 * resolved again with the sending account — a safe read — and noted for the next checks.
 */
async function checkOne(o: Resolved, reconciler: SendReconciler, a: SendAttemptRow, ctx: SendContext): Promise<Check> {
  const { row, campaignContact: cc, contact } = ctx;
  const vendorAccount = ctx.account?.unipile_account_id;
  if (!vendorAccount)
    return { kind: "unreachable", reason: `account ${ctx.account?.name ?? a.account_id} has no unipile_account_id (run accounts sync)` };
  const noted = a.provider_ids as Record<string, string | null>;
  let providerId = noted.provider_id ?? cc?.linkedin_provider_id ?? null;
  // A chat id only when this attempt's call addressed that chat. Before the note existed, the
  // campaign contact's chat was the one a DM used; an InMail or a first DM may have opened another,
  // and scanning the wrong chat would read as "not sent": without a noted chat the reconciler looks
  // through every chat for the recipient.
  const chatId =
    noted.provider_id !== undefined ? (noted.chat_id ?? null) : row.channel === "linkedin_dm" ? (cc?.linkedin_chat_id ?? null) : null;
  const fresh: Record<string, string | null> = {};
  const signal = AbortSignal.timeout(o.providerTimeoutMs);
  try {
    if (row.channel !== "email" && !providerId && (row.channel === "linkedin_connect" || !chatId)) {
      const linkedin = o.senders.linkedin;
      if (!linkedin || !contact.linkedin_url) {
        return {
          kind: "answer",
          result: {
            outcome: "cannot_tell",
            reason: linkedin
              ? "the contact has no LinkedIn URL to look the send up by"
              : "no LinkedIn sender configured to resolve the recipient",
          },
        };
      }
      // With the sending account, as the call did: member ids are reported to be viewer-scoped (a
      // secondary source, digest §3), so only the same viewer is sure to get the id the call used.
      // Since the id is noted before every call, an attempt without one never reached its call;
      // only attempts older than the note depend on this lookup. It is a LinkedIn profile view
      // (~100/day): the id is noted and never resolved twice.
      const profile = await linkedin.resolveProfile(vendorAccount, contact.linkedin_url, {
        signal,
        usageContext: { offerId: ctx.campaign.offer_id, campaignId: ctx.campaign.id, contactId: contact.id },
      });
      providerId = profile.providerId;
      fresh.provider_id = providerId;
      await noteAttemptIds(o.db, a.id, fresh, "unknown");
    }
    const send = uncertainSendOf(
      row.channel,
      { vendorAccount, providerId, chatId },
      { text: row.body, attemptId: a.id, at: a.started_at, to: contact.email, subject: row.subject },
    );
    if (!send) return { kind: "answer", result: { outcome: "cannot_tell", reason: "not enough identifiers to look the send up" } };
    return {
      kind: "answer",
      result: await reconciler.reconcile(send, {
        signal,
        usageContext: { offerId: ctx.campaign.offer_id, campaignId: ctx.campaign.id, contactId: contact.id },
      }),
      noted: fresh,
    };
  } catch (error) {
    if (error instanceof RunnerCrash) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (ProviderError.isInstance(error)) {
      // The profile is gone or the lookup was refused as asked: waiting will not change it.
      if (error.kind === "not_found" || error.kind === "invalid") return { kind: "answer", result: { outcome: "cannot_tell", reason } };
      if (error.kind === "rate_limited")
        return {
          kind: "unreachable",
          reason,
          rateLimited: true,
          ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
        };
    }
    return { kind: "unreachable", reason };
  }
}

/**
 * The name of an attempt's back-off draws: the send's natural key and when the attempt started
 * (on the runner's clock), never the attempt's database id.
 */
function backoffKey(ctx: SendContext, a: SendAttemptRow): string {
  return `reconcile|${rowKey(ctx)}|${a.started_at.toISOString()}`;
}

/** Counts a check that settled nothing and sets the next one on the back-off (or later, when the provider says so). */
async function postpone(
  o: Resolved,
  a: SendAttemptRow,
  key: string,
  checks: number,
  now: Date,
  reason: string,
  retryAfterMs?: number,
): Promise<void> {
  const delay = Math.max(reconcileDelayMs(checks, o.random.stream(`${key}|${checks}`)), Math.min(retryAfterMs ?? 0, MAX_HINT_MS));
  await postponeReconcileCheck(o.db, a.id, reason, new Date(now.getTime() + delay));
}

/** The provider proved nothing happened: the quota is given back and the row may be sent again (or fails after max_attempts). */
async function settleNotSent(o: Resolved, a: SendAttemptRow, row: QueueRow, evidence: string, now: Date): Promise<boolean> {
  return o.db.transaction().execute(async (trx) => {
    await lockAccount(trx, a.account_id);
    if (!(await moveAttempt(trx, a.id, attemptNotSent(now, evidence)))) return false;
    await releaseQuota(trx, {
      accountId: a.account_id,
      action: a.action_type as MessageActionType,
      usageDay: a.usage_day,
      usageHour: a.usage_hour,
      queueId: a.send_queue_id,
      campaignDay: a.campaign_day,
    });
    const exhausted = row.attempts >= row.max_attempts;
    const error = `reconciled: not sent (${evidence})`;
    if (exhausted) await failRow(trx, row.id, { reason: "max_attempts", error, now, onlyIfProcessing: true });
    else await requeueRow(trx, row.id, { reason: "reconciled_not_sent", error });
    if (exhausted) await sendQueue.messagesFailed(trx, [row.id], { from: ["sending"] });
    else await sendQueue.messageRequeued(trx, row.id);
    return true;
  });
}

/**
 * The provider could not tell for a day: the attempt ends `undetermined` and its row `failed` with
 * `outcome_unknown`, so the sequence moves on without ever repeating a send that may have
 * happened. Its quota stays reserved: limits count what may have reached the provider.
 */
async function settleUndetermined(o: Resolved, a: SendAttemptRow, ctx: SendContext, reason: string, now: Date): Promise<boolean> {
  const { row } = ctx;
  return o.db.transaction().execute(async (trx) => {
    await lockAccount(trx, a.account_id);
    // The error that made the outcome unknown stays; the reconciler's last word goes in the note.
    if (!(await moveAttempt(trx, a.id, attemptUndetermined(now, reason)))) return false;
    const message = `outcome unknown: the provider could not tell whether it was sent (${reason}); never resent`;
    await failRow(trx, row.id, { reason: "outcome_unknown", error: message, now, onlyIfProcessing: true });
    await sendQueue.messagesFailed(trx, [row.id], { error: message, from: ["pending", "queued", "sending"] });
    await sendQueue.recordEvent(trx, {
      queueId: row.id,
      contactId: row.contact_id,
      campaignId: row.campaign_id,
      accountId: a.account_id,
      type: "failed",
      data: { reason: "outcome_unknown", attempt_id: a.id, message, at: now.toISOString() },
      at: now,
    });
    return true;
  });
}
