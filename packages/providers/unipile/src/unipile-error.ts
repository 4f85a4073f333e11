/**
 * Unipile's error body (`{ status, type, title, detail }`) → the kit's ProviderError. Switches on
 * `type`, never on `title`. LinkedIn refusals keep a precise `reason` (the type without `errors/`).
 */
import { kindForStatus, ProviderError } from "@offerlab/provider-kit";
import type { ErrorMapper, ProviderErrorKind } from "@offerlab/provider-kit";

/**
 * Cooldown after a 429 without `Retry-After` (v1 documents no rate-limit headers). An assumption:
 * Unipile gives no figure, and LinkedIn wants about one action a minute per account anyway.
 */
export const UNIPILE_DEFAULT_RATE_LIMIT_COOLDOWN_MS = 60_000;
/**
 * Cooldown after `errors/limit_exceeded`. The digest infers (unverified) that this is LinkedIn's
 * weekly invitation cap; failing closed, we keep the account off that action for a day.
 */
export const UNIPILE_LIMIT_EXCEEDED_COOLDOWN_MS = 24 * 60 * 60 * 1000;

const kindByType: Record<string, ProviderErrorKind> = {
  // 403: the account itself is in trouble → stop using it.
  "errors/account_restricted": "auth",
  "errors/account_mismatch": "auth",
  "errors/session_mismatch": "auth",
  "errors/action_required": "auth",
  "errors/unknown_authentication_context": "auth",
  // 403: the account is fine but lacks the product for this action.
  "errors/feature_not_subscribed": "invalid",
  "errors/subscription_required": "invalid",
  "errors/insufficient_permissions": "invalid",
  "errors/resource_access_restricted": "invalid",
  // 422: money and limits.
  "errors/insufficient_credits": "credits",
  "errors/limit_exceeded": "rate_limited",
  // 422: the provider behind Unipile was not reached; for a send this becomes unknown_outcome.
  "errors/provider_unreachable": "transient",
  "errors/realtime_client_not_initialized": "transient",
  "errors/account_configuration_error": "auth",
  "errors/invalid_account": "invalid",
  // 501
  "errors/feature_not_implemented": "invalid",
};

export interface UnipileErrorBody {
  status?: number;
  type?: string;
  title?: string;
  detail?: string;
}

export const mapUnipileError: ErrorMapper = (ctx) => {
  const body = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as UnipileErrorBody;
  const type = typeof body.type === "string" ? body.type : undefined;
  let kind: ProviderErrorKind = (type && kindByType[type]) || kindForStatus(ctx.status);
  if (ctx.status === 429) kind = "rate_limited";
  if (ctx.status === 401) kind = "auth";
  let retryAfterMs = ctx.retryAfterMs;
  if (kind === "rate_limited" && retryAfterMs === undefined) {
    retryAfterMs = type === "errors/limit_exceeded" ? UNIPILE_LIMIT_EXCEEDED_COOLDOWN_MS : UNIPILE_DEFAULT_RATE_LIMIT_COOLDOWN_MS;
  }
  const vendorMessage = [body.title, body.detail].filter((s): s is string => typeof s === "string" && s !== "").join(": ");
  return new ProviderError({
    kind,
    provider: "unipile",
    message: `${ctx.method} ${ctx.path} failed with ${ctx.status}${type ? ` ${type}` : ""}${vendorMessage ? `: ${vendorMessage}` : ""}`,
    status: ctx.status,
    rawBody: ctx.rawBody,
    ...(type ? { vendorCode: type, reason: type.replace(/^errors\//, "") } : { reason: `http_${ctx.status}` }),
    ...(vendorMessage ? { vendorMessage } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
};
