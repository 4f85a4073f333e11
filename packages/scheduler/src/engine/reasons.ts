/**
 * Why something was not sent now. Every decision of the engine not to send carries one of these
 * codes; the runtime stores it with the deferred or skipped row so that the CLI can answer
 * "why didn't this go out?" with {@link describeReason}. The catalogue is complete: every code the
 * runtime writes (`send_queue.defer_reason`, `campaign_contacts.stop_reason`, the outcomes of the
 * send path) is here, a test checks it. The one exception is a provider's refusal, stored with
 * the provider's own precise reason (`already_invited_recently`, `http_422` …).
 */
export const reasonCodes = [
  "window_closed",
  "daily_cap",
  "hourly_cap",
  "campaign_daily_cap",
  "min_gap",
  "account_busy",
  "cooling_off",
  "account_paused",
  "account_limited",
  "account_disconnected",
  "account_unhealthy",
  "account_warming_cap",
  "account_warming",
  "account_unlinked",
  "no_account",
  "sender_unavailable",
  "awaiting_connection",
  "condition_unmet",
  "already_connected",
  "do_not_contact",
  "suppressed",
  "company_disqualified",
  "outcome_recorded",
  "unsubscribed",
  "bounced",
  "replied",
  "not_eligible",
  "max_touches",
  "lint_failed",
  "campaign_not_active",
  "offer_not_active",
  "not_due",
  "outcome_unknown",
  "paused",
  "meeting",
  "completed",
  "failed",
  "out_of_office",
  "claim_expired",
  "reconciled_not_sent",
  "max_attempts",
  "invitation_withdrawn",
  "campaign_cancelled",
  "missing_data",
  "no_template",
] as const;

/** One of {@link reasonCodes}. */
export type ReasonCode = (typeof reasonCodes)[number];

const descriptions: Readonly<Record<ReasonCode, string>> = {
  window_closed: "The campaign's send window is closed now (outside its hours or days, in the campaign's time zone).",
  daily_cap: "The sending account has reached its daily limit for this kind of action.",
  hourly_cap: "The sending account has reached its hourly limit.",
  campaign_daily_cap:
    "The campaign has reached its own daily cap on sends (per calendar day in the campaign's time zone: offerlab campaigns show), so the send waits for the next day.",
  min_gap: "The sending account sent too recently: it keeps a randomised minimum gap between two sends.",
  account_busy: "The sending account is busy with another send right now.",
  cooling_off:
    "This person was contacted by us within the cooling-off window (60 days unless set otherwise: offerlab settings show), so a new campaign may not start with them yet.",
  account_paused: "The sending account is paused.",
  account_limited: "The sending account was rate-limited by the provider and is cooling down.",
  account_disconnected: "The sending account is disconnected or banned and must be reconnected.",
  account_unhealthy: "The sending account's health score is below 30, so it sends nothing.",
  account_warming_cap: "The sending account is warming up and has reached its reduced (ramped) daily limit.",
  account_warming:
    "The sending account has status 'warming' (warmed outside campaigns), so it sends nothing; set it active with a warming week to ramp it up.",
  account_unlinked:
    "Not linked to Unipile: the sending account has no Unipile account id, so there is nothing to send through; link it with `offerlab accounts sync` (or add it with --unipile-id).",
  no_account: "No usable account of the right type (and rotation set) is assigned to the campaign.",
  sender_unavailable:
    "The account that must send this step (the one already talking to this person) is no longer among the campaign's accounts.",
  awaiting_connection: "The step waits for the LinkedIn invitation to be accepted.",
  condition_unmet: "The step's condition did not come true in time, so the step was skipped or the sequence stopped.",
  already_connected: "This person is already a 1st-degree connection, so no invitation is sent.",
  do_not_contact: "This person is marked do-not-contact.",
  suppressed:
    "This person is on the suppression list (their email, LinkedIn URL, email domain or company domain); `offerlab suppress list` shows every entry.",
  company_disqualified: "This person's company was disqualified by hand, so nothing more is sent to its people.",
  outcome_recorded:
    "An outcome was recorded for this person (rejected, not interested or the wrong person: see offerlab outcomes list), so the sequence stopped.",
  unsubscribed: "This person unsubscribed.",
  bounced: "An email to this person bounced.",
  replied: "This person replied, so the sequence stops.",
  not_eligible: "This person is marked as not eligible for outreach, so no new campaign starts with them.",
  max_touches: "The campaign's maximum number of touches for this person has been reached.",
  lint_failed: "The rendered message failed the lint (placeholder left, empty body or over the channel's length limit).",
  campaign_not_active: "The campaign is not active.",
  offer_not_active: "The campaign's offer is paused, completed or killed: its campaigns send nothing until it is active again.",
  not_due: "The step is not due yet (its delay since the previous step has not elapsed).",
  outcome_unknown:
    "The provider could not tell whether this send went out (it failed mid-call and a day of checks settled nothing), so it is never sent again: a send that may have happened is not repeated on a guess.",
  paused: "This person's sequence in the campaign is paused (by hand, or until a set time), so its sends wait.",
  meeting: "A meeting is booked with this person, so the sequence stops.",
  completed: "This person's sequence in the campaign is complete: every step was sent or skipped.",
  failed: "This person's sequence in the campaign failed, so it sends nothing more.",
  out_of_office: "This person is out of office: the next step waits until they are back.",
  claim_expired:
    "A runner claimed this send but did not start the provider call before its lease lapsed, so nothing was sent and the send went back to the queue.",
  reconciled_not_sent: "The provider confirmed that an earlier attempt of this send never went out, so it is sent again.",
  max_attempts: "Every allowed attempt of this send ended without sending it, so it is not tried again.",
  invitation_withdrawn: "The LinkedIn invitation was not accepted in time and was withdrawn.",
  campaign_cancelled: "The campaign was cancelled, so its remaining sends were cancelled.",
  no_template: "No approved template for this step and channel: the contact is paused until one is approved.",
  missing_data:
    "The send lacks what its channel needs (the person's email address or LinkedIn URL, a configured sender, a subject), so it failed without reaching the provider.",
};

/** What a reason's sentence may name exactly when the caller knows it. */
export interface ReasonContext {
  /** The cooling-off window in force (`settings.get`); without it `cooling_off` names the setting, not a number. */
  coolingOffDays?: number;
}

/** One human sentence explaining a reason code, for the CLI's "why". */
export function describeReason(code: ReasonCode, context: ReasonContext = {}): string {
  if (code === "cooling_off" && context.coolingOffDays !== undefined) {
    const days = context.coolingOffDays;
    return `This person was contacted by us less than ${days} day${days === 1 ? "" : "s"} ago (the cooling-off window), so a new campaign may not start with them yet.`;
  }
  return descriptions[code];
}

/** Whether a string is one of {@link reasonCodes} (for reading codes back from the database). */
export function isReasonCode(value: string): value is ReasonCode {
  return (reasonCodes as readonly string[]).includes(value);
}
