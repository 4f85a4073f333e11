/**
 * Sumble's error bodies → the kit's ProviderError. Sumble is a FastAPI service: errors carry
 * `detail`, either a string or a list of `{ loc, msg, type }`. No machine codes and no Retry-After
 * are documented, so the kind comes from the status.
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { HttpErrorContext } from "@offerlab/provider-kit";
import { z } from "zod";

export const ErrorBody = z.looseObject({
  detail: z
    .union([
      z.string(),
      z.array(z.looseObject({ loc: z.array(z.unknown()).nullish(), msg: z.string().nullish(), type: z.string().nullish() })),
    ])
    .nullish(),
  message: z.string().nullish(),
});

export function mapSumbleError(context: HttpErrorContext): ProviderError {
  const parsed = ErrorBody.safeParse(context.body);
  const detail = parsed.success ? parsed.data.detail : undefined;
  const vendorMessage =
    (typeof detail === "string"
      ? detail
      : detail?.map((d) => [d.loc?.filter((l) => l !== "body").join("."), d.msg].filter(Boolean).join(": ")).join("; ")) ||
    (parsed.success ? parsed.data.message : undefined) ||
    undefined;
  const code = Array.isArray(detail) ? (detail[0]?.type ?? undefined) : undefined;
  return new ProviderError({
    kind: kindForStatus(context.status),
    provider: "sumble",
    message: `${context.method} ${context.path} failed with ${context.status}${vendorMessage ? `: ${vendorMessage}` : ""}`,
    status: context.status,
    rawBody: context.rawBody,
    ...(code ? { vendorCode: code } : {}),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(context.retryAfterMs !== undefined ? { retryAfterMs: context.retryAfterMs } : {}),
  });
}
