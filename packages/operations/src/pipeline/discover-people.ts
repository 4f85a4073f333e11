/**
 * Discover people for an offer: find buyers (the ICP's titles, departments and seniorities) at its
 * qualified companies, best fit first, deduped per offer and scored, as one recorded, resumable
 * pipeline run.
 */
import type { DiscoverPeopleOptions, DiscoverPeopleSummary } from "@offerlab/pipeline";
import {
  checkStepInput,
  runPipelineStep,
  wholeNumberIssue,
  type PipelineOperationContext,
  type PipelineStepInput,
  type PipelineStepResult,
} from "./run-step.js";

export interface DiscoverOfferPeopleInput extends PipelineStepInput {
  /** The step's options (new runs; a resume reuses the run's). */
  options?: DiscoverPeopleOptions;
}

export type DiscoverOfferPeopleResult = PipelineStepResult<DiscoverPeopleSummary>;

export async function discoverOfferPeople(
  ctx: PipelineOperationContext,
  input: DiscoverOfferPeopleInput,
): Promise<DiscoverOfferPeopleResult> {
  const o = input.options ?? {};
  checkStepInput(input, [
    ...wholeNumberIssue("perCompany", o.perCompany, 1),
    ...wholeNumberIssue("maxCompanies", o.maxCompanies, 1),
    ...wholeNumberIssue("minBuyerFitScore", o.minBuyerFitScore, 1, 10),
  ]);
  return runPipelineStep<DiscoverPeopleSummary>(ctx, "discover_people", input, { discoverPeople: o });
}
