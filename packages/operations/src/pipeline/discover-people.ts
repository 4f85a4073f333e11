/**
 * Discover people for an offer: find buyers (the ICP's titles, departments and seniorities) at its
 * qualified companies, best fit first, deduped per offer and scored, as one recorded, resumable
 * pipeline run.
 */
import type { DiscoverPeopleOptions, DiscoverPeopleSummary } from "@offerlab/pipeline";
import { pipelineOperation, wholeNumberIssue, type PipelineOperationInput, type PipelineStepResult } from "./run-step.js";

/** The offer or the run to resume, and the step's options: buyers per company, companies, buyer fit. */
export type DiscoverOfferPeopleInput = PipelineOperationInput<DiscoverPeopleOptions>;
export type DiscoverOfferPeopleResult = PipelineStepResult<DiscoverPeopleSummary>;

export const discoverOfferPeople = pipelineOperation<DiscoverPeopleOptions, DiscoverPeopleSummary>(
  "discover_people",
  "discoverPeople",
  (o) => [
    ...wholeNumberIssue("perCompany", o.perCompany, 1),
    ...wholeNumberIssue("maxCompanies", o.maxCompanies, 1),
    ...wholeNumberIssue("minBuyerFitScore", o.minBuyerFitScore, 1, 10),
  ],
);
