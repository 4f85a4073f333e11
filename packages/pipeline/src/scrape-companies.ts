/**
 * Optional scrape of company sites (any PageScraper, e.g. Firecrawl) into personalisation
 * variables under `companies.signals.website`, readable by templates as
 * `{{signals.website.headline}}`, `{{signals.website.summary}}`, `{{signals.website.hiring}}`.
 */
import { PipelineInputError } from "./offer.js";
import { companies } from "@offerlab/db";
import type { ScrapedPage } from "@offerlab/provider-kit";
import { sql } from "kysely";
import { asStepError, paidLookup, pushError, round, type RunState, type StepError } from "./lookups.js";

export interface ScrapeCompaniesOptions {
  /** Most companies to scrape, best fit first. Default 50. */
  maxCompanies?: number;
  /** Paths scraped on each site. Default `["/"]`. */
  paths?: string[];
  /** Company statuses to scrape. Default `["qualified"]`. */
  statuses?: ("new" | "qualified")[];
  /** Scrape again companies that already have website variables. Default false. */
  refresh?: boolean;
}

export interface ScrapeCompaniesSummary {
  companies: number;
  /** Companies that already had website variables (skipped unless `refresh`). */
  skipped: number;
  pages: number;
  cachedPages: number;
  /** Companies whose variables were written. */
  updated: number;
  creditsSpent: number;
  errors: StepError[];
  errorCount: number;
}

export function emptyScrapeSummary(): ScrapeCompaniesSummary {
  return { companies: 0, skipped: 0, pages: 0, cachedPages: 0, updated: 0, creditsSpent: 0, errors: [], errorCount: 0 };
}

/** Personalisation variables a template can use, read from scraped markdown. */
export interface WebsiteVariables {
  url: string;
  title: string | null;
  /** The page's first heading. */
  headline: string | null;
  /** The meta description, else the first paragraph (at most 240 characters). */
  summary: string | null;
  /** The first sentence that mentions hiring, e.g. "We're hiring 3 Account Executives." */
  hiring: string | null;
  scraped_at: string;
  source_tool: string;
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).replace(/\s+\S*$/, "")}…`);
const plain = (s: string) =>
  s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`>#]+/g, "")
    .replace(/\s+/g, " ")
    .trim();

/** Extracts the variables from scraped pages (pure). */
export function websiteVariables(pages: ScrapedPage[], at: Date): WebsiteVariables | null {
  const first = pages[0];
  if (!first) return null;
  const lines = pages
    .flatMap((p) => p.markdown.split(/\n+/))
    .map((l) => l.trim())
    .filter(Boolean);
  const heading = lines.find((l) => /^#{1,2}\s/.test(l));
  const paragraph = lines.find((l) => !/^#/.test(l) && !/^[-*|]/.test(l) && plain(l).length >= 20);
  const sentences = pages.flatMap((p) => plain(p.markdown).split(/(?<=[.!?])\s+/));
  const hiring = sentences.find((x) => /\b(hiring|join our team|open (roles|positions))\b/i.test(x));
  const summary = first.description ?? (paragraph ? plain(paragraph) : null);
  return {
    url: first.url,
    title: first.title ?? null,
    headline: heading ? plain(heading) : null,
    summary: summary ? clip(summary, 240) : null,
    hiring: hiring ? clip(hiring.trim(), 200) : null,
    scraped_at: at.toISOString(),
    source_tool: first.source_tool,
  };
}

export async function runScrapeCompanies(rs: RunState, opts: ScrapeCompaniesOptions, s: ScrapeCompaniesSummary): Promise<void> {
  const { db } = rs.ctx;
  const scraper = rs.ctx.providers.pageScraper;
  if (!scraper) throw new PipelineInputError("scrape_companies needs a page scraper (providers.pageScraper)");
  const now = rs.ctx.now?.() ?? new Date();
  const startSpent = rs.spent;
  const targets = await db
    .selectFrom("companies")
    .select(["id", "name", "domain", "url", sql<boolean>`signals ? 'website'`.as("has_website")])
    .where("offer_id", "=", rs.offerId)
    .where("status", "in", opts.statuses ?? ["qualified"])
    .where((eb) => eb.or([eb("domain", "is not", null), eb("url", "is not", null)]))
    .orderBy(sql`fit_score DESC NULLS LAST`)
    .orderBy("name")
    .limit(opts.maxCompanies ?? 50)
    .execute();
  rs.progress(0, targets.length, "scraping sites");
  let done = 0;
  try {
    for (const company of targets) {
      s.companies += 1;
      if (company.has_website && !opts.refresh) {
        s.skipped += 1;
        rs.progress(++done, targets.length, company.name);
        continue;
      }
      if (rs.disabled.has(scraper.provider)) break;
      const origin = company.domain ? `https://${company.domain}` : new URL(company.url as string).origin;
      const pages: ScrapedPage[] = [];
      for (const path of opts.paths ?? ["/"]) {
        const url = new URL(path, origin).toString();
        try {
          const res = await paidLookup(rs, {
            provider: scraper.provider,
            action: "scrape_page",
            request: { url },
            companyId: company.id,
            call: (o) => scraper.scrapePage(url, o),
          });
          s.pages += 1;
          if (res.cached) s.cachedPages += 1;
          // Scrapers answer 200 for a site's own 404 page: its "Page not found" must never
          // become a personalisation variable.
          const status = res.value.statusCode ?? 200;
          if (status >= 400)
            pushError(s, { provider: scraper.provider, kind: "not_found", message: `the site answered HTTP ${status}`, item: url });
          else pages.push(res.value);
        } catch (error) {
          pushError(s, asStepError(error, scraper.provider, url));
        }
      }
      const website = websiteVariables(pages, now);
      if (website) {
        await companies.mergeSignals(db, company.id, { website });
        s.updated += 1;
      }
      s.creditsSpent = round(rs.spent - startSpent);
      rs.progress(++done, targets.length, company.name);
    }
  } finally {
    s.creditsSpent = round(rs.spent - startSpent);
  }
}
