/**
 * @offerlab/provider-leadmagic — LeadMagic (leadmagic.io) as offerlab capabilities: email finder
 * and email verifier. MSW handlers that imitate the API live at `@offerlab/provider-leadmagic/msw`.
 */
export { createLeadMagic, toFinderRequest } from "./leadmagic-provider.js";
export type { LeadMagicOptions, LeadMagicProvider, LeadMagicCredits } from "./leadmagic-provider.js";
export { mapLeadMagicError } from "./leadmagic-error.js";
export {
  mapFinderStatus,
  mapValidationStatus,
  toEmailFinding,
  toEmailVerification,
  finderCompany,
  LEADMAGIC_SOURCE_TOOL,
} from "./leadmagic-transform.js";
export { LEADMAGIC_DEFAULT_BASE_URL } from "./leadmagic-api.js";

export { leadmagicVendor } from "./leadmagic-vendor.js";
