/**
 * @offerlab/scheduler — the planning engine (pure: windows, capacity, sequences, eligibility,
 * account choice) and the queue runtime over @offerlab/db (claim, reserve, attempt, send, record,
 * reap, reconcile, stop on reply).
 */
export * from "./engine/index.js";
export { dispatchOne, dispatchDue } from "./runtime/dispatch.js";
export { decide } from "./runtime/check.js";
export { classifyError } from "./runtime/call.js";
export { refusalPolicy } from "./runtime/refusal.js";
export type { Refusal, RefusalPolicy } from "./runtime/refusal.js";
export { reapExpired } from "./runtime/reaper.js";
export { reconcileUnknown } from "./runtime/reconciler.js";
export type { ReconcileOptions, ReconcileSummary } from "./runtime/reconciler.js";
export { cancelPersonSends, cancelSuppressedSends, recordReply, recordReplyIn } from "./runtime/stop-on-reply.js";
export type { ReplyInput } from "./runtime/stop-on-reply.js";
export { describeUnknownOutcomes, unknownOutcomes } from "./runtime/unknown-outcomes.js";
export type { UnknownOutcomes } from "./runtime/unknown-outcomes.js";
export { DEFAULT_SEND_CONCURRENCY, MAX_SEND_CONCURRENCY, resolveConcurrency, runSendPath } from "./runtime/loop.js";
export type { RunOptions, RunSummary } from "./runtime/loop.js";
export {
  campaignDay,
  nextCampaignDay,
  readCampaignUsage,
  reserveQuota,
  releaseQuota,
  readUsage,
  readUsageMany,
  usagePeriods,
} from "./runtime/quota.js";
export { readAccountCapacity } from "./runtime/standing.js";
export { predictTodaysSends, todaysOutlook } from "./runtime/schedule.js";
export type { TodaysSends, TodaysSendsOptions, WaitingBeyondCapacity } from "./runtime/schedule.js";
export type { AccountCapacity, AccountCapacityOptions } from "./runtime/standing.js";
export { RunnerCrash } from "./runtime/types.js";
export type { CrashPoint, DispatchOutcome, SendPathOptions, Senders } from "./runtime/types.js";
export { chooseTemplate, planDue } from "./runtime/plan.js";
export { accountKey, contactKey } from "./runtime/context.js";
export type { CopyAssignment, PlanOptions, PlanSummary } from "./runtime/plan.js";
export { advanceWarming, HEALTH_DEFAULTS, recomputeAccountHealth, recomputeBooks, syncTodayCounters } from "./runtime/books.js";
export { applyProviderEvent, isBounceNotice, processWebhookInbox, providerEventKey, storeWebhookEvent } from "./runtime/events.js";
export type {
  ApplyOptions,
  ApplyResult,
  DecodeContext,
  InboxSummary,
  NormalizedPayload,
  ProcessInboxOptions,
  ProviderEventDecoder,
  ReplyClassifier,
  StoreWebhookEventInput,
} from "./runtime/events.js";
export { checkProviderCredits, databaseReachable, syncInboxes, withdrawStaleInvitations } from "./runtime/jobs.js";
export type { CreditAlert, SyncInboxesOptions, SyncSummary, WithdrawOptions, WithdrawSummary } from "./runtime/jobs.js";
