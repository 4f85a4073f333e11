/**
 * Enrich an offer's emails: the finder → verifier waterfall over its contacts, best buyers first,
 * skipping before paying anyone who may not be contacted or was checked recently, as one
 * recorded, resumable pipeline run.
 */
import type { EnrichEmailsOptions, EnrichEmailsSummary } from "@offerlab/pipeline";
import {
  checkStepInput,
  runPipelineStep,
  wholeNumberIssue,
  type PipelineOperationContext,
  type PipelineStepInput,
  type PipelineStepResult,
} from "./run-step.js";

export interface EnrichOfferEmailsInput extends PipelineStepInput {
  /** The step's options (new runs; a resume reuses the run's). */
  options?: EnrichEmailsOptions;
}

export type EnrichOfferEmailsResult = PipelineStepResult<EnrichEmailsSummary>;

export async function enrichOfferEmails(ctx: PipelineOperationContext, input: EnrichOfferEmailsInput): Promise<EnrichOfferEmailsResult> {
  const o = input.options ?? {};
  checkStepInput(input, [
    ...wholeNumberIssue("maxContacts", o.maxContacts, 1),
    ...wholeNumberIssue("reenrichAfterDays", o.reenrichAfterDays, 0),
    ...wholeNumberIssue("coolingOffDays", o.coolingOffDays, 0),
  ]);
  return runPipelineStep<EnrichEmailsSummary>(ctx, "enrich_emails", input, { enrichEmails: o });
}
