/**
 * LeadMagic as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { LEADMAGIC_DEFAULT_BASE_URL } from "./leadmagic-api.js";
import { createLeadMagic } from "./leadmagic-provider.js";
import { LEADMAGIC_SOURCE_TOOL } from "./leadmagic-transform.js";

export const leadmagicVendor = defineVendor({
  name: "leadmagic",
  title: "LeadMagic",
  summary: "email finder and email verifier",
  env: [
    { name: "LEADMAGIC_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "LEADMAGIC_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${LEADMAGIC_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["emailFinder", "emailVerifier"],
  tools: [LEADMAGIC_SOURCE_TOOL],
  create: createLeadMagic,
  simulated: "leadmagic",
});
