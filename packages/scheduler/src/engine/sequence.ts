/**
 * Sequences: which step of a campaign's `scheduling_config` comes next for one contact, and when.
 *
 * Timing. A step is due `delay_days` × 24 h after `lastStepAt`, the moment the previous step was
 * sent, skipped or failed (for step 1, the enrolment: pass it as `lastStepAt`; null means "now",
 * which moves with the clock, so persist the first answer). The send window and jitter are applied
 * afterwards, by the runtime, to max(dueAt, now).
 *
 * Conditions, checked once the step is due:
 * - `connected`: the invitation was accepted. While it is not, the step waits (`awaiting_connection`)
 *   for at most `wait_days_max` days (default 14) counted from `conditionWaitStartedAt`, or from
 *   the step's due time when that is not given (so the runtime need not store it). Then
 *   `on_condition_unmet` applies: `skip` (default) → the step is skipped, and the next step waits
 *   its own delay from the moment the skip is recorded; `stop` → the sequence ends
 *   (`condition_unmet`).
 * - `not_connected`: true while the person is not connected. Once connected it can never come true
 *   again, so it is unmet at once (skip or stop, no waiting).
 * - `no_reply`: true while the person has not replied in this campaign; a reply makes it unmet at once.
 * - A `linkedin_dm` step also needs `connected`, whatever its own condition (a DM can only reach a
 *   connection): it waits for the connection like a `connected` step, with the step's
 *   `wait_days_max` / `on_condition_unmet` or their defaults. A `connection_request` step to
 *   someone already connected is skipped (`already_connected`).
 *
 * Ending: a reply with `stop_on_reply` (default true) → done (`replied`); `max_touches` steps sent →
 * done (`max_touches`); no step left → done (`completed`).
 *
 * Failure semantics. A failed step (the provider definitively refused it, or it ran out of
 * attempts) and an impossible or skipped step are recorded with {@link recordStepOutcome} exactly
 * like a skip: the sequence moves past the step and `lastStepAt` becomes the moment of the failure
 * or skip. The next step therefore waits its full delay from then — never from the failed step's
 * earlier due time — so a failure can never make the next step fire early. A failed step is not a
 * touch.
 */
import { DEFAULT_CONDITION_WAIT_DAYS_MAX, DEFAULT_ON_CONDITION_UNMET } from "@offerlab/core";
import type { SchedulingConfig, SchedulingStep } from "@offerlab/core";
import type { ReasonCode } from "./reasons.js";

/** Where one contact stands in a campaign's sequence. */
export interface SequenceProgress {
  /** The last step sent, skipped or failed; 0 = nothing yet. */
  currentStep: number;
  /** Steps actually sent (skipped and failed steps are not touches). */
  touches: number;
  /** The contact replied in this campaign. */
  replied: boolean;
  /** The contact is a 1st-degree connection of the sending account (invitation accepted, or already). */
  connected: boolean;
  /** When the last step was sent, skipped or failed; for step 1, the enrolment (null = now). */
  lastStepAt: Date | null;
  /** When the next step started waiting for its condition, if the runtime stored it. */
  conditionWaitStartedAt?: Date | null;
}

/** What to do next for a contact. */
export type StepPlan =
  | { kind: "due"; step: SchedulingStep; dueAt: Date }
  | { kind: "wait"; step: SchedulingStep; until: Date | null; reason: ReasonCode }
  | { kind: "skip"; step: SchedulingStep; reason: ReasonCode; at: Date }
  | { kind: "done"; reason: ReasonCode | "completed" };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a step can only go to a connection: its condition is `connected`, or it is a LinkedIn DM
 * (a DM can only reach a 1st-degree connection, whatever other condition the step has).
 */
export function needsConnection(step: SchedulingStep): boolean {
  return step.condition === "connected" || step.type === "linkedin_dm";
}

/**
 * The next thing to do for a contact at `now`:
 * - `due`: send `step` now (its `dueAt` is ≤ now; the runtime applies the window and jitter);
 * - `wait`: not yet — `until` is when the answer changes if no new fact arrives (the due time for
 *   `not_due`, the end of the condition wait for `awaiting_connection`); a new fact (connection
 *   accepted, reply) can change it earlier, so re-plan on such events;
 * - `skip`: record `step` as skipped at `at` (= now) with {@link recordStepOutcome}, then plan again;
 * - `done`: the sequence is over for this contact.
 */
export function planNextStep(config: SchedulingConfig, p: SequenceProgress, now: Date): StepPlan {
  if (p.replied && config.stop_on_reply !== false) return { kind: "done", reason: "replied" };
  if (config.max_touches !== undefined && p.touches >= config.max_touches) return { kind: "done", reason: "max_touches" };
  const step = config.steps[Math.max(0, p.currentStep)];
  if (step === undefined) return { kind: "done", reason: "completed" };

  const base = (p.lastStepAt ?? now).getTime();
  const dueAt = new Date(base + step.delay_days * DAY_MS);
  if (dueAt.getTime() > now.getTime()) return { kind: "wait", step, until: dueAt, reason: "not_due" };

  const unmet = (): StepPlan =>
    (step.on_condition_unmet ?? DEFAULT_ON_CONDITION_UNMET) === "stop"
      ? { kind: "done", reason: "condition_unmet" }
      : { kind: "skip", step, reason: "condition_unmet", at: now };

  if (step.type === "connection_request" && p.connected) return { kind: "skip", step, reason: "already_connected", at: now };

  if (step.condition === "no_reply" && p.replied) return unmet();
  if (step.condition === "not_connected" && p.connected) return unmet();
  if (needsConnection(step) && !p.connected) {
    const waitStart = (p.conditionWaitStartedAt ?? dueAt).getTime();
    const deadline = new Date(waitStart + (step.wait_days_max ?? DEFAULT_CONDITION_WAIT_DAYS_MAX) * DAY_MS);
    if (now.getTime() < deadline.getTime()) return { kind: "wait", step, until: deadline, reason: "awaiting_connection" };
    return unmet();
  }
  return { kind: "due", step, dueAt };
}

/** What happened to the step the contact was at. */
export type StepOutcome = "sent" | "skipped" | "failed";

/**
 * The progress after `step` was sent, skipped or failed at `at`: the sequence moves past it and the
 * next step's delay counts from `at`. Only a sent step is a touch. Recording an outcome for a step
 * other than the next one is an error (it would make steps fire out of order).
 */
export function recordStepOutcome(p: SequenceProgress, step: number, outcome: StepOutcome, at: Date): SequenceProgress {
  if (step !== p.currentStep + 1) {
    throw new Error(`cannot record step ${step}: the contact is at step ${p.currentStep}, so the next one is ${p.currentStep + 1}`);
  }
  return {
    ...p,
    currentStep: step,
    touches: p.touches + (outcome === "sent" ? 1 : 0),
    lastStepAt: at,
    conditionWaitStartedAt: null,
  };
}
