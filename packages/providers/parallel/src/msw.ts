/**
 * MSW handlers that behave like Parallel's API for discovery: `x-api-key` auth, Entity Search
 * (`POST /v1beta/findall/entity-search`, companies and people) and FindAll (create a run, poll it
 * `queued` → `running` → `completed`, read the result, cancel), the `parallel-beta` header FindAll
 * requires, Parallel's error envelope, and switchable faults. Used by this package's tests and by
 * `@offerlab/sandbox`.
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const parallelFaults = [
  "unauthorized",
  "out_of_credits",
  "invalid",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
] as const;
/** A failure the mock can be switched into. */
export type ParallelFault = (typeof parallelFaults)[number];

export interface ParallelMockCompany {
  name: string;
  /** Website, or a LinkedIn company page (Entity Search often returns those). */
  url: string;
  description: string;
  /** Lower-case words an objective must share for the company to be found. */
  keywords: string[];
  people: { name: string; url: string; headline: string }[];
}

export interface ParallelMockOptions {
  /** Origin the handlers answer on. Default `https://api.parallel.ai`. */
  baseUrl?: string;
  /** The only key accepted. Default `test-parallel-key`. */
  apiKey?: string;
  /** How long the `timeout` fault stalls, in ms. Default 5000. */
  slowMs?: number;
  /** Status checks a FindAll run spends active (queued, then running) before completing. Default 2. */
  findAllChecksBeforeDone?: number;
  /** The world. Default: three companies with a few people. */
  companies?: ParallelMockCompany[];
  /** Source of the fake's random ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
  /** The fake's clock. Default `() => new Date()` (the sandbox passes its simulated clock). */
  now?: () => Date;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface ParallelMock extends FaultControls<ParallelFault> {
  handlers: HttpHandler[];
  /** FindAll runs by id, for assertions. */
  readonly runs: ReadonlyMap<string, { status: string; objective: string }>;
}

export const defaultParallelCompanies: ParallelMockCompany[] = [
  {
    name: "Northwind Analytics",
    url: "https://www.linkedin.com/company/northwind-analytics/",
    description: "Revenue intelligence software for B2B sales teams.",
    keywords: ["b2b", "saas", "sales", "revenue", "software", "austin"],
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
    keywords: ["b2b", "saas", "sales", "ai", "forecasting", "software"],
    people: [{ name: "Tom Baker", url: "https://www.linkedin.com/in/tombaker", headline: "Head of Growth at Pipeline Pilot" }],
  },
  {
    name: "Globex",
    url: "https://globex.io",
    description: "IT services and consulting.",
    keywords: ["it", "services", "consulting"],
    people: [],
  },
];

const errorBodyWith = (uuid: () => string) => (message: string, detail?: unknown) => ({
  type: "error",
  error: { ref_id: `ref_${uuid().slice(0, 8)}`, message, ...(detail !== undefined ? { detail } : {}) },
});
const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

const TITLE_STOP = new Set(["of", "and", "the", "at", "for", "in", "a", "an", "to"]);

/**
 * How well a headline answers a people objective (`…, with a title like A or B, at vp level, in
 * Sales`): the best share of any asked title's words found in it, plus a little for the asked
 * departments and levels. Relevance search ranks this way, so the people asked for come first.
 */
function peopleRanker(objective: string): (headline: string) => number {
  const segment = /title like ([^,]+)/i.exec(objective)?.[1] ?? "";
  const titles = segment
    .split(/\s+or\s+/i)
    .map((t) => words(t).filter((w) => !TITLE_STOP.has(w)))
    .filter((t) => t.length > 0);
  const rest = new Set(words(objective.replace(/^.*?title like [^,]+/i, "")).filter((w) => !TITLE_STOP.has(w) && w !== "level"));
  return (headline) => {
    const have = new Set(words(headline));
    const best = titles.reduce((m, t) => Math.max(m, t.filter((w) => have.has(w)).length / t.length), 0);
    const extra = [...have].filter((w) => rest.has(w)).length;
    return best + 0.1 * Math.min(extra, 3);
  };
}

export function createParallelMock(options: ParallelMockOptions = {}): ParallelMock {
  const base = (options.baseUrl ?? "https://api.parallel.ai").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-parallel-key";
  const slowMs = options.slowMs ?? 5000;
  const checksBeforeDone = options.findAllChecksBeforeDone ?? 2;
  const companies = options.companies ?? defaultParallelCompanies;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  const clock = options.now ?? (() => new Date());
  const faults = createFaultSwitch<ParallelFault>();
  const errorBody = errorBodyWith(uuid);
  const runs = new Map<string, { status: string; objective: string; checks: number; matchLimit: number; createdAt: string }>();

  const takeFault = (): ParallelFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: ParallelFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json(errorBody("Invalid API key"), { status: 401 });
      case "out_of_credits":
        return HttpResponse.json(errorBody("Insufficient credit. Add credit to your account to continue."), { status: 402 });
      case "invalid":
        return HttpResponse.json(
          errorBody("Request validation error", { errors: [{ loc: ["body", "objective"], msg: "Field required" }] }),
          { status: 422 },
        );
      case "rate_limited":
        // Parallel documents no Retry-After.
        return HttpResponse.json(errorBody("Rate limit exceeded"), { status: 429 });
      case "rate_limited_retry_after":
        return HttpResponse.json(errorBody("Rate limit exceeded"), { status: 429, headers: { "Retry-After": "6" } });
      case "server_error":
        return HttpResponse.json(errorBody("Internal server error"), { status: 500 });
      case "malformed_json":
        return new HttpResponse('{"entity_set_id":"entity_set_x","entities":[{"name":"Nor', {
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

  async function guard(request: Request, needsBeta: boolean): Promise<Response | null> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    if (request.headers.get("x-api-key") !== apiKey) return HttpResponse.json(errorBody("Invalid or missing API key"), { status: 401 });
    if (
      needsBeta &&
      !(request.headers.get("parallel-beta") ?? "")
        .split(",")
        .map((s) => s.trim())
        .includes("findall-2025-09-15")
    ) {
      return HttpResponse.json(errorBody("FindAll is in beta: send the header parallel-beta: findall-2025-09-15"), { status: 403 });
    }
    return null;
  }

  async function jsonBody(request: Request): Promise<Record<string, unknown> | Response> {
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json(errorBody("Request body must be a JSON object"), { status: 422 });
  }

  function validLimit(v: unknown, fallback: number): number | Response {
    const limit = v === undefined ? fallback : v;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 5 || limit > 1000) {
      return HttpResponse.json(
        errorBody("Request validation error", { errors: [{ loc: ["body", "match_limit"], msg: "Input should be between 5 and 1000" }] }),
        { status: 422 },
      );
    }
    return limit;
  }

  // Relevance first, as Entity Search answers: the more of the objective's words a company
  // shares, the higher it ranks (ties keep the world's order), so a narrow objective's best
  // matches are not buried under companies that share one common word.
  const matching = (objective: string) => {
    const w = new Set(words(objective));
    return companies
      .map((c) => ({ c, hits: new Set([...c.keywords, ...words(c.name)].filter((k) => w.has(k))).size }))
      .filter((x) => x.hits > 0)
      .sort((a, b) => b.hits - a.hits)
      .map((x) => x.c);
  };

  const runBody = (id: string) => {
    const run = runs.get(id)!;
    const active = run.status === "queued" || run.status === "running" || run.status === "cancelling";
    const matched = run.status === "completed" ? Math.min(run.matchLimit, matching(run.objective).length) : 0;
    return {
      findall_id: id,
      generator: "base",
      metadata: {},
      created_at: run.createdAt,
      modified_at: clock().toISOString(),
      status: {
        status: run.status,
        is_active: active,
        metrics: { generated_candidates_count: companies.length, matched_candidates_count: matched },
        termination_reason: run.status === "completed" ? "candidates_exhausted" : run.status === "cancelled" ? "user_cancelled" : null,
      },
    };
  };

  const handlers: HttpHandler[] = [
    http.post(`${base}/v1beta/findall/entity-search`, async ({ request }) => {
      // Whether Entity Search needs the beta header is not documented; the fake does not insist.
      const stop = await guard(request, false);
      if (stop) return stop;
      const body = await jsonBody(request);
      if (body instanceof Response) return body;
      if (body.entity_type !== "companies" && body.entity_type !== "people") {
        return HttpResponse.json(
          errorBody("Request validation error", {
            errors: [{ loc: ["body", "entity_type"], msg: "Input should be 'companies' or 'people'" }],
          }),
          { status: 422 },
        );
      }
      if (typeof body.objective !== "string" || !body.objective.trim()) {
        return HttpResponse.json(
          errorBody("Request validation error", { errors: [{ loc: ["body", "objective"], msg: "Field required" }] }),
          { status: 422 },
        );
      }
      const limit = validLimit(body.match_limit, 100);
      if (limit instanceof Response) return limit;
      const objective = body.objective.toLowerCase();
      // People are found at the companies the objective names, the ones whose headline shares the
      // most words with the objective (the titles asked for) first, as a relevance search ranks
      // them; companies by shared words.
      const titleScore = peopleRanker(body.objective);
      const entities =
        body.entity_type === "companies"
          ? matching(body.objective).map((c) => ({ name: c.name, url: c.url, description: c.description }))
          : companies
              .filter((c) => objective.includes(c.name.toLowerCase()) || objective.includes(new URL(c.url).hostname.replace(/^www\./, "")))
              .flatMap((c) =>
                c.people
                  .map((p, i) => ({
                    p,
                    i,
                    score: titleScore(
                      p.headline.replace(new RegExp(`\\b(at|@)\\s+${c.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*$`, "i"), ""),
                    ),
                  }))
                  .sort((a, b) => b.score - a.score || a.i - b.i)
                  .map(({ p }) => ({ name: p.name, url: p.url, description: p.headline })),
              );
      return HttpResponse.json({
        entity_set_id: `entity_set_${uuid().replace(/-/g, "").slice(0, 16)}`,
        entities: entities.slice(0, limit),
      });
    }),

    http.post(`${base}/v1beta/findall/runs`, async ({ request }) => {
      const stop = await guard(request, true);
      if (stop) return stop;
      const body = await jsonBody(request);
      if (body instanceof Response) return body;
      const missing = ["objective", "entity_type", "match_conditions", "generator", "match_limit"].filter((k) => body[k] === undefined);
      if (missing.length || !Array.isArray(body.match_conditions) || body.match_conditions.length === 0) {
        return HttpResponse.json(
          errorBody("Request validation error", { errors: missing.map((k) => ({ loc: ["body", k], msg: "Field required" })) }),
          { status: 422 },
        );
      }
      const limit = validLimit(body.match_limit, 0);
      if (limit instanceof Response) return limit;
      const id = `findall_${uuid().replace(/-/g, "").slice(0, 12)}`;
      runs.set(id, { status: "queued", objective: String(body.objective), checks: 0, matchLimit: limit, createdAt: clock().toISOString() });
      return HttpResponse.json(runBody(id));
    }),

    http.get(`${base}/v1beta/findall/runs/:id`, async ({ request, params }) => {
      const stop = await guard(request, true);
      if (stop) return stop;
      const run = runs.get(String(params.id));
      if (!run) return HttpResponse.json(errorBody("FindAll run not found"), { status: 404 });
      if (run.status === "queued" || run.status === "running") {
        run.checks += 1;
        run.status = run.checks >= checksBeforeDone ? "completed" : "running";
      }
      return HttpResponse.json(runBody(String(params.id)));
    }),

    http.get(`${base}/v1beta/findall/runs/:id/result`, async ({ request, params }) => {
      const stop = await guard(request, true);
      if (stop) return stop;
      const id = String(params.id);
      const run = runs.get(id);
      if (!run) return HttpResponse.json(errorBody("FindAll run not found"), { status: 404 });
      const matched = run.status === "completed" ? matching(run.objective).slice(0, run.matchLimit) : [];
      const candidates = companies.map((c, i) => {
        const isMatch = matched.includes(c);
        return {
          candidate_id: `cand_${i + 1}`,
          name: c.name,
          url: c.url,
          description: c.description,
          match_status: isMatch ? "matched" : run.status === "completed" ? "unmatched" : "generated",
          output: isMatch ? { relevant: { value: "yes" } } : {},
          basis: isMatch
            ? [
                {
                  field: "relevant",
                  reasoning: `${c.name}: ${c.description}`,
                  confidence: "high",
                  citations: [{ url: c.url, title: c.name, excerpts: [c.description] }],
                },
              ]
            : [],
        };
      });
      return HttpResponse.json({ run: runBody(id), last_event_id: "evt_1", candidates });
    }),

    http.post(`${base}/v1beta/findall/runs/:id/cancel`, async ({ request, params }) => {
      const stop = await guard(request, true);
      if (stop) return stop;
      const run = runs.get(String(params.id));
      if (!run) return HttpResponse.json(errorBody("FindAll run not found"), { status: 404 });
      if (run.status === "queued" || run.status === "running") run.status = "cancelled";
      return HttpResponse.json(runBody(String(params.id)));
    }),
  ];

  return {
    handlers,
    fail: faults.fail,
    clearFaults: faults.clearFaults,
    get runs() {
      return runs;
    },
  };
}
