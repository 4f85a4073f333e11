/**
 * TheirStack as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { THEIRSTACK_DEFAULT_BASE_URL } from "./theirstack-api.js";
import { createTheirStack } from "./theirstack-provider.js";
import { THEIRSTACK_SOURCE_TOOL } from "./theirstack-transform.js";

export const theirstackVendor = defineVendor({
  name: "theirstack",
  title: "TheirStack",
  summary: "company search by hiring and technology signals, company enrichment",
  env: [
    { name: "THEIRSTACK_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "THEIRSTACK_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${THEIRSTACK_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["companySearch", "companyEnricher"],
  tools: [THEIRSTACK_SOURCE_TOOL],
  create: createTheirStack,
  simulated: "theirstack",
});
