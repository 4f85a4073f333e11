/**
 * The provider adapters of the runner's own bin, from its environment: Unipile when
 * `UNIPILE_API_KEY` is set (with `UNIPILE_DSN` or `UNIPILE_BASE_URL`), nothing otherwise (the jobs
 * that need it are skipped and say why). Every call is recorded in `tool_usage`.
 */
import { toolRateLimits, toolUsage, type Db } from "@offerlab/db";
import { createRateGate, missingVendorEnv, vendorOptionsFromEnv, type CallGate, type OnUsage } from "@offerlab/provider-kit";
import { unipileVendor, type UnipileProvider } from "@offerlab/provider-unipile";
import type { Logger } from "./logger.js";
import type { TickProviders } from "./tick.js";

/** What each Unipile capability is used for by the jobs. */
export function providersFromUnipile(unipile: UnipileProvider): TickProviders {
  return { senders: { email: unipile, linkedin: unipile, reconciler: unipile }, inbox: unipile, linkedin: unipile };
}

/** Records each provider call in `tool_usage`; bookkeeping never fails the call itself. */
export function usageToDatabase(db: Db, logger?: Logger): OnUsage {
  return async (e) => {
    try {
      await toolUsage.record(db, {
        tool: e.tool,
        action: e.action,
        status: e.status,
        credits: e.credits,
        durationMs: e.durationMs,
        ...(e.resultsCount !== undefined ? { resultsCount: e.resultsCount } : {}),
        ...(e.request ? { request: e.request } : {}),
        ...(e.response ? { response: e.response } : {}),
        ...(e.error ? { error: `${e.error.kind}: ${e.error.message}` } : {}),
        ...(e.balance ? { balance: e.balance } : {}),
        offerId: e.context?.offerId ?? null,
        companyId: e.context?.companyId ?? null,
        contactId: e.context?.contactId ?? null,
      });
    } catch (error) {
      logger?.warn({ err: error, tool: e.tool, action: e.action }, "could not record provider usage");
    }
  };
}

/** The tools' rate limits (`tools.rate_limit_per_minute` / `_per_day`), counted in the database shared with every other runner. */
export function rateGateOnDatabase(db: Db): CallGate {
  return createRateGate({ consume: (tool, at) => toolRateLimits.consume(db, tool, at) });
}

/** Unipile from the environment (the variables its descriptor names, trimmed), or null with the reason. */
export function unipileFromEnv(
  env: Record<string, string | undefined>,
  onUsage?: OnUsage,
  gate?: CallGate,
): { unipile: UnipileProvider | null; missing: string[] } {
  const missing = missingVendorEnv(unipileVendor, env);
  if (missing.length) return { unipile: null, missing };
  return {
    unipile: unipileVendor.create({
      ...vendorOptionsFromEnv(unipileVendor, env, { trim: true }),
      ...(onUsage ? { onUsage } : {}),
      ...(gate ? { gate } : {}),
    }),
    missing,
  };
}
