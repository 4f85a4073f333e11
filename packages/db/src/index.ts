/**
 * @offerlab/db — the database: connect (embedded PGlite or PostgreSQL / Supabase), migrate,
 * the generated `Database` type, repositories, view queries and function wrappers.
 */
export { createDb, databaseTargetOf, DEFAULT_DATA_DIR, redactUrl, resolveDatabaseTarget, SANDBOX_DATA_DIR } from "./connect.js";
export type { CreateDbOptions, DatabaseTarget, Db } from "./connect.js";
export { migrate, migrationStatus, bundledMigrations } from "./migrate.js";
export type { MigrateResult, Migration, MigrationStatus } from "./migrate.js";
export { openDatabase, PendingMigrationsError } from "./open.js";
export { claimDataMode, dataMode, DataModeMismatchError } from "./data-mode.js";
export type { DataModeMark } from "./data-mode.js";
export { EmbeddedDatabaseBusyError, LOCK_FILE } from "./embedded-lock.js";
export type { LockHolder } from "./embedded-lock.js";
export type * from "./database.generated.js";
export { jsonb } from "./jsonb.js";
export type { Jsonb, JsonbParam } from "./jsonb.js";
export {
  accounts,
  campaignContacts,
  campaigns,
  companies,
  contacts,
  NotFoundError,
  offers,
  OfferCreateInput,
  REF_LIST_COMMANDS,
  resolve,
  toolUsage,
  tools,
} from "./repositories.js";
export type {
  Account,
  Campaign,
  CampaignContact,
  Company,
  Contact,
  DbOrTrx,
  Offer,
  RefKind,
  Template,
  Tool,
  ToolUsage,
  UsageRecord,
} from "./repositories.js";
export { dbFunctions, views } from "./views.js";
export type { ViewName, ViewRow } from "./views.js";
export { messageTemplates, offerCopy, OfferUpdateInput, templatesFromCopy } from "./offer-copy.js";
export type { CopyTemplate, MessageTemplate, TemplateFilter, TemplateSync } from "./offer-copy.js";
export { accountAdmin, campaignAdmin, MAX_ACCOUNT_LIMIT } from "./accounts-campaigns.js";
export type {
  AccountLimitsPatch,
  AccountSyncChange,
  AccountSyncOptions,
  CampaignCandidate,
  CampaignCreateRequest,
  CampaignListRow,
  RemoteAccount,
} from "./accounts-campaigns.js";
export { personHistory } from "./why.js";
export type { PersonEvent, PersonHistory } from "./why.js";
export { accountsLinkedTo } from "./accounts-linked.js";
export { runFacts } from "./run-facts.js";
