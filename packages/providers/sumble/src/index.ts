/**
 * @offerlab/provider-sumble — Sumble (sumble.com) as offerlab capabilities: organisation
 * enrichment and people search within an organisation (Sumble's asynchronous people request).
 * MSW handlers that imitate the API live at `@offerlab/provider-sumble/msw`.
 */
export { createSumble, SUMBLE_ORG_ATTRIBUTES, SUMBLE_PERSON_ATTRIBUTES } from "./sumble-provider.js";
export type { SumbleOptions, SumbleProvider } from "./sumble-provider.js";
export { mapSumbleError } from "./sumble-error.js";
export {
  enrichmentFromOrganization,
  personFromSumble,
  seniorityOf,
  departmentOf,
  fundingStage,
  SUMBLE_SOURCE_TOOL,
} from "./sumble-transform.js";
export { SUMBLE_DEFAULT_BASE_URL } from "./sumble-api.js";

export { sumbleVendor } from "./sumble-vendor.js";
