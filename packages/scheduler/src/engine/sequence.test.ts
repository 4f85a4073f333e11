import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SchedulingConfig, type SchedulingStep } from "@offerlab/core";
import { planNextStep, recordStepOutcome, type SequenceProgress } from "./sequence.js";

const DAY = 86_400_000;
const t0 = new Date("2026-03-02T10:00:00Z");
const after = (days: number, hours = 0) => new Date(t0.getTime() + days * DAY + hours * 3_600_000);
const config = (input: unknown) => SchedulingConfig.parse(input);

// Invitation → DM once connected → email if no reply.
const multi = config({
  steps: [
    { step: 1, type: "connection_request", delay_days: 0 },
    { step: 2, type: "linkedin_dm", delay_days: 2, condition: "connected", wait_days_max: 7 },
    { step: 3, type: "email", delay_days: 3, condition: "no_reply" },
  ],
});
const start: SequenceProgress = { currentStep: 0, touches: 0, replied: false, connected: false, lastStepAt: t0 };

describe("planNextStep", () => {
  it("makes step 1 due after its delay from enrolment (or from now when none is given)", () => {
    expect(planNextStep(multi, start, t0)).toMatchObject({ kind: "due", step: { step: 1 }, dueAt: t0 });
    const delayed = config({ steps: [{ step: 1, type: "email", delay_days: 2 }] });
    expect(planNextStep(delayed, start, after(1))).toMatchObject({ kind: "wait", reason: "not_due", until: after(2) });
    expect(planNextStep(delayed, start, after(2))).toMatchObject({ kind: "due", dueAt: after(2) });
    expect(planNextStep(delayed, { ...start, lastStepAt: null }, t0)).toMatchObject({ kind: "wait", until: after(2) });
  });

  it("waits for the connection, then sends the DM", () => {
    const p = recordStepOutcome(start, 1, "sent", t0);
    expect(planNextStep(multi, p, after(1))).toMatchObject({ kind: "wait", reason: "not_due", until: after(2) });
    expect(planNextStep(multi, p, after(3))).toMatchObject({ kind: "wait", reason: "awaiting_connection", until: after(9) });
    expect(planNextStep(multi, { ...p, connected: true }, after(5))).toMatchObject({ kind: "due", step: { step: 2 }, dueAt: after(2) });
  });

  it("skips the DM when the connection never comes, and the email then waits its own delay from the skip", () => {
    const p = recordStepOutcome(start, 1, "sent", t0);
    const plan = planNextStep(multi, p, after(9));
    expect(plan).toEqual({ kind: "skip", step: multi.steps[1], reason: "condition_unmet", at: after(9) });
    // The runtime notices it a day late: the skip counts from when it is recorded.
    const skipped = recordStepOutcome(p, 2, "skipped", after(10));
    expect(skipped.touches).toBe(1);
    expect(planNextStep(multi, skipped, after(12))).toMatchObject({ kind: "wait", reason: "not_due", until: after(13) });
    expect(planNextStep(multi, skipped, after(13))).toMatchObject({ kind: "due", step: { step: 3 } });
  });

  it("counts the condition wait from conditionWaitStartedAt when the runtime stored it", () => {
    const p = { ...recordStepOutcome(start, 1, "sent", t0), conditionWaitStartedAt: after(4) };
    expect(planNextStep(multi, p, after(10))).toMatchObject({ kind: "wait", until: after(11) });
  });

  it("stops the sequence when on_condition_unmet is stop", () => {
    const stop = config({
      steps: [
        { step: 1, type: "connection_request", delay_days: 0 },
        { step: 2, type: "linkedin_dm", delay_days: 1, condition: "connected", on_condition_unmet: "stop", wait_days_max: 3 },
      ],
    });
    const p = recordStepOutcome(start, 1, "sent", t0);
    expect(planNextStep(stop, p, after(3))).toMatchObject({ kind: "wait", reason: "awaiting_connection" });
    expect(planNextStep(stop, p, after(4))).toEqual({ kind: "done", reason: "condition_unmet" });
  });

  it("treats not_connected and no_reply as unmet at once when they can no longer come true", () => {
    const cfg = config({
      steps: [
        { step: 1, type: "connection_request", delay_days: 0 },
        { step: 2, type: "email", delay_days: 5, condition: "not_connected" },
        { step: 3, type: "email", delay_days: 2, condition: "no_reply", on_condition_unmet: "stop" },
      ],
      stop_on_reply: false,
    });
    const p1 = recordStepOutcome(start, 1, "sent", t0);
    expect(planNextStep(cfg, p1, after(5))).toMatchObject({ kind: "due", step: { step: 2 } });
    expect(planNextStep(cfg, { ...p1, connected: true }, after(5))).toMatchObject({ kind: "skip", reason: "condition_unmet" });
    const p2 = recordStepOutcome(p1, 2, "sent", after(5));
    expect(planNextStep(cfg, p2, after(7))).toMatchObject({ kind: "due", step: { step: 3 } });
    expect(planNextStep(cfg, { ...p2, replied: true }, after(7))).toEqual({ kind: "done", reason: "condition_unmet" });
  });

  it("stops on reply, at max_touches and after the last step", () => {
    expect(planNextStep(multi, { ...start, replied: true }, t0)).toEqual({ kind: "done", reason: "replied" });
    const capped = config({ ...multi, max_touches: 1 });
    expect(planNextStep(capped, recordStepOutcome(start, 1, "sent", t0), after(30))).toEqual({ kind: "done", reason: "max_touches" });
    const p = { ...start, currentStep: 3, touches: 3, connected: true };
    expect(planNextStep(multi, p, after(30))).toEqual({ kind: "done", reason: "completed" });
  });

  it("skips an invitation to someone already connected, and gives a DM without condition an implicit connected wait", () => {
    expect(planNextStep(multi, { ...start, connected: true }, t0)).toMatchObject({ kind: "skip", reason: "already_connected" });
    const dmOnly = config({ steps: [{ step: 1, type: "linkedin_dm", delay_days: 0 }] });
    expect(planNextStep(dmOnly, start, t0)).toMatchObject({ kind: "wait", reason: "awaiting_connection", until: after(14) });
    expect(planNextStep(dmOnly, start, after(14))).toMatchObject({ kind: "skip", reason: "condition_unmet" });
  });

  it("a failed step never makes the next one fire early", () => {
    const cfg = config({
      steps: [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3 },
      ],
    });
    // Step 1 was due at t0 but failed after retries on day 2: step 2 waits 3 days from the failure.
    const failed = recordStepOutcome(start, 1, "failed", after(2));
    expect(failed.touches).toBe(0);
    expect(planNextStep(cfg, failed, after(3))).toMatchObject({ kind: "wait", reason: "not_due", until: after(5) });
    expect(() => recordStepOutcome(start, 2, "sent", t0)).toThrow(/next one is 1/);
  });

  it("property: a step is never due before its delay from the previous outcome, and touches never pass max_touches", () => {
    const arbStep = (n: number) =>
      fc
        .record({
          type: fc.constantFrom("connection_request" as const, "linkedin_dm" as const, "inmail" as const, "email" as const),
          delay_days: fc.integer({ min: 0, max: 5 }),
          cond: fc.option(
            fc.record({
              condition: fc.constantFrom("connected" as const, "not_connected" as const, "no_reply" as const),
              on_condition_unmet: fc.constantFrom("skip" as const, "stop" as const),
              wait_days_max: fc.integer({ min: 0, max: 5 }),
            }),
            { nil: undefined },
          ),
        })
        .map(({ cond, ...s }): SchedulingStep => ({ step: n, ...s, ...(cond ?? {}) }));
    const arbConfig = fc
      .integer({ min: 1, max: 5 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbStep(i + 1))))
      .chain((steps) =>
        fc.record({
          steps: fc.constant(steps),
          stop_on_reply: fc.boolean(),
          max_touches: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        }),
      );
    const arbEvents = fc.array(
      fc.record({ advanceHours: fc.integer({ min: 1, max: 72 }), connect: fc.boolean(), reply: fc.boolean(), fail: fc.boolean() }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arbConfig, arbEvents, (raw, events) => {
        const cfg = config(raw);
        let p: SequenceProgress = { ...start };
        let now = t0;
        for (const e of events) {
          now = new Date(now.getTime() + e.advanceHours * 3_600_000);
          if (e.connect && e.advanceHours % 3 === 0) p = { ...p, connected: true };
          if (e.reply && e.advanceHours % 7 === 0) p = { ...p, replied: true };
          const plan = planNextStep(cfg, p, now);
          if (plan.kind === "done") {
            if (plan.reason === "replied") expect(p.replied && cfg.stop_on_reply).toBe(true);
            break;
          }
          if (plan.kind === "due" || plan.kind === "skip") {
            const step = plan.step;
            expect(step.step).toBe(p.currentStep + 1);
            expect(now.getTime()).toBeGreaterThanOrEqual((p.lastStepAt ?? now).getTime() + step.delay_days * DAY);
            if (plan.kind === "due") {
              if (cfg.stop_on_reply) expect(p.replied).toBe(false);
              if (step.type === "linkedin_dm" || step.condition === "connected") expect(p.connected).toBe(true);
              if (step.condition === "no_reply") expect(p.replied).toBe(false);
              if (step.condition === "not_connected") expect(p.connected).toBe(false);
              p = recordStepOutcome(p, step.step, e.fail ? "failed" : "sent", now);
            } else {
              p = recordStepOutcome(p, step.step, "skipped", now);
            }
            if (cfg.max_touches !== undefined) expect(p.touches).toBeLessThanOrEqual(cfg.max_touches);
          }
        }
        // Determinism: the same inputs give the same plan.
        expect(planNextStep(cfg, p, now)).toEqual(planNextStep(cfg, p, now));
      }),
      { numRuns: 300 },
    );
  });
});
