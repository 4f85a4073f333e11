/**
 * Pure mapping from Firecrawl documents to offerlab's scraped pages. No I/O.
 */
import { normalizeDomain } from "@offerlab/core";
import type { ScrapedPage } from "@offerlab/provider-kit";
import type { FirecrawlDocument } from "./firecrawl-api.js";

export const FIRECRAWL_SOURCE_TOOL = "firecrawl";

/** Firecrawl sometimes returns meta tags as arrays (several `<meta>` of one name): keep the first. */
function first(v: string | string[] | null | undefined): string | null {
  if (Array.isArray(v)) return v.find((s) => s.trim() !== "") ?? null;
  return v?.trim() ? v : null;
}

const BULKY_METADATA = ["ogImage", "favicon", "og:image", "twitter:image"];

/**
 * A Firecrawl document → the kit's `ScrapedPage`. `statusCode` is the target site's status:
 * Firecrawl answers 200 (and bills) even when the site said 404, so callers must look at it.
 * `metadata` keeps Firecrawl's metadata trimmed of image URLs, plus the final URL's normalised
 * domain, the page's links and any warning; page bodies are never duplicated into it.
 */
export function pageFromFirecrawl(doc: FirecrawlDocument, requestedUrl: string | null): ScrapedPage {
  const meta = doc.metadata ?? {};
  const url = meta.sourceURL ?? requestedUrl ?? meta.url ?? "";
  const finalUrl = meta.url ?? null;
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (!BULKY_METADATA.includes(k)) metadata[k] = v;
  metadata.domain = normalizeDomain(finalUrl ?? url);
  if (doc.links) metadata.links = doc.links;
  if (doc.warning) metadata.warning = doc.warning;
  return {
    url,
    markdown: doc.markdown ?? "",
    title: first(meta.title),
    description: first(meta.description),
    statusCode: meta.statusCode ?? null,
    metadata,
    source_tool: FIRECRAWL_SOURCE_TOOL,
    creditsUsed: meta.creditsUsed ?? 0,
  };
}

export interface FirecrawlMapLink {
  url: string;
  title: string | null;
  description: string | null;
}

export function mapLinks(
  links: readonly (string | { url: string; title?: string | null; description?: string | null })[],
): FirecrawlMapLink[] {
  return links.map((l) =>
    typeof l === "string"
      ? { url: l, title: null, description: null }
      : { url: l.url, title: l.title ?? null, description: l.description ?? null },
  );
}
