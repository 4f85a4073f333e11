/**
 * Pure mapping from TheirStack's company and job shapes to offerlab's company records. No I/O;
 * `today` is passed in so `signals.hiring.last_checked` is deterministic in tests. Inputs are the
 * loose zod-parsed bodies, which still carry every field TheirStack sent: `source_raw` is a
 * trimmed copy of them.
 */
import { companySizeBucket, normalizeDomain, normalizeLinkedInUrl, parseEmployeeRange } from "@offerlab/core";
import type { CompanySize } from "@offerlab/core";
import type { CompanyRecord, CompanySignalsInput } from "@offerlab/provider-kit";
import type { TheirStackCompany, TheirStackJob } from "./theirstack-api.js";

export const THEIRSTACK_SOURCE_TOOL = "theirstack";

/** One open role, as kept in `signals.hiring.roles`. */
export interface TheirStackRoleSignal {
  title: string;
  seniority: string | null;
  posted_at: string | null;
  url: string | null;
}

/**
 * Employee count → bucket, keeping the exact number when TheirStack has one. When it only has a
 * range ("1001-5000") the bucket comes from the range and `size_exact` stays null: a range is not
 * an exact number.
 */
export function sizeOf(
  count: number | null | undefined,
  range: string | null | undefined,
): { size: CompanySize | null; size_exact: number | null } {
  if (typeof count === "number" && Number.isFinite(count) && count > 0) {
    return { size: companySizeBucket(count), size_exact: Math.round(count) };
  }
  if (range) {
    // Core's rule: a vendor range buckets by its lower bound (LinkedIn ranges then line up).
    const parsed = parseEmployeeRange(range);
    if (parsed) return { size: companySizeBucket(parsed.min), size_exact: null };
  }
  return { size: null, size_exact: null };
}

/** Fields that are large and that we never read back: descriptions and per-technology details. */
const BULKY_COMPANY_FIELDS = [
  "long_description",
  "technologies_found",
  "jobs_found",
  "logo",
  "seo_description",
  "publicly_traded_exchange",
];
const BULKY_JOB_FIELDS = ["description", "company_object", "hiring_team", "locations"];

function omit(raw: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!keys.includes(k)) out[k] = v;
  return out;
}

export function trimCompanyRaw(raw: Record<string, unknown>): Record<string, unknown> {
  return omit(raw, BULKY_COMPANY_FIELDS);
}

export function trimJobRaw(raw: Record<string, unknown>): Record<string, unknown> {
  return omit(raw, BULKY_JOB_FIELDS);
}

function techStack(company: TheirStackCompany): string[] {
  const slugs = new Set<string>();
  for (const s of company.technology_slugs ?? []) if (s) slugs.add(s.toLowerCase());
  for (const t of company.technologies_found ?? []) {
    const slug = t.technology?.slug;
    if (slug) slugs.add(slug.toLowerCase());
  }
  return [...slugs];
}

/**
 * A company from `POST /v1/companies/search` → our record. Returns null for a blurred row
 * (`blur_company_data`), which carries no identifiers we could store or dedupe on.
 */
export function companyFromTheirStack(company: TheirStackCompany, today: string): CompanyRecord | null {
  const name = company.name?.trim();
  if (!name || company.has_blurred_data === true) return null;
  const signals: CompanySignalsInput = {};
  const stack = techStack(company);
  if (stack.length) signals.tech_stack = stack;
  if (company.num_jobs != null || company.num_jobs_last_30_days != null) {
    signals.hiring = { last_checked: today };
    if (company.num_jobs != null) signals.hiring.total_jobs = company.num_jobs;
    if (company.num_jobs_last_30_days != null) signals.hiring.jobs_last_30_days = company.num_jobs_last_30_days;
  }
  if (company.funding_stage || company.total_funding_usd != null) {
    signals.funding = {};
    if (company.funding_stage) signals.funding.stage = company.funding_stage;
    if (company.total_funding_usd != null) signals.funding.amount = company.total_funding_usd;
    if (company.last_funding_round_date) signals.funding.date = company.last_funding_round_date;
  }
  return {
    name,
    domain: normalizeDomain(company.domain ?? company.url ?? ""),
    url: company.url ?? null,
    linkedin_url: company.linkedin_url ? normalizeLinkedInUrl(company.linkedin_url) : null,
    description: company.long_description ?? null,
    ...sizeOf(company.employee_count, company.employee_count_range),
    industry: company.industry ?? null,
    headquarters_city: company.city ?? null,
    headquarters_country: company.country_code ?? company.country ?? null,
    signals,
    source_tool: THEIRSTACK_SOURCE_TOOL,
    source_raw: trimCompanyRaw(company),
  };
}

/** Titles counted as `signals.hiring.sales_reps` (quota-carrying sellers, not their managers). */
const SALES_REP = /\b(account executive|ae|sales (rep|representative|executive)|account manager|inside sales)\b/i;
/** Titles counted as `signals.hiring.bdrs`. */
const BDR = /\b(sdr|bdr|sales development|business development (rep|representative))\b/i;

/**
 * Jobs from `POST /v1/jobs/search` → one record per hiring company, the matching roles in
 * `signals.hiring.roles`. Companies are keyed by normalised domain (else by name) so several
 * postings of one employer become one company. Blurred and anonymous postings are skipped.
 */
export function companiesFromJobs(jobs: readonly TheirStackJob[], today: string): CompanyRecord[] {
  const byKey = new Map<string, { record: CompanyRecord; roles: TheirStackRoleSignal[]; rawJobs: unknown[] }>();
  for (const job of jobs) {
    const co = job.company_object;
    const name = (co?.name ?? job.company)?.trim();
    if (!name || job.has_blurred_data === true) continue;
    const domain = co?.domain ? normalizeDomain(co.domain) : null;
    const key = domain ?? `name:${name.toLowerCase()}`;
    let entry = byKey.get(key);
    if (!entry) {
      const roles: TheirStackRoleSignal[] = [];
      const rawJobs: unknown[] = [];
      const record: CompanyRecord = {
        name,
        domain,
        url: domain ? `https://${domain}` : null,
        linkedin_url: co?.linkedin_url ? normalizeLinkedInUrl(co.linkedin_url) : null,
        description: co?.long_description ?? null,
        ...sizeOf(co?.employee_count, co?.employee_count_range),
        industry: co?.industry ?? null,
        headquarters_city: co?.city ?? null,
        headquarters_country: co?.country_code ?? null,
        signals: {},
        source_tool: THEIRSTACK_SOURCE_TOOL,
        source_raw: { jobs: rawJobs },
      };
      entry = { record, roles, rawJobs };
      byKey.set(key, entry);
    }
    entry.roles.push({
      title: job.job_title?.trim() ?? "",
      seniority: job.seniority ?? null,
      posted_at: job.date_posted ?? null,
      url: job.final_url ?? job.url ?? null,
    });
    entry.rawJobs.push(trimJobRaw(job));
  }
  return [...byKey.values()].map(({ record, roles }) => {
    // core's `signals.hiring` holds counts only, so the roles themselves go to `open_roles`.
    // `matching_jobs` counts the postings this search matched, not every open job at the
    // company (that is `total_jobs`, which only the company search knows).
    const hiring: NonNullable<CompanySignalsInput["hiring"]> = { matching_jobs: roles.length, last_checked: today };
    const reps = roles.filter((r) => SALES_REP.test(r.title)).length;
    const bdrs = roles.filter((r) => BDR.test(r.title)).length;
    if (reps > 0) hiring.sales_reps = reps;
    if (bdrs > 0) hiring.bdrs = bdrs;
    record.signals = { hiring, open_roles: roles };
    return record;
  });
}
