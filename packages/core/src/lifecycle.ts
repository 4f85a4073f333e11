/**
 * Status lifecycles of offers, campaigns and sending accounts: which changes a person may make,
 * and the message that explains a refused one. Pure; the CLI and the repositories check a change
 * here before writing it, so a refused change writes nothing.
 */
import type { AccountStatus, CampaignStatus, OfferStatus } from "./enums.js";

/**
 * Offer statuses a person may move an offer to, from each status.
 *
 * draft → ready (ICP and copy ready) → active (campaigns running) ⇄ paused → completed; any of
 * them → killed (did not work, archived). `ready → draft` reopens the copy for work, `completed →
 * active` runs a finished offer again, and `killed → draft` revives an archived one: the only way
 * back from killed, so reviving is a deliberate step.
 */
export const offerStatusTransitions: Readonly<Record<OfferStatus, readonly OfferStatus[]>> = {
  draft: ["ready", "killed"],
  ready: ["draft", "active", "killed"],
  active: ["paused", "completed", "killed"],
  paused: ["active", "completed", "killed"],
  completed: ["active", "killed"],
  killed: ["draft"],
};

/**
 * Campaign statuses a person may move a campaign to. `completed` and `cancelled` are final:
 * queue rows of a cancelled campaign are cancelled with it, and its people may be enrolled in a
 * new campaign instead.
 */
export const campaignStatusTransitions: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ["ready", "active", "cancelled"],
  ready: ["draft", "active", "cancelled"],
  active: ["paused", "completed", "cancelled"],
  paused: ["active", "completed", "cancelled"],
  completed: [],
  cancelled: [],
};

/**
 * How long an enrolment in a campaign that was never launched (`draft` or `ready`) keeps its people
 * from other campaigns, in days from the enrolment. After that a draft stops holding them: another
 * campaign may take them, and if the draft is launched later, its first touch still waits for the
 * cooling-off window after the other campaign's (invariant 4, checked at every claim).
 * Cancelling the draft releases them at once (a cancelled campaign holds no one).
 */
export const DRAFT_ENROLMENT_HOLD_DAYS = 14;

/**
 * Account statuses a person may set by hand (`offerlab accounts pause|resume`). `warming` (an
 * account warmed outside offerlab) may be put to work; warming inside offerlab is an `active`
 * account with a warming week (`offerlab accounts warm`), not a status. `limited` is set
 * by the send path (provider rate limit, it ends by itself) and `disconnected` by the provider's
 * status (re-connect the account at the provider, then sync); neither is set by hand. A
 * `disconnected` or `banned` account cannot be resumed by hand: only the provider knows whether
 * it works again.
 */
export const accountStatusTransitions: Readonly<Record<AccountStatus, readonly AccountStatus[]>> = {
  active: ["paused"],
  warming: ["active", "paused"],
  paused: ["active"],
  limited: ["active", "paused"],
  disconnected: ["paused"],
  banned: ["paused"],
};

type Kind = "offer" | "campaign" | "account";
const tables = {
  offer: offerStatusTransitions,
  campaign: campaignStatusTransitions,
  account: accountStatusTransitions,
} as const;

/**
 * Why `kind` may not go from `from` to `to`, or null when it may. Setting the status it already
 * has is allowed (a no-op), so repeating a command is harmless.
 *
 * @example statusChangeProblem("campaign", "cancelled", "active")
 * // → 'a cancelled campaign cannot change status (cancelled is final)'
 */
export function statusChangeProblem(kind: "offer", from: OfferStatus, to: OfferStatus): string | null;
export function statusChangeProblem(kind: "campaign", from: CampaignStatus, to: CampaignStatus): string | null;
export function statusChangeProblem(kind: "account", from: AccountStatus, to: AccountStatus): string | null;
export function statusChangeProblem(kind: Kind, from: string, to: string): string | null {
  if (from === to) return null;
  const allowed = (tables[kind] as Record<string, readonly string[]>)[from];
  const an = kind === "campaign" ? "a" : "an";
  if (allowed === undefined) return `status "${from}" is not a known ${kind} status`;
  if (allowed.includes(to)) return null;
  if (allowed.length === 0) return `a ${from} ${kind} cannot change status (${from} is final)`;
  return `${an} ${kind} cannot go from ${from} to ${to}; from ${from} it may go to ${allowed.join(", ")}`;
}
