/**
 * The contract suites run against a toy adapter built the way README.md describes, so the suites
 * themselves are tested: a conforming adapter passes all of them, including every fault. (The
 * send-side suites run against the Unipile adapter in `@offerlab/provider-unipile`.)
 */
import { delay, http, HttpResponse } from "msw";
import { z } from "zod";
import { createHttpClient, readSetting, trackUsage } from "./index.js";
import type { CompanySearch, EmailVerifier, OnUsage, RetryOptions } from "./index.js";
import { runCompanySearchContract, runEmailVerifierContract, setupMswServer } from "./testing.js";
import type { ContractFault } from "./testing.js";

const BASE = "https://api.toy.test";
const KEY = "toy_live_secret_123";

function createToy(options: {
  apiKey?: string;
  onUsage?: OnUsage;
  retry?: RetryOptions;
  timeoutMs?: number;
}): EmailVerifier & CompanySearch {
  const apiKey = () => readSetting({ provider: "toy", option: "apiKey", value: options.apiKey, envVar: "TOY_API_KEY" });
  const client = createHttpClient({
    provider: "toy",
    baseUrl: () => BASE,
    headers: () => ({ authorization: `Bearer ${apiKey()}` }),
    retry: options.retry,
    timeoutMs: options.timeoutMs,
  });
  return {
    provider: "toy",
    verifyEmail(email) {
      return trackUsage(
        { onUsage: options.onUsage, tool: "toy", action: "verify", request: { email }, secrets: [options.apiKey], credits: 1 },
        async () => {
          const { data } = await client.request({
            method: "GET",
            path: "/verify",
            query: { email },
            schema: z.object({ result: z.string() }),
          });
          const status = data.result === "ok" ? "valid" : data.result === "catch_all" ? "risky" : "invalid";
          return { email: email.toLowerCase(), email_status: status, vendor_status: data.result, source_tool: "toy" } as const;
        },
      );
    },
    searchCompanies(query) {
      return trackUsage(
        {
          onUsage: options.onUsage,
          tool: "toy",
          action: "search",
          request: { query: query.query },
          secrets: [options.apiKey],
          resultsCount: (r) => r.companies.length,
        },
        async () => {
          const { data } = await client.request({
            method: "POST",
            path: "/search",
            json: { q: query.query },
            safe: true,
            schema: z.object({ results: z.array(z.object({ name: z.string(), website: z.string() })) }),
          });
          return {
            companies: data.results.map((r) => ({
              name: r.name,
              domain: new URL(r.website).hostname.replace(/^www\./, ""),
              source_tool: "toy",
            })),
            cursor: null,
          };
        },
      );
    },
  };
}

let fault: ContractFault | null = null;
function faultResponse(): Response | Promise<Response> | undefined {
  switch (fault) {
    case null:
      return undefined;
    case "unauthorized":
      return HttpResponse.json({ message: "bad key" }, { status: 401 });
    case "out_of_credits":
      return HttpResponse.json({ message: "no credits" }, { status: 402 });
    case "invalid":
      return HttpResponse.json({ message: "bad input" }, { status: 422 });
    case "rate_limited":
      return HttpResponse.json({}, { status: 429 });
    case "rate_limited_retry_after":
      return HttpResponse.json({}, { status: 429, headers: { "retry-after": "7" } });
    case "server_error":
      return HttpResponse.json({}, { status: 500 });
    case "malformed_json":
      return new HttpResponse("{not json", { status: 200, headers: { "content-type": "application/json" } });
    case "timeout":
      return delay(300).then(() => HttpResponse.json({}));
    case "response_lost":
      return HttpResponse.error();
  }
}

const { server } = setupMswServer(
  http.get(`${BASE}/verify`, ({ request }) => {
    const f = faultResponse();
    if (f) return f;
    if (request.headers.get("authorization") !== `Bearer ${KEY}`) return HttpResponse.json({}, { status: 401 });
    const email = (new URL(request.url).searchParams.get("email") ?? "").toLowerCase();
    return HttpResponse.json({ result: email.startsWith("good") ? "ok" : email.startsWith("all") ? "catch_all" : "bad" });
  }),
  http.post(
    `${BASE}/search`,
    () => faultResponse() ?? HttpResponse.json({ results: [{ name: "Acme", website: "https://www.acme.com/about" }] }),
  ),
);

const common = {
  name: "toy",
  server,
  secrets: [KEY],
  faults: [
    "unauthorized",
    "out_of_credits",
    "invalid",
    "rate_limited",
    "rate_limited_retry_after",
    "server_error",
    "malformed_json",
    "timeout",
    "response_lost",
  ] as const,
  fault: (f: ContractFault) => void (fault = f),
  reset: () => void (fault = null),
  create: ({ onUsage }: { onUsage: OnUsage }) => createToy({ apiKey: KEY, onUsage, retry: { maxAttempts: 1 }, timeoutMs: 50 }),
};

runEmailVerifierContract({ ...common, valid: "Good@Acme.com", invalid: "bad@acme.com", catchAll: "all@acme.com" });
runCompanySearchContract({ ...common, query: { query: "industrial SaaS" } });
