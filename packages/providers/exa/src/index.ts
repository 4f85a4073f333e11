/**
 * @offerlab/provider-exa — Exa (exa.ai) as offerlab capabilities: company search over Exa's
 * company index, and lookalike companies from a seed. MSW handlers that imitate the API live at
 * `@offerlab/provider-exa/msw`.
 */
export { createExa, companyQueryText } from "./exa-provider.js";
export type { ExaOptions, ExaProvider, FindSimilarOptions } from "./exa-provider.js";
export { mapExaError } from "./exa-error.js";
export { companyFromExaResult, companiesFromExa, fundingStage, EXA_SOURCE_TOOL } from "./exa-transform.js";
export { EXA_DEFAULT_BASE_URL } from "./exa-api.js";

export { exaVendor } from "./exa-vendor.js";
