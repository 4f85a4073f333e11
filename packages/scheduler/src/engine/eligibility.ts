/**
 * Who may hear from us (invariant 4). A person is every `contacts` row matched by normalised email
 * or LinkedIn URL, across every offer; the runtime gathers those rows and our last touch of any of
 * them (from `outreach_history`) into a {@link PersonState}.
 *
 * Rules, in order:
 * 0. on the suppression list (`suppressed`: the runtime looked the person up) → never.
 * 1. `do_not_contact` (global status), `unsubscribed` or `bounced` (contact status) on ANY row of
 *    the person → never, first touch or follow-up.
 * 2. First touch of a new campaign only:
 *    - our last touch of the person, across every offer, less than 60 days ago → `cooling_off`
 *      (a follow-up of a running sequence is not blocked: the sequence itself is the touch);
 *    - a row with global status `cooling_off` while no last touch is known → `cooling_off` (the
 *      flag cannot be checked against a date, so it is trusted); with a known last touch the date
 *      decides, so a stale flag does not block forever;
 *    - a row with global status `replied` → `replied` (the person is in a conversation with us);
 *    - a row with `eligible_for_outreach = false` → `not_eligible`.
 * 3. A `connection_request` to someone who is a 1st-degree connection on any row → `already_connected`.
 */
import { DEFAULT_COOLING_OFF_DAYS, type ContactStatus, type GlobalContactStatus, type MessageActionType } from "@offerlab/core";
import type { ReasonCode } from "./reasons.js";

/** Every contact row of one person, and our last touch of that person across every offer. */
export interface PersonState {
  rows: {
    /** `contacts.global_status` (core's one list of global statuses). */
    global_status: GlobalContactStatus;
    /**
     * `contacts.status` (one of core's `ContactStatus`; the column is text with a CHECK, so reads
     * type it as a string, and only `unsubscribed` and `bounced` decide anything here).
     */
    status: ContactStatus | (string & {});
    eligible_for_outreach: boolean;
    connection_degree: number | null;
  }[];
  lastTouchAt: Date | null;
  /** An entry of the suppression list matches the person (their email, LinkedIn URL or domain). */
  suppressed?: boolean;
}

/**
 * The global rule: no first touch from a new campaign within this many days of our last touch
 * (the default; the setting may change it). Core's `DEFAULT_COOLING_OFF_DAYS`, the one number the
 * SQL side is tested against (contact-availability.test.ts).
 */
export const COOLING_OFF_DAYS = DEFAULT_COOLING_OFF_DAYS;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant a new campaign may touch a person last touched at `lastTouchAt`. */
export function coolingOffEndsAt(lastTouchAt: Date, coolingOffDays: number = COOLING_OFF_DAYS): Date {
  return new Date(lastTouchAt.getTime() + coolingOffDays * DAY_MS);
}

/** Whether `action` may go to `person` now; see the module note for the rules. */
export function checkEligibility(
  person: PersonState,
  ctx: { isFirstTouch: boolean; action: MessageActionType; now: Date; coolingOffDays?: number },
): { ok: true } | { ok: false; reason: ReasonCode } {
  const rows = person.rows;
  if (person.suppressed) return { ok: false, reason: "suppressed" };
  if (rows.some((r) => r.global_status === "do_not_contact")) return { ok: false, reason: "do_not_contact" };
  if (rows.some((r) => r.status === "unsubscribed")) return { ok: false, reason: "unsubscribed" };
  if (rows.some((r) => r.status === "bounced")) return { ok: false, reason: "bounced" };

  if (ctx.isFirstTouch) {
    const days = ctx.coolingOffDays ?? COOLING_OFF_DAYS;
    if (person.lastTouchAt !== null) {
      const last = person.lastTouchAt.getTime();
      // A touch recorded "in the future" (clock skew) blocks too: it is still within 60 days.
      if (!Number.isFinite(last) || ctx.now.getTime() < last + days * DAY_MS) return { ok: false, reason: "cooling_off" };
    } else if (rows.some((r) => r.global_status === "cooling_off")) {
      return { ok: false, reason: "cooling_off" };
    }
    if (rows.some((r) => r.global_status === "replied")) return { ok: false, reason: "replied" };
    if (rows.some((r) => !r.eligible_for_outreach)) return { ok: false, reason: "not_eligible" };
  }

  if (ctx.action === "connection_request" && rows.some((r) => r.connection_degree === 1)) {
    return { ok: false, reason: "already_connected" };
  }
  return { ok: true };
}
