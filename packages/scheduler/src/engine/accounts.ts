/**
 * Which account sends a step.
 *
 * Sticky sender. A contact keeps its sender: the LinkedIn DM comes from the account whose
 * invitation was accepted (only that account is connected to the person), email follow-ups from
 * the first mailbox (in the same thread). When the runtime passes such a `stickyAccountId` whose
 * type fits the action, it is the only candidate: if it cannot send now the answer is its reason
 * (cap, paused, …) and the step waits, never another account; if it is no longer among the
 * candidates the answer is `sender_unavailable`. A sticky account of the other type (the LinkedIn
 * account, for an email step) does not bind the choice.
 *
 * Rotation sets (`accounts.rotation_set`):
 * - `burner`: throwaway accounts, whose loss (a LinkedIn restriction, a burnt mailbox domain) costs
 *   little. Never used unless the campaign opts in: with `allowBurner` (the campaign's
 *   `scheduling_config.use_burner_accounts`) they count as accounts without a set, serving every
 *   contact of either parity; with `rotation: "burner"` they are used exclusively.
 * - `odd` / `even`: two halves of the pool, to A/B accounts (two personas, two domains) on random
 *   halves of the contacts. With `rotation: "odd"` or `"even"` the campaign uses only that set.
 *   With no rotation, each contact gets a parity from a stable hash of `contactKey`: an odd contact
 *   is sent from `odd` accounts and accounts without a set, an even contact from `even` accounts
 *   and accounts without a set. If that leaves no account of the right type, the whole non-burner
 *   pool is used (so a pool tagged on one side only still serves every contact).
 * - no set (null): a general account, usable by every contact of a campaign without rotation.
 *
 * Among the usable accounts of the action's type, the one with the most remaining capacity now
 * (the lower of daily room for the action and hourly room) wins; ties go to a stable hash of
 * (`contactKey`, account key), then the key, so the choice is deterministic and spreads contacts.
 * Keys are natural (the person's email or LinkedIn URL, the account's Unipile id), not database
 * ids, so that two runs of one sandbox seed choose alike.
 * When none can send, the reason is the most short-lived one among them (`min_gap`, then
 * `hourly_cap`, `daily_cap`, …), so the step is retried when it is most likely to go.
 */
import { stableHash32, type MessageActionType, type RotationSet } from "@offerlab/core";
import { capacityCheck, remainingCapacity, type effectiveLimits } from "./capacity.js";
import type { ReasonCode } from "./reasons.js";

/** An account the campaign may send from, with what it has used and why it may not send at all. */
export interface CandidateAccount {
  id: string;
  /** The account's natural key (Unipile id, mailbox or name) for tie-breaks. Default: `id`. */
  key?: string;
  type: "linkedin" | "email";
  rotation_set: RotationSet | null;
  limits: ReturnType<typeof effectiveLimits>;
  usage: { day: Partial<Record<MessageActionType, number>>; hour: number };
  /** {@link accountBlock}'s answer for the account, or null. */
  block: ReasonCode | null;
  /** Optional: the account may not send before this instant (its randomised minimum gap); needs `ctx.now`. */
  notBefore?: Date | null;
}

/** The context of one choice. */
export interface ChooseAccountContext {
  action: MessageActionType;
  stickyAccountId?: string | null;
  /** A stable natural key of the person (email, LinkedIn URL), for rotation parity and tie-breaks. */
  contactKey: string;
  rotation?: "odd" | "even" | "burner" | null;
  /** The campaign opted into its burner accounts (`scheduling_config.use_burner_accounts`). Default false. */
  allowBurner?: boolean;
  /** Needed only to apply candidates' `notBefore`. */
  now?: Date;
}

/** Which account type performs an action. */
export function accountTypeFor(action: MessageActionType): "linkedin" | "email" {
  return action === "email" ? "email" : "linkedin";
}

/** The parity a contact falls in when a campaign without rotation splits odd/even accounts. */
export function contactParity(contactKey: string): "odd" | "even" {
  return stableHash32(`parity:${contactKey}`) % 2 === 1 ? "odd" : "even";
}

/** Most short-lived first: the reason reported when no candidate can send. */
const reasonOrder: readonly ReasonCode[] = [
  "min_gap",
  "account_busy",
  "hourly_cap",
  "daily_cap",
  "account_warming_cap",
  "account_limited",
  "account_paused",
  "account_warming",
  "account_unhealthy",
  "account_disconnected",
];

function rank(reason: ReasonCode): number {
  const i = reasonOrder.indexOf(reason);
  return i === -1 ? reasonOrder.length : i;
}

function whyNot(a: CandidateAccount, ctx: ChooseAccountContext): ReasonCode | null {
  if (a.block !== null) return a.block;
  if (a.notBefore != null && ctx.now !== undefined && a.notBefore.getTime() > ctx.now.getTime()) return "min_gap";
  const check = capacityCheck(a.limits, a.usage, ctx.action);
  return check.ok ? null : check.reason;
}

/** The accounts a contact may use under the rotation rules (see the module note), before capacity. */
export function rotationPool<A extends Pick<CandidateAccount, "type" | "rotation_set">>(
  candidates: readonly A[],
  ctx: Pick<ChooseAccountContext, "action" | "contactKey" | "rotation" | "allowBurner">,
): A[] {
  const type = accountTypeFor(ctx.action);
  const ofType = candidates.filter((a) => a.type === type);
  const rotation = ctx.rotation ?? null;
  if (rotation !== null) return ofType.filter((a) => a.rotation_set === rotation);
  const allowBurner = ctx.allowBurner === true;
  const general = ofType.filter((a) => a.rotation_set !== "burner" || allowBurner);
  if (!general.some((a) => a.rotation_set === "odd" || a.rotation_set === "even")) return general;
  const parity = contactParity(ctx.contactKey);
  const half = general.filter((a) => a.rotation_set === null || a.rotation_set === "burner" || a.rotation_set === parity);
  return half.length > 0 ? half : general;
}

/** The account that sends `ctx.action` for this contact now, or why none can. */
export function chooseAccount(
  candidates: readonly CandidateAccount[],
  ctx: ChooseAccountContext,
): { ok: true; accountId: string } | { ok: false; reason: ReasonCode } {
  const type = accountTypeFor(ctx.action);
  const stickyId = ctx.stickyAccountId ?? null;
  if (stickyId !== null) {
    const sticky = candidates.find((a) => a.id === stickyId);
    if (sticky === undefined) return { ok: false, reason: "sender_unavailable" };
    if (sticky.type === type) {
      const reason = whyNot(sticky, ctx);
      return reason === null ? { ok: true, accountId: sticky.id } : { ok: false, reason };
    }
  }

  const pool = rotationPool(candidates, ctx);
  if (pool.length === 0) return { ok: false, reason: "no_account" };

  let best: { a: CandidateAccount; room: number; tie: number } | null = null;
  let bestReason: ReasonCode | null = null;
  for (const a of pool) {
    const reason = whyNot(a, ctx);
    if (reason !== null) {
      if (bestReason === null || rank(reason) < rank(bestReason)) bestReason = reason;
      continue;
    }
    const room = remainingCapacity(a.limits, a.usage, ctx.action);
    const tie = stableHash32(`${ctx.contactKey}|${a.key ?? a.id}`);
    if (
      best === null ||
      room > best.room ||
      (room === best.room && (tie < best.tie || (tie === best.tie && (a.key ?? a.id) < (best.a.key ?? best.a.id))))
    ) {
      best = { a, room, tie };
    }
  }
  if (best !== null) return { ok: true, accountId: best.a.id };
  return { ok: false, reason: bestReason ?? "no_account" };
}
