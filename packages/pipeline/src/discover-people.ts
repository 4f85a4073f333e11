/**
 * People: buyers at the offer's qualified companies, from the ICP's titles, departments and
 * seniorities, deduped per offer by email and LinkedIn URL, scored for buyer fit.
 */
import { PipelineInputError } from "./offer.js";
import {
  clipToTextLimits,
  normalizeEmail,
  normalizeLinkedInUrl,
  normalizeSeniority,
  ValidationError,
  type Seniority,
} from "@offerlab/core";
import { contacts as contactRepo } from "@offerlab/db";
import type { PeopleSearch, PeopleSearchResult, PersonRecord } from "@offerlab/provider-kit";
import { sql } from "kysely";
import { scoreBuyer } from "./fit.js";
import { asStepError, paidLookup, pushError, round, type RunState, type StepError } from "./lookups.js";
import { loadOfferIcp } from "./offer.js";

export interface DiscoverPeopleOptions {
  /** Most qualified companies to search, best fit first. Default 50. */
  maxCompanies?: number;
  /** Buyers wanted per company (people parked as `skip` do not count); companies that already have this many are skipped. Default 3. */
  perCompany?: number;
  /** People scoring below this are stored with status `skip` (`low_buyer_fit`) and never enriched. Default 4. */
  minBuyerFitScore?: number;
}

export interface DiscoverPeopleSummary {
  companies: number;
  /** Companies skipped because they already have enough people. */
  companiesSkipped: number;
  found: number;
  new: number;
  duplicates: number;
  /** Stored with status `skip` for a buyer fit below the minimum. */
  lowFit: number;
  /** Records without a name, email or LinkedIn URL (nothing to store or dedupe on). */
  unusable: number;
  /** Records the schema refuses (each one in `errors`, kind `invalid`). */
  rejected: number;
  providers: Record<string, { found: number; calls: number; cachedCalls: number }>;
  creditsSpent: number;
  errors: StepError[];
  errorCount: number;
}

export function emptyPeopleSummary(): DiscoverPeopleSummary {
  return {
    companies: 0,
    companiesSkipped: 0,
    found: 0,
    new: 0,
    duplicates: 0,
    lowFit: 0,
    unusable: 0,
    rejected: 0,
    providers: {},
    creditsSpent: 0,
    errors: [],
    errorCount: 0,
  };
}

export async function runDiscoverPeople(rs: RunState, opts: DiscoverPeopleOptions, summary: DiscoverPeopleSummary): Promise<void> {
  const { db } = rs.ctx;
  const providers: PeopleSearch[] = rs.ctx.providers.peopleSearch ?? [];
  if (providers.length === 0)
    throw new PipelineInputError("discover_people needs at least one people search provider (providers.peopleSearch)");
  const { icp } = await loadOfferIcp(db, rs.offerId);
  const perCompany = opts.perCompany ?? 3;
  const minFit = opts.minBuyerFitScore ?? 4;
  const seniorities = [...new Set(icp.buyer.seniority.map(normalizeSeniority).filter((s): s is Seniority => s !== null))];
  const startSpent = rs.spent;

  const targets = await db
    .selectFrom("companies")
    .select([
      "id",
      "name",
      "domain",
      // Buyers only: people parked as `skip` (poor fit, duplicates) must not fill a company's quota.
      (eb) =>
        eb
          .selectFrom("contacts")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("contacts.company_id", "=", "companies.id")
          .where("contacts.status", "!=", "skip")
          .as("people"),
    ])
    .where("offer_id", "=", rs.offerId)
    .where("status", "=", "qualified")
    .orderBy(sql`fit_score DESC NULLS LAST`)
    .orderBy("name")
    .limit(opts.maxCompanies ?? 50)
    .execute();
  rs.progress(0, targets.length, "searching people");

  let done = 0;
  try {
    for (const company of targets) {
      let have = Number(company.people ?? 0);
      if (have >= perCompany) {
        summary.companiesSkipped += 1;
        rs.progress(++done, targets.length, company.name);
        continue;
      }
      summary.companies += 1;
      for (const provider of providers) {
        if (have >= perCompany) break;
        if (rs.disabled.has(provider.provider)) continue;
        const stats = (summary.providers[provider.provider] ??= { found: 0, calls: 0, cachedCalls: 0 });
        // The limit is the same however many people the company already has, so the request
        // (the lookup key) is too: a resumed run reads back the answer instead of paying again.
        const request = {
          company: { name: company.name, ...(company.domain ? { domain: company.domain } : {}) },
          titles: icp.buyer.titles,
          seniorities,
          departments: icp.buyer.departments,
          limit: perCompany,
        };
        let result: PeopleSearchResult;
        try {
          const res = await paidLookup(rs, {
            provider: provider.provider,
            action: "search_people",
            request,
            companyId: company.id,
            call: (o) => provider.searchPeople(request, o),
          });
          result = res.value;
          stats.calls += 1;
          if (res.cached) stats.cachedCalls += 1;
        } catch (error) {
          pushError(summary, asStepError(error, provider.provider, company.domain ?? company.name));
          continue;
        } finally {
          summary.creditsSpent = round(rs.spent - startSpent);
        }
        for (const person of result.people) {
          if (have >= perCompany) break;
          stats.found += 1;
          summary.found += 1;
          let stored: Awaited<ReturnType<typeof storePerson>>;
          try {
            stored = await storePerson(rs, company.id, person, icp, minFit);
          } catch (error) {
            // One record the schema refuses (a malformed LinkedIn URL …) is reported, not fatal.
            if (!ValidationError.isInstance(error)) throw error;
            summary.rejected += 1;
            pushError(summary, {
              provider: person.source_tool,
              kind: "invalid",
              message: error.message,
              item: person.full_name ?? person.email ?? company.name,
            });
            continue;
          }
          if (stored === "unusable") summary.unusable += 1;
          else {
            if (stored.created) summary.new += 1;
            else summary.duplicates += 1;
            if (stored.lowFit && stored.created) summary.lowFit += 1;
            if (stored.created && !stored.lowFit) have += 1;
          }
        }
      }
      rs.progress(++done, targets.length, company.name);
    }
  } finally {
    summary.creditsSpent = round(rs.spent - startSpent);
  }
}

async function storePerson(
  rs: RunState,
  companyId: string,
  p: PersonRecord,
  icp: Parameters<typeof scoreBuyer>[1],
  minFit: number,
): Promise<"unusable" | { created: boolean; lowFit: boolean }> {
  const { db } = rs.ctx;
  const email = p.email ? normalizeEmail(p.email) : null;
  const linkedin = p.linkedin_url ? normalizeLinkedInUrl(p.linkedin_url) : null;
  const fullName = p.full_name ?? ([p.first_name, p.last_name].filter(Boolean).join(" ") || null);
  if (!email && !linkedin && !fullName) return "unusable";
  const fit = scoreBuyer(p, icp);
  const lowFit = fit.score < minFit;
  // Vendor text is cut to core's field sizes: a long headline must not cost the person.
  const row = clipToTextLimits("contacts", {
    offer_id: rs.offerId,
    company_id: companyId,
    first_name: p.first_name,
    last_name: p.last_name,
    full_name: fullName,
    title: p.title,
    title_normalized: p.title_normalized ?? null,
    department: p.department ?? null,
    seniority: fit.seniority,
    email,
    // A vendor's status for an address it returned is kept, but the waterfall still checks it.
    email_status: email ? (p.email_status ?? "unknown") : null,
    phone: p.phone ?? null,
    linkedin_url: linkedin,
    linkedin_id: p.linkedin_id ?? null,
    buyer_fit_score: fit.score,
    priority: fit.priority,
    source_tool: p.source_tool,
    source_raw: p.source_raw ?? null,
    notes: fit.reasoning,
    ...(lowFit ? { status: "skip" as const, skip_reason: "low_buyer_fit" } : {}),
  });
  if (!email && !linkedin) {
    // Nothing unique to dedupe on: the same name at the same company is the same person.
    const existing = await db
      .selectFrom("contacts")
      .select("id")
      .where("company_id", "=", companyId)
      .where(sql<string>`lower(full_name)`, "=", (fullName ?? "").toLowerCase())
      .executeTakeFirst();
    if (existing) return { created: false, lowFit };
  }
  const { created } = await contactRepo.upsert(db, row);
  return { created, lowFit };
}
