/**
 * @offerlab/provider-theirstack — TheirStack (theirstack.com) as offerlab capabilities: company
 * search by technographics, firmographics and hiring signals, and company enrichment by domain.
 * MSW handlers that imitate the API live at `@offerlab/provider-theirstack/msw`.
 */
export {
  createTheirStack,
  employeeBounds,
  techSlug,
  THEIRSTACK_CREDITS_PER_COMPANY,
  THEIRSTACK_CREDITS_PER_JOB,
} from "./theirstack-provider.js";
export type { TheirStackOptions, TheirStackProvider } from "./theirstack-provider.js";
export { mapTheirStackError, rateLimitResetMs } from "./theirstack-error.js";
export { companyFromTheirStack, companiesFromJobs, sizeOf, THEIRSTACK_SOURCE_TOOL } from "./theirstack-transform.js";
export { THEIRSTACK_DEFAULT_BASE_URL } from "./theirstack-api.js";

export { theirstackVendor } from "./theirstack-vendor.js";
