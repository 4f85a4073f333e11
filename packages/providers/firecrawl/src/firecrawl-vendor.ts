/**
 * Firecrawl as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { FIRECRAWL_DEFAULT_BASE_URL } from "./firecrawl-api.js";
import { createFirecrawl } from "./firecrawl-provider.js";
import { FIRECRAWL_SOURCE_TOOL } from "./firecrawl-transform.js";

export const firecrawlVendor = defineVendor({
  name: "firecrawl",
  title: "Firecrawl",
  summary: "page scraping, site crawls and site maps",
  env: [
    { name: "FIRECRAWL_API_KEY", option: "apiKey", required: true, description: "API key: the real adapter runs only when it is set." },
    {
      name: "FIRECRAWL_BASE_URL",
      option: "baseUrl",
      required: false,
      description: `Where the API is (a proxy); default ${FIRECRAWL_DEFAULT_BASE_URL}.`,
    },
  ],
  capabilities: ["pageScraper"],
  tools: [FIRECRAWL_SOURCE_TOOL],
  create: createFirecrawl,
  simulated: "firecrawl",
});
