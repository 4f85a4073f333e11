/**
 * Enrich an offer's emails: the finder → verifier waterfall over its contacts, best buyers first,
 * skipping before paying anyone who may not be contacted or was checked recently, as one
 * recorded, resumable pipeline run.
 */
import type { EnrichEmailsOptions, EnrichEmailsSummary } from "@offerlab/pipeline";
import { pipelineOperation, wholeNumberIssue, type PipelineOperationInput, type PipelineStepResult } from "./run-step.js";

/** The offer or the run to resume, and the step's options: most contacts, re-check age, risky addresses. */
export type EnrichOfferEmailsInput = PipelineOperationInput<EnrichEmailsOptions>;
export type EnrichOfferEmailsResult = PipelineStepResult<EnrichEmailsSummary>;

export const enrichOfferEmails = pipelineOperation<EnrichEmailsOptions, EnrichEmailsSummary>("enrich_emails", "enrichEmails", (o) => [
  ...wholeNumberIssue("maxContacts", o.maxContacts, 1),
  ...wholeNumberIssue("reenrichAfterDays", o.reenrichAfterDays, 0),
  ...wholeNumberIssue("coolingOffDays", o.coolingOffDays, 0),
]);
