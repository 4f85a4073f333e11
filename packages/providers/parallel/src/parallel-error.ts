/**
 * Parallel's error body (`{ type: "error", error: { ref_id, message, detail? } }`) → the kit's
 * ProviderError. Parallel documents no Retry-After and no machine codes, so the kind comes from
 * the status; `ref_id` is kept in the message for support.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext, ProviderErrorKind } from "@offerlab/provider-kit";
import { z } from "zod";

export const ErrorBody = z.looseObject({
  type: z.string().nullish(),
  error: z.looseObject({ ref_id: z.string().nullish(), message: z.string().nullish(), detail: z.unknown().optional() }).nullish(),
});

function kindFor(status: number): ProviderErrorKind {
  // 403 is "processor not allowed" and the like: this request is refused, the key is fine.
  if (status === 403) return "invalid";
  // 409 conflicts are retried by Parallel's own SDK.
  if (status === 409) return "transient";
  return kindForStatus(status);
}

export function mapParallelError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const error = parsed.success ? parsed.data.error : undefined;
  const vendorMessage = error?.message ?? undefined;
  const ref = error?.ref_id ?? undefined;
  return new ProviderError({
    kind: kindFor(context.status),
    provider: "parallel",
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}${ref ? ` (ref ${ref})` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(context.retryAfterMs !== undefined ? { retryAfterMs: context.retryAfterMs } : {}),
  });
}
