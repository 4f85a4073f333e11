/**
 * One tick of the runner: every job once, in an order where each sees the last one's work, each
 * safe with any number of runners at once (row locks and unique keys, no leader). A job that
 * fails is logged and the others still run; the tick ends with one structured log line.
 */
import { campaigns, type Db } from "@offerlab/db";
import type { Inbox, LinkedInSender } from "@offerlab/provider-kit";
import { parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import {
  advanceWarming,
  checkProviderCredits,
  describeUnknownOutcomes,
  planDue,
  processWebhookInbox,
  reapExpired,
  reconcileUnknown,
  recomputeAccountHealth,
  recomputeBooks,
  runSendPath,
  syncInboxes,
  syncTodayCounters,
  unknownOutcomes,
  withdrawStaleInvitations,
  type ProviderEventDecoder,
  type RandomSource,
  type ReconcileOptions,
  type ReplyClassifier,
  type RunOptions,
  type Senders,
  type UnknownOutcomes,
} from "@offerlab/scheduler";
import {
  DEFAULT_CREDIT_ALERT_THRESHOLD,
  DEFAULT_INBOX_SYNC_LOOKBACK_HOURS,
  DEFAULT_WITHDRAW_AFTER_DAYS,
  type CronConfig,
} from "./config.js";
import { createLogger, type Logger } from "./logger.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The jobs of a tick, in the order they run. */
export const JOBS = [
  "warming",
  "inbox_sync",
  "inbox",
  "withdraw_invitations",
  "reap",
  "reconcile",
  "plan",
  "send",
  "lifecycles",
  "daily_counters",
  "books",
  "account_health",
  "credits",
] as const;
export type JobName = (typeof JOBS)[number];

/** The provider capabilities the jobs use; a job whose capability is missing is skipped, with the reason. */
export interface TickProviders {
  /** Sending and reconciling (the Unipile adapter implements all three). */
  senders?: Senders;
  /** The inbox sync's reads. */
  inbox?: Inbox;
  /** Withdrawing stale invitations. */
  linkedin?: LinkedInSender;
}

/** Stored webhook payloads by provider: the vendor's parser, then the direction rule. */
export const inboxDecoders: Record<string, ProviderEventDecoder> = {
  unipile: (payload, context) => toProviderEvent(parseUnipileWebhook(payload), context),
};

export interface TickOptions {
  /** The offerlab database (`createDb()`: `DATABASE_URL`, else the embedded one). */
  db: Db;
  /** Provider capabilities. Default none: the jobs that need one are skipped with the reason. */
  providers?: TickProviders;
  /** The clock every job reads. Default `() => new Date()` (the demo passes its simulated clock). */
  now?: () => Date;
  /**
   * The source of the planner's and the send path's random draws (send-time jitter, account gaps,
   * back-offs). Default: `systemRandomSource()`, random per process; sandbox runs pass
   * `seededRandomSource(seed)` so that one seed replays one story.
   */
  random?: RandomSource;
  /** Default: JSON lines on standard output. */
  logger?: Logger;
  /** From `loadCronConfig()`; the defaults apply to what is left out. */
  config?: Partial<CronConfig>;
  /** When aborted (SIGTERM), no new job and no new claim starts; every in-flight send finishes. */
  signal?: AbortSignal;
  /** Only these jobs (in the standard order). Default: all of them. */
  jobs?: readonly JobName[];
  /** Send-path tuning (lease, provider timeout, pacing); tests shorten them. */
  sendPath?: Partial<
    Pick<
      RunOptions,
      | "leaseMs"
      | "providerTimeoutMs"
      | "accountGapMs"
      | "defaultCooldownMs"
      | "busyWaitMs"
      | "errorBackoffMs"
      | "maxConsecutiveErrors"
      | "max"
      | "concurrency"
    >
  >;
  /**
   * Bounds of the reconcile job's pass (`reconcileUnknown`): at most `limit` (25) checks, `perAccount`
   * (5) per account, no new check after `budgetMs` (10 000 ms), so the tick keeps its time for
   * planning and sending; `undeterminedAfterMs` (24 h).
   */
  reconcile?: ReconcileOptions;
  /** Reply classifier for the inbox job. Default: `@offerlab/copy`'s rules (then the LLM when configured). */
  classify?: ReplyClassifier;
}

export type JobResult =
  { status: "ok"; ms: number; result: unknown } | { status: "skipped"; reason: string } | { status: "failed"; ms: number; error: string };

/** What one tick did: the send figures, and each job's result. */
export interface TickSummary {
  startedAt: string;
  durationMs: number;
  /** Queue rows the send job handled (each was claimed, then sent, deferred, skipped, refused or of unknown outcome). */
  claimed: number;
  sent: number;
  /** Rows moved to a later time, by reason (`window_closed`, `daily_cap`, …). */
  deferred: Record<string, number>;
  /** Rows that will never be sent, by reason (`do_not_contact`, `replied`, …). */
  skipped: number;
  /** Refused by the provider (retried later or failed for good) or lost to another runner. */
  failed: number;
  /** Sent or not, unknown until the reconciler asks the provider. */
  unknown: number;
  /** Jobs that threw (their error is in `jobs`). */
  errors: number;
  /** True when the tick stopped early on the signal. */
  aborted: boolean;
  /**
   * Sends whose outcome is unknown (still being reconciled) or undetermined (the provider could not
   * tell; last 7 days), counted at the end of the tick; null when the count itself failed. Nonzero
   * counts are also logged as a warning line.
   */
  unknownOutcomes: UnknownOutcomes | null;
  jobs: Partial<Record<JobName, JobResult>>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one tick and logs it as one line (`msg: "tick"`). Never throws for a job's failure: the
 * summary says which failed and why, and the next tick tries again.
 */
export async function runTick(options: TickOptions): Promise<TickSummary> {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? createLogger();
  const config = options.config ?? {};
  const providers = options.providers ?? {};
  const wanted = new Set<JobName>(options.jobs ?? JOBS);
  const startedAt = now();
  const t0 = performance.now();
  const summary: TickSummary = {
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    claimed: 0,
    sent: 0,
    deferred: {},
    skipped: 0,
    failed: 0,
    unknown: 0,
    errors: 0,
    aborted: false,
    unknownOutcomes: null,
    jobs: {},
  };
  const senders = providers.senders;
  const sendPathBase = {
    db,
    senders: senders ?? {},
    now,
    ...(options.random ? { random: options.random } : {}),
    ...(config.runnerId ? { runnerId: config.runnerId } : {}),
    ...(config.sendConcurrency ? { concurrency: config.sendConcurrency } : {}),
    ...options.sendPath,
  };

  const job = async (name: JobName, run: () => Promise<unknown>, skip?: string): Promise<void> => {
    if (!wanted.has(name)) return;
    if (options.signal?.aborted) {
      summary.aborted = true;
      summary.jobs[name] = { status: "skipped", reason: "stopping (signal received)" };
      return;
    }
    if (skip) {
      summary.jobs[name] = { status: "skipped", reason: skip };
      return;
    }
    const started = performance.now();
    try {
      const result = await run();
      summary.jobs[name] = { status: "ok", ms: Math.round(performance.now() - started), result: result ?? null };
    } catch (error) {
      summary.errors++;
      summary.jobs[name] = { status: "failed", ms: Math.round(performance.now() - started), error: errorText(error) };
      logger.warn({ job: name, err: error }, `job ${name} failed; the next tick tries again`);
    }
  };

  const noSenders = "no sender configured (set UNIPILE_API_KEY and UNIPILE_DSN)";
  await job("warming", () => advanceWarming(db, { now: now() }));
  await job(
    "inbox_sync",
    () =>
      syncInboxes({
        db,
        inbox: providers.inbox!,
        now,
        lookbackMs: (config.inboxSyncLookbackHours ?? DEFAULT_INBOX_SYNC_LOOKBACK_HOURS) * HOUR,
      }),
    providers.inbox ? undefined : "no inbox provider configured (set UNIPILE_API_KEY and UNIPILE_DSN)",
  );
  await job("inbox", () =>
    processWebhookInbox({
      db,
      decoders: inboxDecoders,
      now,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.classify ? { classify: options.classify } : {}),
    }),
  );
  await job(
    "withdraw_invitations",
    () =>
      withdrawStaleInvitations({
        db,
        linkedin: providers.linkedin!,
        now,
        maxAgeMs: (config.withdrawInvitationsAfterDays ?? DEFAULT_WITHDRAW_AFTER_DAYS) * DAY,
      }),
    providers.linkedin ? undefined : "no LinkedIn provider configured (set UNIPILE_API_KEY and UNIPILE_DSN)",
  );
  // Lapsed claims go back to the queue even without a provider: no call was ever started.
  await job("reap", () => reapExpired(sendPathBase));
  // One bounded pass per tick; the send job below does not reconcile again.
  await job(
    "reconcile",
    () => reconcileUnknown({ ...sendPathBase, ...options.reconcile }),
    senders?.reconciler ? undefined : "no reconciler configured (set UNIPILE_API_KEY and UNIPILE_DSN)",
  );
  await job("plan", () => planDue({ db, now, ...(options.random ? { random: options.random } : {}) }));
  await job(
    "send",
    async () => {
      const run = await runSendPath({
        ...sendPathBase,
        reconcile: false,
        ...(options.signal ? { signal: options.signal } : {}),
        onError: (error) => logger.warn({ job: "send", err: error }, "send path error; backing off and carrying on"),
      });
      summary.claimed = run.handled;
      summary.sent = run.outcomes.sent;
      summary.deferred = run.deferred;
      summary.skipped = run.outcomes.skipped;
      summary.failed = run.outcomes.refused + run.outcomes.lost;
      summary.unknown = run.outcomes.unknown;
      return { outcomes: run.outcomes, reaped: run.reaped, errors: run.errors };
    },
    // Without a sender a claim could only fail: nothing is claimed, the queue waits.
    senders?.email || senders?.linkedin ? undefined : noSenders,
  );
  // The sweep behind the send path's own completion (a campaign whose last two contacts finished at
  // once, or whose row was busy then): active campaigns with every contact finished are completed.
  await job("lifecycles", async () => ({ campaignsCompleted: (await campaigns.completeFinished(db)).length }));
  await job("daily_counters", async () => {
    await syncTodayCounters(db, { now: now() });
    return { ok: true };
  });
  await job("books", () => recomputeBooks(db));
  await job("account_health", () => recomputeAccountHealth(db, { now: now() }));
  await job("credits", async () => {
    const alerts = await checkProviderCredits(db, { threshold: config.creditAlertThreshold ?? DEFAULT_CREDIT_ALERT_THRESHOLD });
    if (alerts.length) logger.warn({ alerts }, `provider credits low or tool in error: ${alerts.map((a) => a.tool).join(", ")}`);
    return { alerts };
  });

  // The alert: sends stuck without a known outcome are rare, and each one needs eyes.
  try {
    summary.unknownOutcomes = await unknownOutcomes(db, { now: now() });
    const alert = describeUnknownOutcomes(summary.unknownOutcomes, now());
    if (alert) logger.warn({ unknownOutcomes: summary.unknownOutcomes }, alert);
  } catch (error) {
    logger.warn({ err: error }, "could not count the sends with an unknown outcome");
  }

  summary.aborted ||= Boolean(options.signal?.aborted);
  summary.durationMs = Math.round(performance.now() - t0);
  logger.info(
    {
      claimed: summary.claimed,
      sent: summary.sent,
      deferred: summary.deferred,
      skipped: summary.skipped,
      failed: summary.failed,
      unknown: summary.unknown,
      errors: summary.errors,
      aborted: summary.aborted,
      durationMs: summary.durationMs,
      jobs: compactJobs(summary.jobs),
    },
    "tick",
  );
  return summary;
}

/** Per-job counts for the tick line: the result's numbers, a skip's reason, a failure's error. */
function compactJobs(jobs: TickSummary["jobs"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(jobs)) {
    if (!r) continue;
    if (r.status === "skipped") out[name] = { skipped: r.reason };
    else if (r.status === "failed") out[name] = { failed: r.error, ms: r.ms };
    else out[name] = { ms: r.ms, ...numbersOf(r.result) };
  }
  return out;
}

function numbersOf(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "number") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.length;
    else if (typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "number")) out[k] = v;
  }
  return out;
}
