/**
 * Sumble as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { SUMBLE_DEFAULT_BASE_URL } from "./sumble-api.js";
import { createSumble } from "./sumble-provider.js";
import { SUMBLE_SOURCE_TOOL } from "./sumble-transform.js";

export const sumbleVendor = defineVendor({
  name: "sumble",
  title: "Sumble",
  summary: "organisation enrichment and people search",
  env: [
    { name: "SUMBLE_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "SUMBLE_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${SUMBLE_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["companyEnricher", "peopleSearch"],
  tools: [SUMBLE_SOURCE_TOOL],
  create: createSumble,
  simulated: "sumble",
});
