/**
 * Applies stored events right after the receiver answered, without delaying the answer: a kick
 * starts one drain of the inbox in the background, kicks during a drain coalesce into one more.
 * The cron's inbox job drains the same table, so an event this process never got to (it stopped,
 * the database was down) is applied there; both are idempotent.
 */
import { processWebhookInbox, type InboxSummary, type ProviderEventDecoder, type ReplyClassifier } from "@offerlab/scheduler";
import type { Db } from "@offerlab/db";
import { webhookDecoders } from "./decoders.js";
import type { Logger } from "./logger.js";

export interface InboxDrainerOptions {
  /** The database whose `webhook_inbox` is drained. */
  db: Db;
  /** Decoders per provider. Default: every provider this server receives (`webhookDecoders`). */
  decoders?: Record<string, ProviderEventDecoder>;
  /** Receives a warning per failed drain and a debug line per applied event. Default: silent. */
  logger?: Logger;
  /** The clock. Default `() => new Date()` (the demo passes its simulated clock). */
  now?: () => Date;
  /** Reply classifier. Default: `@offerlab/copy`'s rules, then the LLM when `OFFERLAB_LLM` is configured. */
  classify?: ReplyClassifier;
  /** Rows one drain handles at most. Default 200. */
  limit?: number;
}

export interface InboxDrainer {
  /** Asks for a drain soon; returns at once. */
  kick(): void;
  /** Resolves when no drain is running or asked for. */
  idle(): Promise<void>;
  /** No new drain starts; resolves when the running one ends. */
  stop(): Promise<void>;
  /** Totals since start, for logs and tests. */
  readonly totals: InboxSummary & { drains: number; errors: number };
}

export function createInboxDrainer(options: InboxDrainerOptions): InboxDrainer {
  const decoders = options.decoders ?? webhookDecoders;
  const totals = { claimed: 0, processed: 0, ignored: 0, unmatched: 0, retried: 0, failed: 0, drains: 0, errors: 0 };
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const limit = options.limit ?? 200;

  async function drainLoop(): Promise<void> {
    do {
      again = false;
      try {
        const s = await processWebhookInbox({
          db: options.db,
          decoders,
          limit,
          ...(options.now ? { now: options.now } : {}),
          ...(options.classify ? { classify: options.classify } : {}),
          onEvent: (e) =>
            options.logger?.debug(
              { inboxId: e.id, provider: e.provider, eventType: e.eventType, status: e.status, outcome: e.outcome, attempts: e.attempts },
              "event applied",
            ),
        });
        totals.drains++;
        for (const k of ["claimed", "processed", "ignored", "unmatched", "retried", "failed"] as const) totals[k] += s[k];
        // A full batch means more may be waiting: keep going even if no delivery kicks again.
        if (s.claimed >= limit) again = true;
      } catch (error) {
        // The rows stay pending: the next kick or the cron's inbox job applies them.
        totals.errors++;
        options.logger?.warn({ err: error }, "inbox drain failed; events stay in the inbox for the next drain");
      }
    } while (again && !stopped);
  }

  return {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = new Promise<void>((resolve) => setImmediate(resolve)).then(drainLoop).finally(() => {
        running = null;
      });
    },
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      while (running) await running;
    },
    totals,
  };
}
