/**
 * Outcomes after the outreach, the pure parts: which touch an outcome is attributed to, and how
 * it moves the person's and the company's status. The database module records; these decide.
 */
import { companyStatusAdvance } from "./company-lifecycle.js";
import type { CompanyStatus, ContactStatus, OutcomeKind } from "./enums.js";

/** Default attribution window: an outcome counts for the last touch at most this many days before it. */
export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30;

/** One touch of a person (an `outreach_history` row), as attribution reads it. */
export interface Touch {
  sentAt: Date;
  campaignId: string | null;
  offerId: string | null;
  accountId: string | null;
  sequenceStep: number | null;
  /** The copy variant the send used (its template's name); null when unknown. */
  variant?: string | null;
}

/**
 * The touch an outcome at `occurredAt` is attributed to: the last one at or before it and no more
 * than `windowDays` days before it, or null (the outcome is unattributed). Ties on the same
 * instant go to the later item in `touches`.
 */
export function attributeOutcome(touches: readonly Touch[], occurredAt: Date, windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS): Touch | null {
  if (!Number.isFinite(windowDays) || windowDays < 0) throw new RangeError(`windowDays must be ≥ 0 (got ${windowDays})`);
  const end = occurredAt.getTime();
  const start = end - windowDays * 86_400_000;
  let best: Touch | null = null;
  for (const touch of touches) {
    const t = touch.sentAt.getTime();
    if (t > end || t < start) continue;
    if (best === null || t >= best.sentAt.getTime()) best = touch;
  }
  return best;
}

// Forward order of a contact's progress; statuses outside it (skip, unsubscribed, bounced) are
// never changed by an outcome: a meeting does not undo an unsubscribe.
const contactOrder: readonly ContactStatus[] = ["new", "enriched", "ready", "queued", "contacted", "replied", "meeting", "converted"];

/** The status an outcome of `kind` moves a person or company towards, or null when it moves none. */
function target(kind: OutcomeKind): "meeting" | "converted" | null {
  switch (kind) {
    case "meeting_booked":
    case "meeting_held":
      return "meeting";
    case "converted":
      return "converted";
    case "no_show":
    case "meeting_cancelled":
    case "rejected":
    case "not_interested":
    case "wrong_person":
      return null;
  }
}

function forward<S extends string>(order: readonly S[], current: S, to: S | null): S | null {
  if (to === null) return null;
  const from = order.indexOf(current);
  if (from === -1) return null;
  return order.indexOf(to) > from ? to : null;
}

/**
 * The contact status after an outcome, or null to leave it: `meeting_booked` / `meeting_held` →
 * `meeting`, `converted` → `converted`, only forward (a converted person stays converted after a
 * later meeting) and never out of skip, unsubscribed or bounced.
 */
export function contactStatusAfterOutcome(current: ContactStatus, kind: OutcomeKind): ContactStatus | null {
  return forward(contactOrder, current, target(kind));
}

/**
 * The company status after an outcome, or null to leave it, by `companyStatusAdvance`: a meeting →
 * `meeting`, a conversion → `converted` (also out of `rejected` or `disqualified`: a fact that
 * overrides an earlier verdict), `rejected` / `not_interested` → `rejected` (never out of
 * `converted`). A no-show or a wrong person says nothing about the company.
 */
export function companyStatusAfterOutcome(current: CompanyStatus, kind: OutcomeKind): CompanyStatus | null {
  const to = kind === "rejected" || kind === "not_interested" ? "rejected" : target(kind);
  return to === null ? null : companyStatusAdvance(current, to);
}
