/**
 * @offerlab/pipeline — discovery and enrichment: companies from the ICP through company search
 * providers (merged, deduped, fit-scored, disqualified), buyers at qualified companies, an email
 * finder → verifier waterfall, and an optional site scrape for personalisation. Every call is a
 * recorded, resumable run with a credit budget; every provider call lands in `tool_usage`. Also
 * CSV-shaped import (streaming, mapped, validated, deduped, all or nothing) and export of
 * companies, contacts and leads.
 */
export {
  runPipeline,
  resumePipeline,
  getPipelineRun,
  discoverCompanies,
  discoverPeople,
  enrichEmails,
  scrapeCompanies,
  PipelineRunFailed,
} from "./run.js";
export type { RunOptions, RunSummary, StepSummaries, PipelineRunRecord } from "./run.js";
export { stepNames, pipelineCapabilities } from "./context.js";
export type {
  CapabilityMap,
  ContactEmailsHook,
  PipelineCapability,
  PipelineContext,
  PipelineProviders,
  ProgressEvent,
  StepName,
} from "./context.js";
export { createUsageRecorder, usageRecordOf } from "./usage.js";
export type { UsageRecorder, UsageRecorderOptions } from "./usage.js";
export { scoreCompany, scoreBuyer, matchSignal, matchDisqualifier, priorityOf } from "./fit.js";
export type { CompanyFit, BuyerFit, SignalMatch } from "./fit.js";
export { companyQueryOf, PipelineInputError } from "./offer.js";
export { mergeCompanyRecords } from "./discover-companies.js";
export type { DiscoverCompaniesOptions, DiscoverCompaniesSummary } from "./discover-companies.js";
export type { DiscoverPeopleOptions, DiscoverPeopleSummary } from "./discover-people.js";
export type { EnrichEmailsOptions, EnrichEmailsSummary, SkipReason } from "./enrich-emails.js";
export { websiteVariables } from "./scrape-companies.js";
export type { ScrapeCompaniesOptions, ScrapeCompaniesSummary, WebsiteVariables } from "./scrape-companies.js";
export type { StepError } from "./lookups.js";
export {
  importRows,
  importCompanies,
  importContacts,
  importFields,
  resolveImportMapping,
  ImportRejectedError,
  UnreadableRow,
  COMPANY_FIELDS,
  CONTACT_FIELDS,
} from "./import-rows.js";
export type { ImportKind, ImportField, ImportMapping, ImportOptions, ImportRowSource, ImportSummary, RowError } from "./import-rows.js";
export { exportRows, exportKinds, EXPORT_COLUMNS } from "./export-rows.js";
export type { ExportKind, ExportOptions, ExportRow } from "./export-rows.js";
