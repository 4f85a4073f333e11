/**
 * Pure mapping from LeadMagic's response shapes to offerlab's domain. No I/O, no clock: every
 * function here is tested with the realistic payloads in `__fixtures__/`.
 */
import { normalizeEmail, normalizeDomain, normalizeLinkedInUrl } from "@offerlab/core";
import type { EmailStatus } from "@offerlab/core";
import type { EmailFinderResult, EmailVerification } from "@offerlab/provider-kit";
import type { LeadMagicEmailFinderResponse, LeadMagicEmailValidationResponse } from "./leadmagic-api.js";

export const LEADMAGIC_SOURCE_TOOL = "leadmagic";

/**
 * LeadMagic's finder `status` → `contacts.email_status`.
 *
 * Catch-all is `risky`, never `valid`: a catch-all domain accepts every address, so delivery to
 * this one is not proven (schema: `email_verified` is true only for `valid`). Any status we do not
 * know (the digest says the enum may lag the API) fails closed to `unknown`, which the send path
 * does not count as verified.
 */
export function mapFinderStatus(status: string | null | undefined, isDomainCatchAll: boolean | null | undefined): EmailStatus {
  switch (status) {
    case "valid":
      // A `valid` on a domain LeadMagic itself flags as catch-all contradicts itself; trust the weaker signal.
      return isDomainCatchAll === true ? "risky" : "valid";
    case "valid_catch_all":
    case "catch_all":
      return "risky";
    case "invalid":
      return "invalid";
    default:
      return "unknown";
  }
}

/**
 * LeadMagic's validation `email_status` (`valid | invalid | valid_catch_all | catch_all | unknown`)
 * → `contacts.email_status`, with the same fail-closed rules as {@link mapFinderStatus}.
 */
export function mapValidationStatus(status: string | null | undefined, isDomainCatchAll: boolean | null | undefined): EmailStatus {
  return mapFinderStatus(status, isDomainCatchAll);
}

/** Fields of a LeadMagic body that are noise for our records (mail-server plumbing). */
const BULKY_FIELDS = ["mx_record", "mx_security_gateway", "credit_freeze_message", "credit_freeze_plan_hint"] as const;

/** A shallow copy of a LeadMagic body without the fields we never look at again. */
export function trimLeadMagicRaw(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(BULKY_FIELDS as readonly string[]).includes(k)) out[k] = v;
  }
  return out;
}

/**
 * A finder answer → the kit's `EmailFinderResult`. A miss (no address) is a result with
 * `email: null`, not an error: LeadMagic answers 200 and charges nothing.
 */
export function toEmailFinding(body: LeadMagicEmailFinderResponse): EmailFinderResult {
  const email = body.email ? normalizeEmail(body.email) : null;
  return {
    email,
    // No address means nothing to send to: the status is `unknown` whatever LeadMagic said.
    email_status: email ? mapFinderStatus(body.status, body.is_domain_catch_all) : "unknown",
    source_tool: LEADMAGIC_SOURCE_TOOL,
    source_raw: trimLeadMagicRaw(body),
    creditsUsed: body.credits_consumed ?? 0,
  };
}

/** The employer LeadMagic reports next to a found address, normalised (for matching to a company row). */
export function finderCompany(body: LeadMagicEmailFinderResponse): {
  name: string | null;
  domain: string | null;
  linkedin_url: string | null;
} {
  return {
    name: body.company_name ?? null,
    domain: body.domain ? normalizeDomain(body.domain) : null,
    linkedin_url: body.company_linkedin_url ? normalizeLinkedInUrl(body.company_linkedin_url) : null,
  };
}

/** A validation answer → the kit's `EmailVerification`, keeping LeadMagic's own status word. */
export function toEmailVerification(requestedEmail: string, body: LeadMagicEmailValidationResponse): EmailVerification {
  return {
    email: (body.email ? normalizeEmail(body.email) : null) ?? normalizeEmail(requestedEmail) ?? requestedEmail.trim(),
    email_status: mapValidationStatus(body.email_status, body.is_domain_catch_all),
    vendor_status: body.email_status ?? null,
    catch_all: body.is_domain_catch_all ?? null,
    source_tool: LEADMAGIC_SOURCE_TOOL,
    source_raw: trimLeadMagicRaw(body),
    creditsUsed: body.credits_consumed ?? 0,
  };
}
