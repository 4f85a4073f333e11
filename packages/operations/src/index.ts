/**
 * @offerlab/operations — one function per thing a person does in offerlab. Each takes a context
 * (the database, the clock, and the provider or model it needs) and an input; it validates the
 * input (a `ValidationError` naming each field), runs in one transaction, and returns a typed
 * result or throws a typed error (`OperationError` with a `code`, db's `NotFoundError`, copy's
 * `GenerationError`). The CLI, the demo and the dashboard only parse input, call one, and present
 * its result.
 */
export { inTransaction, nowOf } from "./context.js";
export type { OperationContext } from "./context.js";
export { OPERATION_ERROR_CODES, OperationError, operationErrorCodes } from "./errors.js";
export type { OperationErrorCode } from "./errors.js";

export { checkCreateOffer, createOffer } from "./offers/create-offer.js";
export type { CreateOfferInput, CreateOfferResult } from "./offers/create-offer.js";
export { checkGenerateOffer, generateOffer } from "./offers/generate-offer.js";
export type {
  CheckedGenerateOffer,
  GenerateOfferContext,
  GenerateOfferInput,
  GenerateOfferResult,
  OfferDraft,
  TemplatePreview,
} from "./offers/generate-offer.js";
export { editOffer } from "./offers/edit-offer.js";
export type { EditOfferInput, EditOfferResult } from "./offers/edit-offer.js";
export { setOfferStatus } from "./offers/set-offer-status.js";
export type { SetOfferStatusInput, SetOfferStatusResult } from "./offers/set-offer-status.js";

export { approveTemplates } from "./templates/approve-templates.js";
export type { ApproveTemplatesInput, ApproveTemplatesResult } from "./templates/approve-templates.js";

export { addAccount } from "./accounts/add-account.js";
export type { AddAccountInput } from "./accounts/add-account.js";
export { pauseAccount } from "./accounts/pause-account.js";
export type { AccountStatusResult } from "./accounts/pause-account.js";
export { resumeAccount } from "./accounts/resume-account.js";
export { setAccountLimits } from "./accounts/set-account-limits.js";
export type { SetAccountLimitsInput, SetAccountLimitsResult } from "./accounts/set-account-limits.js";
export { warmAccount } from "./accounts/warm-account.js";
export type { WarmAccountInput } from "./accounts/warm-account.js";
export { syncAccounts } from "./accounts/sync-accounts.js";
export { setCoolingOff } from "./settings/set-cooling-off.js";
export type { SetCoolingOffResult } from "./settings/set-cooling-off.js";
export { setToolRateLimits } from "./tools/set-tool-rate-limits.js";
export type { SetToolRateLimitsInput, SetToolRateLimitsResult } from "./tools/set-tool-rate-limits.js";
export type { SyncAccountsContext, SyncAccountsInput, SyncAccountsResult } from "./accounts/sync-accounts.js";

export { createCampaign } from "./campaigns/create-campaign.js";
export type { CreateCampaignInput, CreateCampaignResult } from "./campaigns/create-campaign.js";
export { enrolContacts, MAX_ENROL_SELECTION } from "./campaigns/enrol-contacts.js";
export type { EnrolContactsContext, EnrolContactsInput, EnrolContactsResult } from "./campaigns/enrol-contacts.js";
export { lookupConnectionDegrees } from "./campaigns/lookup-degrees.js";
export type { LookupDegreesContext, LookupDegreesInput, LookupDegreesResult } from "./campaigns/lookup-degrees.js";
export { checkCampaign } from "./campaigns/check-campaign.js";
export type { CheckCampaignResult } from "./campaigns/check-campaign.js";
export { launchCampaign } from "./campaigns/launch-campaign.js";
export type { LaunchCampaignResult } from "./campaigns/launch-campaign.js";
export { resumeCampaign } from "./campaigns/resume-campaign.js";
export { pauseCampaign } from "./campaigns/pause-campaign.js";
export { cancelCampaign } from "./campaigns/cancel-campaign.js";
export type { CancelCampaignInput, CancelCampaignResult } from "./campaigns/cancel-campaign.js";
export { editCampaign } from "./campaigns/edit-campaign.js";
export type { EditCampaignInput, EditCampaignResult } from "./campaigns/edit-campaign.js";
export { forecastCampaign } from "./campaigns/forecast-campaign.js";
export type { ForecastCampaignInput, ForecastCampaignResult } from "./campaigns/forecast-campaign.js";

export { editContact } from "./contacts/edit-contact.js";
export type { EditContactInput, EditContactResult } from "./contacts/edit-contact.js";
export { unpauseContact } from "./contacts/unpause-contact.js";
export type { UnpauseContactInput, UnpauseContactResult } from "./contacts/unpause-contact.js";
export { editCompany } from "./companies/edit-company.js";
export type { EditCompanyInput, EditCompanyResult } from "./companies/edit-company.js";

export { checkOutcome, checkOutcomes, MAX_OUTCOME_SELECTION, recordOutcome, recordOutcomes } from "./outcomes/record-outcome.js";
export type {
  CheckedOutcome,
  RecordOutcomeInput,
  RecordOutcomeResult,
  RecordOutcomesInput,
  RecordOutcomesResult,
} from "./outcomes/record-outcome.js";
export { importOutcomes, ImportOutcomesRejected, outcomeInputOfRow } from "./outcomes/import-outcomes.js";
export type { ImportOutcomeRowError, ImportOutcomesInput, ImportOutcomesResult, OutcomeRow } from "./outcomes/import-outcomes.js";
export { recordBooking, recordBookingIn } from "./bookings/record-booking.js";
export type { RecordBookingOptions, RecordBookingResult } from "./bookings/record-booking.js";
export { receiveBooking } from "./bookings/receive-booking.js";
export type { ReceiveBookingInput, ReceiveBookingResult } from "./bookings/receive-booking.js";
export { matchBookings, matchBookingsForEmails } from "./bookings/match-bookings.js";
export type { MatchBookingsResult } from "./bookings/match-bookings.js";
export { addSuppression, parseSuppression } from "./suppressions/add-suppression.js";
export type { AddSuppressionInput, AddSuppressionResult } from "./suppressions/add-suppression.js";
export { MAX_SUPPRESS_SELECTION, suppressContacts } from "./suppressions/suppress-contacts.js";
export type { SuppressContactsInput, SuppressContactsResult } from "./suppressions/suppress-contacts.js";
export { removeSuppression } from "./suppressions/remove-suppression.js";
export type { RemoveSuppressionInput, RemoveSuppressionResult } from "./suppressions/remove-suppression.js";
export { importSuppressions } from "./suppressions/import-suppressions.js";
export type { ImportSuppressionRow, ImportSuppressionsInput, ImportSuppressionsResult } from "./suppressions/import-suppressions.js";

export { discoverOfferCompanies } from "./pipeline/discover-companies.js";
export type { DiscoverOfferCompaniesInput, DiscoverOfferCompaniesResult } from "./pipeline/discover-companies.js";
export { discoverOfferPeople } from "./pipeline/discover-people.js";
export type { DiscoverOfferPeopleInput, DiscoverOfferPeopleResult } from "./pipeline/discover-people.js";
export { enrichOfferEmails } from "./pipeline/enrich-emails.js";
export type { EnrichOfferEmailsInput, EnrichOfferEmailsResult } from "./pipeline/enrich-emails.js";
export { scrapeOfferSites } from "./pipeline/scrape-sites.js";
export type { ScrapeOfferSitesInput, ScrapeOfferSitesResult } from "./pipeline/scrape-sites.js";
export type {
  PipelineOperationContext,
  PipelineOperationInput,
  PipelineStepInput,
  PipelineStepOutcome,
  PipelineStepResult,
} from "./pipeline/run-step.js";

export { importRecords } from "./imports/import-records.js";
export type { ImportRecordsInput, ImportRecordsResult } from "./imports/import-records.js";
export { defineExperiment, isCausal } from "./experiments/define-experiment.js";
export type { DefineExperimentArm, DefineExperimentInput, DefineExperimentResult } from "./experiments/define-experiment.js";
export { listExperiments, showExperiment } from "./experiments/list-experiments.js";
export type { ExperimentListRow, ShowExperimentResult } from "./experiments/list-experiments.js";
export { stopExperiment } from "./experiments/stop-experiment.js";
export type { StopExperimentInput } from "./experiments/stop-experiment.js";
export { experimentReport, offerReport } from "./experiments/report.js";
export type { OfferReportInput, ReportArm, ReportResult } from "./experiments/report.js";
export type { AllocationSummary, RepinSummary } from "./experiments/allocate.js";
export { enrolExperiment } from "./experiments/enrol-experiment.js";
export type { EnrolExperimentInput, EnrolExperimentResult } from "./experiments/enrol-experiment.js";
export { addTemplateVariant } from "./templates/add-template-variant.js";
export type { AddTemplateVariantInput, AddTemplateVariantResult } from "./templates/add-template-variant.js";
export { deleteView, saveView, viewQuery } from "./views/saved-views.js";
