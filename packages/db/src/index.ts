/**
 * @offerlab/db — the database: connect (embedded PGlite or PostgreSQL / Supabase), migrate,
 * the generated `Database` type, repositories, view queries and function wrappers.
 */
export {
  createDb,
  databaseTargetOf,
  DEFAULT_DATA_DIR,
  findUpwards,
  PREPARED_STATEMENT_MARK,
  preparedStatementsFor,
  redactUrl,
  resolveDatabaseTarget,
  SANDBOX_DATA_DIR,
} from "./connect.js";
export type { CreateDbOptions, DatabaseTarget, Db } from "./connect.js";
export { migrate, migrationStatus, bundledMigrations } from "./migrate.js";
export type { MigrateResult, Migration, MigrationStatus } from "./migrate.js";
export { openDatabase, PendingMigrationsError } from "./open.js";
export { shippedSnapshot } from "./snapshot.js";
export { claimDataMode, databaseContents, dataMode, DataModeMismatchError, recordSimulatedClock } from "./data-mode.js";
export type { DataModeMark } from "./data-mode.js";
export { dataClockAt, judgingClock, lastSendAt } from "./judging-clock.js";
export type { JudgingClock } from "./judging-clock.js";
export { EmbeddedDatabaseBusyError, LOCK_FILE } from "./embedded-lock.js";
export type { LockHolder } from "./embedded-lock.js";
export type * from "./database.generated.js";
export { jsonb } from "./jsonb.js";
export type { Jsonb, JsonbParam } from "./jsonb.js";
// The repositories: one module per aggregate in `aggregates/` (offers with their templates,
// companies, contacts, campaigns with their campaign contacts, accounts, the queue with its messages
// and message events, outreach history, the webhook inbox, tools with their usage). Each module owns every write of its tables in this package, validates before it
// writes, and takes the database or a transaction (`inTransaction` joins the caller's). The
// batched forms (`companies.upsertMany`, `contacts.upsertMany`) apply the single-row merge rule
// in one statement per batch. `repositories.ts` keeps the references people type (`resolve`).
export { inTransaction } from "./transaction.js";
export type { DbOrTrx } from "./transaction.js";
export { NotFoundError, REF_LIST_COMMANDS, resolve } from "./repositories.js";
export type { RefKind } from "./repositories.js";
export { messageTemplates, offerCopy, offers, OfferCreateInput, OfferUpdateInput, templatesFromCopy } from "./aggregates/offers.js";
export type { CopyTemplate, MessageTemplate, Offer, Template, TemplateFilter, TemplateSync } from "./aggregates/offers.js";
export { companies } from "./aggregates/companies.js";
export type { Company, CompanyUpsertManyOptions } from "./aggregates/companies.js";
export { contacts, ENROLMENT_SKIP_REASONS } from "./aggregates/contacts.js";
export type { Contact, ContactUpsertManyOptions, EnrolmentSkipReasonStored, PreparedContact } from "./aggregates/contacts.js";
export { campaignAdmin, campaignContacts, campaigns, dailySendCapIssue, sendWindowIssues } from "./aggregates/campaigns.js";
export type { LaunchContext } from "./aggregates/campaigns.js";
export type {
  Campaign,
  CampaignCandidate,
  CampaignContact,
  CampaignContactPlanUpdate,
  CampaignCreateRequest,
  CampaignListRow,
  CampaignSettingsChange,
  CampaignSettingsPatch,
  CampaignWindowFields,
} from "./aggregates/campaigns.js";
export {
  accountAdmin,
  accounts,
  MAX_ACCOUNT_GAP_SECONDS,
  MAX_ACCOUNT_JITTER_MINUTES,
  MAX_ACCOUNT_LIMIT,
  PROFILE_VIEWS_PER_DAY,
  profileViews,
} from "./aggregates/accounts.js";
export type { Account, AccountLimitsPatch, CapMark, AccountSyncChange, AccountSyncOptions, RemoteAccount } from "./aggregates/accounts.js";
export { sendQueue } from "./aggregates/queue.js";
export type { MessageEventInput } from "./aggregates/queue.js";
export { outreachHistory } from "./aggregates/outreach.js";
export type { OutreachSendInput } from "./aggregates/outreach.js";
export { webhookInbox } from "./aggregates/inbox.js";
export type { InboxClaim, InboxStoreInput } from "./aggregates/inbox.js";
export { bookings } from "./aggregates/bookings.js";
export type { UnmatchedBooking, UnmatchedBookingInput } from "./aggregates/bookings.js";
export { outcomes } from "./aggregates/outcomes.js";
export { accountMetrics, campaignMetrics } from "./aggregates/metrics.js";
export type { AccountSendFacts } from "./aggregates/metrics.js";
export type { Outcome, OutcomeFilter, OutcomeListRow, OutcomeRecordInput, PersonContact } from "./aggregates/outcomes.js";
export { parseSavedView, SAVED_VIEW_NAME_MAX, SAVED_VIEW_PAGES, savedViews } from "./aggregates/saved-views.js";
export type { SavedView, SavedViewInput, SavedViewPage } from "./aggregates/saved-views.js";
export { normalizeSuppressionValue, suppressions } from "./aggregates/suppressions.js";
export type { Suppression, SuppressionAddInput } from "./aggregates/suppressions.js";
export { rateWindow, toolRateLimits, toolUsage, tools } from "./aggregates/tools.js";
export { COOLING_OFF_DAYS_RANGE, DEFAULT_COOLING_OFF_DAYS, settings } from "./aggregates/settings.js";
export type { Settings } from "./aggregates/settings.js";
export type { RateVerdict, RateWindowKind, Tool, ToolBalance, ToolRateLimits, ToolUsage, UsageRecord } from "./aggregates/tools.js";
export { dbFunctions, views } from "./views.js";
export type { ViewName, ViewRow } from "./views.js";
export { personHistory } from "./why.js";
export type { PersonEvent, PersonHistory } from "./why.js";
export { accountsLinkedTo } from "./aggregates/accounts.js";
export { runFacts } from "./run-facts.js";
export { dashboard, LEADS_SORTS } from "./dashboard.js";
export type { DailyPoint, PipelineRunRow, LeadRow, LeadsFilter, LeadsPage, LeadsPageInput, LeadsSort, OfferKpis } from "./dashboard.js";
export { BREAKDOWNS, experiments } from "./aggregates/experiments.js";
export type {
  AssignmentInput,
  Breakdown,
  Experiment,
  ExperimentArm,
  ExperimentAssignment,
  ExperimentCreateInput,
  ExperimentWithArms,
} from "./aggregates/experiments.js";
