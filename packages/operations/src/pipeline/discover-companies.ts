/**
 * Discover companies for an offer: search companies matching its ICP with each company search
 * provider, merge and dedupe them by domain, score their fit, apply disqualifiers and store them,
 * as one recorded, resumable pipeline run.
 */
import type { DiscoverCompaniesOptions, DiscoverCompaniesSummary } from "@offerlab/pipeline";
import { pipelineOperation, wholeNumberIssue, type PipelineOperationInput, type PipelineStepResult } from "./run-step.js";

/** The offer or the run to resume, and the step's options: limits, fit threshold, query, disqualifiers. */
export type DiscoverOfferCompaniesInput = PipelineOperationInput<DiscoverCompaniesOptions>;
export type DiscoverOfferCompaniesResult = PipelineStepResult<DiscoverCompaniesSummary>;

export const discoverOfferCompanies = pipelineOperation<DiscoverCompaniesOptions, DiscoverCompaniesSummary>(
  "discover_companies",
  "discoverCompanies",
  (o) => [
    ...wholeNumberIssue("limitPerProvider", o.limitPerProvider, 1),
    ...wholeNumberIssue("minFitScore", o.minFitScore, 1, 10),
    ...(o.disqualifiers?.some((d) => d.trim() === "") ? [{ field: "disqualifiers", message: "must not hold an empty disqualifier" }] : []),
  ],
);
