/**
 * TheirStack's error bodies → the kit's ProviderError. TheirStack documents
 * `{ request_id, error: { code, title, description } }`; validation errors (422) look like FastAPI's
 * `{ detail: [{ loc, msg, type }] }`. The digest does not confirm the status for out-of-credits
 * (assumed 402) or the catalogue of `E-xxx` codes, so the kind comes from the HTTP status only.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { z } from "zod";

export const ErrorBody = z.looseObject({
  request_id: z.string().nullish(),
  error: z.looseObject({ code: z.string().nullish(), title: z.string().nullish(), description: z.string().nullish() }).nullish(),
  detail: z.union([z.string(), z.array(z.looseObject({ msg: z.string().nullish(), loc: z.array(z.unknown()).nullish() }))]).nullish(),
});

/**
 * Seconds until the window resets, from the IETF draft headers TheirStack sends on every response
 * (`RateLimit: "<policy>";r=0;t=<s>`, or `RateLimit-Reset: <s>`). Used when a 429 has no Retry-After.
 */
export function rateLimitResetMs(headers: Headers): number | undefined {
  const combined = headers.get("ratelimit");
  const t = combined ? /(?:^|[;,\s])t=(\d+(?:\.\d+)?)/.exec(combined)?.[1] : undefined;
  const reset = t ?? headers.get("ratelimit-reset") ?? undefined;
  if (reset === undefined || !/^\d+(\.\d+)?$/.test(reset.trim())) return undefined;
  return Math.round(Number(reset) * 1000);
}

export function mapTheirStackError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const body = parsed.success ? parsed.data : undefined;
  const code = body?.error?.code ?? undefined;
  const detail = body?.detail;
  const detailMessage =
    typeof detail === "string" ? detail : detail?.map((d) => [d.loc?.join("."), d.msg].filter(Boolean).join(": ")).join("; ");
  const vendorMessage = body?.error?.description ?? body?.error?.title ?? (detailMessage || undefined);
  const kind = kindForStatus(context.status);
  const retryAfterMs = kind === "rate_limited" ? (context.retryAfterMs ?? rateLimitResetMs(context.headers)) : undefined;
  return new ProviderError({
    kind,
    provider: "theirstack",
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}${body?.request_id ? ` (request ${body.request_id})` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
