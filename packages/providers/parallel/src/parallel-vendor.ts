/**
 * Parallel as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { PARALLEL_DEFAULT_BASE_URL } from "./parallel-api.js";
import { createParallel, PARALLEL_COMPANIES_TOOL, PARALLEL_PEOPLE_TOOL } from "./parallel-provider.js";

export const parallelVendor = defineVendor({
  name: "parallel",
  title: "Parallel",
  summary: "company and people discovery",
  env: [
    { name: "PARALLEL_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "PARALLEL_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${PARALLEL_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["companySearch", "peopleSearch"],
  tools: [PARALLEL_COMPANIES_TOOL, PARALLEL_PEOPLE_TOOL],
  create: createParallel,
  simulated: "parallel",
});
