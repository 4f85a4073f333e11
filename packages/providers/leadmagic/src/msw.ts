/**
 * MSW handlers that behave like LeadMagic's API (paths, `X-API-Key` auth, bodies, credit metering,
 * RFC 9457-style error envelope), with switchable faults. Used by this package's tests and by
 * `@offerlab/sandbox`.
 *
 * ```ts
 * const mock = createLeadMagicMock();
 * const server = setupServer(...mock.handlers);
 * mock.fail("rate_limited_retry_after", { times: 1 });
 * ```
 */
import { delay, http, HttpResponse } from "msw";
import type { HttpHandler } from "msw";
import { createFaultSwitch } from "@offerlab/provider-kit/testing/faults";
import type { FaultControls } from "@offerlab/provider-kit/testing/faults";

export const leadmagicFaults = [
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
export type LeadMagicFault = (typeof leadmagicFaults)[number];

export interface LeadMagicMockPerson {
  first_name: string;
  last_name: string;
  domain: string;
  email: string;
  /** The finder status LeadMagic would report (`valid`, `valid_catch_all`, ...). */
  status: string;
}

export interface LeadMagicMockOptions {
  /** Origin the handlers answer on. Default `https://api.leadmagic.io`. */
  baseUrl?: string;
  /** The only key accepted. Default `test-leadmagic-key`. */
  apiKey?: string;
  /** Starting credit balance. Default 100. */
  credits?: number;
  /** How long the `timeout` fault stalls before answering, in ms. Default 5000. */
  slowMs?: number;
  /** People the finder knows. Default: one valid and one catch-all person. */
  people?: LeadMagicMockPerson[];
  /** Validation status per address. Addresses not listed validate as `unknown`. */
  validations?: Record<string, string>;
  /** Source of the error bodies' request ids. Default `crypto.randomUUID` (the sandbox passes a seeded one so runs replay). */
  randomUUID?: () => string;
  /** The fake's clock: error timestamps and rate-limit resets. Default `() => new Date()` (the sandbox passes its simulated clock). */
  now?: () => Date;
}

/** Faults: `fail(fault, { times })` for every request or the next `times`, `clearFaults()` to stop. */
export interface LeadMagicMock extends FaultControls<LeadMagicFault> {
  handlers: HttpHandler[];
  /** Current credit balance (decreases as calls are billed). */
  readonly credits: number;
  setCredits(n: number): void;
}

const DEFAULT_PEOPLE: LeadMagicMockPerson[] = [
  { first_name: "Jane", last_name: "Doe", domain: "northwind-analytics.com", email: "jane.doe@northwind-analytics.com", status: "valid" },
  { first_name: "Tom", last_name: "Baker", domain: "globex.io", email: "tom.baker@globex.io", status: "valid_catch_all" },
];
const DEFAULT_VALIDATIONS: Record<string, string> = {
  "jane.doe@northwind-analytics.com": "valid",
  "tom.baker@globex.io": "catch_all",
  "nobody@northwind-analytics.com": "invalid",
};

function errorEnvelope(
  meta: { request_id: string; timestamp: string },
  status: number,
  code: string,
  title: string,
  detail: string,
  context: Record<string, unknown> = {},
) {
  return {
    success: false,
    errors: [
      {
        type: `https://api.leadmagic.io/errors/${code}`,
        title,
        status,
        code,
        detail,
        docs: `https://leadmagic.io/docs/errors#${code}`,
        context,
      },
    ],
    meta,
  };
}

export function createLeadMagicMock(options: LeadMagicMockOptions = {}): LeadMagicMock {
  const base = (options.baseUrl ?? "https://api.leadmagic.io").replace(/\/+$/, "");
  const apiKey = options.apiKey ?? "test-leadmagic-key";
  const slowMs = options.slowMs ?? 5000;
  const people = options.people ?? DEFAULT_PEOPLE;
  const validations = options.validations ?? DEFAULT_VALIDATIONS;
  const uuid = options.randomUUID ?? (() => crypto.randomUUID());
  const clock = options.now ?? (() => new Date());
  const errorBody = (status: number, code: string, title: string, detail: string, context: Record<string, unknown> = {}) =>
    errorEnvelope({ request_id: uuid(), timestamp: clock().toISOString() }, status, code, title, detail, context);
  let credits = options.credits ?? 100;
  const faults = createFaultSwitch<LeadMagicFault>();

  const takeFault = (): LeadMagicFault | null => faults.take()?.fault ?? null;

  async function faultResponse(kind: LeadMagicFault): Promise<Response | null> {
    switch (kind) {
      case "unauthorized":
        return HttpResponse.json(errorBody(401, "invalid_api_key", "Invalid API Key", "The API key provided is not valid."), {
          status: 401,
        });
      case "out_of_credits":
        return HttpResponse.json(
          errorBody(402, "insufficient_credits", "Insufficient Credits", "Not enough credits.", {
            credits_required: 1,
            credits_available: 0,
            credits_needed: 1,
          }),
          { status: 402 },
        );
      case "invalid":
        return HttpResponse.json(errorBody(400, "validation_error", "Validation Error", "Request body is invalid.", {}), { status: 400 });
      case "unprocessable":
        // LeadMagic documents 400 for validation; a 422 is kept as a fault so the mapper is proven on it too.
        return HttpResponse.json(errorBody(422, "validation_error", "Unprocessable Entity", "Request body is invalid."), { status: 422 });
      case "rate_limited_retry_after":
        return HttpResponse.json(
          errorBody(429, "rate_limit_exceeded", "Rate Limit Exceeded", "Too many requests.", {
            limit: 600,
            window: "1 minute",
            remaining: 0,
            reset_at: Math.floor(clock().getTime() / 1000) + 7,
            retry_after_seconds: 7,
          }),
          // LeadMagic documents no Retry-After header: the wait is in the body's context.
          { status: 429 },
        );
      case "rate_limited":
        return HttpResponse.json(errorBody(429, "rate_limit_exceeded", "Rate Limit Exceeded", "Too many requests."), { status: 429 });
      case "server_error":
        return HttpResponse.json(errorBody(503, "service_unavailable", "Service Unavailable", "Try again later."), { status: 503 });
      case "malformed_json":
        return new HttpResponse('{"email": "jane.doe@northwind-analytics.com", "status": "val', {
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

  /** Auth and faults, shared by every route. Returns a response to short-circuit with, or null. */
  async function preflight(request: Request): Promise<Response | null> {
    const kind = takeFault();
    if (kind) {
      const r = await faultResponse(kind);
      if (r) return r;
    }
    const key = request.headers.get("x-api-key");
    if (!key) {
      return HttpResponse.json(errorBody(401, "missing_authentication", "Missing Authentication", "Provide X-API-Key."), { status: 401 });
    }
    if (key !== apiKey) {
      return HttpResponse.json(errorBody(401, "invalid_api_key", "Invalid API Key", "The API key provided is not valid."), { status: 401 });
    }
    return null;
  }

  async function readJson(request: Request): Promise<Record<string, unknown> | Response> {
    try {
      const body: unknown = await request.json();
      if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    return HttpResponse.json(errorBody(400, "invalid_json", "Invalid JSON", "Request body must be a JSON object."), { status: 400 });
  }

  function charge(cost: number): Response | null {
    if (credits < cost) {
      return HttpResponse.json(
        errorBody(402, "insufficient_credits", "Insufficient Credits", `This request requires ${cost} credits.`, {
          credits_required: cost,
          credits_available: credits,
          credits_needed: cost - credits,
        }),
        { status: 402 },
      );
    }
    credits -= cost;
    return null;
  }

  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);

  const handlers: HttpHandler[] = [
    http.get(`${base}/v1/credits`, async ({ request }) => {
      const stop = await preflight(request);
      if (stop) return stop;
      return HttpResponse.json({
        credits,
        is_frozen: false,
        credits_frozen: 0,
        credits_liquid: credits,
        credit_freeze_message: null,
        credit_freeze_plan_hint: null,
      });
    }),

    http.post(`${base}/v1/people/email-finder`, async ({ request }) => {
      const stop = await preflight(request);
      if (stop) return stop;
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const first = str(body.first_name);
      const last = str(body.last_name);
      const domain = str(body.domain);
      const companyName = str(body.company_name);
      const missing = [!first && "first_name", !last && "last_name"].filter(Boolean) as string[];
      if (missing.length) {
        return HttpResponse.json(
          { ...errorBody(400, "missing_required_field", "Missing Required Field", `${missing.join(", ")} is required.`) },
          { status: 400 },
        );
      }
      if (!domain && !companyName) {
        return HttpResponse.json(
          errorBody(400, "missing_required_field", "Missing Required Field", "Either domain or company_name is required."),
          { status: 400 },
        );
      }
      const hit = people.find(
        (p) =>
          p.first_name.toLowerCase() === first!.toLowerCase() &&
          p.last_name.toLowerCase() === last!.toLowerCase() &&
          (domain ? p.domain === domain.toLowerCase() : true),
      );
      if (!hit) {
        // A miss is a 200 with no email and no charge.
        return HttpResponse.json({
          email: null,
          status: "not_found",
          credits_consumed: 0,
          message: "No email found",
          first_name: first,
          last_name: last,
          domain,
          employment_verified: false,
          is_domain_catch_all: false,
          mx_record: null,
          mx_provider: null,
          mx_security_gateway: false,
          company_name: companyName,
        });
      }
      const denied = charge(1);
      if (denied) return denied;
      return HttpResponse.json({
        email: hit.email,
        status: hit.status,
        credits_consumed: 1,
        message: "Email found",
        first_name: hit.first_name,
        last_name: hit.last_name,
        domain: hit.domain,
        employment_verified: hit.status === "valid",
        is_domain_catch_all: hit.status !== "valid",
        mx_record: "aspmx.l.google.com",
        mx_provider: "Google",
        mx_security_gateway: false,
        company_name: null,
        company_linkedin_url: null,
      });
    }),

    http.post(`${base}/v1/people/email-validation`, async ({ request }) => {
      const stop = await preflight(request);
      if (stop) return stop;
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const email = str(body.email);
      if (!email || !email.includes("@")) {
        return HttpResponse.json(
          { ...errorBody(400, "validation_error", "Validation Error", "email must be a valid address.") },
          { status: 400 },
        );
      }
      const status = validations[email.toLowerCase()] ?? "unknown";
      // Catch-all and unknown results are free (community integrations report 0 credits).
      const cost = status === "valid" || status === "invalid" || status === "valid_catch_all" ? 0.25 : 0;
      const denied = charge(cost);
      if (denied) return denied;
      return HttpResponse.json({
        email,
        email_status: status,
        credits_consumed: cost,
        message: `Email is ${status}`,
        is_domain_catch_all: status === "catch_all" || status === "valid_catch_all",
        mx_record: "aspmx.l.google.com",
        mx_provider: "Google",
        mx_security_gateway: false,
      });
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
