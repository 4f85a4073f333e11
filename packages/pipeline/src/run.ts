/**
 * Runs: every pipeline call is a `pipeline_runs` row with one `pipeline_steps` row per step
 * (inputs in `input_params`, each step's summary in `step_output`, errors in `error_message`).
 * A run stops cleanly when its credit budget is reached (status `cancelled`, reason `budget`);
 * an unexpected error fails it (status `failed`) and is rethrown; `resumePipeline` continues a
 * failed, cancelled or crashed (still `running`) run from its first unfinished step, and the
 * lookups it already paid for are read back instead of bought again.
 */
import { OfferlabError } from "@offerlab/core";
import { jsonb } from "@offerlab/db";

/** A plain-data document for a JSONB column (summaries and options are JSON by construction). */
const doc = (value: unknown) => jsonb(value as never);
import { sql } from "kysely";
import { stepNames, type PipelineContext, type StepName } from "./context.js";
import {
  emptyCompaniesSummary,
  runDiscoverCompanies,
  type DiscoverCompaniesOptions,
  type DiscoverCompaniesSummary,
} from "./discover-companies.js";
import { emptyPeopleSummary, runDiscoverPeople, type DiscoverPeopleOptions, type DiscoverPeopleSummary } from "./discover-people.js";
import { emptyEnrichSummary, runEnrichEmails, type EnrichEmailsOptions, type EnrichEmailsSummary } from "./enrich-emails.js";
import { BudgetReached, round, type RunState } from "./lookups.js";
import { loadOfferIcp, PipelineInputError } from "./offer.js";
import { emptyScrapeSummary, runScrapeCompanies, type ScrapeCompaniesOptions, type ScrapeCompaniesSummary } from "./scrape-companies.js";

/**
 * Thrown when a run fails on an unexpected error (a bug, the database going away): the run is
 * recorded as `failed` and can be continued with `resumePipeline(ctx, error.runId)`. The message
 * is the original error's; `cause` is the error itself.
 */
export class PipelineRunFailed extends OfferlabError {
  override readonly name = "PipelineRunFailed";
  constructor(
    readonly runId: string,
    readonly step: StepName,
    cause: unknown,
  ) {
    super("pipeline_run_failed", cause instanceof Error ? cause.message : String(cause), { cause });
  }

  /** True for a PipelineRunFailed of any copy of this package. */
  static override isInstance(error: unknown): error is PipelineRunFailed {
    return OfferlabError.isNamed(error, "PipelineRunFailed");
  }
}

/** Options of a run. Plain data: they are stored in `input_params` and reused by a resume. */
export interface RunOptions {
  /** Steps in order. Default: discover companies, discover people, enrich emails, and scrape when a scraper is configured. */
  steps?: StepName[];
  /** Credits the run may spend; no paid call starts once it is reached. Default: no limit. */
  creditBudget?: number | null;
  /** Reuse the stored answer of a lookup made within this many days instead of paying again. Default 30. */
  reuseLookupsWithinDays?: number;
  /** Ties the run to a campaign (`pipeline_runs.campaign_id`). Default none. */
  campaignId?: string;
  discoverCompanies?: DiscoverCompaniesOptions;
  discoverPeople?: DiscoverPeopleOptions;
  enrichEmails?: EnrichEmailsOptions;
  scrapeCompanies?: ScrapeCompaniesOptions;
}

export interface StepSummaries {
  discover_companies?: DiscoverCompaniesSummary;
  discover_people?: DiscoverPeopleSummary;
  enrich_emails?: EnrichEmailsSummary;
  scrape_companies?: ScrapeCompaniesSummary;
}

export interface RunSummary {
  runId: string;
  offerId: string;
  status: "completed" | "cancelled" | "failed";
  /** Why a run ended early: `budget` when the credit budget was reached. */
  stopReason: "budget" | null;
  error: string | null;
  /** Credits the run spent, including the attempts before a resume. */
  creditsSpent: number;
  creditBudget: number | null;
  steps: StepSummaries;
}

const STEPS = {
  discover_companies: { empty: emptyCompaniesSummary, run: runDiscoverCompanies, opts: (o: RunOptions) => o.discoverCompanies ?? {} },
  discover_people: { empty: emptyPeopleSummary, run: runDiscoverPeople, opts: (o: RunOptions) => o.discoverPeople ?? {} },
  enrich_emails: { empty: emptyEnrichSummary, run: runEnrichEmails, opts: (o: RunOptions) => o.enrichEmails ?? {} },
  scrape_companies: { empty: emptyScrapeSummary, run: runScrapeCompanies, opts: (o: RunOptions) => o.scrapeCompanies ?? {} },
} as const;

function defaultSteps(ctx: PipelineContext): StepName[] {
  return ctx.providers.pageScraper ? [...stepNames] : stepNames.filter((s) => s !== "scrape_companies");
}

/** What each step needs from the context, named the way a caller configures it. */
const NEEDS: Record<StepName, { has: (ctx: PipelineContext) => boolean; what: string }> = {
  discover_companies: {
    has: (c) => !!c.providers.companySearch?.length,
    what: "at least one company search provider (providers.companySearch)",
  },
  discover_people: { has: (c) => !!c.providers.peopleSearch?.length, what: "at least one people search provider (providers.peopleSearch)" },
  enrich_emails: {
    has: (c) => !!(c.providers.emailFinders?.length || c.providers.emailVerifiers?.length),
    what: "at least one email finder or verifier (providers.emailFinders / emailVerifiers)",
  },
  scrape_companies: { has: (c) => !!c.providers.pageScraper, what: "a page scraper (providers.pageScraper)" },
};

/**
 * Refuses, before anything is written, a run that could not do its work: a step without the
 * providers it needs, or a discovery step for an offer without a usable ICP.
 */
async function preflight(ctx: PipelineContext, offerId: string, steps: readonly StepName[]): Promise<void> {
  const missing = steps.filter((s) => !NEEDS[s].has(ctx));
  if (missing.length) throw new PipelineInputError(missing.map((s) => `${s} needs ${NEEDS[s].what}`).join("; "));
  if (steps.includes("discover_companies") || steps.includes("discover_people")) await loadOfferIcp(ctx.db, offerId);
}

/**
 * Starts a run: checks it can do its work (else `PipelineInputError` and nothing is written),
 * records it, then executes its steps in order.
 */
export async function runPipeline(ctx: PipelineContext, offerId: string, options: RunOptions = {}): Promise<RunSummary> {
  const steps = options.steps ?? defaultSteps(ctx);
  if (steps.length === 0) throw new PipelineInputError("a run needs at least one step");
  for (const s of steps) if (!stepNames.includes(s)) throw new PipelineInputError(`unknown step "${s}"; steps are ${stepNames.join(", ")}`);
  if (new Set(steps).size !== steps.length) throw new PipelineInputError(`a step is listed twice in ${steps.join(", ")}`);
  if (options.creditBudget != null && !(Number.isFinite(options.creditBudget) && options.creditBudget >= 0)) {
    throw new PipelineInputError(`creditBudget must be a number of credits ≥ 0 (got ${options.creditBudget})`);
  }
  const offer = await ctx.db.selectFrom("offers").select("id").where("id", "=", offerId).executeTakeFirst();
  if (!offer) throw new PipelineInputError(`offer ${offerId} does not exist`);
  await preflight(ctx, offerId, steps);
  const stored: RunOptions = { ...options, steps };
  const run = await ctx.db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto("pipeline_runs")
      .values({
        offer_id: offerId,
        campaign_id: options.campaignId ?? null,
        steps: jsonb(steps),
        input_params: doc({ options: stored, providers: providerNames(ctx) }),
        status: "running",
        sandbox: ctx.sandbox === true,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("pipeline_steps")
      .values(steps.map((step_name) => ({ pipeline_run_id: r.id, step_name, status: "pending" as const })))
      .execute();
    return r;
  });
  return execute(ctx, run.id, offerId, stored, 0, {});
}

/**
 * Continues a run that failed, was cancelled (budget) or crashed (still `running`: only call
 * this when the process that ran it is gone). Completed steps are kept; the first unfinished
 * step runs again from its start, reading back every lookup already paid for.
 * `creditBudget` replaces the stored budget (e.g. to raise it after a budget stop).
 */
export async function resumePipeline(
  ctx: PipelineContext,
  runId: string,
  overrides: {
    creditBudget?: number | null;
    /** Refuse (PipelineInputError) unless the run belongs to this offer. Default: no check. */
    offerId?: string;
    /** Refuse (PipelineInputError) unless the run has this step. Default: no check. */
    step?: StepName;
  } = {},
): Promise<RunSummary> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId))
    throw new PipelineInputError(`"${runId}" is not a pipeline run id (a UUID)`);
  const run = await ctx.db.selectFrom("pipeline_runs").selectAll().where("id", "=", runId).executeTakeFirst();
  if (!run) throw new PipelineInputError(`pipeline run ${runId} does not exist`);
  if (!run.offer_id) throw new PipelineInputError(`pipeline run ${runId} has no offer (deleted?)`);
  if (overrides.offerId && run.offer_id !== overrides.offerId)
    throw new PipelineInputError(`pipeline run ${runId} belongs to another offer`);
  if (run.sandbox !== (ctx.sandbox === true)) {
    throw new PipelineInputError(
      run.sandbox
        ? `pipeline run ${runId} ran in the sandbox: a live run never continues it (resume it with --sandbox)`
        : `pipeline run ${runId} is a live run: the sandbox never continues it (resume it without --sandbox)`,
    );
  }
  if (overrides.step && !(run.steps as string[]).includes(overrides.step)) {
    throw new PipelineInputError(`pipeline run ${runId} has no ${overrides.step} step (its steps: ${(run.steps as string[]).join(", ")})`);
  }
  const input = run.input_params as { options?: RunOptions };
  const options: RunOptions = { ...input.options, ...("creditBudget" in overrides ? { creditBudget: overrides.creditBudget } : {}) };
  const previous = ((run.output_summary as { steps?: StepSummaries }).steps ?? {}) as StepSummaries;
  if (run.status === "completed") {
    return summaryOf(
      runId,
      run.offer_id,
      "completed",
      null,
      null,
      Number((run.output_summary as { creditsSpent?: number }).creditsSpent ?? 0),
      options,
      previous,
    );
  }
  if (overrides.creditBudget != null && !(Number.isFinite(overrides.creditBudget) && overrides.creditBudget >= 0)) {
    throw new PipelineInputError(`creditBudget must be a number of credits ≥ 0 (got ${overrides.creditBudget})`);
  }
  const unfinished = await ctx.db
    .selectFrom("pipeline_steps")
    .select("step_name")
    .where("pipeline_run_id", "=", runId)
    .where("status", "!=", "completed")
    .execute();
  await preflight(
    ctx,
    run.offer_id,
    unfinished.map((r) => r.step_name as StepName).filter((s) => stepNames.includes(s)),
  );
  const spent = await spentByRun(ctx, runId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("pipeline_runs")
      .set({
        status: "running",
        error_message: null,
        completed_at: null,
        ...("creditBudget" in overrides ? { input_params: doc({ ...(run.input_params as object), options }) } : {}),
      })
      .where("id", "=", runId)
      .execute();
    // Steps skipped by a budget stop, and the step that failed or was cut short, run again.
    await trx
      .updateTable("pipeline_steps")
      .set({ status: "pending", error_message: null })
      .where("pipeline_run_id", "=", runId)
      .where("status", "in", ["failed", "skipped", "running"])
      .execute();
  });
  return execute(ctx, runId, run.offer_id, options, spent, previous);
}

/**
 * What a run has spent before a resume: the larger of what its paid lookups cost (always
 * stored) and what vendors reported for its calls in `tool_usage` (which also counts billed
 * failures, when a usage recorder was wired).
 */
async function spentByRun(ctx: PipelineContext, runId: string): Promise<number> {
  const lookups = await ctx.db
    .selectFrom("pipeline_lookups")
    .select(sql<string>`coalesce(sum(credits), 0)`.as("spent"))
    .where("pipeline_run_id", "=", runId)
    .executeTakeFirstOrThrow();
  const usage = await ctx.db
    .selectFrom("tool_usage")
    .select(sql<string>`coalesce(sum(credits_used), 0)`.as("spent"))
    .where(sql`request_params->>'pipeline_run_id'`, "=", runId)
    .executeTakeFirstOrThrow();
  return Math.max(Number(lookups.spent), Number(usage.spent));
}

/** A recorded run, as `getPipelineRun` reads it back. */
export interface PipelineRunRecord {
  runId: string;
  offerId: string | null;
  status: "running" | "completed" | "failed" | "cancelled";
  steps: StepName[];
  options: RunOptions;
  /** The providers the run was started with, by capability (vendor names), so a resume can use the same. */
  providers: ReturnType<typeof providerNames>;
  error: string | null;
  startedAt: Date;
  completedAt: Date | null;
}

/** A run's record, or undefined when there is no such run (or `runId` is not a UUID). */
export async function getPipelineRun(db: PipelineContext["db"], runId: string): Promise<PipelineRunRecord | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) return undefined;
  const run = await db.selectFrom("pipeline_runs").selectAll().where("id", "=", runId).executeTakeFirst();
  if (!run) return undefined;
  const input = run.input_params as { options?: RunOptions; providers?: ReturnType<typeof providerNames> };
  return {
    runId: run.id,
    offerId: run.offer_id,
    status: run.status,
    steps: run.steps as StepName[],
    options: input.options ?? {},
    providers: input.providers ?? { companySearch: [], peopleSearch: [], emailFinders: [], emailVerifiers: [], pageScraper: null },
    error: run.error_message,
    startedAt: run.started_at,
    completedAt: run.completed_at,
  };
}

function providerNames(ctx: PipelineContext) {
  const p = ctx.providers;
  return {
    companySearch: (p.companySearch ?? []).map((x) => x.provider),
    peopleSearch: (p.peopleSearch ?? []).map((x) => x.provider),
    emailFinders: (p.emailFinders ?? []).map((x) => x.provider),
    emailVerifiers: (p.emailVerifiers ?? []).map((x) => x.provider),
    pageScraper: p.pageScraper?.provider ?? null,
  };
}

function summaryOf(
  runId: string,
  offerId: string,
  status: RunSummary["status"],
  stopReason: RunSummary["stopReason"],
  error: string | null,
  spent: number,
  options: RunOptions,
  steps: StepSummaries,
): RunSummary {
  return { runId, offerId, status, stopReason, error, creditsSpent: round(spent), creditBudget: options.creditBudget ?? null, steps };
}

async function execute(
  ctx: PipelineContext,
  runId: string,
  offerId: string,
  options: RunOptions,
  spent: number,
  previous: StepSummaries,
): Promise<RunSummary> {
  const { db } = ctx;
  const stepRows = await db
    .selectFrom("pipeline_steps")
    .select(["id", "step_name", "status"])
    .where("pipeline_run_id", "=", runId)
    .execute();
  const order = options.steps ?? [];
  const steps: StepSummaries = { ...previous };
  const rs: RunState = {
    ctx,
    runId,
    offerId,
    budget: options.creditBudget ?? null,
    spent,
    reuseWithinDays: options.reuseLookupsWithinDays ?? 30,
    disabled: new Map(),
    step: order[0] ?? "discover_companies",
    progress(done, total, message) {
      ctx.onProgress?.({
        runId,
        step: this.step,
        phase: "progress",
        done,
        total,
        creditsSpent: round(this.spent),
        ...(message ? { message } : {}),
      });
    },
  };
  const saveRun = (values: Record<string, unknown>) =>
    db
      .updateTable("pipeline_runs")
      .set({ ...values, output_summary: doc({ creditsSpent: round(rs.spent), creditBudget: rs.budget, steps }) } as never)
      .where("id", "=", runId)
      .execute();

  for (let i = 0; i < order.length; i++) {
    const name = order[i] as StepName;
    const row = stepRows.find((r) => r.step_name === name);
    if (!row || row.status === "completed" || row.status === "skipped") continue;
    const def = STEPS[name];
    const summary = def.empty();
    steps[name] = summary as never;
    rs.step = name;
    await db
      .updateTable("pipeline_steps")
      .set({ status: "running", started_at: new Date(), error_message: null })
      .where("id", "=", row.id)
      .execute();
    ctx.onProgress?.({ runId, step: name, phase: "start", done: 0, total: null, creditsSpent: round(rs.spent) });
    try {
      await (def.run as (rs: RunState, o: unknown, s: unknown) => Promise<void>)(rs, def.opts(options), summary);
    } catch (error) {
      const budget = error instanceof BudgetReached;
      const message = error instanceof Error ? error.message : String(error);
      await db
        .updateTable("pipeline_steps")
        .set({ status: "failed", step_output: doc({ ...summary, partial: true }), error_message: message, completed_at: new Date() })
        .where("id", "=", row.id)
        .execute();
      const later = order
        .slice(i + 1)
        .flatMap((n) => stepRows.filter((r) => r.step_name === n && r.status !== "completed").map((r) => r.id));
      if (budget && later.length) {
        await db
          .updateTable("pipeline_steps")
          .set({ status: "skipped", error_message: "credit budget reached" })
          .where("id", "in", later)
          .execute();
      }
      await saveRun({ status: budget ? "cancelled" : "failed", error_message: `${name}: ${message}`, completed_at: new Date() });
      ctx.onProgress?.({ runId, step: name, phase: "done", done: 0, total: null, creditsSpent: round(rs.spent), message });
      if (budget) return summaryOf(runId, offerId, "cancelled", "budget", message, rs.spent, options, steps);
      throw new PipelineRunFailed(runId, name, error);
    }
    await db
      .updateTable("pipeline_steps")
      .set({ status: "completed", step_output: doc(summary), completed_at: new Date() })
      .where("id", "=", row.id)
      .execute();
    await saveRun({});
    ctx.onProgress?.({ runId, step: name, phase: "done", done: 1, total: 1, creditsSpent: round(rs.spent) });
  }
  await saveRun({ status: "completed", completed_at: new Date() });
  return summaryOf(runId, offerId, "completed", null, null, rs.spent, options, steps);
}

// ---------------------------------------------------------------------------------------------
// One-step runs

type OneStep<O> = O & Pick<RunOptions, "creditBudget" | "reuseLookupsWithinDays" | "campaignId">;
type StepResult<S> = S & Pick<RunSummary, "runId" | "status" | "stopReason" | "error"> & { runCreditsSpent: number };

async function oneStep<K extends StepName, O, S>(
  ctx: PipelineContext,
  offerId: string,
  step: K,
  key: keyof RunOptions,
  opts: OneStep<O>,
): Promise<StepResult<S>> {
  const { creditBudget, reuseLookupsWithinDays, campaignId, ...stepOpts } = opts as OneStep<Record<string, unknown>>;
  const res = await runPipeline(ctx, offerId, {
    steps: [step],
    ...(creditBudget !== undefined ? { creditBudget } : {}),
    ...(reuseLookupsWithinDays !== undefined ? { reuseLookupsWithinDays } : {}),
    ...(campaignId !== undefined ? { campaignId } : {}),
    [key]: stepOpts,
  });
  const s = res.steps[step] as S;
  return { ...s, runId: res.runId, status: res.status, stopReason: res.stopReason, error: res.error, runCreditsSpent: res.creditsSpent };
}

/** Discovery as its own run. */
export function discoverCompanies(ctx: PipelineContext, offerId: string, opts: OneStep<DiscoverCompaniesOptions> = {}) {
  return oneStep<"discover_companies", DiscoverCompaniesOptions, DiscoverCompaniesSummary>(
    ctx,
    offerId,
    "discover_companies",
    "discoverCompanies",
    opts,
  );
}

/** People search at the offer's qualified companies, as its own run. */
export function discoverPeople(ctx: PipelineContext, offerId: string, opts: OneStep<DiscoverPeopleOptions> = {}) {
  return oneStep<"discover_people", DiscoverPeopleOptions, DiscoverPeopleSummary>(ctx, offerId, "discover_people", "discoverPeople", opts);
}

/** The email waterfall over the offer's contacts, as its own run. */
export function enrichEmails(ctx: PipelineContext, offerId: string, opts: OneStep<EnrichEmailsOptions> = {}) {
  return oneStep<"enrich_emails", EnrichEmailsOptions, EnrichEmailsSummary>(ctx, offerId, "enrich_emails", "enrichEmails", opts);
}

/** Website scrape of the offer's qualified companies, as its own run. */
export function scrapeCompanies(ctx: PipelineContext, offerId: string, opts: OneStep<ScrapeCompaniesOptions> = {}) {
  return oneStep<"scrape_companies", ScrapeCompaniesOptions, ScrapeCompaniesSummary>(
    ctx,
    offerId,
    "scrape_companies",
    "scrapeCompanies",
    opts,
  );
}
