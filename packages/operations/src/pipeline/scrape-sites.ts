/**
 * Scrape an offer's company sites into personalisation variables (`signals.website.*`), best fit
 * first, as one recorded, resumable pipeline run.
 */
import type { ScrapeCompaniesOptions, ScrapeCompaniesSummary } from "@offerlab/pipeline";
import {
  checkStepInput,
  runPipelineStep,
  wholeNumberIssue,
  type PipelineOperationContext,
  type PipelineStepInput,
  type PipelineStepResult,
} from "./run-step.js";

export interface ScrapeOfferSitesInput extends PipelineStepInput {
  /** The step's options (new runs; a resume reuses the run's). */
  options?: ScrapeCompaniesOptions;
}

export type ScrapeOfferSitesResult = PipelineStepResult<ScrapeCompaniesSummary>;

export async function scrapeOfferSites(ctx: PipelineOperationContext, input: ScrapeOfferSitesInput): Promise<ScrapeOfferSitesResult> {
  const o = input.options ?? {};
  const bad = o.paths?.find((p) => !p.startsWith("/"));
  checkStepInput(input, [
    ...wholeNumberIssue("maxCompanies", o.maxCompanies, 1),
    ...(o.paths && (o.paths.length === 0 || bad !== undefined)
      ? [{ field: "paths", message: `each path must start with "/" (got "${bad ?? ""}")` }]
      : []),
  ]);
  return runPipelineStep<ScrapeCompaniesSummary>(ctx, "scrape_companies", input, { scrapeCompanies: o });
}
