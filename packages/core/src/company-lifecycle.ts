/**
 * A company's lifecycle as the system keeps it: contacted on the first send to anyone there,
 * responded on a reply, then meeting, converted, or rejected — never moving backwards by accident.
 * Pure: `companies.advanceStatus` (in `@offerlab/db`) writes with this rule as its guard, in one
 * statement, so two writers racing cannot move a company back.
 *
 * The forward order is `new < qualified < contacted < responded < meeting < converted`; a move to
 * an earlier or equal rank is refused. The documented exceptions:
 * - `rejected` ("they said no") is reached from any status of the forward order but `converted`
 *   (a customer stays a customer). From `rejected`, only a new booked meeting or a conversion moves
 *   it (a fact that overrides an earlier "no"); a later send or reply does not.
 * - `disqualified` (the ICP check's verdict) is reached from `new` and `qualified` only, before any
 *   contact. From `disqualified`, like `rejected`, only a meeting or a conversion moves it: the
 *   send path never reopens a company someone judged out of fit.
 */
import type { CompanyStatus } from "./enums.js";
import { companyStatuses } from "./enums.js";

const forwardOrder: readonly CompanyStatus[] = ["new", "qualified", "contacted", "responded", "meeting", "converted"];

/**
 * The status a company goes to when `to` is asked from `current`, or null when the rule refuses it
 * (a backward or sideways move, see the module note). Asking for the status it already has is null
 * too: nothing to write.
 *
 * @example companyStatusAdvance("meeting", "contacted") // → null (backwards)
 * @example companyStatusAdvance("contacted", "rejected") // → "rejected"
 */
export function companyStatusAdvance(current: CompanyStatus, to: CompanyStatus): CompanyStatus | null {
  if (current === to) return null;
  if (current === "rejected" || current === "disqualified") return to === "meeting" || to === "converted" ? to : null;
  // current is in the forward order from here on.
  if (to === "rejected") return current === "converted" ? null : to;
  if (to === "disqualified") return current === "new" || current === "qualified" ? to : null;
  return forwardOrder.indexOf(to) > forwardOrder.indexOf(current) ? to : null;
}

/** The statuses from which `to` may be reached (the guard of the database's one-statement update). */
export function companyStatusesBefore(to: CompanyStatus): CompanyStatus[] {
  return companyStatuses.filter((from) => companyStatusAdvance(from, to) === to);
}
