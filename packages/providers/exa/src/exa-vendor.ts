/**
 * Exa as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { EXA_DEFAULT_BASE_URL } from "./exa-api.js";
import { createExa } from "./exa-provider.js";
import { EXA_SOURCE_TOOL } from "./exa-transform.js";

export const exaVendor = defineVendor({
  name: "exa",
  title: "Exa",
  summary: "company search and lookalike companies",
  env: [
    { name: "EXA_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "EXA_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${EXA_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["companySearch"],
  tools: [EXA_SOURCE_TOOL],
  create: createExa,
  simulated: "exa",
});
