/**
 * What `discover companies`, `discover people`, `enrich emails` and `scrape` share: the flags
 * (offer, budget, resume, providers, sandbox, json), choosing the vendors of a capability, and
 * running one pipeline operation (`@offerlab/operations`) with a progress display, a summary and
 * clear exit codes. The commands parse their flags, call the operation and present its result.
 */
import { OfferlabError, ValidationError } from "@offerlab/core";
import type { PipelineOperationContext, PipelineStepInput, PipelineStepResult } from "@offerlab/operations";
import { createUsageRecorder, PipelineRunFailed, type PipelineProviders, type PipelineRunRecord, type StepName } from "@offerlab/pipeline";
import type { CallGate, OnUsage, UsageEvent } from "@offerlab/provider-kit";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, type Io } from "../output.js";
import { createProgress } from "../progress.js";
import { addSandboxOptions, createCliProviders, VENDOR_ENV, type CliProviders, type Vendor, type VendorAdapters } from "../providers.js";
// Which vendors can do what, in the default order of use: derived from the vendor list.
import { CAPABLE, type Capability } from "../vendors.js";
export { CAPABLE, type Capability };

/**
 * The vendors to use for a capability: those named in `flag` (comma-separated, each checked to
 * have the capability and a key), else every configured one in the default order. Throws a
 * CliError with exit code 2 naming the env vars to set when none can be used.
 */
export function chooseVendors<C extends Capability>(
  providers: CliProviders,
  capability: C,
  flagName: string,
  flag: string | undefined,
): (typeof CAPABLE)[C]["vendors"][number][] {
  const spec = CAPABLE[capability];
  const allowed = spec.vendors as readonly Vendor[];
  if (flag !== undefined) {
    const names = flag
      .split(",")
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean);
    if (names.length === 0) throw new CliError(`${flagName}: name at least one of ${allowed.join(", ")}`, EXIT.usage);
    for (const n of names) {
      if (!allowed.includes(n as Vendor)) {
        throw new CliError(`${flagName}: "${n}" is not a ${spec.what} provider; choose from ${allowed.join(", ")}`, EXIT.usage);
      }
      providers.get(n as Vendor); // throws (exit 2) naming the missing key
    }
    return [...new Set(names)] as (typeof CAPABLE)[C]["vendors"][number][];
  }
  const usable = allowed.filter((v) => providers.has(v));
  if (usable.length === 0) {
    throw new CliError(
      `no ${spec.what} provider is configured: set ${allowed.map((v) => VENDOR_ENV[v].apiKey).join(" or ")}, or run with --sandbox to use simulated providers`,
      EXIT.usage,
    );
  }
  return usable as (typeof CAPABLE)[C]["vendors"][number][];
}

/** The adapters of the chosen vendors, typed for the pipeline. */
export function adaptersOf<V extends Vendor>(providers: CliProviders, vendors: readonly V[]): VendorAdapters[V][] {
  return vendors.map((v) => providers.get(v));
}

/** The recorded vendors of a capability as a `--providers` value, or undefined when none were recorded. */
export const recordedList = (names: readonly string[] | string | null | undefined): string | undefined =>
  names == null ? undefined : typeof names === "string" ? names : names.length ? names.join(",") : undefined;

/** Flags every pipeline command takes. */
export interface RunFlags {
  offer?: string;
  budget?: string;
  resume?: string;
  reuseDays?: string;
  sandbox?: boolean;
  sandboxSeed?: string;
  json?: boolean;
}

/** Adds the shared flags to a pipeline command. */
export function addRunOptions(cmd: Command): Command {
  cmd
    .option("--offer <offer>", "the offer whose ICP drives the run: id, slug or name (required unless --resume)")
    .option(
      "--budget <credits>",
      "stop cleanly (exit code 3) once the run has spent this many credits in total, resumes included (default: no limit)",
    )
    .option(
      "--resume <run-id>",
      "continue a run that failed, crashed or stopped at its budget, with the providers it started with, without paying again for what it bought",
    )
    .option("--reuse-days <n>", "reuse a paid lookup's stored answer when it is at most n days old (default 30)")
    .option("--json", "print the summary as JSON (no progress display)");
  return addSandboxOptions(cmd);
}

/** A flag that must be a whole number from `min` (to `max`), or undefined when not given. */
export function intFlag(name: string, value: string | undefined, min = 1, max?: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new CliError(
      `${name}: must be a whole number ${max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`} (got "${value}")`,
      EXIT.usage,
    );
  }
  return n;
}

function budgetFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new CliError(`--budget: must be a number of credits ≥ 0 (got "${value}")`, EXIT.usage);
  return n;
}

export interface StepCommand<S> {
  step: StepName;
  /** Human title of the summary, e.g. "Discovered companies". */
  title: string;
  /**
   * Builds the pipeline's providers (throws CliError exit 2). A new run builds them before the
   * database is opened; a resume gets the vendors the run was started with, as the defaults.
   */
  providers: (p: CliProviders, recorded?: PipelineRunRecord["providers"]) => PipelineProviders;
  /** The step's operation, called with the shared input (offer or resume, budget, reuse window). */
  run: (ctx: PipelineOperationContext, input: PipelineStepInput) => Promise<PipelineStepResult<S>>;
  /** Summary lines for people (after the title line). */
  describe: (summary: S) => string[];
  /** True when nothing worked (every provider call failed): exit code 1. */
  nothingWorked: (summary: S) => boolean;
}

/** The flag each field of the shared input comes from, to say the operation's refusals in the CLI's terms. */
const FLAG_OF: Record<string, string> = {
  offer: "--offer",
  resume: "--resume",
  creditBudget: "--budget",
  reuseLookupsWithinDays: "--reuse-days",
};

/** The command that runs each step, for hints that must work as printed. */
const STEP_COMMAND: Record<StepName, string> = {
  discover_companies: "discover companies",
  discover_people: "discover people",
  enrich_emails: "enrich emails",
  scrape_companies: "scrape companies",
};

/**
 * What a budget stop says: the budget is the run's total (every credit the run spent, its
 * resumes included), so continuing needs a larger total, not "a few more credits".
 */
export function budgetStopHint(
  step: StepName,
  runId: string,
  runSpent: number,
  flagBudget: number | undefined,
  error: string | null,
  sandbox = false,
): string {
  // The budget in force: this command's --budget, else the run's stored one (in the stop message).
  const stored = /of ([\d.]+) credits/.exec(error ?? "")?.[1];
  const budget = flagBudget ?? (stored !== undefined ? Number(stored) : undefined);
  const spent = Math.round(runSpent * 100) / 100;
  const suggested = Math.max(Math.ceil(spent) + Math.max(Math.ceil(budget ?? 0), 1), Math.ceil((budget ?? 0) * 2));
  return [
    `stopped at the credit budget: the run has spent ${spent} credits${budget !== undefined ? ` of its ${budget}-credit budget` : ""}.`,
    `The budget is the run's total, counting every credit it spent since it started (resumes included), not this command's share:`,
    `to continue, resume with a larger total, e.g.`,
    `  offerlab ${STEP_COMMAND[step]} --resume ${runId} --budget ${suggested}${sandbox ? " --sandbox" : ""}`,
    `What the run bought is kept and not bought again.`,
  ].join("\n");
}

/** Runs one pipeline step as a command: flags checked first, then providers, database, operation, summary. */
export async function runStepCommand<S>(io: Io, flags: RunFlags, def: StepCommand<S>): Promise<void> {
  const creditBudget = budgetFlag(flags.budget);
  const reuseDays = intFlag("--reuse-days", flags.reuseDays, 0);
  if (!flags.offer && !flags.resume)
    throw new CliError("--offer: required (the offer's id or slug, see `offerlab offers list`), or --resume <run-id>", EXIT.usage);

  // Usage is recorded once the database is open; providers are built (and keys checked) before.
  let sink: OnUsage | undefined;
  let gate: CallGate | undefined;
  const providers = await createCliProviders(io, {
    sandbox: flags.sandbox,
    seed: flags.sandboxSeed,
    onUsage: (e: UsageEvent) => sink?.(e),
    // No call leaves before the database is open, so the gate is always set when asked.
    gate: (call) => (gate ? gate(call) : Promise.resolve()),
  });
  const fresh = flags.resume ? null : def.providers(providers);

  const db = await openDatabase(io);
  const progress = createProgress(io, { json: flags.json });
  try {
    const usage = createUsageRecorder(db, {
      sandbox: providers.sandbox,
      onError: (error, event) =>
        io.stderr(
          `offerlab: warning: could not record usage of ${event.tool} ${event.action}: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
    });
    sink = usage.onUsage;
    gate = usage.gate;
    const ctx: PipelineOperationContext = {
      db,
      usage,
      sandbox: providers.sandbox,
      // A sandbox run happens at its simulated time (--start): lookups, checks and dates are its.
      ...(providers.world ? { now: providers.world.clock.now, lookupScope: providers.world.seed } : {}),
      providers: (recorded) => (recorded ? def.providers(providers, recorded) : fresh!),
      onProgress: (e) =>
        progress.update({
          label: e.step.replace(/_/g, " "),
          done: e.done,
          total: e.total,
          credits: e.creditsSpent,
          ...(e.message ? { message: e.message } : {}),
        }),
    };
    let outcome: PipelineStepResult<S>;
    try {
      outcome = await def.run(ctx, {
        ...(flags.offer ? { offer: flags.offer } : {}),
        ...(flags.resume ? { resume: flags.resume } : {}),
        ...(creditBudget !== undefined ? { creditBudget } : {}),
        ...(reuseDays !== undefined && !flags.resume ? { reuseLookupsWithinDays: reuseDays } : {}),
      });
    } catch (error) {
      progress.clear();
      if (error instanceof PipelineRunFailed) {
        throw new CliError(
          `${def.step.replace(/_/g, " ")} failed: ${error.message}\nThe run is recorded (${error.runId}); continue it with --resume ${error.runId}`,
          EXIT.failure,
        );
      }
      // A refusal of one shared field reads as the flag it came from (`--resume: no pipeline run …`).
      const issue = ValidationError.isInstance(error) && error.issues.length === 1 ? error.issues[0]! : undefined;
      if (issue && FLAG_OF[issue.field]) throw new CliError(`${FLAG_OF[issue.field]}: ${issue.message}`, EXIT.usage);
      throw error;
    }
    progress.clear();
    const result = outcome.summary;
    const offerLabel = outcome.offer?.slug ?? "(deleted offer)";
    if (flags.json) {
      io.stdout(json({ sandbox: providers.sandbox, offer: offerLabel, step: def.step, ...result }));
    } else {
      const lines = [
        `${def.title} for ${offerLabel}${providers.sandbox ? " (SANDBOX: simulated providers)" : ""}:`,
        ...def.describe(result).map((l) => `  ${l}`),
        `  credits spent: ${result.creditsSpent}${result.runCreditsSpent !== result.creditsSpent ? ` (run total ${result.runCreditsSpent})` : ""}${creditBudget !== undefined ? ` of a ${creditBudget} budget` : ""}`,
        `  run: ${result.runId}`,
      ];
      io.stdout(`${lines.join("\n")}\n`);
    }
    if (result.errorCount > 0) {
      const shown = result.errors.slice(0, 5).map((e) => `  - ${e.provider} (${e.kind})${e.item ? ` ${e.item}` : ""}: ${e.message}`);
      io.stderr(
        `offerlab: ${result.errorCount} provider call(s) failed:\n${shown.join("\n")}${result.errorCount > shown.length ? `\n  … and ${result.errorCount - shown.length} more (see --json)` : ""}\n`,
      );
    }
    if (result.status === "cancelled" && result.stopReason === "budget") {
      // Exit code 3 (core's `budget_reached`), after the summary: a script can tell "resume with
      // more credits" from a failure.
      throw new OfferlabError(
        "budget_reached",
        budgetStopHint(def.step, result.runId, result.runCreditsSpent, creditBudget, result.error, providers.sandbox),
      );
    }
    if (def.nothingWorked(result))
      throw new CliError(`every provider call failed; nothing was ${def.step === "scrape_companies" ? "scraped" : "found"}`, EXIT.failure);
  } finally {
    progress.clear();
    await db.destroy();
  }
}
