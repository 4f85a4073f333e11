/**
 * Each vendor's MSW fake, fed from the world: the fakes answer exactly as they do in the adapters'
 * own tests, only over the sandbox's companies and people, on sandbox base URLs and keys, with the
 * sandbox's clock and seeded ids.
 */
import { createExaMock } from "@offerlab/provider-exa/msw";
import type { ExaMock } from "@offerlab/provider-exa/msw";
import { createFirecrawlMock } from "@offerlab/provider-firecrawl/msw";
import type { FirecrawlMock, FirecrawlMockPage } from "@offerlab/provider-firecrawl/msw";
import { createLeadMagicMock } from "@offerlab/provider-leadmagic/msw";
import type { LeadMagicMock } from "@offerlab/provider-leadmagic/msw";
import { createParallelMock } from "@offerlab/provider-parallel/msw";
import type { ParallelMock } from "@offerlab/provider-parallel/msw";
import { createSumbleMock } from "@offerlab/provider-sumble/msw";
import type { SumbleMock } from "@offerlab/provider-sumble/msw";
import { createTheirStackMock } from "@offerlab/provider-theirstack/msw";
import type { TheirStackMock } from "@offerlab/provider-theirstack/msw";
import { createUnipileMock } from "@offerlab/provider-unipile/msw";
import type { MockProfile, UnipileMock } from "@offerlab/provider-unipile/msw";
import type { Random } from "./sandbox-random.js";
import type { SandboxEmailStatus, SandboxWorld } from "./sandbox-world.js";

/** The vendors the sandbox simulates. */
export const SANDBOX_PROVIDERS = ["unipile", "leadmagic", "theirstack", "exa", "firecrawl", "parallel", "sumble"] as const;
/** One of {@link SANDBOX_PROVIDERS}. */
export type SandboxProvider = (typeof SANDBOX_PROVIDERS)[number];

/** Whether `name` is a simulated counterpart the sandbox resolves (a vendor descriptor's `simulated`). */
export function isSandboxProvider(name: string): name is SandboxProvider {
  return (SANDBOX_PROVIDERS as readonly string[]).includes(name);
}

/**
 * Where each simulated vendor answers. `.invalid` is reserved (RFC 2606): these names never
 * resolve, so a request that escaped the sandbox could not reach anyone either.
 */
export const SANDBOX_BASE_URLS: Readonly<Record<SandboxProvider, string>> = {
  unipile: "https://unipile.sandbox.offerlab.invalid/api/v1",
  leadmagic: "https://leadmagic.sandbox.offerlab.invalid",
  theirstack: "https://theirstack.sandbox.offerlab.invalid",
  exa: "https://exa.sandbox.offerlab.invalid",
  firecrawl: "https://firecrawl.sandbox.offerlab.invalid",
  parallel: "https://parallel.sandbox.offerlab.invalid",
  sumble: "https://sumble.sandbox.offerlab.invalid",
};

/** The only keys the simulated vendors accept; the sandbox's adapters are built with them. */
export const SANDBOX_API_KEYS: Readonly<Record<SandboxProvider, string>> = {
  unipile: "sandbox-unipile-key",
  leadmagic: "sandbox-leadmagic-key",
  theirstack: "sandbox-theirstack-key",
  exa: "sandbox-exa-key",
  firecrawl: "fc-sandbox-key",
  parallel: "sandbox-parallel-key",
  sumble: "sandbox-sumble-key",
};

/** The vendor fakes behind the sandbox, for faults (`vendors.exa.fail("rate_limited")`) and state. */
export interface SandboxVendors {
  unipile: UnipileMock;
  leadmagic: LeadMagicMock;
  theirstack: TheirStackMock;
  exa: ExaMock;
  firecrawl: FirecrawlMock;
  parallel: ParallelMock;
  sumble: SumbleMock;
}

const LEADMAGIC_VALIDATION: Record<SandboxEmailStatus, string> = {
  valid: "valid",
  invalid: "invalid",
  catch_all: "catch_all",
  unknown: "unknown",
};
const LEADMAGIC_FINDER: Record<SandboxEmailStatus, string> = {
  valid: "valid",
  invalid: "valid",
  catch_all: "valid_catch_all",
  unknown: "unknown",
};
const DISTANCE = { 1: "FIRST_DEGREE", 2: "SECOND_DEGREE", 3: "THIRD_DEGREE" } as const;

function pagesOf(world: SandboxWorld): FirecrawlMockPage[] {
  return world.companies.flatMap((c) => {
    const people = world.people
      .filter((p) => p.companyDomain === c.domain && p.seniority === "c_level")
      .map((p) => `${p.full_name}, ${p.title}`);
    const home = `https://www.${c.domain}/`;
    return [
      {
        url: home,
        title: c.name,
        markdown: `# ${c.name}\n\n${c.description}\n\nTrusted by teams across ${c.country}. Built on ${c.technologies.join(", ")}.`,
      },
      {
        url: `${home}about`,
        title: `About ${c.name}`,
        markdown: `# About ${c.name}\n\nWe are ${c.employees} people in ${c.city}, ${c.country}.\n\n## Leadership\n\n${people.map((p) => `- ${p}`).join("\n")}`,
      },
      {
        url: `${home}careers`,
        title: `Careers at ${c.name}`,
        markdown: c.jobs.length
          ? `# Careers\n\nWe're hiring:\n\n${c.jobs.map((j) => `- ${j.title} (${c.city})`).join("\n")}`
          : "# Careers\n\nNo open positions right now.",
      },
      ...(c.funding
        ? [
            {
              url: `${home}blog/funding`,
              title: `${c.name} raises ${c.funding.round}`,
              markdown: `# ${c.name} raises a $${(c.funding.amount / 1e6).toFixed(1)}M ${c.funding.round}\n\nPublished ${c.funding.date}.`,
            },
          ]
        : []),
    ];
  });
}

export function createVendors(world: SandboxWorld, random: Random, now: () => Date): SandboxVendors {
  const uuid = () => random.uuid();
  const profiles: MockProfile[] = world.people.map((p) => ({
    provider_id: p.provider_id,
    public_identifier: p.public_identifier,
    first_name: p.first_name,
    last_name: p.last_name,
    headline: `${p.title} at ${p.companyName}`,
    network_distance: p.degree === null ? "OUT_OF_NETWORK" : DISTANCE[p.degree],
    can_send_inmail: p.can_send_inmail,
    is_open_profile: p.is_open_profile,
    email: p.email,
  }));
  const byDomain = new Map<string, typeof world.people>();
  for (const p of world.people) byDomain.set(p.companyDomain, [...(byDomain.get(p.companyDomain) ?? []), p]);

  return {
    unipile: createUnipileMock({
      baseUrl: SANDBOX_BASE_URLS.unipile,
      apiKey: SANDBOX_API_KEYS.unipile,
      accounts: world.accounts.map((a) => ({ ...a })),
      profiles,
      now,
    }),
    leadmagic: createLeadMagicMock({
      baseUrl: SANDBOX_BASE_URLS.leadmagic,
      apiKey: SANDBOX_API_KEYS.leadmagic,
      credits: 100_000,
      people: world.people
        .filter((p) => p.findable)
        .map((p) => ({
          first_name: p.first_name,
          last_name: p.last_name,
          domain: p.companyDomain,
          email: p.email,
          status: LEADMAGIC_FINDER[p.emailStatus],
        })),
      validations: Object.fromEntries(world.people.map((p) => [p.email, LEADMAGIC_VALIDATION[p.emailStatus]])),
      randomUUID: uuid,
      now,
    }),
    theirstack: createTheirStackMock({
      baseUrl: SANDBOX_BASE_URLS.theirstack,
      apiKey: SANDBOX_API_KEYS.theirstack,
      credits: 1_000_000,
      now,
      randomUUID: uuid,
      companies: world.companies.map((c) => ({
        name: c.name,
        domain: c.domain,
        linkedin_url: c.linkedin_url,
        country_code: c.country_code,
        country: c.country,
        city: c.city,
        employee_count: c.employees,
        employee_count_range: c.size === "1000+" ? "1001-5000" : c.size,
        industry: c.industry,
        technology_slugs: c.technologies,
        funding_stage: c.funding?.stage ?? null,
        jobs: c.jobs.map((j) => ({ title: j.title, seniority: j.seniority, country_code: j.country_code, date_posted: j.date_posted })),
      })),
    }),
    exa: createExaMock({
      baseUrl: SANDBOX_BASE_URLS.exa,
      apiKey: SANDBOX_API_KEYS.exa,
      randomUUID: uuid,
      companies: world.companies.map((c) => ({
        name: c.name,
        url: `https://www.${c.domain}/`,
        description: c.description,
        employees: c.employees,
        city: c.city,
        country: c.country,
        keywords: c.keywords,
        ...(c.funding
          ? { funding: { total: c.funding.amount, round: c.funding.round, date: c.funding.date, amount: c.funding.amount } }
          : {}),
      })),
    }),
    firecrawl: createFirecrawlMock({
      baseUrl: SANDBOX_BASE_URLS.firecrawl,
      apiKey: SANDBOX_API_KEYS.firecrawl,
      credits: 100_000,
      pages: pagesOf(world),
      randomUUID: uuid,
      now,
    }),
    parallel: createParallelMock({
      baseUrl: SANDBOX_BASE_URLS.parallel,
      apiKey: SANDBOX_API_KEYS.parallel,
      randomUUID: uuid,
      now,
      companies: world.companies.map((c) => ({
        name: c.name,
        url: `https://${c.domain}`,
        description: c.description,
        keywords: c.keywords,
        people: (byDomain.get(c.domain) ?? []).map((p) => ({
          name: p.full_name,
          url: p.linkedin_url,
          headline: `${p.title} at ${c.name}`,
        })),
      })),
    }),
    sumble: createSumbleMock({
      baseUrl: SANDBOX_BASE_URLS.sumble,
      apiKey: SANDBOX_API_KEYS.sumble,
      credits: 1_000_000,
      randomUUID: uuid,
      organizations: world.companies.map((c) => ({
        id: c.id,
        name: c.name,
        url: c.domain,
        employee_count: c.employees,
        industry: c.industry,
        jobs_count: c.jobs.length,
        headquarters_country: c.country_code,
        funding_last_round_type: c.funding?.round ?? null,
        technologies: Object.fromEntries(c.technologies.map((t, i) => [t, 1 + ((c.id + i) % 7)])),
        people: (byDomain.get(c.domain) ?? []).map((p) => ({
          name: p.full_name,
          linkedin_url: p.linkedin_url,
          job_title: p.title,
          job_function: p.fn,
          job_level: p.level,
        })),
      })),
    }),
  };
}

/** The vendor a URL belongs to, when it is one of the sandbox's. */
export function providerOfUrl(url: URL): SandboxProvider | undefined {
  for (const provider of SANDBOX_PROVIDERS) {
    const base = new URL(SANDBOX_BASE_URLS[provider]);
    if (url.host === base.host && url.pathname.startsWith(base.pathname.replace(/\/+$/, ""))) return provider;
  }
  return undefined;
}
