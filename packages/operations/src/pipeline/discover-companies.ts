/**
 * Discover companies for an offer: search companies matching its ICP with each company search
 * provider, merge and dedupe them by domain, score their fit, apply disqualifiers and store them,
 * as one recorded, resumable pipeline run.
 */
import type { DiscoverCompaniesOptions, DiscoverCompaniesSummary } from "@offerlab/pipeline";
import {
  checkStepInput,
  runPipelineStep,
  wholeNumberIssue,
  type PipelineOperationContext,
  type PipelineStepInput,
  type PipelineStepResult,
} from "./run-step.js";

export interface DiscoverOfferCompaniesInput extends PipelineStepInput {
  /** The step's options (new runs; a resume reuses the run's): limits, fit threshold, query, disqualifiers. */
  options?: DiscoverCompaniesOptions;
}

export type DiscoverOfferCompaniesResult = PipelineStepResult<DiscoverCompaniesSummary>;

export async function discoverOfferCompanies(
  ctx: PipelineOperationContext,
  input: DiscoverOfferCompaniesInput,
): Promise<DiscoverOfferCompaniesResult> {
  const o = input.options ?? {};
  checkStepInput(input, [
    ...wholeNumberIssue("limitPerProvider", o.limitPerProvider, 1),
    ...wholeNumberIssue("minFitScore", o.minFitScore, 1, 10),
    ...(o.disqualifiers?.some((d) => d.trim() === "") ? [{ field: "disqualifiers", message: "must not hold an empty disqualifier" }] : []),
  ]);
  return runPipelineStep<DiscoverCompaniesSummary>(ctx, "discover_companies", input, { discoverCompanies: o });
}
