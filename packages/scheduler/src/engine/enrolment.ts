/**
 * Enrolment: which of the contacts a campaign's target criteria matched may join it now. The same
 * rules as the send path (invariant 4, through {@link checkEligibility}) decide, so nobody is
 * enrolled who would be skipped at the first send; the send path checks again when it sends,
 * because a person can be touched by another campaign in between.
 *
 * Rules, in order, the first that applies naming the skip:
 * 1. already enrolled in this campaign → `already_in_campaign`;
 * 2. {@link checkEligibility} as a first touch of the campaign's first action: do-not-contact,
 *    unsubscribed, bounced, cooling off (60 days since our last touch, across every offer),
 *    replied elsewhere, not eligible;
 * 3. the connection degree (LinkedIn's network distance between our accounts and the person) does
 *    not fit the campaign:
 *    - a 1st-degree connection in a `cold_outreach` campaign, or one excluded by the target
 *      criteria (`exclude_1st_degree`, or `connection_degrees` without 1) → `1st_degree`;
 *    - a 2nd- or 3rd-degree person in a `networking` campaign (it messages connections) →
 *      `not_1st_degree`;
 *    - a degree outside `connection_degrees` → `degree_not_targeted`;
 *    - an unknown degree (never looked up, or LinkedIn gave none) when the campaign needs one
 *      (`networking`, or `connection_degrees` given) → `degree_unknown`: we fail closed rather than
 *      guess;
 * 4. enrolled and not finished in another campaign, of any offer → `in_other_campaign` (a campaign
 *    never launched holds them for `DRAFT_ENROLMENT_HOLD_DAYS` after their enrolment only; two
 *    campaigns would race for their first touch; the 60-day rule would stop the second only after
 *    the first had sent);
 * 5. not reachable on the first step's channel: `no_email`, `email_not_accepted` (the email status
 *    is not one of `acceptedEmailStatuses`), `no_linkedin`;
 * 6. the same person twice in the batch (matched by email or LinkedIn URL) → `duplicate_person`;
 * 7. over `limit` → `over_limit`.
 */
import type { EmailStatus, MessageActionType } from "@offerlab/core";
import { checkEligibility, type PersonState } from "./eligibility.js";
import type { ReasonCode } from "./reasons.js";

/** A contact the campaign's target criteria matched, with everything the rules read. */
export interface EnrolmentCandidate {
  contactId: string;
  /** Normalised email of the contact row, or null. */
  email: string | null;
  emailStatus: EmailStatus | null;
  /** Normalised LinkedIn profile URL of the contact row, or null. */
  linkedinUrl: string | null;
  /** Every contact row of the person across all offers, and our last touch of the person. */
  person: PersonState;
  /** The contact is already enrolled in this campaign. */
  inCampaign: boolean;
  /** Name of another campaign the person is enrolled in and not finished with, or null. */
  activeElsewhere: string | null;
  /** LinkedIn connection degree (1, 2, 3), or null when unknown. Default null. */
  connectionDegree?: number | null;
}

/** Options of {@link selectForEnrolment}. */
export interface EnrolmentOptions {
  /** The action of each step of the campaign, in order (step 1 first); at least one. */
  actions: readonly MessageActionType[];
  now: Date;
  /** Email statuses a contact may have when the first step is an email. Default `["valid"]`. */
  acceptedEmailStatuses?: readonly EmailStatus[];
  /** At most this many contacts are added. Default: no limit. */
  limit?: number;
  /** The cooling-off period in days. Default 60 ({@link COOLING_OFF_DAYS}). */
  coolingOffDays?: number;
  /** `networking` (1st-degree connections only) or `cold_outreach` (no 1st-degree). Default `cold_outreach`. */
  campaignType?: "networking" | "cold_outreach";
  /** The target criteria's `connection_degrees`: only these degrees join. Default: any. */
  connectionDegrees?: readonly number[];
  /** The target criteria's `exclude_1st_degree`. Default false. */
  exclude1stDegree?: boolean;
}

/** Why a matched contact was not enrolled. */
export type EnrolmentSkipReason =
  | ReasonCode
  | "already_in_campaign"
  | "in_other_campaign"
  | "1st_degree"
  | "not_1st_degree"
  | "degree_not_targeted"
  | "degree_unknown"
  | "no_email"
  | "email_not_accepted"
  | "no_linkedin"
  | "duplicate_person"
  | "over_limit";

/** What {@link selectForEnrolment} decided. */
export interface EnrolmentSelection {
  /** Contact ids to enrol, in the candidates' order. */
  add: string[];
  /** Skip counts by reason. */
  skipped: Partial<Record<EnrolmentSkipReason, number>>;
  /** Each skipped contact and its reason, in the candidates' order. */
  skippedContacts: { contactId: string; reason: EnrolmentSkipReason }[];
  /**
   * Enrolled contacts a later step cannot reach (`no_email_for_later_steps`,
   * `no_linkedin_for_later_steps`): they are enrolled, and that step fails for them.
   */
  warnings: Partial<Record<"no_email_for_later_steps" | "no_linkedin_for_later_steps", number>>;
}

/** The default email statuses a first email may go to: verified addresses only. */
export const DEFAULT_ACCEPTED_EMAIL_STATUSES: readonly EmailStatus[] = Object.freeze(["valid"]);

const ENROLMENT_DESCRIPTIONS: Readonly<Record<Exclude<EnrolmentSkipReason, ReasonCode>, string>> = {
  already_in_campaign: "already enrolled in this campaign",
  in_other_campaign: "enrolled in another campaign that has not finished with them",
  "1st_degree": "already a 1st-degree LinkedIn connection, and the campaign is cold outreach or excludes 1st-degree",
  not_1st_degree: "not a 1st-degree LinkedIn connection, and a networking campaign only messages connections",
  degree_not_targeted: "the LinkedIn connection degree is not one of the campaign's connection_degrees",
  degree_unknown:
    "the LinkedIn connection degree is unknown and the campaign targets degrees (look it up with --lookup-degrees, or import a connection_degree column)",
  no_email: "no email address, and the first step is an email",
  email_not_accepted: "the email address is not verified (see --email-status)",
  no_linkedin: "no LinkedIn profile URL, and the first step is on LinkedIn",
  duplicate_person: "the same person as another contact in this batch",
  over_limit: "over the --limit of contacts to add",
};

/** A short phrase for an enrolment skip reason that is not one of the engine's reason codes, else null. */
export function describeEnrolmentSkip(reason: string): string | null {
  return (ENROLMENT_DESCRIPTIONS as Record<string, string>)[reason] ?? null;
}

/** Decides which candidates join the campaign; see the module note for the rules. Pure. */
export function selectForEnrolment(candidates: readonly EnrolmentCandidate[], options: EnrolmentOptions): EnrolmentSelection {
  const [firstAction] = options.actions;
  if (firstAction === undefined) throw new Error("selectForEnrolment: the campaign needs at least one step");
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new RangeError(`selectForEnrolment: limit must be ≥ 0, got ${limit}`);
  const accepted = new Set<string>(options.acceptedEmailStatuses ?? DEFAULT_ACCEPTED_EMAIL_STATUSES);
  const laterEmail = options.actions.slice(1).includes("email");
  const laterLinkedIn = options.actions.slice(1).some((a) => a !== "email");

  const result: EnrolmentSelection = { add: [], skipped: {}, skippedContacts: [], warnings: {} };
  const skip = (contactId: string, reason: EnrolmentSkipReason) => {
    result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
    result.skippedContacts.push({ contactId, reason });
  };
  const warn = (key: keyof EnrolmentSelection["warnings"]) => (result.warnings[key] = (result.warnings[key] ?? 0) + 1);
  const seen = new Set<string>();

  for (const c of candidates) {
    if (c.inCampaign) {
      skip(c.contactId, "already_in_campaign");
      continue;
    }
    const eligibility = checkEligibility(
      // Connection degree is left out on purpose: see the module note.
      {
        rows: c.person.rows.map((r) => ({ ...r, connection_degree: null })),
        lastTouchAt: c.person.lastTouchAt,
        ...(c.person.suppressed ? { suppressed: true } : {}),
      },
      {
        isFirstTouch: true,
        action: firstAction,
        now: options.now,
        ...(options.coolingOffDays !== undefined ? { coolingOffDays: options.coolingOffDays } : {}),
      },
    );
    if (!eligibility.ok) {
      skip(c.contactId, eligibility.reason);
      continue;
    }
    const degreeSkip = degreeRule(c.connectionDegree ?? null, options);
    if (degreeSkip !== null) {
      skip(c.contactId, degreeSkip);
      continue;
    }
    if (c.activeElsewhere !== null) {
      skip(c.contactId, "in_other_campaign");
      continue;
    }
    if (firstAction === "email") {
      if (c.email === null) {
        skip(c.contactId, "no_email");
        continue;
      }
      if (!accepted.has(c.emailStatus ?? "unknown")) {
        skip(c.contactId, "email_not_accepted");
        continue;
      }
    } else if (c.linkedinUrl === null) {
      skip(c.contactId, "no_linkedin");
      continue;
    }
    const keys = [c.email && `e:${c.email}`, c.linkedinUrl && `l:${c.linkedinUrl}`].filter((k): k is string => Boolean(k));
    if (keys.some((k) => seen.has(k))) {
      skip(c.contactId, "duplicate_person");
      continue;
    }
    if (result.add.length >= limit) {
      skip(c.contactId, "over_limit");
      continue;
    }
    for (const k of keys) seen.add(k);
    result.add.push(c.contactId);
    if (laterEmail && c.email === null) warn("no_email_for_later_steps");
    if (laterLinkedIn && c.linkedinUrl === null) warn("no_linkedin_for_later_steps");
  }
  return result;
}

/** Rule 3 of the module note: why the connection degree keeps a contact out, or null. Pure. */
export function degreeRule(
  degree: number | null,
  options: Pick<EnrolmentOptions, "campaignType" | "connectionDegrees" | "exclude1stDegree">,
): "1st_degree" | "not_1st_degree" | "degree_not_targeted" | "degree_unknown" | null {
  const networking = options.campaignType === "networking";
  const targets = options.connectionDegrees?.length ? options.connectionDegrees : null;
  if (degree === null) return networking || targets !== null ? "degree_unknown" : null;
  if (degree === 1) {
    if (!networking || options.exclude1stDegree === true || (targets !== null && !targets.includes(1))) return "1st_degree";
    return null;
  }
  if (networking) return "not_1st_degree";
  if (targets !== null && !targets.includes(degree)) return "degree_not_targeted";
  return null;
}
