/**
 * A test world for the pipeline: a fresh database on one engine, an offer with an ICP, and the
 * real adapters (TheirStack, Exa, Parallel, LeadMagic, Firecrawl) talking to their MSW fakes on
 * test origins, with usage recorded through the pipeline's recorder.
 */
import type { Icp } from "@offerlab/core";
import { offers } from "@offerlab/db";
import { createTestDb, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createExa, type ExaProvider } from "@offerlab/provider-exa";
import { createExaMock, type ExaMock, type ExaMockCompany } from "@offerlab/provider-exa/msw";
import { createFirecrawl, type FirecrawlProvider } from "@offerlab/provider-firecrawl";
import { createFirecrawlMock, type FirecrawlMock, type FirecrawlMockPage } from "@offerlab/provider-firecrawl/msw";
import { createLeadMagic, type LeadMagicProvider } from "@offerlab/provider-leadmagic";
import { createLeadMagicMock, type LeadMagicMock, type LeadMagicMockPerson } from "@offerlab/provider-leadmagic/msw";
import { createParallel, type ParallelProvider } from "@offerlab/provider-parallel";
import { createParallelMock, type ParallelMock, type ParallelMockCompany } from "@offerlab/provider-parallel/msw";
import { createTheirStack, type TheirStackProvider } from "@offerlab/provider-theirstack";
import { createTheirStackMock, type TheirStackMock, type TheirStackMockCompany } from "@offerlab/provider-theirstack/msw";
import type { UsageEvent } from "@offerlab/provider-kit";
import type { SetupServer } from "msw/node";
import type { PipelineContext, PipelineProviders, ProgressEvent } from "../context.js";
import { createUsageRecorder, type UsageRecorder } from "../usage.js";

export const ORIGINS = {
  theirstack: "https://theirstack.pipeline.test",
  exa: "https://exa.pipeline.test",
  parallel: "https://parallel.pipeline.test",
  leadmagic: "https://leadmagic.pipeline.test",
  firecrawl: "https://firecrawl.pipeline.test",
} as const;
const KEYS = { theirstack: "ts-key", exa: "exa-key", parallel: "par-key", leadmagic: "lm-key", firecrawl: "fc-key" } as const;

/** An ICP the default fakes partly match: B2B software companies of 20–500 people. */
export const ICP: Icp = {
  company: {
    verticals: ["SaaS"],
    size_min: 20,
    size_max: 500,
    signals: ["hiring sales reps", "using_crm"],
    disqualifiers: ["agency", "> 1000 employees"],
  },
  buyer: {
    titles: ["VP of Sales", "Chief Revenue Officer", "Head of Sales"],
    departments: ["Sales"],
    seniority: ["VP", "C-Level"],
  },
};

export const theirstackCompanies: TheirStackMockCompany[] = [
  {
    name: "Northwind Analytics",
    domain: "northwind-analytics.com",
    linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
    country_code: "US",
    country: "United States",
    city: "Austin",
    employee_count: 142,
    employee_count_range: "51-200",
    industry: "Software Development",
    technology_slugs: ["salesforce", "hubspot"],
    funding_stage: "series_b",
    jobs: [{ title: "Senior Account Executive", seniority: "senior", country_code: "US", date_posted: "2026-01-12" }],
  },
  {
    name: "Globex",
    domain: "globex.io",
    linkedin_url: "https://www.linkedin.com/company/globex",
    country_code: "DE",
    country: "Germany",
    city: "Berlin",
    employee_count: 1800,
    employee_count_range: "1001-5000",
    industry: "Software Development",
    technology_slugs: ["salesforce"],
    funding_stage: null,
    jobs: [],
  },
  {
    name: "Initech",
    domain: "initech.com",
    linkedin_url: "https://www.linkedin.com/company/initech",
    country_code: "US",
    country: "United States",
    city: "Dallas",
    employee_count: 35,
    employee_count_range: "11-50",
    industry: "Financial Services",
    technology_slugs: [],
    funding_stage: "seed",
    jobs: [],
  },
];

export const exaCompanies: ExaMockCompany[] = [
  {
    // Also found by TheirStack: merged into one company.
    name: "Northwind Analytics",
    url: "https://www.northwind-analytics.com/",
    description: "Revenue intelligence software for B2B sales teams.",
    employees: 142,
    city: "Austin",
    country: "United States",
    keywords: ["revenue", "sales", "saas", "analytics", "b2b", "software"],
  },
  {
    name: "Pipeline Pilot",
    url: "https://pipelinepilot.ai",
    description: "AI sales forecasting SaaS for mid-market revenue teams.",
    employees: 38,
    city: "London",
    country: "United Kingdom",
    keywords: ["revenue", "sales", "saas", "forecasting", "ai", "b2b", "software"],
  },
];

export const parallelCompanies: ParallelMockCompany[] = [
  {
    name: "Northwind Analytics",
    url: "https://northwind-analytics.com",
    description: "Revenue intelligence software for B2B sales teams.",
    keywords: ["b2b", "saas", "sales", "revenue", "software"],
    people: [
      { name: "Jane Doe", url: "https://www.linkedin.com/in/jane-doe-42", headline: "VP of Sales at Northwind Analytics" },
      {
        name: "Sam Carter",
        url: "https://www.linkedin.com/in/samcarter",
        headline: "Sales Development Representative at Northwind Analytics",
      },
      { name: "Priya Raman", url: "https://www.linkedin.com/in/priya-raman", headline: "Chief Revenue Officer at Northwind Analytics" },
    ],
  },
  {
    name: "Pipeline Pilot",
    url: "https://pipelinepilot.ai",
    description: "AI sales forecasting for mid-market revenue teams.",
    keywords: ["b2b", "saas", "sales", "ai", "software"],
    people: [{ name: "Tom Baker", url: "https://www.linkedin.com/in/tombaker", headline: "Head of Sales at Pipeline Pilot" }],
  },
];

export const leadmagicPeople: LeadMagicMockPerson[] = [
  { first_name: "Jane", last_name: "Doe", domain: "northwind-analytics.com", email: "jane.doe@northwind-analytics.com", status: "valid" },
  { first_name: "Priya", last_name: "Raman", domain: "northwind-analytics.com", email: "priya@northwind-analytics.com", status: "valid" },
  { first_name: "Tom", last_name: "Baker", domain: "pipelinepilot.ai", email: "tom@pipelinepilot.ai", status: "valid_catch_all" },
];
export const leadmagicValidations: Record<string, string> = {
  "jane.doe@northwind-analytics.com": "valid",
  "priya@northwind-analytics.com": "valid",
  "tom@pipelinepilot.ai": "catch_all",
  "old.address@northwind-analytics.com": "invalid",
};

export const firecrawlPages: FirecrawlMockPage[] = [
  {
    url: "https://northwind-analytics.com/",
    title: "Northwind Analytics",
    markdown:
      "# Revenue intelligence for B2B sales teams\n\nNorthwind turns every sales call into a forecast you can trust.\n\nWe're hiring 3 Account Executives in Austin.",
  },
  {
    url: "https://pipelinepilot.ai/",
    title: "Pipeline Pilot",
    markdown: "# Forecast with AI\n\nPipeline Pilot predicts your quarter before it happens.",
  },
];

export interface Mocks {
  theirstack: TheirStackMock;
  exa: ExaMock;
  parallel: ParallelMock;
  leadmagic: LeadMagicMock;
  firecrawl: FirecrawlMock;
}

/** The fakes, recreated per test with `server.resetHandlers(...mocks.handlers)`. */
export function createMocks(): Mocks & { handlers: Parameters<SetupServer["resetHandlers"]> } {
  const mocks: Mocks = {
    theirstack: createTheirStackMock({
      baseUrl: ORIGINS.theirstack,
      apiKey: KEYS.theirstack,
      companies: theirstackCompanies,
      credits: 10_000,
    }),
    exa: createExaMock({ baseUrl: ORIGINS.exa, apiKey: KEYS.exa, companies: exaCompanies }),
    parallel: createParallelMock({ baseUrl: ORIGINS.parallel, apiKey: KEYS.parallel, companies: parallelCompanies }),
    leadmagic: createLeadMagicMock({
      baseUrl: ORIGINS.leadmagic,
      apiKey: KEYS.leadmagic,
      credits: 1000,
      people: leadmagicPeople,
      validations: leadmagicValidations,
    }),
    firecrawl: createFirecrawlMock({ baseUrl: ORIGINS.firecrawl, apiKey: KEYS.firecrawl, pages: firecrawlPages }),
  };
  return { ...mocks, handlers: Object.values(mocks).flatMap((m) => m.handlers) };
}

export interface Adapters {
  theirstack: TheirStackProvider;
  exa: ExaProvider;
  parallel: ParallelProvider;
  leadmagic: LeadMagicProvider;
  firecrawl: FirecrawlProvider;
}

export interface World {
  t: TestDb;
  db: TestDb["db"];
  offerId: string;
  mocks: Mocks;
  adapters: Adapters;
  usage: UsageRecorder;
  /** Every usage event, in order. */
  events: UsageEvent[];
  progress: ProgressEvent[];
  /** A context with the given providers (default: every adapter in its role). */
  ctx(providers?: PipelineProviders, extra?: Partial<PipelineContext>): PipelineContext;
}

export async function createWorld(engine: TestEngine, server: SetupServer, icp: Icp | null = ICP): Promise<World> {
  const t = await createTestDb(engine);
  const mocks = createMocks();
  server.resetHandlers(...mocks.handlers);
  const events: UsageEvent[] = [];
  const usage = createUsageRecorder(t.db, { onEvent: (e) => void events.push(e) });
  const common = <K extends keyof typeof KEYS>(k: K) => ({ apiKey: KEYS[k], baseUrl: ORIGINS[k], onUsage: usage.onUsage });
  const adapters: Adapters = {
    theirstack: createTheirStack({ ...common("theirstack"), retry: { maxAttempts: 1 } }),
    exa: createExa({ ...common("exa"), retry: { maxAttempts: 1 } }),
    parallel: createParallel({ ...common("parallel"), pollIntervalMs: 1, retry: { maxAttempts: 1 } }),
    leadmagic: createLeadMagic({ ...common("leadmagic"), retry: { maxAttempts: 1 } }),
    firecrawl: createFirecrawl({ ...common("firecrawl"), pollIntervalMs: 1, retry: { maxAttempts: 1 } }),
  };
  const offer = await offers.create(t.db, {
    name: "AI Sales Coach",
    type: "product",
    ownership: "internal",
    description: "Role-play for new sales reps",
    ...(icp ? { icp } : {}),
  });
  const progress: ProgressEvent[] = [];
  return {
    t,
    db: t.db,
    offerId: offer.id,
    mocks,
    adapters,
    usage,
    events,
    progress,
    ctx(providers, extra = {}) {
      return {
        db: t.db,
        usage,
        onProgress: (e) => void progress.push(e),
        providers: providers ?? {
          companySearch: [adapters.theirstack, adapters.exa],
          peopleSearch: [adapters.parallel],
          emailFinders: [adapters.leadmagic],
          emailVerifiers: [adapters.leadmagic],
          pageScraper: adapters.firecrawl,
        },
        ...extra,
      };
    },
  };
}
