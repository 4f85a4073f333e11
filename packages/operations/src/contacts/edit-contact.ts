/**
 * Edit a contact by hand: its pipeline status, notes, LinkedIn connection degree, and the person's
 * standing (do-not-contact; releasing a person held by a reply). The statuses a person may set are
 * the ones nothing else owns (docs/contact-status.md, "Edits by hand"):
 *
 * - `new`, `enriched`, `ready`, `skip` between themselves, before any outreach (the pipeline's
 *   statuses, corrected by hand);
 * - `unsubscribed` from any status but `bounced`, `unsubscribed` or `converted`: an opt-out heard
 *   outside offerlab, the same as one read in a reply (do-not-contact on every row of the person,
 *   their sequences stopped, their unsent sends cancelled, in one transaction);
 * - never `queued`, `contacted`, `replied` or `bounced` (the send path records them) nor `meeting`
 *   or `converted` (record the outcome: `offerlab outcomes record`).
 *
 * `doNotContact` marks the person do-not-contact everywhere the same way, without an opt-out;
 * it is final (no edit undoes it). `release` moves a person held by a reply back to `available`.
 * Nothing is written when a check fails.
 */
import { ContactStatus, ValidationError, type FieldIssue } from "@offerlab/core";
import { campaignContacts, contacts, resolve, type Contact, type DbOrTrx } from "@offerlab/db";
import { cancelPersonSends } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface EditContactInput {
  /** The contact's id, email address or LinkedIn profile URL. */
  contact: string;
  /** The offer (id, slug or name) whose row to edit, when the person has rows in several offers. */
  offer?: string;
  /** `new`, `enriched`, `ready`, `skip` or `unsubscribed` (see above). */
  status?: string;
  /** Why, with status `skip` (`skip_reason`). Default "skipped by hand". */
  skipReason?: string;
  /** The contact's notes, replacing the old ones; an empty string clears them. */
  notes?: string;
  /** The LinkedIn connection degree (1, 2 or 3), or null when unknown. */
  connectionDegree?: number | null;
  /** Never contact this person again, by any offer (final). */
  doNotContact?: boolean;
  /** Release a person held by a reply: `replied` → `available` on every row of the person. */
  release?: boolean;
}

export interface EditContactResult {
  contact: Contact;
  previous: Contact;
  /** What changed: `status`, `notes`, `connection_degree`, `do_not_contact`, `released`. */
  changed: string[];
  /** Sequences of the person that ended (do-not-contact, opt-out). */
  sequencesStopped: number;
  /** Unsent sends of the person cancelled. */
  cancelled: number;
}

/** Contact statuses a person may set by hand, from each status (the rest is owned by the pipeline, the send path and outcomes). */
const BY_HAND: Readonly<Record<ContactStatus, readonly ContactStatus[]>> = {
  new: ["enriched", "ready", "skip", "unsubscribed"],
  enriched: ["new", "ready", "skip", "unsubscribed"],
  ready: ["new", "enriched", "skip", "unsubscribed"],
  skip: ["new", "enriched", "ready", "unsubscribed"],
  queued: ["unsubscribed"],
  contacted: ["unsubscribed"],
  replied: ["unsubscribed"],
  meeting: ["unsubscribed"],
  converted: [],
  unsubscribed: [],
  bounced: [],
};

function statusProblem(from: ContactStatus, to: string): string | null {
  if (from === to) return null;
  const parsed = ContactStatus.safeParse(to);
  if (!parsed.success) return `"${to}" is not a contact status; a person may set new, enriched, ready, skip or unsubscribed`;
  if (to === "meeting" || to === "converted")
    return `${to} is recorded from the outcome, not set by hand: use \`offerlab outcomes record\``;
  if (to === "queued" || to === "contacted" || to === "replied" || to === "bounced")
    return `${to} is recorded by the send path, not set by hand`;
  const allowed = BY_HAND[from];
  if (allowed.includes(parsed.data)) return null;
  if (allowed.length === 0) return `a ${from} contact keeps its status (${from} is final)`;
  return `a ${from} contact cannot be set to ${to} by hand; from ${from} it may go to ${allowed.join(", ")}`;
}

/** The contact row a person names (see `resolve.contact`), in `offer` when given. */
export async function contactOf(trx: DbOrTrx, ref: string, offer?: string): Promise<Contact> {
  const offerId = offer !== undefined ? (await resolve.offer(trx, offer)).id : undefined;
  return resolve.contact(trx, ref, offerId ? { offerId } : {});
}

export async function editContact(ctx: OperationContext, input: EditContactInput): Promise<EditContactResult> {
  const given = (["status", "notes", "connectionDegree", "doNotContact", "release"] as const).filter(
    (k) => input[k] !== undefined && input[k] !== false,
  );
  if (given.length === 0) {
    throw new ValidationError("contact", [
      { field: "(input)", message: "nothing to change: give a status, notes, a connection degree, do-not-contact or release" },
    ]);
  }
  const at = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const previous = await contactOf(trx, input.contact, input.offer);
    const person = await contacts.findPerson(trx, { email: previous.email, linkedinUrl: previous.linkedin_url });
    const personIds = [...new Set([previous.id, ...person.map((p) => p.id)])].sort();

    const issues: FieldIssue[] = [];
    if (input.status !== undefined) {
      const problem = statusProblem(previous.status, input.status);
      if (problem) issues.push({ field: "status", message: problem });
    }
    if (input.skipReason !== undefined && input.status !== "skip")
      issues.push({ field: "skip_reason", message: "only goes with status skip" });
    const degree = input.connectionDegree;
    if (degree !== undefined && degree !== null && ![1, 2, 3].includes(degree))
      issues.push({ field: "connection_degree", message: `must be 1, 2 or 3 (got ${String(degree)})` });
    if (input.release) {
      if (input.doNotContact || input.status === "unsubscribed")
        issues.push({ field: "release", message: "cannot go with do-not-contact or unsubscribed" });
      else if (person.some((p) => p.global_status === "do_not_contact") || previous.global_status === "do_not_contact")
        issues.push({ field: "release", message: "the person is do_not_contact, which is final: an opt-out is honoured for good" });
      else if (!person.some((p) => p.global_status === "replied"))
        issues.push({
          field: "release",
          message: `the person is ${previous.global_status}, not held by a reply: only a replied person is released by hand`,
        });
    }
    if (issues.length) throw new ValidationError(`contact ${previous.email ?? previous.linkedin_url ?? previous.id}`, issues);

    const changed: string[] = [];
    let sequencesStopped = 0;
    let cancelled = 0;
    const optOut = input.status === "unsubscribed" && previous.status !== "unsubscribed";
    const dnc = optOut || (input.doNotContact === true && person.some((p) => p.global_status !== "do_not_contact"));
    if (dnc) {
      // The send path's locks first (before any write), as an opt-out in a reply takes them.
      const reason = optOut ? "unsubscribed" : "do_not_contact";
      const stopped = await cancelPersonSends(trx, {
        contactIds: personIds,
        reason,
        note: optOut ? "the person opted out (recorded by hand) before the call" : "marked do-not-contact by hand before the call",
        at,
      });
      cancelled = stopped.cancelled.length;
      await contacts.markDoNotContact(trx, personIds, optOut ? { contactId: previous.id } : undefined);
      sequencesStopped = await campaignContacts.stopByHand(trx, personIds, {
        status: optOut ? "unsubscribed" : "completed",
        stopReason: reason,
        at,
      });
      changed.push(...(optOut ? ["status"] : []), "do_not_contact");
    }
    if (input.status !== undefined && input.status !== "unsubscribed" && input.status !== previous.status) {
      const status = input.status as "new" | "enriched" | "ready" | "skip";
      await contacts.setPipelineStatus(trx, previous.id, status, status === "skip" ? input.skipReason?.trim() || "skipped by hand" : null);
      changed.push("status");
    }
    if (input.notes !== undefined) {
      const notes = input.notes.trim() === "" ? null : input.notes;
      if (notes !== previous.notes) {
        await contacts.writeNotes(trx, previous.id, notes);
        changed.push("notes");
      }
    }
    if (degree !== undefined && degree !== previous.connection_degree) {
      await contacts.setConnectionDegree(trx, previous.id, degree as 1 | 2 | 3 | null);
      changed.push("connection_degree");
    }
    if (input.release && (await contacts.releaseReplied(trx, personIds)) > 0) changed.push("released");
    const contact = (await contacts.get(trx, previous.id))!;
    return { contact, previous, changed, sequencesStopped, cancelled };
  });
}
