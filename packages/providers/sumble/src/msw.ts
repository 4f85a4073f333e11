/**
 * MSW handlers that behave like Sumble's v9 API: Bearer auth, `POST /v9/organizations` in list
 * mode (unmatched rows answer with empty attributes), the asynchronous `POST /v9/people` (kick off →
 * `pending`; poll with `{ request_id }` → `running` → `succeeded`, credits charged on the first
 * `succeeded` only), `credits_used`/`credits_remaining` on every body, FastAPI-style errors, a 402
 * balance check up front, and switchable faults. Used by this package's tests and by `@offerlab/sandbox`.
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const sumbleFaults = [
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
export type SumbleFault = (typeof sumbleFaults)[number];

export interface SumbleMockOrg {
  id: number;
  name: string;
  url: string;
  employee_count: number | null;
  industry: string;
  jobs_count: number;
  headquarters_country: string;
  funding_last_round_type: string | null;
  /** Technology slug → job posts mentioning it. */
  technologies: Record<string, number>;
  people: { name: string; linkedin_url: string; job_title: string; job_function: string; job_level: string }[];
}

export interface SumbleMockOptions {
  /** Origin the handlers answer on. Default `https://api.sumble.com`. */
  baseUrl?: string;
  /** The only key accepted. Default `test-sumble-key`. */
  apiKey?: string;
  /** Starting credit balance. Default 10 000. */
  credits?: number;
  /** How long the `timeout` fault stalls, in ms. Default 5000. */
  slowMs?: number;
  /** Polls a people request spends pending/running before succeeding. Default 2. */
  peoplePollsBeforeDone?: number;
  /** The organisations the mock knows. Default: two. */
  organizations?: SumbleMockOrg[];
  /** Source of the fake's random ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface SumbleMock extends FaultControls<SumbleFault> {
  handlers: HttpHandler[];
  readonly credits: number;
  setCredits(n: number): void;
}

export const defaultSumbleOrganizations: SumbleMockOrg[] = [
  {
    id: 1726684,
    name: "Northwind Analytics",
    url: "northwind-analytics.com",
    employee_count: 142,
    industry: "Information",
    jobs_count: 18,
    headquarters_country: "US",
    funding_last_round_type: "Series B",
    technologies: { salesforce: 7, hubspot: 2 },
    people: [
      {
        name: "Jane Doe",
        linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
        job_title: "VP of Sales",
        job_function: "Sales",
        job_level: "VP",
      },
      {
        name: "Priya Raman",
        linkedin_url: "https://www.linkedin.com/in/priya-raman",
        job_title: "Chief Revenue Officer",
        job_function: "Sales",
        job_level: "C-Level",
      },
      {
        name: "Sam Carter",
        linkedin_url: "https://www.linkedin.com/in/samcarter",
        job_title: "Software Engineer",
        job_function: "Software Engineer",
        job_level: "Individual Contributor",
      },
    ],
  },
  {
    id: 2001,
    name: "Globex",
    url: "globex.io",
    employee_count: 1800,
    industry: "Professional Services",
    jobs_count: 54,
    headquarters_country: "DE",
    funding_last_round_type: null,
    technologies: { salesforce: 1 },
    people: [],
  },
];

// Illustrative prices: Sumble does not publish per-attribute prices (the digest), so the fake
// charges 1 credit per attribute per matched organisation, 1 per technology entity, 1 per person.
const ORG_ATTRIBUTE_COST = 1;
const PERSON_COST = 1;

const validation = (loc: string[], msg: string) => ({ detail: [{ loc: ["body", ...loc], msg, type: "value_error" }] });

export function createSumbleMock(options: SumbleMockOptions = {}): SumbleMock {
  const base = (options.baseUrl ?? "https://api.sumble.com").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-sumble-key";
  const slowMs = options.slowMs ?? 5000;
  const pollsBeforeDone = options.peoplePollsBeforeDone ?? 2;
  const orgs = options.organizations ?? defaultSumbleOrganizations;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  let credits = options.credits ?? 10_000;
  const faults = createFaultSwitch<SumbleFault>();
  const requests = new Map<
    string,
    { orgIds: number[]; attributes: string[]; limit: number; offset: number; polls: number; billed: boolean }
  >();

  const takeFault = (): SumbleFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: SumbleFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json({ detail: "Invalid API key" }, { status: 401 });
      case "out_of_credits":
        return HttpResponse.json({ detail: "Insufficient credits" }, { status: 402 });
      case "invalid":
        return HttpResponse.json(validation(["select"], "Field required"), { status: 422 });
      case "rate_limited":
        return HttpResponse.json({ detail: "Rate limit exceeded: 10 requests per second" }, { status: 429 });
      case "rate_limited_retry_after":
        return HttpResponse.json(
          { detail: "Rate limit exceeded: 10 requests per second" },
          { status: 429, headers: { "Retry-After": "1" } },
        );
      case "server_error":
        return HttpResponse.json({ detail: "Internal Server Error" }, { status: 500 });
      case "malformed_json":
        return new HttpResponse('{"id":"x","credits_used":1,"organizations":[{"attri', {
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

  async function guard(request: Request): Promise<Record<string, unknown> | Response> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`)
      return HttpResponse.json({ detail: "Not authenticated" }, { status: 401 });
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json({ detail: "Expecting value: line 1 column 1 (char 0)" }, { status: 400 });
  }

  const billing = (used: number) => ({ id: uuid(), credits_used: used, credits_remaining: credits });
  const host = (u: string) =>
    u
      .toLowerCase()
      .replace(/^https?:\/\//, "")
      .replace(/^www\./, "")
      .split("/")[0] ?? "";

  function find(input: Record<string, unknown>): SumbleMockOrg | undefined {
    if (typeof input.id === "number") return orgs.find((o) => o.id === input.id);
    if (typeof input.url === "string" && input.url) return orgs.find((o) => o.url === host(input.url as string));
    if (typeof input.name === "string" && input.name)
      return orgs.find((o) => o.name.toLowerCase() === (input.name as string).toLowerCase());
    return undefined;
  }

  function peopleBody(requestId: string) {
    const req = requests.get(requestId)!;
    const people = orgs
      .filter((o) => req.orgIds.includes(o.id))
      .flatMap((o) =>
        o.people.map((p, i) => ({
          person_id: o.id * 100 + i,
          sumble_url: `https://sumble.com/l/person/${o.id * 100 + i}`,
          attributes: {
            ...(req.attributes.includes("name") ? { name: p.name } : {}),
            ...(req.attributes.includes("linkedin_url") ? { linkedin_url: p.linkedin_url } : {}),
            ...(req.attributes.includes("job_title") ? { job_title: p.job_title } : {}),
            ...(req.attributes.includes("job_function") ? { job_function: p.job_function } : {}),
            ...(req.attributes.includes("job_level") ? { job_level: p.job_level } : {}),
            ...(req.attributes.includes("current_employer") ? { current_employer: { organization_id: o.id, name: o.name } } : {}),
          },
        })),
      );
    return { total: people.length, people: people.slice(req.offset, req.offset + req.limit) };
  }

  const handlers: HttpHandler[] = [
    http.post(`${base}/v9/organizations`, async ({ request }) => {
      const body = await guard(request);
      if (body instanceof Response) return body;
      const select = body.select as { attributes?: unknown; entities?: unknown } | undefined;
      if (!select || typeof select !== "object") return HttpResponse.json(validation(["select"], "Field required"), { status: 422 });
      if (!Array.isArray(body.organizations) === !body.filter) {
        return HttpResponse.json(validation([], "Exactly one of organizations or filter is required"), { status: 422 });
      }
      const list = (body.organizations ?? []) as Record<string, unknown>[];
      if (list.length < 1 || list.length > 1000)
        return HttpResponse.json(validation(["organizations"], "1 to 1000 organizations"), { status: 422 });
      const attributes = Array.isArray(select.attributes) ? (select.attributes as string[]) : [];
      const entities = Array.isArray(select.entities) ? (select.entities as { type: string; term: string }[]) : [];
      const matched = list.map(find);
      const cost = matched.filter(Boolean).length * (attributes.length * ORG_ATTRIBUTE_COST + entities.length);
      // The balance is checked up front.
      if (cost > credits)
        return HttpResponse.json(
          { detail: `Insufficient credits: this request needs ${cost} credits, ${credits} remaining.` },
          { status: 402 },
        );
      credits -= cost;
      const organizations = list.map((input, i) => {
        const o = matched[i];
        if (!o) return { input, attributes: {}, entities: [] };
        const all: Record<string, unknown> = {
          id: o.id,
          slug: o.name.toLowerCase().replace(/\W+/g, "-"),
          name: o.name,
          url: o.url,
          employee_count: o.employee_count,
          industry: o.industry,
          jobs_count: o.jobs_count,
          teams_count: 5,
          headquarters_country: o.headquarters_country,
          sumble_url: `https://sumble.com/l/org/${o.id}`,
          tags: ["b2b"],
          funding_last_round_type: o.funding_last_round_type,
        };
        return {
          input,
          attributes: Object.fromEntries(attributes.filter((a) => a in all).map((a) => [a, all[a]])),
          entities: entities
            .filter((e) => e.type === "technology")
            .map((e) => ({
              type: "technology",
              term: e.term,
              job_post_count: o.technologies[e.term] ?? 0,
              people_count: o.technologies[e.term] ? 1 : 0,
              team_count: 0,
            })),
        };
      });
      return HttpResponse.json({
        ...billing(cost),
        total: list.length,
        matched_count: matched.filter(Boolean).length,
        source_data_url: null,
        organizations,
      });
    }),

    http.post(`${base}/v9/people`, async ({ request }) => {
      const body = await guard(request);
      if (body instanceof Response) return body;
      if (typeof body.request_id === "string") {
        // A poll: `{ request_id }` alone.
        const req = requests.get(body.request_id);
        if (!req) return HttpResponse.json({ detail: "Request not found" }, { status: 404 });
        req.polls += 1;
        if (req.polls < pollsBeforeDone) {
          return HttpResponse.json({ ...billing(0), request_id: body.request_id, status: req.polls === 1 ? "pending" : "running" });
        }
        const { total, people } = peopleBody(body.request_id);
        const charge = req.billed ? 0 : people.length * PERSON_COST;
        req.billed = true;
        credits -= charge;
        return HttpResponse.json({
          ...billing(charge),
          request_id: body.request_id,
          status: "succeeded",
          total,
          matched_count: null,
          source_data_url: null,
          people,
        });
      }
      const filter = body.filter as { organization_ids?: unknown } | undefined;
      if (!filter || !Array.isArray(filter.organization_ids) || filter.organization_ids.length === 0) {
        return HttpResponse.json(validation(["filter", "organization_ids"], "organization_ids or organization_list_id is required"), {
          status: 422,
        });
      }
      const limit = typeof body.limit === "number" ? body.limit : 10;
      if (limit < 1 || limit > 200) return HttpResponse.json(validation(["limit"], "Input should be between 1 and 200"), { status: 422 });
      const offset = typeof body.offset === "number" ? body.offset : 0;
      if (offset < 0 || offset > 10_000)
        return HttpResponse.json(validation(["offset"], "Input should be between 0 and 10000"), { status: 422 });
      // Pre-check: the balance must cover the page.
      if (limit * PERSON_COST > credits) return HttpResponse.json({ detail: "Insufficient credits" }, { status: 402 });
      const select = (body.select ?? {}) as { attributes?: unknown };
      const requestId = uuid();
      requests.set(requestId, {
        orgIds: filter.organization_ids as number[],
        attributes: Array.isArray(select.attributes) ? (select.attributes as string[]) : [],
        limit,
        offset,
        polls: 0,
        billed: false,
      });
      return HttpResponse.json({ ...billing(0), request_id: requestId, status: "pending" });
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
  };
}
