/**
 * Scrape an offer's company sites into personalisation variables (`signals.website.*`), best fit
 * first, as one recorded, resumable pipeline run.
 */
import type { ScrapeCompaniesOptions, ScrapeCompaniesSummary } from "@offerlab/pipeline";
import { pipelineOperation, wholeNumberIssue, type PipelineOperationInput, type PipelineStepResult } from "./run-step.js";

/** The offer or the run to resume, and the step's options: most companies, paths, statuses, refresh. */
export type ScrapeOfferSitesInput = PipelineOperationInput<ScrapeCompaniesOptions>;
export type ScrapeOfferSitesResult = PipelineStepResult<ScrapeCompaniesSummary>;

export const scrapeOfferSites = pipelineOperation<ScrapeCompaniesOptions, ScrapeCompaniesSummary>(
  "scrape_companies",
  "scrapeCompanies",
  (o) => {
    const bad = o.paths?.find((p) => !p.startsWith("/"));
    return [
      ...wholeNumberIssue("maxCompanies", o.maxCompanies, 1),
      ...(o.paths && (o.paths.length === 0 || bad !== undefined)
        ? [{ field: "paths", message: `each path must start with "/" (got "${bad ?? ""}")` }]
        : []),
    ];
  },
);
