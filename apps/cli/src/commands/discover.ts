/** `offerlab discover companies` and `offerlab discover people`. */
import { discoverOfferCompanies, discoverOfferPeople } from "@offerlab/operations";
import type { DiscoverCompaniesSummary, DiscoverPeopleSummary } from "@offerlab/pipeline";
import type { Command } from "commander";
import type { Io } from "../output.js";
import { adaptersOf, addRunOptions, CAPABLE, chooseVendors, intFlag, recordedList, runStepCommand, type RunFlags } from "./pipeline-run.js";

const perProvider = (p: Record<string, { found: number; cachedPages?: number; cachedCalls?: number }>) =>
  Object.entries(p)
    .map(
      ([name, s]) => `${name} ${s.found}${(s.cachedPages ?? s.cachedCalls) ? ` (${s.cachedPages ?? s.cachedCalls} answers reused)` : ""}`,
    )
    .join(", ") || "none";

export function registerDiscoverCommands(program: Command, io: Io): void {
  const cmd = program.command("discover").description("Find companies that fit an offer's ICP, and the buyers at them");

  addRunOptions(
    cmd
      .command("companies")
      .description(
        "Search companies matching the offer's ICP with each company search provider, merge and dedupe them by domain, " +
          "score their fit (1-10, with reasoning), apply disqualifiers and store them",
      )
      .option(
        "--providers <list>",
        `comma-separated, in merge order: ${CAPABLE.companySearch.vendors.join(", ")} (default: every configured one)`,
      )
      .option("--limit <n>", "most companies per provider (default 25)")
      .option("--min-fit <score>", "fit score from which a company is qualified, 1-10 (default 5)")
      .option("--query <text>", "replace the search sentence built from the ICP")
      .option("--disqualify <list>", 'extra disqualifiers, comma-separated (e.g. "agency,> 1000 employees")'),
  ).action(async (o: RunFlags & { providers?: string; limit?: string; minFit?: string; query?: string; disqualify?: string }) => {
    const limit = intFlag("--limit", o.limit);
    const minFit = intFlag("--min-fit", o.minFit, 1, 10);
    const disqualifiers = o.disqualify
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    await runStepCommand<DiscoverCompaniesSummary>(io, o, {
      step: "discover_companies",
      title: "Discovered companies",
      providers: (p, recorded) => ({
        companySearch: adaptersOf(
          p,
          chooseVendors(p, "companySearch", "--providers", o.providers ?? recordedList(recorded?.companySearch)),
        ),
      }),
      run: (ctx, input) =>
        discoverOfferCompanies(ctx, {
          ...input,
          options: {
            ...(limit !== undefined ? { limitPerProvider: limit } : {}),
            ...(minFit !== undefined ? { minFitScore: minFit } : {}),
            ...(o.query ? { query: o.query } : {}),
            ...(disqualifiers?.length ? { disqualifiers } : {}),
          },
        }),
      describe: (s) => [
        `found ${s.found}, new ${s.new}, duplicates ${s.duplicates} (${s.unique} distinct companies)${s.rejected ? `, rejected as invalid ${s.rejected}` : ""}`,
        `qualified ${s.qualified}, disqualified ${s.disqualified}`,
        `by provider: ${perProvider(s.providers)}`,
      ],
      nothingWorked: (s) => s.errorCount > 0 && s.found === 0,
    });
  });

  addRunOptions(
    cmd
      .command("people")
      .description(
        "Find buyers (the ICP's titles, departments and seniorities) at the offer's qualified companies, best fit first; " +
          "dedupe them per offer by email and LinkedIn URL and score their buyer fit",
      )
      .option(
        "--providers <list>",
        `comma-separated, asked in order: ${CAPABLE.peopleSearch.vendors.join(", ")} (default: every configured one)`,
      )
      .option("--per-company <n>", "buyers wanted per company (default 3)")
      .option("--max-companies <n>", "most companies to search (default 50)")
      .option("--min-buyer-fit <score>", "buyer fit below which a person is stored as skip, 1-10 (default 4)"),
  ).action(async (o: RunFlags & { providers?: string; perCompany?: string; maxCompanies?: string; minBuyerFit?: string }) => {
    const perCompany = intFlag("--per-company", o.perCompany);
    const maxCompanies = intFlag("--max-companies", o.maxCompanies);
    const minBuyerFit = intFlag("--min-buyer-fit", o.minBuyerFit, 1, 10);
    await runStepCommand<DiscoverPeopleSummary>(io, o, {
      step: "discover_people",
      title: "Discovered people",
      providers: (p, recorded) => ({
        peopleSearch: adaptersOf(p, chooseVendors(p, "peopleSearch", "--providers", o.providers ?? recordedList(recorded?.peopleSearch))),
      }),
      run: (ctx, input) =>
        discoverOfferPeople(ctx, {
          ...input,
          options: {
            ...(perCompany !== undefined ? { perCompany } : {}),
            ...(maxCompanies !== undefined ? { maxCompanies } : {}),
            ...(minBuyerFit !== undefined ? { minBuyerFitScore: minBuyerFit } : {}),
          },
        }),
      describe: (s) => [
        `companies searched ${s.companies}, skipped ${s.companiesSkipped} (already enough buyers)`,
        `found ${s.found}, new ${s.new}, duplicates ${s.duplicates}, poor fit (stored as skip) ${s.lowFit}${s.unusable ? `, unusable ${s.unusable}` : ""}${s.rejected ? `, rejected as invalid ${s.rejected}` : ""}`,
        `by provider: ${perProvider(s.providers)}`,
      ],
      nothingWorked: (s) => s.errorCount > 0 && s.found === 0,
    });
  });
}
