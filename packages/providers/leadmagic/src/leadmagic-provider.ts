/**
 * LeadMagic as offerlab capabilities: `EmailFinder` and `EmailVerifier`, plus a free credit
 * balance read. Delegates HTTP to `leadmagic-api.ts` and mapping to `leadmagic-transform.ts`.
 */
import { normalizeDomain } from "@offerlab/core";
import { ProviderError, readSetting, trackUsage } from "@offerlab/provider-kit";
import type {
  CallOptions,
  EmailFinder,
  EmailFinderQuery,
  EmailFinderResult,
  EmailVerification,
  EmailVerifier,
  FetchLike,
  CallGate,
  CreditBalance,
  CreditBalanceReader,
  OnUsage,
  RetryOptions,
} from "@offerlab/provider-kit";
import { createLeadMagicApi, LEADMAGIC_DEFAULT_BASE_URL } from "./leadmagic-api.js";
import type { EmailFinderRequest } from "./leadmagic-api.js";
import { LEADMAGIC_SOURCE_TOOL, toEmailFinding, toEmailVerification } from "./leadmagic-transform.js";

export interface LeadMagicOptions {
  /** API key. Default: the `LEADMAGIC_API_KEY` environment variable, read when a request is made. */
  apiKey?: string;
  /** API origin. Default: `LEADMAGIC_BASE_URL`, else `https://api.leadmagic.io`. */
  baseUrl?: string;
  /** The `fetch` to use (tests, proxies, middleware). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
  /** Receives one usage event per operation (credits, duration, status); never sees the key. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits, shared across processes (`createRateGate`). Default: none. */
  gate?: CallGate;
  /** Per-request timeout in ms. Default 30 000. */
  timeoutMs?: number;
  /** Retries of lookups on 429/5xx/timeouts. Default: the kit's (3 attempts, backoff with jitter, `Retry-After` up to 30 s). */
  retry?: RetryOptions;
}

/** LeadMagic's credit balance (`GET /v1/credits`, free). */
export interface LeadMagicCredits {
  credits: number;
  frozen: boolean;
}

export interface LeadMagicProvider extends EmailFinder, EmailVerifier, CreditBalanceReader {
  readonly provider: "leadmagic";
  getCredits(options?: CallOptions): Promise<LeadMagicCredits>;
}

const invalid = (message: string) =>
  new ProviderError({ kind: "invalid", provider: "leadmagic", message, reason: "invalid_input", retryable: false });

/** LeadMagic needs a first and last name and a domain or a company name. */
export function toFinderRequest(query: EmailFinderQuery): EmailFinderRequest {
  let first = query.firstName?.trim() ?? "";
  let last = query.lastName?.trim() ?? "";
  if ((!first || !last) && query.fullName?.trim()) {
    const parts = query.fullName.trim().split(/\s+/);
    // "Jean-Luc de la Tour": the first word is the first name, the rest the last name.
    first ||= parts[0] ?? "";
    last ||= parts.slice(1).join(" ");
  }
  if (!first || !last) throw invalid("findEmail needs firstName and lastName (or a fullName of two words or more)");
  const domain = query.domain ? normalizeDomain(query.domain) : null;
  const companyName = query.companyName?.trim();
  if (!domain && !companyName) {
    // LinkedIn-only lookups exist at LeadMagic (b2b-profile-email, 5 credits) but are not wired here.
    throw invalid("findEmail needs a domain or a companyName");
  }
  return { first_name: first, last_name: last, ...(domain ? { domain } : { company_name: companyName }) };
}

export function createLeadMagic(options: LeadMagicOptions = {}): LeadMagicProvider {
  const apiKey = () => readSetting({ provider: "leadmagic", option: "apiKey", value: options.apiKey, envVar: "LEADMAGIC_API_KEY" });
  const api = createLeadMagicApi({
    apiKey,
    baseUrl: () =>
      readSetting({
        provider: "leadmagic",
        option: "baseUrl",
        value: options.baseUrl,
        envVar: "LEADMAGIC_BASE_URL",
        defaultValue: LEADMAGIC_DEFAULT_BASE_URL,
      }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
  });
  // The key is looked up lazily for redaction too: a missing key must fail the call, not this.
  const secrets = () => [options.apiKey, process.env.LEADMAGIC_API_KEY];

  const provider: LeadMagicProvider = {
    provider: "leadmagic",

    async findEmail(query, callOptions = {}) {
      const body = toFinderRequest(query);
      return trackUsage<EmailFinderResult>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: LEADMAGIC_SOURCE_TOOL,
          action: "find_email",
          // Names are personal data: the summary keeps only the company side.
          request: { domain: body.domain ?? null, company_name: body.company_name ?? null },
          context: callOptions.usageContext,
          secrets: secrets(),
          credits: (r) => r.creditsUsed ?? 0,
          resultsCount: (r) => (r.email ? 1 : 0),
          response: (r) => ({ found: r.email !== null, email_status: r.email_status }),
        },
        async () => toEmailFinding(await api.emailFinder(body, callOptions.signal)),
      );
    },

    async verifyEmail(email, callOptions = {}) {
      const address = email.trim();
      if (!address.includes("@")) throw invalid(`verifyEmail needs an email address, got "${address}"`);
      return trackUsage<EmailVerification>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: LEADMAGIC_SOURCE_TOOL,
          action: "verify_email",
          request: { domain: normalizeDomain(address) },
          context: callOptions.usageContext,
          secrets: secrets(),
          credits: (r) => r.creditsUsed ?? 0,
          resultsCount: () => 1,
          response: (r) => ({ email_status: r.email_status, vendor_status: r.vendor_status ?? null }),
        },
        async () => toEmailVerification(address, await api.emailValidation({ email: address }, callOptions.signal)),
      );
    },

    async getCredits(callOptions = {}) {
      return trackUsage<LeadMagicCredits>(
        {
          onUsage: options.onUsage,
          gate: options.gate,
          tool: LEADMAGIC_SOURCE_TOOL,
          action: "get_credits",
          context: callOptions.usageContext,
          secrets: secrets(),
          response: (r) => ({ credits: r.credits, frozen: r.frozen }),
          // LeadMagic has no reset date in the answer: left unknown.
          balance: (r) => ({ remaining: r.credits }),
        },
        async () => {
          const body = await api.credits(callOptions.signal);
          return { credits: body.credits, frozen: body.is_frozen === true };
        },
      );
    },

    async getCreditBalance(call = {}): Promise<CreditBalance> {
      const credits = await provider.getCredits(call);
      return { remaining: credits.credits };
    },
  };
  return provider;
}
