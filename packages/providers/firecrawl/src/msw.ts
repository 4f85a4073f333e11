/**
 * MSW handlers that behave like Firecrawl's v2 API: Bearer `fc-` auth, `POST /v2/scrape`,
 * `POST /v2/map`, and the crawl job (`POST /v2/crawl` → id; `GET /v2/crawl/{id}` is `scraping` with
 * partial data and a `next` page link, then `completed`; `?skip=` pages; `DELETE` cancels), the
 * 402 pre-flight when a crawl's `limit` exceeds the balance, the free balance read
 * (`GET /v2/team/credit-usage`, the billing period being the clock's calendar month), and switchable faults. Used by this
 * package's tests and by `@offerlab/sandbox`.
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const firecrawlFaults = [
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
export type FirecrawlFault = (typeof firecrawlFaults)[number];

export interface FirecrawlMockPage {
  url: string;
  title: string;
  markdown: string;
  statusCode?: number;
}

export interface FirecrawlMockOptions {
  /** Origin the handlers answer on. Default `https://api.firecrawl.dev`. */
  baseUrl?: string;
  /** The only key accepted. Default `fc-test-key`. */
  apiKey?: string;
  /** Starting credit balance. Default 500. */
  credits?: number;
  /** How long the `timeout` fault stalls, in ms. Default 5000. */
  slowMs?: number;
  /** The web the mock serves. Unknown URLs scrape as a 404 page (billed, as Firecrawl does). */
  pages?: FirecrawlMockPage[];
  /** Status checks a crawl spends `scraping` before `completed`. Default 1. */
  crawlChecksBeforeDone?: number;
  /** Documents per status page before a `next` link. Default 2. */
  crawlPageSize?: number;
  /** Source of the fake's random ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
  /** The fake's clock. Default `() => new Date()` (the sandbox passes its simulated clock). */
  now?: () => Date;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface FirecrawlMock extends FaultControls<FirecrawlFault> {
  handlers: HttpHandler[];
  readonly credits: number;
  setCredits(n: number): void;
  /** Crawl jobs by id, for assertions (status, cancelled). */
  readonly crawls: ReadonlyMap<string, { status: string; url: string; limit: number }>;
}

export const defaultFirecrawlPages: FirecrawlMockPage[] = [
  {
    url: "https://www.northwind-analytics.com/",
    title: "Northwind Analytics",
    markdown: "# Northwind Analytics\n\nRevenue intelligence for B2B sales teams.",
  },
  { url: "https://www.northwind-analytics.com/about", title: "About", markdown: "# About us\n\nFounded in 2015 in Austin." },
  { url: "https://www.northwind-analytics.com/careers", title: "Careers", markdown: "# Careers\n\nWe're hiring 3 Account Executives." },
  { url: "https://www.northwind-analytics.com/blog/forecasting", title: "Forecasting", markdown: "# Forecasting in 2026" },
];

const errorBody = (error: string, code?: string) => ({ success: false, error, ...(code ? { code } : {}) });

function canonical(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return `https://${u.hostname.replace(/^www\./, "")}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return null;
  }
}

export function createFirecrawlMock(options: FirecrawlMockOptions = {}): FirecrawlMock {
  const base = (options.baseUrl ?? "https://api.firecrawl.dev").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "fc-test-key";
  const slowMs = options.slowMs ?? 5000;
  const pages = options.pages ?? defaultFirecrawlPages;
  const checksBeforeDone = options.crawlChecksBeforeDone ?? 1;
  const pageSize = options.crawlPageSize ?? 2;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  const clock = options.now ?? (() => new Date());
  let credits = options.credits ?? 500;
  const faults = createFaultSwitch<FirecrawlFault>();
  const crawls = new Map<string, { status: string; url: string; limit: number; checks: number; docs: FirecrawlMockPage[] }>();

  const takeFault = (): FirecrawlFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: FirecrawlFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json(errorBody("Unauthorized: Invalid token"), { status: 401 });
      case "out_of_credits":
        return HttpResponse.json(errorBody("Payment Required: Insufficient credits to perform this request."), { status: 402 });
      case "invalid":
        return HttpResponse.json(errorBody("Bad Request: Invalid URL", "BAD_REQUEST"), { status: 400 });
      case "unprocessable":
        return HttpResponse.json(errorBody("Invalid JSON schema for extraction", "SCHEMA_ERROR"), { status: 422 });
      case "rate_limited_retry_after":
        return HttpResponse.json(errorBody("Rate limit exceeded. Please retry after 4s"), { status: 429, headers: { "Retry-After": "4" } });
      case "rate_limited":
        return HttpResponse.json(errorBody("Concurrency limit reached"), { status: 429 });
      case "server_error":
        return HttpResponse.json(errorBody("An unexpected error occurred. Please contact help@firecrawl.com"), { status: 500 });
      case "malformed_json":
        return new HttpResponse('{"success":true,"data":{"markdown":"# Nor', {
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

  async function guard(request: Request): Promise<Response | null> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      return HttpResponse.json(errorBody("Unauthorized: Invalid token"), { status: 401 });
    }
    return null;
  }

  // The billing period is the clock's calendar month (UTC): it ends at the next month's start.
  const periodOf = (at: Date) => ({
    start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString(),
    end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1) - 1000).toISOString(),
  });

  async function jsonBody(request: Request): Promise<Record<string, unknown> | Response> {
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json(errorBody("Bad Request: body must be JSON", "BAD_REQUEST"), { status: 400 });
  }

  function validUrl(body: Record<string, unknown>): string | Response {
    const url = typeof body.url === "string" ? body.url : "";
    if (!canonical(url)) return HttpResponse.json(errorBody("Bad Request: Invalid URL", "BAD_REQUEST"), { status: 400 });
    return url;
  }

  function doc(page: FirecrawlMockPage | undefined, requested: string, formats: string[]) {
    const statusCode = page ? (page.statusCode ?? 200) : 404;
    const markdown = page ? page.markdown : "# Page not found";
    const siteLinks = pages.filter((p) => canonical(p.url)?.split("/")[2] === canonical(requested)?.split("/")[2]).map((p) => p.url);
    return {
      ...(formats.includes("markdown") ? { markdown } : {}),
      ...(formats.includes("html") ? { html: `<html><body>${markdown}</body></html>` } : {}),
      ...(formats.includes("links") ? { links: siteLinks } : {}),
      metadata: {
        title: page?.title ?? "404",
        sourceURL: requested,
        url: page?.url ?? requested,
        statusCode,
        contentType: "text/html",
        scrapeId: uuid(),
        creditsUsed: 1,
        ...(page ? {} : { error: "Not Found" }),
      },
    };
  }

  const find = (url: string) => pages.find((p) => canonical(p.url) === canonical(url));

  const handlers: HttpHandler[] = [
    http.get(`${base}/v2/team/credit-usage`, async ({ request }) => {
      const refused = await guard(request);
      if (refused) return refused;
      const period = periodOf(clock());
      return HttpResponse.json({
        success: true,
        data: {
          remainingCredits: credits,
          planCredits: options.credits ?? 500,
          billingPeriodStart: period.start,
          billingPeriodEnd: period.end,
        },
      });
    }),
    http.post(`${base}/v2/scrape`, async ({ request }) => {
      const stop = await guard(request);
      if (stop) return stop;
      const body = await jsonBody(request);
      if (body instanceof Response) return body;
      const url = validUrl(body);
      if (url instanceof Response) return url;
      if (credits < 1)
        return HttpResponse.json(errorBody("Payment Required: Insufficient credits to perform this request."), { status: 402 });
      credits -= 1;
      const formats = Array.isArray(body.formats)
        ? (body.formats as unknown[]).filter((f): f is string => typeof f === "string")
        : ["markdown"];
      return HttpResponse.json({ success: true, data: doc(find(url), url, formats) });
    }),

    http.post(`${base}/v2/map`, async ({ request }) => {
      const stop = await guard(request);
      if (stop) return stop;
      const body = await jsonBody(request);
      if (body instanceof Response) return body;
      const url = validUrl(body);
      if (url instanceof Response) return url;
      if (credits < 1)
        return HttpResponse.json(errorBody("Payment Required: Insufficient credits to perform this request."), { status: 402 });
      credits -= 1;
      const host = canonical(url)!.split("/")[2];
      const search = typeof body.search === "string" ? body.search.toLowerCase() : null;
      const limit = typeof body.limit === "number" ? body.limit : 5000;
      const links = pages
        .filter((p) => canonical(p.url)!.split("/")[2] === host)
        .filter((p) => !search || p.url.toLowerCase().includes(search) || p.title.toLowerCase().includes(search))
        .slice(0, limit)
        .map((p) => ({ url: p.url, title: p.title }));
      return HttpResponse.json({ success: true, links });
    }),

    http.post(`${base}/v2/crawl`, async ({ request }) => {
      const stop = await guard(request);
      if (stop) return stop;
      const body = await jsonBody(request);
      if (body instanceof Response) return body;
      const url = validUrl(body);
      if (url instanceof Response) return url;
      const limit = typeof body.limit === "number" ? body.limit : 10_000;
      // Firecrawl checks the whole `limit` against the balance before starting.
      if (limit > credits) {
        return HttpResponse.json(
          errorBody(
            `Payment Required: Insufficient credits to perform this request. Crawl limit ${limit} exceeds remaining credits ${credits}.`,
          ),
          { status: 402 },
        );
      }
      const host = canonical(url)!.split("/")[2];
      const docs = pages.filter((p) => canonical(p.url)!.split("/")[2] === host).slice(0, limit);
      const id = uuid();
      crawls.set(id, { status: "scraping", url, limit, checks: 0, docs });
      return HttpResponse.json({ success: true, id, url: `${base}/v2/crawl/${id}` });
    }),

    http.get(`${base}/v2/crawl/:id`, async ({ request, params }) => {
      const stop = await guard(request);
      if (stop) return stop;
      const job = crawls.get(String(params.id));
      if (!job) return HttpResponse.json(errorBody("Crawl job not found", "NOT_FOUND"), { status: 404 });
      const skip = Number(new URL(request.url).searchParams.get("skip") ?? "0") || 0;
      // Only a fresh status check (no skip) advances the job: page fetches are free reads.
      if (skip === 0 && job.status === "scraping") {
        job.checks += 1;
        if (job.checks > checksBeforeDone) {
          job.status = "completed";
          credits -= job.docs.length;
        }
      }
      const available = job.status === "completed" ? job.docs : job.docs.slice(0, Math.ceil(job.docs.length / 2));
      const slice = available.slice(skip, skip + pageSize);
      const nextSkip = skip + slice.length;
      const next = nextSkip < available.length ? `${base}/v2/crawl/${params.id}?skip=${nextSkip}` : null;
      return HttpResponse.json({
        success: true,
        status: job.status,
        completed: available.length,
        total: job.docs.length,
        creditsUsed: available.length,
        expiresAt: new Date(clock().getTime() + 86_400_000).toISOString(),
        next,
        data: slice.map((p) => doc(p, p.url, ["markdown"])),
      });
    }),

    http.delete(`${base}/v2/crawl/:id`, async ({ request, params }) => {
      const stop = await guard(request);
      if (stop) return stop;
      const job = crawls.get(String(params.id));
      if (!job) return HttpResponse.json(errorBody("Crawl job not found", "NOT_FOUND"), { status: 404 });
      job.status = "cancelled";
      return HttpResponse.json({ success: true, status: "cancelled" });
    }),
  ];

  return {
    handlers,
    fail: faults.fail,
    clearFaults: faults.clearFaults,
    get credits() {
      return credits;
    },
    setCredits(n) {
      credits = n;
    },
    get crawls() {
      return crawls;
    },
  };
}
