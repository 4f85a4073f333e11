/**
 * @offerlab/provider-parallel — Parallel (parallel.ai) as offerlab capabilities: company and
 * people discovery through Entity Search, and condition-checked company discovery through FindAll.
 * MSW handlers that imitate the API live at `@offerlab/provider-parallel/msw`.
 */
export { createParallel, companyObjective, peopleObjective, PARALLEL_COMPANIES_TOOL, PARALLEL_PEOPLE_TOOL } from "./parallel-provider.js";
export type { ParallelOptions, ParallelProvider, FindAllOptions } from "./parallel-provider.js";
export { mapParallelError } from "./parallel-error.js";
export {
  companyFromEntity,
  companyFromCandidate,
  personFromEntity,
  seniorityFromTitle,
  departmentFromTitle,
  titleNormalized,
  splitHeadline,
  PARALLEL_SOURCE_TOOL,
} from "./parallel-transform.js";
export { PARALLEL_DEFAULT_BASE_URL, PARALLEL_FINDALL_BETA } from "./parallel-api.js";

export { parallelVendor } from "./parallel-vendor.js";
