/**
 * Paid lookups: every vendor call the pipeline makes goes through `paidLookup`, which
 *  1. returns the stored answer of the same lookup (`pipeline_lookups`) when there is a recent
 *     one, so a resumed or repeated run never pays twice for it;
 *  2. refuses to start a call once the run's credit budget is spent (`BudgetReached`);
 *  3. tags the call with the run's ids (filed in `tool_usage` by the usage recorder) and counts
 *     its credits from the usage events, else from the result's `creditsUsed`;
 *  4. stores the answer with what it cost.
 * Only answers are stored: a vendor error is retried by the next run.
 */
import { randomUUID } from "node:crypto";
import { jsonb } from "@offerlab/db";
import { ProviderError, type CallOptions, type ProviderErrorKind } from "@offerlab/provider-kit";
import type { PipelineContext, StepName } from "./context.js";
import { PIPELINE_CALL_ID, PIPELINE_RUN_ID } from "./usage.js";

/**
 * Thrown inside a run when the next paid call would start with the budget already spent.
 * Internal control flow: the run catches it and ends `cancelled` (reason `budget`), so it never
 * reaches a person and is no OfferlabError.
 */
export class BudgetReached extends Error {
  override readonly name = "BudgetReached";
  constructor(
    readonly spent: number,
    readonly budget: number,
  ) {
    super(`credit budget reached: spent ${round(spent)} of ${budget} credits`);
  }
}

/** One provider failure kept in a step's output (the first few of each step). */
export interface StepError {
  provider: string;
  kind: ProviderErrorKind | "unexpected";
  message: string;
  /** What was being looked up: a domain, a person, a URL. */
  item?: string;
}

/** The state of one run while it executes. */
export interface RunState {
  ctx: PipelineContext;
  runId: string;
  offerId: string;
  /** Null: no budget. */
  budget: number | null;
  spent: number;
  reuseWithinDays: number;
  /** Providers switched off for the rest of the run (out of credits, bad key). */
  disabled: Map<string, string>;
  step: StepName;
  progress(done: number, total: number | null, message?: string): void;
}

export const round = (n: number) => Math.round(n * 10000) / 10000;

/** Stable JSON (sorted keys) so that equal requests give equal lookup keys. */
export function stableKey(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, x]) => [k, norm(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

export interface LookupSpec<T> {
  /** The provider's name (`provider.provider`). */
  provider: string;
  /** `search_companies`, `search_people`, `find_email`, `verify_email`, `scrape_page`. */
  action: string;
  /** The normalised request (made stable with `stableKey`). */
  request: unknown;
  companyId?: string | undefined;
  contactId?: string | undefined;
  call: (options: CallOptions) => Promise<T>;
}

/** Kinds after which a provider is not asked again in this run. */
const DISABLING: ReadonlySet<string> = new Set(["auth", "credits"]);

export async function paidLookup<T>(rs: RunState, spec: LookupSpec<T>): Promise<{ value: T; cached: boolean; credits: number }> {
  const db = rs.ctx.db;
  const key = stableKey(rs.ctx.lookupScope === undefined ? spec.request : { scope: rs.ctx.lookupScope, request: spec.request });
  // One clock for writing and reading the reuse window: the run's (simulated in the sandbox), not
  // the database's `now()`, which is the wall clock.
  const now = rs.ctx.now?.() ?? new Date();
  const since = new Date(now.getTime() - rs.reuseWithinDays * 86_400_000);
  const hit = await db
    .selectFrom("pipeline_lookups")
    .select(["result"])
    .where("tool", "=", spec.provider)
    .where("action", "=", spec.action)
    .where("lookup_key", "=", key)
    .where("sandbox", "=", rs.ctx.sandbox === true)
    .where("created_at", ">=", since)
    .executeTakeFirst();
  if (hit) return { value: hit.result as T, cached: true, credits: 0 };

  const disabled = rs.disabled.get(spec.provider);
  if (disabled !== undefined) {
    throw new ProviderError({
      kind: "credits",
      provider: spec.provider,
      message: `skipped for the rest of this run: ${disabled}`,
      reason: "disabled_for_run",
    });
  }
  if (rs.budget !== null && rs.spent >= rs.budget) throw new BudgetReached(rs.spent, rs.budget);

  const callId = randomUUID();
  let observed: number | null = null;
  const unwatch = rs.ctx.usage?.watch(callId, (event) => {
    observed = (observed ?? 0) + (Number.isFinite(event.credits) ? event.credits : 0);
  });
  const usageContext: Record<string, string | undefined> = {
    offerId: rs.offerId,
    companyId: spec.companyId,
    contactId: spec.contactId,
    [PIPELINE_RUN_ID]: rs.runId,
    [PIPELINE_CALL_ID]: callId,
  };
  let value: T;
  try {
    value = await spec.call({ usageContext });
  } catch (error) {
    rs.spent += observed ?? 0;
    if (ProviderError.isInstance(error) && DISABLING.has(error.kind)) rs.disabled.set(spec.provider, `${error.kind}: ${error.message}`);
    throw error;
  } finally {
    unwatch?.();
  }
  const fromResult = (value as { creditsUsed?: unknown } | null)?.creditsUsed;
  const credits = observed ?? (typeof fromResult === "number" && Number.isFinite(fromResult) ? fromResult : 0);
  rs.spent += credits;
  await db
    .insertInto("pipeline_lookups")
    .values({
      tool: spec.provider,
      action: spec.action,
      lookup_key: key,
      result: jsonb(value as never),
      credits,
      offer_id: rs.offerId,
      pipeline_run_id: rs.runId,
      sandbox: rs.ctx.sandbox === true,
      created_at: now,
    })
    .onConflict((oc) =>
      oc.columns(["tool", "action", "lookup_key", "sandbox"]).doUpdateSet({
        result: (eb) => eb.ref("excluded.result"),
        credits: (eb) => eb.ref("excluded.credits"),
        offer_id: (eb) => eb.ref("excluded.offer_id"),
        pipeline_run_id: (eb) => eb.ref("excluded.pipeline_run_id"),
        created_at: (eb) => eb.ref("excluded.created_at"),
      }),
    )
    .execute();
  return { value, cached: false, credits };
}

/** Turns a provider failure into a step error; anything else is rethrown (it fails the run). */
export function asStepError(error: unknown, provider: string, item?: string): StepError {
  if (error instanceof BudgetReached) throw error;
  if (!ProviderError.isInstance(error)) throw error;
  return { provider, kind: error.kind, message: error.message, ...(item ? { item } : {}) };
}

/** Keeps the first 20 errors of a step and counts all of them. */
export function pushError(summary: { errors: StepError[]; errorCount: number }, error: StepError): void {
  summary.errorCount += 1;
  if (summary.errors.length < 20) summary.errors.push(error);
}
