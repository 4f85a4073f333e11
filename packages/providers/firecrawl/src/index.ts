/**
 * @offerlab/provider-firecrawl — Firecrawl (firecrawl.dev) as the offerlab `PageScraper`: scrape a
 * page to markdown, crawl a site (async job with polling), map a site's URLs. MSW handlers that
 * imitate the API live at `@offerlab/provider-firecrawl/msw`.
 */
export { createFirecrawl } from "./firecrawl-provider.js";
export type { FirecrawlOptions, FirecrawlProvider } from "./firecrawl-provider.js";
export { mapFirecrawlError } from "./firecrawl-error.js";
export { pageFromFirecrawl, mapLinks, FIRECRAWL_SOURCE_TOOL } from "./firecrawl-transform.js";
export type { FirecrawlMapLink } from "./firecrawl-transform.js";
export { FIRECRAWL_DEFAULT_BASE_URL } from "./firecrawl-api.js";

export { firecrawlVendor } from "./firecrawl-vendor.js";
