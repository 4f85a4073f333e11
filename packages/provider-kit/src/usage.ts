/**
 * Usage reporting: every adapter operation reports one event to the `onUsage` callback, which the
 * app records in `tool_usage`. Events never carry secrets: request summaries are redacted by key
 * name and by value before the callback sees them, and a failing callback never fails the call.
 */
import { ProviderError } from "./errors.js";

/** Mirrors `tool_usage.status`. */
export type UsageStatus = "success" | "error" | "rate_limited";

/** The ids a caller can attach so the app can file usage against its rows. */
export interface UsageContext {
  offerId?: string;
  companyId?: string;
  contactId?: string;
  /** Any other correlation id of the caller (a pipeline step, a send attempt). */
  [key: string]: string | undefined;
}

/**
 * A vendor's credit balance, as its API reported it: from a free balance endpoint (LeadMagic
 * `GET /v1/credits`, Firecrawl `GET /v2/team/credit-usage`, TheirStack
 * `GET /v0/billing/credit-balance`) or on every response (Sumble's `credits_remaining`). Vendors
 * that expose none (Exa with a plain API key, Parallel, Unipile) never report one: their balance
 * stays unknown rather than guessed.
 */
export interface CreditBalance {
  /** Credits left, in the vendor's own unit. */
  remaining: number;
  /** When the balance resets (end of the billing period, ISO-8601), when the vendor says. */
  resetAt?: string | null;
}

/** An adapter that can read its vendor's balance with a free call (`offerlab tools refresh`). */
export interface CreditBalanceReader {
  /** Reads the balance; the call reports a usage event carrying it (`UsageEvent.balance`). */
  getCreditBalance(options?: { signal?: AbortSignal }): Promise<CreditBalance>;
}

/** Whether `adapter` can read its vendor's balance. */
export function readsCreditBalance(adapter: unknown): adapter is CreditBalanceReader {
  return typeof adapter === "object" && adapter !== null && typeof (adapter as CreditBalanceReader).getCreditBalance === "function";
}

/**
 * Asked before every vendor call, with the tool the call is filed under. Resolves to let the call
 * go, or throws (a `rate_limited` ProviderError from {@link createRateGate}) to stop it before it
 * reaches the vendor. The apps back it with a database counter shared by every process.
 */
export type CallGate = (call: { tool: string; action: string; signal?: AbortSignal | undefined }) => Promise<void>;

export interface UsageEvent {
  /** Tool name as in the `tools` table, e.g. `unipile`, `leadmagic`, `parallel_companies`. */
  tool: string;
  /** What was done, e.g. `search`, `verify`, `send_invitation`. */
  action: string;
  status: UsageStatus;
  /** Credits the vendor charged (0 when free or unknown). */
  credits: number;
  durationMs: number;
  resultsCount?: number;
  /** A small summary of the request (`tool_usage.request_params`), secrets removed. */
  request?: Record<string, unknown>;
  /** A small summary of the response (`tool_usage.response_summary`), secrets removed. */
  response?: Record<string, unknown>;
  /** Present when status is not `success`. */
  error?: { kind: string; message: string; code?: string };
  context?: UsageContext;
  /** When the operation started (ISO-8601). */
  startedAt: string;
  /** The vendor's credit balance, when this call's answer carried it. */
  balance?: CreditBalance;
}

export type OnUsage = (event: UsageEvent) => void | Promise<void>;

const secretKey = /(api[-_]?key|token|secret|password|passwd|authorization|^auth$|cookie|credential|signature)/i;
export const REDACTED = "[redacted]";

/**
 * Copies `value` with secrets removed: any property whose name looks like a secret, and any string
 * containing one of `secrets`, is replaced by `[redacted]`. Depth and size are bounded. The copy
 * is what JSON can hold, as `tool_usage` stores it: a property whose value is `undefined` (an
 * optional parameter the call did not use) is left out, and an `undefined` in an array is `null`.
 */
export function redactSecrets<T>(value: T, secrets: readonly (string | undefined)[] = []): T {
  const known = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return known.some((s) => v.includes(s)) ? REDACTED : v;
    if (v === null || typeof v !== "object") return v;
    if (depth > 6) return "[…]";
    if (Array.isArray(v)) return v.slice(0, 50).map((x) => (x === undefined ? null : walk(x, depth + 1)));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      out[k] = secretKey.test(k) ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };
  return walk(value, 0) as T;
}

export interface TrackUsage<T> {
  onUsage?: OnUsage | undefined;
  /**
   * Asked before the call (the tool's rate limits). When it throws, the call does not happen and
   * no usage event is reported: the vendor was never asked. Default: none.
   */
  gate?: CallGate | undefined;
  /** Cancels a wait in the gate. */
  signal?: AbortSignal | undefined;
  tool: string;
  action: string;
  /** Request summary; redacted before reporting. */
  request?: Record<string, unknown>;
  context?: UsageContext | undefined;
  /** Secret values (API keys) that must never appear in the event. */
  secrets?: readonly (string | undefined)[];
  /** Credits charged for a successful result. Default 0. */
  credits?: number | ((result: T) => number);
  /** Credits charged even when the call fails (some vendors bill failures). Default 0. */
  creditsOnError?: number;
  resultsCount?: (result: T) => number | undefined;
  response?: (result: T) => Record<string, unknown> | undefined;
  /** The vendor's balance, when the result carries it. */
  balance?: (result: T) => CreditBalance | undefined;
  /** Injected for tests. */
  now?: () => number;
}

/**
 * Runs `fn` and reports exactly one usage event for it, success or failure. The event is sent
 * after the result is known; a throwing or rejecting `onUsage` is swallowed.
 */
export async function trackUsage<T>(track: TrackUsage<T>, fn: () => Promise<T>): Promise<T> {
  if (track.gate) await track.gate({ tool: track.tool, action: track.action, signal: track.signal });
  const now = track.now ?? Date.now;
  const started = now();
  const base = {
    tool: track.tool,
    action: track.action,
    startedAt: new Date(started).toISOString(),
    ...(track.request ? { request: redactSecrets(track.request, track.secrets) } : {}),
    ...(track.context ? { context: track.context } : {}),
  };
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    const kind = ProviderError.isInstance(error) ? error.kind : "unexpected";
    const message = error instanceof Error ? error.message : String(error);
    const code = ProviderError.isInstance(error) ? error.vendorCode : undefined;
    await emit(track.onUsage, {
      ...base,
      status: kind === "rate_limited" ? "rate_limited" : "error",
      credits: track.creditsOnError ?? 0,
      durationMs: Math.max(0, now() - started),
      error: redactSecrets({ kind, message, ...(code ? { code } : {}) }, track.secrets),
    });
    throw error;
  }
  const credits = typeof track.credits === "function" ? track.credits(result) : (track.credits ?? 0);
  const resultsCount = track.resultsCount?.(result);
  const response = track.response?.(result);
  const balance = validBalance(track.balance?.(result));
  await emit(track.onUsage, {
    ...base,
    status: "success",
    credits,
    durationMs: Math.max(0, now() - started),
    ...(resultsCount !== undefined ? { resultsCount } : {}),
    ...(response ? { response: redactSecrets(response, track.secrets) } : {}),
    ...(balance ? { balance } : {}),
  });
  return result;
}

// A balance that is not a finite number is no balance: unknown beats a wrong figure.
function validBalance(balance: CreditBalance | undefined): CreditBalance | undefined {
  if (!balance || typeof balance.remaining !== "number" || !Number.isFinite(balance.remaining)) return undefined;
  const resetAt = typeof balance.resetAt === "string" && Number.isFinite(Date.parse(balance.resetAt)) ? balance.resetAt : undefined;
  return { remaining: balance.remaining, ...(resetAt ? { resetAt } : {}) };
}

async function emit(onUsage: OnUsage | undefined, event: UsageEvent): Promise<void> {
  if (!onUsage) return;
  try {
    await onUsage(event);
  } catch {
    // Bookkeeping must never turn a successful send into a failure (or a failure into another).
  }
}
