/** `offerlab scrape`: company websites into personalisation variables. */
import { scrapeOfferSites } from "@offerlab/operations";
import type { ScrapeCompaniesSummary } from "@offerlab/pipeline";
import type { Command } from "commander";
import { CliError, EXIT, type Io } from "../output.js";
import { addRunOptions, chooseVendors, intFlag, recordedList, runStepCommand, type RunFlags } from "./pipeline-run.js";

export function registerScrapeCommand(program: Command, io: Io): void {
  addRunOptions(
    program
      .command("scrape")
      .description(
        "Scrape the sites of the offer's qualified companies (Firecrawl) into personalisation variables: " +
          "{{signals.website.headline}}, {{signals.website.summary}}, {{signals.website.hiring}}",
      )
      .option("--paths <list>", 'paths scraped on each site, comma-separated (default "/")')
      .option("--max <n>", "most companies, best fit first (default 50)")
      .option("--include-new", "also scrape companies not qualified yet (status new)")
      .option("--refresh", "scrape again companies that already have website variables"),
  ).action(async (o: RunFlags & { paths?: string; max?: string; includeNew?: boolean; refresh?: boolean }) => {
    const max = intFlag("--max", o.max);
    const paths = o.paths
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    if (paths) {
      const bad = paths.find((x) => !x.startsWith("/"));
      if (bad || paths.length === 0) throw new CliError(`--paths: each path must start with "/" (got "${bad ?? o.paths}")`, EXIT.usage);
    }
    await runStepCommand<ScrapeCompaniesSummary>(io, o, {
      step: "scrape_companies",
      title: "Scraped company sites",
      providers: (p, recorded) => {
        const [scraper] = chooseVendors(p, "pageScraper", "--provider", recordedList(recorded?.pageScraper));
        return { pageScraper: p.get(scraper!) };
      },
      run: (ctx, input) =>
        scrapeOfferSites(ctx, {
          ...input,
          options: {
            ...(max !== undefined ? { maxCompanies: max } : {}),
            ...(paths ? { paths } : {}),
            ...(o.includeNew ? { statuses: ["qualified", "new"] as ("qualified" | "new")[] } : {}),
            ...(o.refresh ? { refresh: true } : {}),
          },
        }),
      describe: (s) => [
        `companies ${s.companies}: updated ${s.updated}, skipped ${s.skipped} (already scraped; --refresh to redo)`,
        `pages ${s.pages} (${s.cachedPages} reused)`,
      ],
      nothingWorked: (s) => s.errorCount > 0 && s.updated === 0,
    });
  });
}
