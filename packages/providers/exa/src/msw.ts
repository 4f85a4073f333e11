/**
 * MSW handlers that behave like Exa's API for company search: `x-api-key` auth, `POST /search`
 * (with the `category: "company"` restrictions that answer 400) and `POST /findSimilar`, a
 * `requestId` on every body, `costDollars`, and switchable faults. Used by this package's tests
 * and by `@offerlab/sandbox`.
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const exaFaults = [
  "unauthorized",
  "out_of_credits",
  "invalid",
  "unprocessable",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
] as const;
/** A failure the mock can be switched into. */
export type ExaFault = (typeof exaFaults)[number];

export interface ExaMockCompany {
  name: string;
  url: string;
  description: string;
  employees: number | null;
  city: string | null;
  country: string | null;
  /** Words a query must share with the company for it to match (lower case). */
  keywords: string[];
  funding?: { total: number; round: string; date: string; amount: number };
}

export interface ExaMockOptions {
  /** Origin the handlers answer on. Default `https://api.exa.ai`. */
  baseUrl?: string;
  /** The only key accepted. Default `test-exa-key`. */
  apiKey?: string;
  /** How long the `timeout` fault stalls, in ms. Default 5000. */
  slowMs?: number;
  /** The company index. Default: four B2B software and services companies. */
  companies?: ExaMockCompany[];
  /** Source of the fake's random ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface ExaMock extends FaultControls<ExaFault> {
  handlers: HttpHandler[];
}

export const defaultExaCompanies: ExaMockCompany[] = [
  {
    name: "Northwind Analytics",
    url: "https://www.northwind-analytics.com/",
    description: "Revenue intelligence software for B2B sales teams.",
    employees: 142,
    city: "Austin",
    country: "United States",
    keywords: ["revenue", "sales", "saas", "analytics", "b2b", "software"],
    funding: { total: 42_000_000, round: "Series B", date: "2025-03-15", amount: 30_000_000 },
  },
  {
    name: "Pipeline Pilot",
    url: "https://pipelinepilot.ai",
    description: "AI sales forecasting for mid-market revenue teams.",
    employees: 38,
    city: "London",
    country: "United Kingdom",
    keywords: ["revenue", "sales", "saas", "forecasting", "ai", "b2b", "software"],
    funding: { total: 8_000_000, round: "Series A", date: "2024-11-02", amount: 6_500_000 },
  },
  {
    name: "Globex",
    url: "https://globex.io",
    description: "IT services and consulting.",
    employees: 1800,
    city: "Berlin",
    country: "Germany",
    keywords: ["it", "services", "consulting"],
  },
  {
    name: "Initech",
    url: "https://initech.com",
    description: "Financial software for small banks.",
    employees: null,
    city: null,
    country: "United States",
    keywords: ["fintech", "banking", "software"],
  },
];

const FORBIDDEN_WITH_COMPANY = ["startPublishedDate", "endPublishedDate", "excludeDomains", "startCrawlDate", "endCrawlDate"];

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return url;
  }
}

export function createExaMock(options: ExaMockOptions = {}): ExaMock {
  const base = (options.baseUrl ?? "https://api.exa.ai").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-exa-key";
  const slowMs = options.slowMs ?? 5000;
  const companies = options.companies ?? defaultExaCompanies;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  const requestId = () => uuid().replace(/-/g, "");
  const errorBody = (error: string, tag: string) => ({ requestId: requestId(), error, tag });
  const faults = createFaultSwitch<ExaFault>();

  const takeFault = (): ExaFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: ExaFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json(errorBody("Invalid API key", "INVALID_API_KEY"), { status: 401 });
      case "out_of_credits":
        return HttpResponse.json(errorBody("You have exceeded your credit limit.", "NO_MORE_CREDITS"), { status: 402 });
      case "invalid":
        return HttpResponse.json(errorBody("Invalid request body", "INVALID_REQUEST_BODY"), { status: 400 });
      case "unprocessable":
        return HttpResponse.json(errorBody("The URL could not be processed", "UNPROCESSABLE_URL"), { status: 422 });
      case "rate_limited_retry_after":
        return HttpResponse.json(errorBody("Rate limit exceeded", "RATE_LIMIT_EXCEEDED"), { status: 429, headers: { "Retry-After": "3" } });
      case "rate_limited":
        return HttpResponse.json(errorBody("Rate limit exceeded", "RATE_LIMIT_EXCEEDED"), { status: 429 });
      case "server_error":
        return HttpResponse.json(errorBody("Service overloaded", "SERVICE_OVERLOADED"), { status: 503 });
      case "malformed_json":
        return new HttpResponse('{"requestId":"x","results":[{"url":"https://glob', {
          status: 200,
          headers: { "Content-Type": "application/json" },
        });
      case "timeout":
        await delay(slowMs);
        return null;
      case "response_lost":
        return HttpResponse.error();
    }
  }

  async function preflight(request: Request): Promise<Response | Record<string, unknown>> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    const key = request.headers.get("x-api-key") ?? request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
    if (!key || key !== apiKey) return HttpResponse.json(errorBody("Invalid API key", "INVALID_API_KEY"), { status: 401 });
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json(errorBody("Request body must be JSON", "INVALID_REQUEST_BODY"), { status: 400 });
  }

  function checkCommon(body: Record<string, unknown>): Response | number {
    const numResults = body.numResults ?? 10;
    if (typeof numResults !== "number" || !Number.isInteger(numResults) || numResults < 1 || numResults > 100) {
      return HttpResponse.json(errorBody("numResults must be between 1 and 100", "INVALID_REQUEST_BODY"), { status: 400 });
    }
    if (body.category === "company") {
      const bad = FORBIDDEN_WITH_COMPANY.filter((k) => body[k] !== undefined);
      if (bad.length) {
        return HttpResponse.json(errorBody(`${bad.join(", ")} not supported with category company`, "INVALID_REQUEST"), { status: 400 });
      }
    }
    return numResults;
  }

  function toResult(c: ExaMockCompany, score: number, body: Record<string, unknown>) {
    const contents = (body.contents ?? {}) as Record<string, unknown>;
    return {
      id: c.url,
      url: c.url,
      title: `${c.name} | ${c.description}`,
      publishedDate: null,
      author: null,
      score,
      ...(contents.text ? { text: `${c.name}. ${c.description} (homepage text)` } : {}),
      ...(contents.summary ? { summary: c.description } : {}),
      entities: [
        {
          id: `company_${hostOf(c.url).replace(/\W/g, "")}`,
          type: "company",
          version: 1,
          properties: {
            name: c.name,
            foundedYear: null,
            description: c.description,
            workforce: { total: c.employees },
            headquarters: { address: null, city: c.city, postalCode: null, country: c.country },
            financials: c.funding
              ? {
                  revenueAnnual: null,
                  fundingTotal: c.funding.total,
                  fundingLatestRound: { name: c.funding.round, date: c.funding.date, amount: c.funding.amount },
                }
              : null,
            webTraffic: null,
          },
        },
      ],
    };
  }

  const cost = (n: number) => ({ total: Math.round((0.007 + Math.max(0, n - 10) * 0.001) * 1e6) / 1e6, search: { neural: 0.007 } });

  const handlers: HttpHandler[] = [
    http.post(`${base}/search`, async ({ request }) => {
      const body = await preflight(request);
      if (body instanceof Response) return body;
      if (typeof body.query !== "string" || !body.query.trim()) {
        return HttpResponse.json(errorBody("query is required", "INVALID_REQUEST_BODY"), { status: 400 });
      }
      const numResults = checkCommon(body);
      if (numResults instanceof Response) return numResults;
      const words = body.query.toLowerCase().split(/\W+/).filter(Boolean);
      const include = Array.isArray(body.includeDomains) ? (body.includeDomains as string[]).map((d) => d.replace(/^www\./, "")) : null;
      const scored = companies
        .filter((c) => !include || include.includes(hostOf(c.url)))
        .map((c) => ({ c, hits: words.filter((w) => c.keywords.includes(w)).length }))
        .filter((x) => x.hits > 0)
        .sort((a, b) => b.hits - a.hits)
        .slice(0, numResults);
      const results = scored.map(({ c, hits }) => toResult(c, Math.round((hits / (words.length || 1)) * 1e4) / 1e4, body));
      return HttpResponse.json({
        requestId: requestId(),
        resolvedSearchType: "neural",
        searchTime: 412.7,
        results,
        costDollars: cost(results.length),
      });
    }),

    http.post(`${base}/findSimilar`, async ({ request }) => {
      const body = await preflight(request);
      if (body instanceof Response) return body;
      if (typeof body.url !== "string" || !/^https?:\/\//.test(body.url)) {
        return HttpResponse.json(errorBody("url is required", "INVALID_REQUEST_BODY"), { status: 400 });
      }
      const numResults = checkCommon(body);
      if (numResults instanceof Response) return numResults;
      const seedHost = hostOf(body.url);
      const seed = companies.find((c) => hostOf(c.url) === seedHost);
      const seedWords = seed?.keywords ?? [];
      const results = companies
        .filter((c) => !(body.excludeSourceDomain === true && hostOf(c.url) === seedHost))
        .map((c) => ({ c, hits: c.keywords.filter((k) => seedWords.includes(k)).length }))
        .filter((x) => x.hits > 0)
        .sort((a, b) => b.hits - a.hits)
        .slice(0, numResults)
        .map(({ c, hits }) => toResult(c, Math.round((hits / (seedWords.length || 1)) * 1e4) / 1e4, body));
      return HttpResponse.json({ requestId: requestId(), results, costDollars: cost(results.length) });
    }),
  ];

  return {
    handlers,
    fail: faults.fail,
    clearFaults: faults.clearFaults,
  };
}
