/**
 * Edit a company's status by hand. A person may qualify a company, put it back to `new`, or
 * disqualify it with a reason; the other statuses (`contacted`, `responded`, `meeting`,
 * `converted`, `rejected`) follow from what happened and are not set by hand. Disqualifying a
 * company stops the sequences of its contacts and cancels their unsent sends in the same
 * transaction (as an opt-out does for a person), and keeps its people out of new enrolments.
 * Putting a disqualified company back does not restart the sequences it stopped. Nothing is
 * written when a check fails.
 */
import { CompanyStatus, ValidationError, type FieldIssue } from "@offerlab/core";
import { campaignContacts, companies, resolve, type Company } from "@offerlab/db";
import { cancelPersonSends } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface EditCompanyInput {
  /** The company's id, domain (or website URL) or name. */
  company: string;
  /** The offer (id, slug or name) whose row to edit, when the company has rows in several offers. */
  offer?: string;
  /** `new`, `qualified` or `disqualified` (with `reason`). */
  status: string;
  /** Why, with `disqualified` (required then). */
  reason?: string;
}

export interface EditCompanyResult {
  company: Company;
  previous: Company;
  changed: boolean;
  /** Sequences of its contacts that ended (disqualified). */
  sequencesStopped: number;
  /** Unsent sends of its contacts cancelled (disqualified). */
  cancelled: number;
}

/** The statuses a person sets; the others follow from outreach, replies and outcomes. */
const BY_HAND = ["new", "qualified", "disqualified"] as const;
/** Statuses a company may leave by hand for `new` or `qualified` (after outreach it may only be disqualified). */
const BEFORE_OUTREACH: readonly CompanyStatus[] = ["new", "qualified", "disqualified"];

export async function editCompany(ctx: OperationContext, input: EditCompanyInput): Promise<EditCompanyResult> {
  const at = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const offerId = input.offer !== undefined ? (await resolve.offer(trx, input.offer)).id : undefined;
    const previous = await resolve.company(trx, input.company, offerId ? { offerId } : {});
    const issues: FieldIssue[] = [];
    const to = input.status;
    const reason = input.reason?.trim() ?? "";
    if (!(BY_HAND as readonly string[]).includes(to)) {
      issues.push({
        field: "status",
        message: CompanyStatus.safeParse(to).success
          ? `${to} follows from outreach, replies and outcomes; a person may set ${BY_HAND.join(", ")}`
          : `"${to}" is not a company status; a person may set ${BY_HAND.join(", ")}`,
      });
    } else if (to === "disqualified") {
      if (reason === "") issues.push({ field: "reason", message: "is required to disqualify a company (say why)" });
    } else {
      if (input.reason !== undefined) issues.push({ field: "reason", message: "only goes with disqualified" });
      if (previous.status !== to && !BEFORE_OUTREACH.includes(previous.status))
        issues.push({
          field: "status",
          message: `a ${previous.status} company cannot go back to ${to} by hand (it follows from what happened); it may only be disqualified`,
        });
    }
    if (issues.length) throw new ValidationError(`company ${previous.domain ?? previous.name}`, issues);

    if (to === "disqualified") {
      const contactIds = await companies.contactIds(trx, previous.id);
      // The send path's locks first (before any write), as an opt-out takes them.
      const { cancelled } = await cancelPersonSends(trx, {
        contactIds,
        reason: "company_disqualified",
        note: `company disqualified by hand: ${reason}`,
        at,
      });
      const company = await companies.disqualify(trx, previous.id, reason);
      const sequencesStopped = await campaignContacts.stopByHand(trx, contactIds, {
        status: "completed",
        stopReason: "company_disqualified",
        at,
      });
      const changed = previous.status !== "disqualified" || previous.disqualification_reason !== reason;
      return { company, previous, changed, sequencesStopped, cancelled: cancelled.length };
    }
    if (previous.status === to) return { company: previous, previous, changed: false, sequencesStopped: 0, cancelled: 0 };
    const company = await companies.setStatusByHand(trx, previous.id, to as "new" | "qualified");
    return { company, previous, changed: true, sequencesStopped: 0, cancelled: 0 };
  });
}
