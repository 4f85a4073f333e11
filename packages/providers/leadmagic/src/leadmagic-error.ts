/**
 * LeadMagic's error envelope (RFC 9457-style `errors[]`) → the kit's ProviderError.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext, ProviderErrorKind } from "@offerlab/provider-kit";
import { z } from "zod";

/** LeadMagic's error envelope: `errors[0]` carries the code, message and context. */
export const ErrorBody = z.looseObject({
  errors: z
    .array(
      z.looseObject({
        status: z.number().nullish(),
        code: z.string().nullish(),
        title: z.string().nullish(),
        detail: z.string().nullish(),
        context: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .nullish(),
  meta: z.looseObject({ request_id: z.string().nullish() }).nullish(),
});
export type LeadMagicErrorBody = z.infer<typeof ErrorBody>;

/** LeadMagic codes whose kind differs from what the HTTP status alone says. */
const KIND_BY_CODE: Record<string, ProviderErrorKind> = {
  missing_authentication: "auth",
  invalid_api_key: "auth",
  insufficient_permissions: "auth",
  insufficient_credits: "credits",
  rate_limit_exceeded: "rate_limited",
  resource_not_found: "not_found",
  profile_not_found: "not_found",
  validation_error: "invalid",
  missing_required_field: "invalid",
  invalid_json: "invalid",
  invalid_parameter: "invalid",
  internal_error: "transient",
  external_service_error: "transient",
  service_unavailable: "transient",
};

export function mapLeadMagicError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  const code = first?.code ?? undefined;
  const vendorMessage = first?.detail ?? first?.title ?? undefined;
  // A code we know decides (LeadMagic's codes are more precise than its statuses); an unknown
  // or missing code falls back to the status.
  const kind = (code && KIND_BY_CODE[code.toLowerCase()]) || kindForStatus(context.status);

  // LeadMagic documents no Retry-After header; the wait comes in the body's context
  // (`retry_after_seconds`, else `reset_at` in epoch seconds).
  let retryAfterMs = context.retryAfterMs;
  const ctx = first?.context ?? undefined;
  if (retryAfterMs === undefined && ctx) {
    const seconds = ctx.retry_after_seconds;
    const resetAt = ctx.reset_at;
    if (typeof seconds === "number" && seconds >= 0) retryAfterMs = Math.round(seconds * 1000);
    else if (typeof resetAt === "number") retryAfterMs = Math.max(0, resetAt * 1000 - Date.now());
  }

  const requestId = parsed.success ? parsed.data.meta?.request_id : undefined;
  return new ProviderError({
    kind,
    provider: "leadmagic",
    message: `${context.method} ${context.path} failed with ${context.status}${code ? ` ${code}` : ""}${vendorMessage ? `: ${vendorMessage}` : ""}${requestId ? ` (request ${requestId})` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(kind === "rate_limited" && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
