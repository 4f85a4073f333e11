/**
 * Pure mapping from Sumble's organisations and people to offerlab's records. No I/O.
 */
import { companySizeBucket, normalizeDomain, normalizeLinkedInUrl, normalizeSeniority } from "@offerlab/core";
import type { Seniority } from "@offerlab/core";
import type { CompanyEnrichment, CompanySignalsInput, PersonRecord } from "@offerlab/provider-kit";
import type { SumbleOrganization, SumblePerson } from "./sumble-api.js";

export const SUMBLE_SOURCE_TOOL = "sumble";

/** "Series B" → "series_b": the stage vocabulary of `signals.funding.stage`. */
export function fundingStage(type: string | null | undefined): string | null {
  const s = type
    ?.trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return s || null;
}

/**
 * A matched organisation → the kit's `CompanyEnrichment`, or null for an unmatched row (Sumble
 * answers those with empty attributes). `signals.tech_stack` lists the technologies asked about
 * that Sumble saw in job posts or people; the per-technology counts go to `signals.sumble_technologies`.
 */
export function enrichmentFromOrganization(org: SumbleOrganization, today: string): CompanyEnrichment | null {
  const a = org.attributes;
  const name = a.name?.trim();
  if (!name && a.id == null) return null;
  const exact = typeof a.employee_count === "number" && a.employee_count > 0 ? Math.round(a.employee_count) : null;
  const signals: CompanySignalsInput = {};
  if (a.jobs_count != null) signals.hiring = { total_jobs: Math.max(0, Math.round(a.jobs_count)), last_checked: today };
  const techs = org.entities.filter((e) => e.type === "technology");
  const used = techs.filter((e) => (e.job_post_count ?? 0) > 0 || (e.people_count ?? 0) > 0).map((e) => e.term.toLowerCase());
  if (used.length) signals.tech_stack = used;
  if (techs.length) {
    signals.sumble_technologies = Object.fromEntries(
      techs.map((e) => [
        e.term.toLowerCase(),
        {
          job_posts: e.job_post_count ?? 0,
          people: e.people_count ?? 0,
          teams: e.team_count ?? 0,
          job_posts_growth_1y: e.job_post_count_growth_1y ?? null,
        },
      ]),
    );
  }
  if (a.funding_last_round_type || a.funding_last_round_raised != null || a.funding_total_raised != null) {
    const funding: NonNullable<CompanySignalsInput["funding"]> = {};
    const stage = fundingStage(a.funding_last_round_type);
    if (stage) funding.stage = stage;
    if (a.funding_last_round_raised != null) funding.amount = a.funding_last_round_raised;
    if (a.funding_last_round_date) funding.date = a.funding_last_round_date;
    if (a.funding_total_raised != null) funding.total_raised = a.funding_total_raised;
    signals.funding = funding;
  }
  if (a.tags?.length) signals.sumble_tags = a.tags;
  return {
    company: {
      name: name ?? "",
      domain: normalizeDomain(a.url ?? ""),
      ...(a.url ? { url: /^https?:\/\//i.test(a.url) ? a.url : `https://${a.url}` } : {}),
      size: exact == null ? null : companySizeBucket(exact),
      size_exact: exact,
      industry: a.industry ?? null,
      headquarters_country: a.headquarters_country ?? null,
      source_tool: SUMBLE_SOURCE_TOOL,
    },
    signals,
    // Sumble gives a team count, not team names: `teams` stays empty rather than invented.
    source_raw: { id: a.id ?? null, slug: a.slug ?? null, sumble_url: a.sumble_url ?? null, attributes: a, entities: org.entities },
  };
}

/**
 * Seniority from Sumble's `job_level` first, then the title, with core's normaliser (one rule set
 * for every vendor). A title with no recognisable cue is an individual contributor.
 */
export function seniorityOf(jobLevel: string | null | undefined, title: string | null | undefined): Seniority | null {
  const level = jobLevel?.trim();
  const fromLevel = level ? normalizeSeniority(level) : null;
  if (fromLevel) return fromLevel;
  const t = title?.trim();
  if (!t) return null;
  return normalizeSeniority(t) ?? "individual";
}

/** `sales`, `software_engineer`…: Sumble's job function as a snake_case department. */
export function departmentOf(jobFunction: string | null | undefined): string | null {
  const s = jobFunction
    ?.trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return s || null;
}

/** A Sumble person → `PersonRecord`. Email is never requested here (10 credits a reveal). */
export function personFromSumble(person: SumblePerson, companyDomain: string | null): PersonRecord | null {
  const a = person.attributes;
  const fullName = a.name?.replace(/\s+/g, " ").trim();
  const linkedin = a.linkedin_url ? normalizeLinkedInUrl(a.linkedin_url) : null;
  if (!fullName && !linkedin) return null;
  const [first, ...rest] = (fullName ?? "").split(" ");
  const title = a.job_title?.replace(/\s+/g, " ").trim() || null;
  const seniority = seniorityOf(a.job_level, title);
  const department = departmentOf(a.job_function);
  return {
    first_name: first || null,
    last_name: rest.length ? rest.join(" ") : null,
    full_name: fullName ?? null,
    title,
    title_normalized: seniority && department ? `${seniority}_${department}` : null,
    department,
    seniority,
    linkedin_url: linkedin,
    location: a.location ?? null,
    company_name: a.current_employer?.name ?? null,
    company_domain: companyDomain,
    source_tool: SUMBLE_SOURCE_TOOL,
    // Technologies and related people can be long; the person's id and score are what we re-use.
    source_raw: {
      person_id: person.person_id ?? null,
      sumble_url: person.sumble_url ?? null,
      job_level: a.job_level ?? null,
      job_function: a.job_function ?? null,
      person_score: a.person_score ?? null,
    },
  };
}
