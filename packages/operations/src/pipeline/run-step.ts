/**
 * What the four pipeline operations share (discover companies, discover people, enrich emails,
 * scrape sites): the offer or the run to resume, the credit budget and the reuse window, checked
 * before anything is written; the providers, chosen by the caller (a resume gets the vendors the
 * run started with); then one recorded pipeline run of one step.
 *
 * Unlike the other operations, a pipeline run is not one transaction: it is recorded as it goes
 * (`pipeline_runs`, `lookups`, `tool_usage`), so a run that fails or stops at its budget can be
 * resumed without paying again for what it bought. Input is checked first: bad input writes nothing.
 */
import { ValidationError, type FieldIssue } from "@offerlab/core";
import { offers, resolve, type Offer } from "@offerlab/db";
import {
  getPipelineRun,
  resumePipeline,
  runPipeline,
  type PipelineContext,
  type PipelineProviders,
  type PipelineRunRecord,
  type ProgressEvent,
  type RunOptions,
  type RunSummary,
  type StepName,
  type StepSummaries,
  type UsageRecorder,
} from "@offerlab/pipeline";
import { matchBookingsForEmails } from "../bookings/match-bookings.js";
import { nowOf, type OperationContext } from "../context.js";

/** The context of a pipeline operation: the database and clock, plus what the run talks to. */
export interface PipelineOperationContext extends OperationContext {
  /**
   * The providers of the run. A new run calls it with nothing; a resume with the vendors (by
   * capability) the run was started with, so it goes on with the same ones. It may throw (a vendor
   * that is not configured): nothing has been written then.
   */
  providers: (recorded?: PipelineRunRecord["providers"]) => PipelineProviders;
  /** The usage recorder the adapters report to (`createUsageRecorder`); the budget counts it. */
  usage?: UsageRecorder;
  /** The providers are the sandbox's simulated ones: the run and its lookups are the sandbox's. */
  sandbox?: boolean;
  /** Paid answers are reused only within this scope (the sandbox passes its seed). */
  lookupScope?: string;
  /** Progress reports, for a progress display. */
  onProgress?: (event: ProgressEvent) => void;
}

/** What every pipeline operation takes besides its step's own options. */
export interface PipelineStepInput {
  /** The offer whose ICP drives the run: id, slug or name. Required unless `resume` is given. */
  offer?: string;
  /** Continue this run (its id) instead of starting one: after a failure, a crash or a budget stop. */
  resume?: string;
  /** Credits the run may spend; it stops cleanly once they are spent. A resume replaces the stored budget. */
  creditBudget?: number;
  /** Reuse a paid lookup's stored answer when it is at most this many days old (new runs). */
  reuseLookupsWithinDays?: number;
}

/** The run's outcome besides the step's own summary. */
export type PipelineStepOutcome = Pick<RunSummary, "runId" | "status" | "stopReason" | "error"> & {
  /** Credits the whole run spent, attempts before a resume included. */
  runCreditsSpent: number;
  /** Credits this step spent in this call. */
  creditsSpent: number;
  errors: { provider: string; kind: string; message: string; item?: string }[];
  errorCount: number;
};

export interface PipelineStepResult<S> {
  /** The offer the run belongs to (null when it was deleted since). */
  offer: Offer | null;
  /** The step's summary and the run's outcome (a resume also says its `offerId`). */
  summary: S & PipelineStepOutcome;
}

/** A whole number from `min` (to `max`), or an issue naming `field`. */
export function wholeNumberIssue(field: string, value: number | undefined, min: number, max?: number): FieldIssue[] {
  if (value === undefined) return [];
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    return [
      { field, message: `must be a whole number ${max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`} (got ${value})` },
    ];
  }
  return [];
}

/** Checks the input every pipeline operation takes; `issues` are the step's own. Throws, writing nothing. */
export function checkStepInput(input: PipelineStepInput, issues: FieldIssue[]): void {
  const all: FieldIssue[] = [];
  if (!input.offer && !input.resume) all.push({ field: "offer", message: "required (the offer's id, slug or name), or resume (a run id)" });
  if (input.creditBudget !== undefined && (!Number.isFinite(input.creditBudget) || input.creditBudget < 0))
    all.push({ field: "creditBudget", message: `must be a number of credits ≥ 0 (got ${input.creditBudget})` });
  all.push(...wholeNumberIssue("reuseLookupsWithinDays", input.reuseLookupsWithinDays, 0), ...issues);
  if (all.length) throw new ValidationError("pipeline run", all);
}

/**
 * Runs `step` for the input's offer as a new recorded run with `options`, or resumes the input's
 * run (refused unless it has `step`, belongs to the offer when one is named, and is of the same
 * world). `PipelineInputError` (nothing run) and `PipelineRunFailed` (recorded, resumable) pass
 * through.
 */
export async function runPipelineStep<S>(
  ctx: PipelineOperationContext,
  step: StepName,
  input: PipelineStepInput,
  options: Omit<RunOptions, "steps" | "creditBudget" | "reuseLookupsWithinDays">,
): Promise<PipelineStepResult<S>> {
  const offer = input.offer ? await resolve.offer(ctx.db, input.offer) : undefined;
  let providers: PipelineProviders;
  if (input.resume) {
    const record = await getPipelineRun(ctx.db, input.resume);
    if (!record) {
      throw new ValidationError("pipeline run", [
        { field: "resume", message: `no pipeline run "${input.resume}" (the id is printed by the command that started it)` },
      ]);
    }
    providers = ctx.providers(record.providers);
  } else {
    providers = ctx.providers();
  }
  const pipeline: PipelineContext = {
    db: ctx.db,
    providers,
    ...(ctx.usage ? { usage: ctx.usage } : {}),
    ...(ctx.sandbox !== undefined ? { sandbox: ctx.sandbox } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
    ...(ctx.lookupScope !== undefined ? { lookupScope: ctx.lookupScope } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    // A booking kept for nobody is matched in the transaction that gives its attendee an address.
    onContactEmails: (trx, emails) => matchBookingsForEmails(trx, emails, nowOf(ctx)),
  };

  const res = input.resume
    ? await resumePipeline(pipeline, input.resume, {
        step,
        ...(offer ? { offerId: offer.id } : {}),
        ...(input.creditBudget !== undefined ? { creditBudget: input.creditBudget } : {}),
      })
    : await runPipeline(pipeline, offer!.id, {
        steps: [step],
        ...(input.creditBudget !== undefined ? { creditBudget: input.creditBudget } : {}),
        ...(input.reuseLookupsWithinDays !== undefined ? { reuseLookupsWithinDays: input.reuseLookupsWithinDays } : {}),
        ...options,
      });
  const summary = {
    ...((res.steps as StepSummaries)[step] as unknown as S),
    runId: res.runId,
    status: res.status,
    stopReason: res.stopReason,
    error: res.error,
    runCreditsSpent: res.creditsSpent,
    // A resume also says whose run it was (the offer may not have been named).
    ...(input.resume ? { offerId: res.offerId } : {}),
  } as unknown as S & PipelineStepOutcome;
  return { offer: offer ?? (await offers.get(ctx.db, res.offerId)) ?? null, summary };
}

/** The input of a pipeline operation: the shared fields and the step's own options. */
export interface PipelineOperationInput<O> extends PipelineStepInput {
  /** The step's options (new runs; a resume reuses the run's). */
  options?: O;
}

/**
 * One pipeline operation: checks the shared input and the step's options (`issuesOf`), then runs
 * (or resumes) `step` with the options under `key` of the run's options.
 */
export function pipelineOperation<O, S>(
  step: StepName,
  key: "discoverCompanies" | "discoverPeople" | "enrichEmails" | "scrapeCompanies",
  issuesOf: (options: O) => FieldIssue[],
): (ctx: PipelineOperationContext, input: PipelineOperationInput<O>) => Promise<PipelineStepResult<S>> {
  return async (ctx, input) => {
    const options = input.options ?? ({} as O);
    checkStepInput(input, issuesOf(options));
    return runPipelineStep<S>(ctx, step, input, { [key]: options });
  };
}
