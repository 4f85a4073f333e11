/**
 * Firecrawl's error body (`{ success: false, error, code?, details? }`) → the kit's ProviderError.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext, ProviderErrorKind } from "@offerlab/provider-kit";
import { z } from "zod";

export const ErrorBody = z.looseObject({
  success: z.boolean().nullish(),
  error: z.string().nullish(),
  code: z.string().nullish(),
  details: z.unknown().optional(),
});

function kindFor(status: number): ProviderErrorKind {
  // Firecrawl's 403 is about the target (unsupported site, prompt injection detected), not our
  // key (that is 401): the page is refused as it stands, the account is fine.
  if (status === 403) return "invalid";
  // 409 conflict and 413 payload too large are refusals too; 408 is a slow page (retryable).
  return kindForStatus(status);
}

export function mapFirecrawlError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const body = parsed.success ? parsed.data : undefined;
  const code = body?.code ?? undefined;
  const vendorMessage = body?.error ?? undefined;
  const kind = kindFor(context.status);
  // Big PDFs answer 408 SCRAPE_TIMEOUT with `details.retryAfterSeconds`: resend the same request later.
  let retryAfterMs = context.retryAfterMs;
  const details = body?.details;
  if (retryAfterMs === undefined && details && typeof details === "object") {
    const seconds = (details as Record<string, unknown>).retryAfterSeconds;
    if (typeof seconds === "number" && seconds >= 0) retryAfterMs = Math.round(seconds * 1000);
  }
  return new ProviderError({
    kind,
    provider: "firecrawl",
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(retryAfterMs !== undefined && (kind === "rate_limited" || kind === "transient") ? { retryAfterMs } : {}),
  });
}
