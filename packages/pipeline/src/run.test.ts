import { testEngines } from "@offerlab/db/testing";
import type { EmailFinder } from "@offerlab/provider-kit";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PipelineInputError } from "./offer.js";
import { getPipelineRun, PipelineRunFailed, resumePipeline, runPipeline } from "./run.js";
import { createWorld, type World } from "./__tests__/world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const stepsOf = (w: World, runId: string) =>
  w.db
    .selectFrom("pipeline_steps")
    .select(["step_name", "status", "error_message", "step_output", "started_at", "completed_at"])
    .where("pipeline_run_id", "=", runId)
    .execute();
const runOf = (w: World, runId: string) => w.db.selectFrom("pipeline_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
const usageCount = async (w: World, action: string) =>
  (await w.db.selectFrom("tool_usage").select("id").where("action", "=", action).execute()).length;
const ORDER = ["discover_companies", "discover_people", "enrich_emails", "scrape_companies"];
const byOrder = <T extends { step_name: string }>(rows: T[]) =>
  [...rows].sort((a, b) => ORDER.indexOf(a.step_name) - ORDER.indexOf(b.step_name));

describe.each(testEngines())("pipeline runs on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("records the run, its inputs and each step's summary, and reports progress per step", async () => {
    w = await createWorld(engine, server);
    const res = await runPipeline(w.ctx(), w.offerId, { discoverPeople: { perCompany: 3 } });
    expect(res).toMatchObject({ status: "completed", stopReason: null, error: null, creditBudget: null });
    expect(res.creditsSpent).toBe(
      [res.steps.discover_companies, res.steps.discover_people, res.steps.enrich_emails, res.steps.scrape_companies].reduce(
        (a, s) => a + s!.creditsSpent,
        0,
      ),
    );
    const run = await runOf(w, res.runId);
    expect(run).toMatchObject({ status: "completed", offer_id: w.offerId, steps: ORDER, error_message: null });
    expect(run.completed_at).toBeInstanceOf(Date);
    expect(run.input_params).toMatchObject({
      options: { steps: ORDER, discoverPeople: { perCompany: 3 } },
      providers: {
        companySearch: ["theirstack", "exa"],
        peopleSearch: ["parallel"],
        emailFinders: ["leadmagic"],
        emailVerifiers: ["leadmagic"],
        pageScraper: "firecrawl",
      },
    });
    expect(run.output_summary).toMatchObject({
      creditsSpent: res.creditsSpent,
      steps: { discover_companies: { new: 3 }, enrich_emails: { valid: 2 } },
    });
    const steps = byOrder(await stepsOf(w, res.runId));
    expect(steps.map((s) => [s.step_name, s.status])).toEqual(ORDER.map((s) => [s, "completed"]));
    expect(steps[1]!.step_output).toMatchObject({ new: 4, lowFit: 1, companies: 2 });
    expect(steps.every((s) => s.started_at && s.completed_at && s.completed_at >= s.started_at)).toBe(true);
    const phases = w.progress.filter((p) => p.phase !== "progress").map((p) => `${p.step}:${p.phase}`);
    expect(phases).toEqual(ORDER.flatMap((s) => [`${s}:start`, `${s}:done`]));
    const enrich = w.progress.filter((p) => p.step === "enrich_emails" && p.phase === "progress");
    expect(enrich.at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(w.progress.at(-1)!.creditsSpent).toBe(res.creditsSpent);
  });

  it("stops cleanly at the credit budget, then resumes with a higher one without paying twice", async () => {
    w = await createWorld(engine, server);
    // Discovery costs 6 (TheirStack), people 0; enrichment: 1 per find, 0.25 per verification.
    const stopped = await runPipeline(w.ctx(), w.offerId, { creditBudget: 7 });
    expect(stopped).toMatchObject({ status: "cancelled", stopReason: "budget", creditBudget: 7 });
    expect(stopped.error).toBe("credit budget reached: spent 7 of 7 credits");
    expect(stopped.creditsSpent).toBe(7);
    const run = await runOf(w, stopped.runId);
    expect(run).toMatchObject({ status: "cancelled", error_message: "enrich_emails: credit budget reached: spent 7 of 7 credits" });
    expect(byOrder(await stepsOf(w, stopped.runId)).map((s) => [s.step_name, s.status])).toEqual([
      ["discover_companies", "completed"],
      ["discover_people", "completed"],
      ["enrich_emails", "failed"],
      ["scrape_companies", "skipped"],
    ]);
    // One email found (the 7th credit), nothing written for it yet, nothing scraped.
    expect(await usageCount(w, "find_email")).toBe(1);
    expect(await usageCount(w, "verify_email")).toBe(0);
    expect(await usageCount(w, "scrape")).toBe(0);
    expect(await w.db.selectFrom("contacts").select("id").where("email", "is not", null).execute()).toEqual([]);

    const resumed = await resumePipeline(w.ctx(), stopped.runId, { creditBudget: 20 });
    expect(resumed).toMatchObject({ status: "completed", creditBudget: 20 });
    // The same total as an uninterrupted run: the found email was read back, not bought again.
    expect(resumed.creditsSpent).toBe(11.5);
    expect(await usageCount(w, "find_email")).toBe(3);
    expect(await usageCount(w, "search_companies")).toBe(2);
    expect(resumed.steps.discover_companies).toMatchObject({ new: 3 });
    expect(resumed.steps.enrich_emails).toMatchObject({ valid: 2, risky: 1, lookups: { find: 3, verify: 3, cached: 1 } });
    expect(resumed.steps.scrape_companies).toMatchObject({ updated: 2 });
    expect(byOrder(await stepsOf(w, stopped.runId)).every((s) => s.status === "completed")).toBe(true);
    expect((await runOf(w, stopped.runId)).input_params).toMatchObject({ options: { creditBudget: 20 } });
    expect(await getPipelineRun(w.db, stopped.runId)).toMatchObject({
      runId: stopped.runId,
      offerId: w.offerId,
      status: "completed",
      steps: ORDER,
      options: { creditBudget: 20 },
      providers: { companySearch: ["theirstack", "exa"], emailFinders: ["leadmagic"], pageScraper: "firecrawl" },
    });
    expect(await getPipelineRun(w.db, "00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(await getPipelineRun(w.db, "nope")).toBeUndefined();
  });

  it("a budget of 0 starts no paid call", async () => {
    w = await createWorld(engine, server);
    const res = await runPipeline(w.ctx(), w.offerId, { creditBudget: 0, steps: ["discover_companies"] });
    expect(res).toMatchObject({ status: "cancelled", stopReason: "budget", creditsSpent: 0 });
    expect(w.events).toEqual([]);
  });

  it("after a crash, fails the run, and a resume finishes it reading back what was paid for", async () => {
    w = await createWorld(engine, server);
    let calls = 0;
    const crashing: EmailFinder = {
      provider: "leadmagic",
      findEmail(q, o) {
        if (++calls === 2) throw new Error("process killed");
        return w.adapters.leadmagic.findEmail(q, o);
      },
    };
    const ctx = w.ctx();
    const thrown = await runPipeline({ ...ctx, providers: { ...ctx.providers, emailFinders: [crashing] } }, w.offerId).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(PipelineRunFailed);
    expect(thrown).toMatchObject({ message: "process killed", step: "enrich_emails" });
    const failed = await w.db.selectFrom("pipeline_runs").select(["id", "status", "error_message"]).executeTakeFirstOrThrow();
    expect((thrown as PipelineRunFailed).runId).toBe(failed.id);
    await expect(
      resumePipeline(w.ctx(), failed.id, { step: "scrape_companies", offerId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toThrow(/belongs to another offer/);
    expect(failed).toMatchObject({ status: "failed", error_message: "enrich_emails: process killed" });
    expect(await usageCount(w, "find_email")).toBe(1);

    // A process killed outright leaves its run and step `running`: resume treats them alike.
    await w.db.updateTable("pipeline_runs").set({ status: "running", error_message: null }).execute();
    await w.db.updateTable("pipeline_steps").set({ status: "running" }).where("step_name", "=", "enrich_emails").execute();
    const resumed = await resumePipeline(w.ctx(), failed.id);
    expect(resumed).toMatchObject({ status: "completed", creditsSpent: 11.5 });
    expect(await usageCount(w, "find_email")).toBe(3);
    expect(await usageCount(w, "search_companies")).toBe(2);
    // Resuming a finished run does nothing.
    const again = await resumePipeline(w.ctx(), failed.id);
    expect(again).toMatchObject({ status: "completed", creditsSpent: 11.5 });
    expect(await usageCount(w, "find_email")).toBe(3);
  });

  it("refuses bad runs before writing anything", async () => {
    w = await createWorld(engine, server);
    const ctx = w.ctx();
    const bad: [Parameters<typeof runPipeline>[2], RegExp][] = [
      [{ steps: [] }, /at least one step/],
      [
        { steps: ["discover_companies", "send_emails" as never] },
        /unknown step "send_emails"; steps are discover_companies, discover_people, enrich_emails, scrape_companies/,
      ],
      [{ steps: ["enrich_emails", "enrich_emails"] }, /listed twice/],
      [{ creditBudget: -1 }, /creditBudget must be a number of credits ≥ 0 \(got -1\)/],
    ];
    for (const [options, message] of bad) {
      await expect(runPipeline(ctx, w.offerId, options)).rejects.toThrow(message);
    }
    await expect(runPipeline(w.ctx({ companySearch: [w.adapters.exa] }), w.offerId)).rejects.toThrow(
      "discover_people needs at least one people search provider (providers.peopleSearch); enrich_emails needs at least one email finder or verifier (providers.emailFinders / emailVerifiers)",
    );
    await expect(resumePipeline(ctx, "00000000-0000-4000-8000-000000000000")).rejects.toThrow(PipelineInputError);
    await expect(resumePipeline(ctx, "not-a-run")).rejects.toThrow('"not-a-run" is not a pipeline run id (a UUID)');
    expect(await w.db.selectFrom("pipeline_runs").select("id").execute()).toEqual([]);
    expect(w.events).toEqual([]);
  });
});
