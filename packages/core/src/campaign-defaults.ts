/**
 * The schedule a new campaign gets when none is given: the schema document's examples, with an
 * email campaign following its offer's email sequence (same number of emails, same delays).
 */
import type { CampaignChannel, CampaignType } from "./enums.js";
import type { EmailTemplates, SchedulingConfig } from "./documents.js";

/** The email schedule used when the offer has no email sequence yet: three emails, 3 and 5 days apart. */
export const DEFAULT_EMAIL_DELAYS: readonly number[] = Object.freeze([0, 3, 5]);

/**
 * A campaign's default `scheduling_config` for its channel:
 * - `email`: one step per email of the offer's sequence (`delay_days` as written there), or three
 *   emails 0, 3 and 5 days apart; follow-ups only go to people who have not replied;
 * - `linkedin`: invitation, then a DM 3 days later once connected;
 * - `multi`: invitation, DM 3 days later once connected, email 5 days later if no reply, at most 3
 *   touches (the schema document's example).
 *
 * A `networking` campaign (people who are already 1st-degree connections) sends no invitation: its
 * LinkedIn sequence starts with a DM —
 * - `linkedin`: a DM at once;
 * - `multi`: a DM at once, then an email 5 days later if no reply, at most 2 touches;
 * - `email`: as above.
 *
 * Every default stops on a reply.
 */
export function defaultSchedulingConfig(
  channel: CampaignChannel,
  emailSequence?: EmailTemplates | null,
  campaignType: CampaignType = "cold_outreach",
): SchedulingConfig {
  if (campaignType === "networking" && channel === "linkedin") {
    return { steps: [{ step: 1, type: "linkedin_dm", delay_days: 0 }], stop_on_reply: true };
  }
  if (campaignType === "networking" && channel === "multi") {
    return {
      steps: [
        { step: 1, type: "linkedin_dm", delay_days: 0 },
        { step: 2, type: "email", delay_days: 5, condition: "no_reply" },
      ],
      stop_on_reply: true,
      max_touches: 2,
    };
  }
  if (channel === "linkedin") {
    return {
      steps: [
        { step: 1, type: "connection_request", delay_days: 0 },
        { step: 2, type: "linkedin_dm", delay_days: 3, condition: "connected" },
      ],
      stop_on_reply: true,
    };
  }
  if (channel === "multi") {
    return {
      steps: [
        { step: 1, type: "connection_request", delay_days: 0 },
        { step: 2, type: "linkedin_dm", delay_days: 3, condition: "connected" },
        { step: 3, type: "email", delay_days: 5, condition: "no_reply" },
      ],
      stop_on_reply: true,
      max_touches: 3,
    };
  }
  const delays = emailSequence?.sequence.length ? emailSequence.sequence.map((s) => s.delay_days) : DEFAULT_EMAIL_DELAYS;
  return {
    steps: delays.map((delay, i) =>
      i === 0
        ? { step: 1, type: "email" as const, delay_days: delay }
        : { step: i + 1, type: "email" as const, delay_days: delay, condition: "no_reply" as const },
    ),
    stop_on_reply: true,
  };
}
