/**
 * The state machine of `send_attempts`, and the only module that writes that table (a test greps
 * the runtime for any other writer). Callers name a transition; they never write the column.
 *
 *   claimed ──start──▶ sending ──sent──▶ sent
 *      │                  ├──refused──▶ refused          (the provider definitely did nothing)
 *      │                  └──unknown──▶ unknown ──sent──▶ sent
 *      ├──expired (lease lapsed before any call)  ├──refused──▶ refused
 *      └──cancelled (a reply or stop came first)  ├──notSent──▶ not_sent   (reconciled)
 *                                                 └──undetermined──▶ undetermined (never resent)
 *
 * As River's `JobSetStateIfRunningParams` constructors and graphile-worker's `completeJobs` /
 * `failJobs`: one constructor per outcome builds a {@link AttemptTransition}, and
 * {@link moveAttempt} applies it with one statement fenced by the states it may leave, so a
 * transition that is no longer allowed (someone else settled the attempt) changes nothing and says
 * so. Every timestamp a transition writes is passed in, from the runner's injected clock.
 */
import { assertNever, type MessageActionType, type SendAttemptStatus } from "@offerlab/core";
import { jsonb, type Database } from "@offerlab/db";
import { sql, type Kysely, type Transaction } from "kysely";

type Q = Kysely<Database> | Transaction<Database>;
type ProviderIds = Record<string, string | null>;

/** One move of an attempt's state, built by the constructors below. */
export type AttemptTransition =
  | { to: "sending"; leaseUntil: Date }
  | { to: "sent"; at: Date; providerIds: ProviderIds; evidence?: string }
  | { to: "refused"; at: Date; errorKind: string | null; message: string | null }
  | { to: "unknown"; message: string }
  | { to: "expired"; at: Date; message: string }
  | { to: "cancelled"; at: Date; errorKind: string; message: string }
  | { to: "not_sent"; at: Date; evidence: string }
  | { to: "undetermined"; at: Date; note: string };

/** The states each transition may leave: its fence. */
export const transitionFrom: Readonly<Record<AttemptTransition["to"], readonly SendAttemptStatus[]>> = {
  sending: ["claimed"],
  sent: ["sending", "unknown"],
  refused: ["sending", "unknown"],
  unknown: ["sending"],
  expired: ["claimed"],
  cancelled: ["claimed"],
  not_sent: ["unknown"],
  undetermined: ["unknown"],
};

/** tx1b: the call may start; the lease is renewed. */
export const attemptStarted = (leaseUntil: Date): AttemptTransition => ({ to: "sending", leaseUntil });
/** The provider acted (the runner's answer, or the reconciler's evidence). */
export const attemptSent = (at: Date, providerIds: ProviderIds, evidence?: string): AttemptTransition => ({
  to: "sent",
  at,
  providerIds,
  ...(evidence ? { evidence } : {}),
});
/** The provider definitely did nothing (a refusal before acting, or nothing to do). */
export const attemptRefused = (at: Date, errorKind: string | null, message: string | null): AttemptTransition => ({
  to: "refused",
  at,
  errorKind,
  message,
});
/** Nobody knows whether the provider acted: the reconciler must ask. Not terminal, so no end time. */
export const attemptUnknown = (message: string): AttemptTransition => ({ to: "unknown", message });
/** The claim's lease lapsed before any call. */
export const attemptExpired = (at: Date, message = "lease lapsed before the call"): AttemptTransition => ({ to: "expired", at, message });
/** A reply, an opt-out or a bounce arrived before the call. */
export const attemptCancelled = (at: Date, reason: string, message: string): AttemptTransition => ({
  to: "cancelled",
  at,
  errorKind: reason,
  message,
});
/** The reconciler proved the send never happened. */
export const attemptNotSent = (at: Date, evidence: string): AttemptTransition => ({ to: "not_sent", at, evidence });
/** The provider still could not tell after the reconciler's last check: never resent. */
export const attemptUndetermined = (at: Date, note: string): AttemptTransition => ({ to: "undetermined", at, note });

/** The columns a transition writes (the status and what that outcome records). */
function columnsOf(t: AttemptTransition) {
  switch (t.to) {
    case "sending":
      return { status: t.to, lease_until: t.leaseUntil };
    case "sent":
      return { status: t.to, finished_at: t.at, provider_ids: jsonb(t.providerIds), ...(t.evidence ? { reconcile_note: t.evidence } : {}) };
    case "refused":
      return { status: t.to, finished_at: t.at, error_kind: t.errorKind, error_message: t.message };
    case "unknown":
      return { status: t.to, error_kind: "unknown_outcome", error_message: t.message };
    case "expired":
      return { status: t.to, finished_at: t.at, error_message: t.message };
    case "cancelled":
      return { status: t.to, finished_at: t.at, error_kind: t.errorKind, error_message: t.message };
    case "not_sent":
      return { status: t.to, finished_at: t.at, error_kind: "reconciled", error_message: t.evidence };
    case "undetermined":
      // The error that made the outcome unknown stays; the reconciler's last word is the note.
      return {
        status: t.to,
        finished_at: t.at,
        reconcile_checks: sql<number>`reconcile_checks + 1`,
        reconcile_note: t.note,
        next_check_at: null,
      };
    default:
      return assertNever(t, "attempt transition");
  }
}

/**
 * Applies a transition to one attempt, fenced by the states it may leave. Returns the attempt's
 * account when it moved, undefined when it was no longer in one of those states (settled by
 * someone else: nothing is written twice).
 */
export async function moveAttempt(q: Q, attemptId: string, t: AttemptTransition): Promise<{ accountId: string } | undefined> {
  // Marked as the send path's (one shape per transition), so a PostgreSQL connection plans it once
  // (db's `PREPARED_STATEMENT_MARK`): the move to `sending` runs once per send.
  const query = moveAttemptQuery(q, attemptId, t).compile();
  const { rows } = await q.executeQuery<{ account_id: string }>({ ...query, sql: `/* send-path:attempt */ ${query.sql}` });
  const moved = rows[0];
  return moved ? { accountId: moved.account_id } : undefined;
}

/**
 * {@link moveAttempt}'s fenced update (`RETURNING account_id`), unexecuted: the first CTE of a
 * larger statement whose other CTEs act only when it returned a row (the send path's record).
 */
export function moveAttemptQuery(q: Q, attemptId: string, t: AttemptTransition) {
  return q
    .updateTable("send_attempts")
    .set(columnsOf(t))
    .where("id", "=", attemptId)
    .where("status", "in", [...transitionFrom[t.to]])
    .returning("account_id");
}

/** What opening an attempt records. */
export interface OpenAttemptInput {
  queueId: string;
  accountId: string;
  action: MessageActionType;
  runnerId: string;
  usageDay: Date;
  usageHour: Date;
  /** The campaign's local day the send counted against (`campaign_usage`); null: not counted. */
  campaignDay?: string | null;
  leaseUntil: Date;
  at: Date;
}

/**
 * Opens an attempt (`claimed`) inside the claim's transaction, fenced by the unique indexes (one
 * open attempt per account and per queue row): a concurrent claim fails with 23505. The send path
 * opens it inside `reserveAndOpen` through {@link openAttemptFrom}; this is that statement alone.
 */
export async function openAttempt(trx: Transaction<Database>, input: OpenAttemptInput): Promise<string> {
  const { rows } = await sql<{ id: string }>`WITH one AS (SELECT 1) ${openAttemptFrom("one", input)}`.execute(trx);
  return rows[0]!.id;
}

/**
 * The attempt's insert as a fragment (`INSERT … SELECT … FROM source RETURNING id`): opens the
 * attempt only when the CTE `source` returned a row (the send path's `reserveAndOpen`: when every
 * reservation before it succeeded).
 */
export function openAttemptFrom(source: string, input: OpenAttemptInput) {
  return sql`INSERT INTO send_attempts (send_queue_id, account_id, action_type, runner_id, status, usage_day, usage_hour, campaign_day,
      lease_until, started_at, created_at)
    SELECT ${input.queueId}::uuid, ${input.accountId}::uuid, ${input.action}, ${input.runnerId}, 'claimed', ${input.usageDay}::timestamptz,
      ${input.usageHour}::timestamptz, ${input.campaignDay ?? null}::date, ${input.leaseUntil}::timestamptz, ${input.at}::timestamptz, ${input.at}::timestamptz
    FROM ${sql.table(source)}
    RETURNING id`;
}

/**
 * Adds ids to what the attempt records (`provider_ids`), leaving its state alone. With `whileIn`,
 * only while the attempt is in that state: noting a call's target on a `sending` attempt that the
 * reaper has meanwhile taken returns false, and then the call must not start.
 */
export async function noteAttemptIds(q: Q, attemptId: string, ids: ProviderIds, whileIn?: SendAttemptStatus): Promise<boolean> {
  let update = q
    .updateTable("send_attempts")
    .set({ provider_ids: sql<ProviderIds>`provider_ids || ${jsonb(ids)}` })
    .where("id", "=", attemptId);
  if (whileIn) update = update.where("status", "=", whileIn);
  return Boolean(await update.returning("id").executeTakeFirst());
}

/**
 * Takes the reconciler's next check of an `unknown` attempt by moving its due time forward with a
 * guarded update: false when another runner took it (or it is no longer due or unknown).
 */
export async function takeReconcileCheck(q: Q, attemptId: string, now: Date, nextCheckAt: Date): Promise<boolean> {
  const taken = await q
    .updateTable("send_attempts")
    .set({ next_check_at: nextCheckAt })
    .where("id", "=", attemptId)
    .where("status", "=", "unknown")
    .where((eb) => eb.or([eb("next_check_at", "is", null), eb("next_check_at", "<=", now)]))
    .returning("id")
    .executeTakeFirst();
  return Boolean(taken);
}

/** Counts a check of an `unknown` attempt that settled nothing, and sets when to ask again. */
export async function postponeReconcileCheck(q: Q, attemptId: string, note: string, nextCheckAt: Date): Promise<void> {
  await q
    .updateTable("send_attempts")
    .set((eb) => ({ reconcile_checks: eb("reconcile_checks", "+", 1), reconcile_note: note, next_check_at: nextCheckAt }))
    .where("id", "=", attemptId)
    .where("status", "=", "unknown")
    .execute();
}
