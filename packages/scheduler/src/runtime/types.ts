import type { Database } from "@offerlab/db";
import type { EmailSender, LinkedInSender, SendReconciler } from "@offerlab/provider-kit";
import type { Kysely } from "kysely";
import type { RandomSource } from "../engine/random.js";
import type { ReasonCode } from "../engine/reasons.js";

/** The provider capabilities the send path needs, reached only through the kit's interfaces. */
export interface Senders {
  linkedin?: LinkedInSender;
  email?: EmailSender;
  /** Answers "did this uncertain send happen?" with safe reads; required to clear unknown outcomes. */
  reconciler?: SendReconciler;
}

/** Points of a send where a test can make the runner die (see `RunnerCrash`). */
export type CrashPoint = "after_claim" | "after_mark_sending" | "during_call" | "after_call" | "during_record";

export interface SendPathOptions {
  db: Kysely<Database>;
  senders: Senders;
  /** Identifies this runner in attempts (host:pid or a name). Default: `runner-<pid>`. */
  runnerId?: string;
  /** The clock. Default: `() => new Date()`. Every SQL statement receives this time as a parameter. */
  now?: () => Date;
  /** How long a claim or an in-flight send is owned before the reaper takes it. Default 120 000 ms. */
  leaseMs?: number;
  /**
   * Time allowed for one provider call; it must stay well under the lease so a live runner never
   * loses its attempt while waiting. Default 30 000 ms.
   */
  providerTimeoutMs?: number;
  /**
   * Minimum randomised gap between two sends of one account, in ms: each send pushes the
   * account's `next_send_at` forward by a value drawn from `random` in [min, max]. Default 90–300 s.
   */
  accountGapMs?: { min: number; max: number };
  /**
   * Where the send path's random draws come from (account gaps, a reopening window's jitter, the
   * reconciler's back-off), each named by natural keys. Default: `systemRandomSource()`, random
   * per process; the sandbox and tests pass `seededRandomSource(seed)` so that runs replay.
   */
  random?: RandomSource;
  /** How long a `limited` account cools down when the provider gave no Retry-After. Default 1 h. */
  defaultCooldownMs?: number;
  /** Test hook: called at each crash point; throwing `RunnerCrash` simulates the process dying. */
  crashAt?: (point: CrashPoint, info: { queueId: string; attemptId: string }) => void | Promise<void>;
}

/**
 * Thrown by a test's `crashAt` hook to simulate a runner dying at that point: nothing after it
 * runs, no catch block handles it, no cleanup happens — exactly what SIGKILL leaves behind.
 * A test device, never met by a person: no OfferlabError, no code.
 */
export class RunnerCrash extends Error {
  constructor(readonly point: CrashPoint) {
    super(`simulated runner crash at ${point}`);
    this.name = "RunnerCrash";
  }
}

export type DispatchOutcome =
  | { kind: "idle" }
  /** Rows are due, but each belongs to an account with a send in flight (another runner's). */
  | { kind: "busy" }
  | { kind: "deferred"; queueId: string; reason: ReasonCode; until: Date }
  | { kind: "skipped"; queueId: string; reason: ReasonCode }
  | { kind: "sent"; queueId: string; attemptId: string }
  /** `reason` is the provider's own (`already_invited_recently`, `http_422` …), not a catalogue code. */
  | { kind: "refused"; queueId: string; attemptId: string; reason: string; final: boolean }
  | { kind: "unknown"; queueId: string; attemptId: string; reason: string }
  | { kind: "lost"; queueId: string; attemptId: string; reason: string };

export type Db = Kysely<Database>;
