/**
 * Every value set that a CHECK constraint of the schema enforces, defined once.
 *
 * The database is the authority at rest; these constants are the authority in code. A test in
 * `@offerlab/db` reads every CHECK constraint from a migrated database and fails when a set here
 * and a set there differ, so the two cannot drift apart silently.
 */
import { z } from "zod";

function enumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return { values, schema: z.enum(values) } as const;
}

export const offerTypes = ["product", "service"] as const;
export const offerOwnerships = ["internal", "client"] as const;
/** draft → ready (ICP and copy ready) → active → paused / completed / killed (didn't work, archived). */
export const offerStatuses = ["draft", "ready", "active", "paused", "completed", "killed"] as const;

/** Employee-count buckets of `companies.size`. `size_exact` keeps the number when known. */
export const companySizes = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"] as const;
export const priorities = ["high", "medium", "low"] as const;
export const companyStatuses = ["new", "qualified", "disqualified", "contacted", "responded", "meeting", "converted", "rejected"] as const;

export const seniorities = ["c_level", "vp", "director", "manager", "individual"] as const;
/** `risky` covers catch-all domains: deliverability cannot be proven, so it is never `valid`. */
export const emailStatuses = ["unknown", "valid", "invalid", "risky", "failed"] as const;
export const connectionDegrees = [1, 2, 3] as const;
export const globalContactStatuses = ["available", "cooling_off", "do_not_contact", "replied"] as const;
export const contactStatuses = [
  "new",
  "enriched",
  "ready",
  "skip",
  "queued",
  "contacted",
  "replied",
  "meeting",
  "converted",
  "unsubscribed",
  "bounced",
] as const;

export const campaignChannels = ["email", "linkedin", "multi"] as const;
export const campaignTypes = ["networking", "cold_outreach"] as const;
export const campaignStatuses = ["draft", "ready", "active", "paused", "completed", "cancelled"] as const;

export const campaignContactStatuses = [
  "queued",
  "in_progress",
  "waiting",
  "paused",
  "completed",
  "replied",
  "meeting",
  "bounced",
  "unsubscribed",
  "failed",
] as const;
export const replySentiments = ["positive", "negative", "neutral", "question", "ooo"] as const;

/** The channel of one message: what is sent, as opposed to a campaign's channel mix. */
export const messageChannels = ["email", "linkedin_connect", "linkedin_dm", "linkedin_inmail"] as const;
/** The account action a message consumes (what the daily limits count). */
export const messageActionTypes = ["connection_request", "message", "email", "inmail"] as const;
export const messageStatuses = [
  "pending",
  "queued",
  "sending",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "replied",
  "bounced",
  "failed",
] as const;

export const accountTypes = ["linkedin", "email"] as const;
/** Rotation sets: see docs/schema-notes.md and the scheduler for how they are used. */
export const rotationSets = ["odd", "even", "burner"] as const;
export const accountStatuses = ["active", "warming", "paused", "limited", "disconnected", "banned"] as const;

export const accountActivityActionTypes = ["connection_request", "message", "email", "inmail", "profile_view"] as const;
export const accountActivityStatuses = ["success", "failed", "rate_limited"] as const;

export const toolTypes = [
  "company_search",
  "people_search",
  "enrichment",
  "email_finding",
  "email_verification",
  "sending",
  "inbox",
] as const;
export const toolStatuses = ["active", "inactive", "error"] as const;
export const toolUsageStatuses = ["success", "error", "rate_limited"] as const;

export const messageTemplateStatuses = ["draft", "approved", "archived"] as const;

export const sendQueueStatuses = [
  "pending",
  "scheduled",
  "processing",
  "sent",
  "delivered",
  "failed",
  "bounced",
  "cancelled",
  "skipped",
] as const;

export const messageEventTypes = [
  "queued",
  "scheduled",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "replied",
  "bounced",
  "spam",
  "unsubscribed",
  "failed",
  "skipped",
] as const;

export const outreachStatuses = ["sent", "delivered", "bounced", "replied", "spam", "failed"] as const;

export const pipelineRunStatuses = ["running", "completed", "failed", "cancelled"] as const;
export const pipelineStepStatuses = ["pending", "running", "completed", "failed", "skipped"] as const;

/**
 * States of one send attempt (`send_attempts.status`), the send path's fencing record:
 * claimed → sending → sent | refused | unknown; unknown → sent | not_sent (after reconciliation)
 * | undetermined (the provider still could not tell after a day: never resent, quota kept);
 * claimed → expired (lease lapsed before any call) | cancelled (a reply or stop arrived first).
 */
export const sendAttemptStatuses = [
  "claimed",
  "sending",
  "sent",
  "refused",
  "unknown",
  "not_sent",
  "expired",
  "cancelled",
  "undetermined",
] as const;
/** Quota periods of `account_usage` (UTC days and hours). */
export const usagePeriods = ["day", "hour"] as const;
/** What an `account_usage` row counts: a daily action type, LinkedIn profile views (lookups before enrolment), or `*` for the hourly limit. */
export const usageActions = ["connection_request", "message", "email", "profile_view", "*"] as const;
/**
 * States of a `webhook_inbox` row: waiting (or waiting for a retry), applied, nothing to do,
 * nothing in our database it refers to (after the retries), or given up after repeated errors.
 */
export const webhookInboxStatuses = ["pending", "processed", "ignored", "unmatched", "failed"] as const;

/**
 * Which world a database belongs to (`offerlab_instance.mode`): real vendors and people, or the
 * sandbox's simulated world. A database never holds both.
 */
export const dataModes = ["live", "sandbox"] as const;

/**
 * What an `outcomes` row records: a meeting booked (`meeting_at` says when it takes place), held,
 * missed or cancelled (a booking tool's cancellation), a conversion (optional value and
 * currency), or a refusal.
 */
export const outcomeKinds = [
  "meeting_booked",
  "meeting_cancelled",
  "meeting_held",
  "no_show",
  "converted",
  "rejected",
  "not_interested",
  "wrong_person",
] as const;
/** Where an outcome came from: by hand, a CSV import, a booking webhook, or the sandbox. */
export const outcomeSources = ["manual", "csv", "cal_com", "calendly", "sandbox"] as const;
/** The booking tools whose webhooks offerlab hears (`unmatched_bookings.source`). */
export const bookingSources = ["cal_com", "calendly"] as const;
/** What happened to a booking (`unmatched_bookings.event`): made, moved to another time, or cancelled. */
export const bookingEvents = ["created", "rescheduled", "cancelled"] as const;
/** What a `suppressions` entry matches: a normalised email, LinkedIn URL, or a whole domain. */
export const suppressionKinds = ["email", "linkedin", "domain"] as const;
/** Where a `suppressions` entry came from: added by hand, or imported from a CSV file. */
export const suppressionSources = ["manual", "csv"] as const;
/** The windows a tool's own rate limits are counted in (`tool_rate_windows.window_kind`): a UTC minute and a UTC day. */
export const toolRateWindowKinds = ["minute", "day"] as const;
/** What an experiment's arms are (`experiments.kind`). Copy variants are randomised over one audience; the others compare audiences. */
export const experimentKinds = ["offers", "signal_stacks", "icp_segments", "copy_variants"] as const;
/** The outcome an experiment counts (`experiments.primary_metric`). */
export const experimentMetrics = ["positive_reply", "reply", "meeting"] as const;
/** `experiments.status`: running until stopped. */
export const experimentStatuses = ["running", "stopped"] as const;
/** How an assignment was made (`experiment_assignments.policy`). */
export const experimentPolicies = ["balanced", "thompson", "observed"] as const;

/** ISO weekday numbers used by `campaigns.send_days`: 1 = Monday … 7 = Sunday. */
export const isoWeekdays = [1, 2, 3, 4, 5, 6, 7] as const;

export const OfferType = enumOf(offerTypes).schema;
export const OfferOwnership = enumOf(offerOwnerships).schema;
export const OfferStatus = enumOf(offerStatuses).schema;
export const CompanySize = enumOf(companySizes).schema;
export const Priority = enumOf(priorities).schema;
export const CompanyStatus = enumOf(companyStatuses).schema;
export const Seniority = enumOf(seniorities).schema;
export const EmailStatus = enumOf(emailStatuses).schema;
export const GlobalContactStatus = enumOf(globalContactStatuses).schema;
export const ContactStatus = enumOf(contactStatuses).schema;
export const CampaignChannel = enumOf(campaignChannels).schema;
export const CampaignType = enumOf(campaignTypes).schema;
export const CampaignStatus = enumOf(campaignStatuses).schema;
export const CampaignContactStatus = enumOf(campaignContactStatuses).schema;
export const ReplySentiment = enumOf(replySentiments).schema;
export const MessageChannel = enumOf(messageChannels).schema;
export const MessageActionType = enumOf(messageActionTypes).schema;
export const MessageStatus = enumOf(messageStatuses).schema;
export const AccountType = enumOf(accountTypes).schema;
export const RotationSet = enumOf(rotationSets).schema;
export const AccountStatus = enumOf(accountStatuses).schema;
export const AccountActivityActionType = enumOf(accountActivityActionTypes).schema;
export const AccountActivityStatus = enumOf(accountActivityStatuses).schema;
export const ToolType = enumOf(toolTypes).schema;
export const ToolStatus = enumOf(toolStatuses).schema;
export const ToolUsageStatus = enumOf(toolUsageStatuses).schema;
export const MessageTemplateStatus = enumOf(messageTemplateStatuses).schema;
export const SendQueueStatus = enumOf(sendQueueStatuses).schema;
export const MessageEventType = enumOf(messageEventTypes).schema;
export const OutreachStatus = enumOf(outreachStatuses).schema;
export const PipelineRunStatus = enumOf(pipelineRunStatuses).schema;
export const PipelineStepStatus = enumOf(pipelineStepStatuses).schema;
export const SendAttemptStatus = enumOf(sendAttemptStatuses).schema;
export const OutcomeKind = enumOf(outcomeKinds).schema;
export const OutcomeSource = enumOf(outcomeSources).schema;
export const BookingSource = enumOf(bookingSources).schema;
export const BookingEvent = enumOf(bookingEvents).schema;
export const UsagePeriod = enumOf(usagePeriods).schema;
export const UsageAction = enumOf(usageActions).schema;
export const WebhookInboxStatus = enumOf(webhookInboxStatuses).schema;
export const DataMode = enumOf(dataModes).schema;
export const SuppressionKind = enumOf(suppressionKinds).schema;
export const SuppressionSource = enumOf(suppressionSources).schema;
export const ToolRateWindowKind = enumOf(toolRateWindowKinds).schema;
export const ExperimentKind = enumOf(experimentKinds).schema;
export const ExperimentMetric = enumOf(experimentMetrics).schema;
export const ExperimentStatus = enumOf(experimentStatuses).schema;
export const ExperimentPolicy = enumOf(experimentPolicies).schema;
export const ConnectionDegree = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export const IsoWeekday = z.int().min(1).max(7);

export type OfferType = z.infer<typeof OfferType>;
export type OfferOwnership = z.infer<typeof OfferOwnership>;
export type OfferStatus = z.infer<typeof OfferStatus>;
export type CompanySize = z.infer<typeof CompanySize>;
export type Priority = z.infer<typeof Priority>;
export type CompanyStatus = z.infer<typeof CompanyStatus>;
export type Seniority = z.infer<typeof Seniority>;
export type EmailStatus = z.infer<typeof EmailStatus>;
export type GlobalContactStatus = z.infer<typeof GlobalContactStatus>;
export type ContactStatus = z.infer<typeof ContactStatus>;
export type CampaignChannel = z.infer<typeof CampaignChannel>;
export type CampaignType = z.infer<typeof CampaignType>;
export type CampaignStatus = z.infer<typeof CampaignStatus>;
export type CampaignContactStatus = z.infer<typeof CampaignContactStatus>;
export type ReplySentiment = z.infer<typeof ReplySentiment>;
export type MessageChannel = z.infer<typeof MessageChannel>;
export type MessageActionType = z.infer<typeof MessageActionType>;
export type MessageStatus = z.infer<typeof MessageStatus>;
export type AccountType = z.infer<typeof AccountType>;
export type RotationSet = z.infer<typeof RotationSet>;
export type AccountStatus = z.infer<typeof AccountStatus>;
export type AccountActivityActionType = z.infer<typeof AccountActivityActionType>;
export type AccountActivityStatus = z.infer<typeof AccountActivityStatus>;
export type ToolType = z.infer<typeof ToolType>;
export type ToolStatus = z.infer<typeof ToolStatus>;
export type ToolUsageStatus = z.infer<typeof ToolUsageStatus>;
export type MessageTemplateStatus = z.infer<typeof MessageTemplateStatus>;
export type SendQueueStatus = z.infer<typeof SendQueueStatus>;
export type MessageEventType = z.infer<typeof MessageEventType>;
export type OutreachStatus = z.infer<typeof OutreachStatus>;
export type PipelineRunStatus = z.infer<typeof PipelineRunStatus>;
export type PipelineStepStatus = z.infer<typeof PipelineStepStatus>;
export type ConnectionDegree = z.infer<typeof ConnectionDegree>;
export type SendAttemptStatus = z.infer<typeof SendAttemptStatus>;
export type OutcomeKind = z.infer<typeof OutcomeKind>;
export type OutcomeSource = z.infer<typeof OutcomeSource>;
export type BookingSource = z.infer<typeof BookingSource>;
export type BookingEvent = z.infer<typeof BookingEvent>;
export type UsagePeriod = z.infer<typeof UsagePeriod>;
export type UsageAction = z.infer<typeof UsageAction>;
export type WebhookInboxStatus = z.infer<typeof WebhookInboxStatus>;
export type DataMode = z.infer<typeof DataMode>;
export type SuppressionKind = z.infer<typeof SuppressionKind>;
export type ToolRateWindowKind = z.infer<typeof ToolRateWindowKind>;
export type SuppressionSource = z.infer<typeof SuppressionSource>;
export type ExperimentKind = z.infer<typeof ExperimentKind>;
export type ExperimentMetric = z.infer<typeof ExperimentMetric>;
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;
export type ExperimentPolicy = z.infer<typeof ExperimentPolicy>;

/**
 * Every CHECK-constrained value set by name, for the schema drift test and for the type
 * generator, which maps each `IN (...)` list of the database onto one of these.
 */
export const checkEnums = {
  offerTypes,
  offerOwnerships,
  offerStatuses,
  companySizes,
  priorities,
  companyStatuses,
  seniorities,
  emailStatuses,
  connectionDegrees,
  globalContactStatuses,
  contactStatuses,
  campaignChannels,
  campaignTypes,
  campaignStatuses,
  campaignContactStatuses,
  replySentiments,
  messageChannels,
  messageActionTypes,
  messageStatuses,
  accountTypes,
  rotationSets,
  accountStatuses,
  accountActivityActionTypes,
  accountActivityStatuses,
  toolTypes,
  toolStatuses,
  toolUsageStatuses,
  messageTemplateStatuses,
  sendQueueStatuses,
  messageEventTypes,
  outreachStatuses,
  pipelineRunStatuses,
  pipelineStepStatuses,
  sendAttemptStatuses,
  usagePeriods,
  usageActions,
  webhookInboxStatuses,
  dataModes,
  outcomeKinds,
  outcomeSources,
  bookingSources,
  bookingEvents,
  suppressionKinds,
  suppressionSources,
  toolRateWindowKinds,
  experimentKinds,
  experimentMetrics,
  experimentStatuses,
  experimentPolicies,
} as const;
export type CheckEnumName = keyof typeof checkEnums;

/** Which account action a message channel consumes. InMails count against the message limit. */
export const channelActionType: Record<MessageChannel, MessageActionType> = {
  email: "email",
  linkedin_connect: "connection_request",
  linkedin_dm: "message",
  linkedin_inmail: "inmail",
};
