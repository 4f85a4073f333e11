/**
 * Exa's error body (`{ requestId, error, tag }`) → the kit's ProviderError. Exa says to branch on
 * the HTTP status first; `tag` is open-ended, so it is kept as the code but never decides the kind.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { z } from "zod";

export const ErrorBody = z.looseObject({
  requestId: z.string().nullish(),
  error: z.string().nullish(),
  message: z.string().nullish(),
  tag: z.string().nullish(),
});

export function mapExaError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const body = parsed.success ? parsed.data : undefined;
  const code = body?.tag ?? undefined;
  // The SDK builds its message from `error` plus the optional `message`.
  const vendorMessage = [body?.error, body?.message].filter((s): s is string => typeof s === "string" && s !== "").join(": ") || undefined;
  return new ProviderError({
    kind: kindForStatus(context.status),
    provider: "exa",
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}${body?.requestId ? ` (request ${body.requestId})` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(context.retryAfterMs !== undefined ? { retryAfterMs: context.retryAfterMs } : {}),
  });
}
