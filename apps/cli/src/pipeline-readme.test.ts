/**
 * The example of packages/pipeline/README.md, run as written (with an in-memory database and
 * the sandbox's providers; it lives here because only apps may import the sandbox).
 */
import { createDb, migrate, offers, type Db } from "@offerlab/db";
import { createUsageRecorder, runPipeline, type ProgressEvent } from "@offerlab/pipeline";
import { createSandbox } from "@offerlab/sandbox";
import { afterAll, expect, it } from "vitest";

let db: Db | undefined;
afterAll(async () => {
  await db?.destroy();
});

it("runs the pipeline README's example on the sandbox", async () => {
  db = createDb({ dataDir: "memory://", env: {} });
  await migrate(db);
  const offer = await offers.create(db, {
    name: "AI Sales Coach",
    type: "product",
    ownership: "internal",
    description: "Role-play for new reps",
    icp: {
      company: { verticals: ["saas"], size_min: 20, size_max: 500, signals: ["hiring sales reps", "using crm"], disqualifiers: ["agency"] },
      buyer: { titles: ["VP of Sales", "Head of Sales", "Sales Manager"], departments: ["Sales"], seniority: ["VP", "Manager"] },
    },
  });

  const usage = createUsageRecorder(db);
  const p = createSandbox({ seed: "readme", env: {} }).providers({ onUsage: usage.onUsage });
  const progress: ProgressEvent[] = [];

  const run = await runPipeline(
    {
      db,
      usage,
      providers: {
        companySearch: [p.theirstack, p.exa],
        peopleSearch: [p.parallel, p.sumble],
        emailFinders: [p.leadmagic],
        emailVerifiers: [p.leadmagic],
        pageScraper: p.firecrawl,
      },
      onProgress: (e) => void progress.push(e),
    },
    offer.id,
    { creditBudget: 200, discoverCompanies: { limitPerProvider: 10 }, discoverPeople: { maxCompanies: 5 } },
  );

  expect(run.status).toBe("completed");
  expect(run.steps.discover_companies).toMatchObject({ found: 20, errorCount: 0 });
  expect(run.steps.discover_people!.companies).toBe(5);
  expect(run.steps.enrich_emails!.valid).toBeGreaterThan(0);
  expect(run.steps.scrape_companies!.updated).toBeGreaterThan(0);
  expect(run.creditsSpent).toBeGreaterThan(0);
  expect(run.creditsSpent).toBeLessThanOrEqual(200);
  expect(progress.filter((e) => e.phase === "done").map((e) => e.step)).toEqual([
    "discover_companies",
    "discover_people",
    "enrich_emails",
    "scrape_companies",
  ]);
  const recorded = await db
    .selectFrom("tool_usage")
    .select((eb) => eb.fn.sum<string>("credits_used").as("credits"))
    .executeTakeFirstOrThrow();
  expect(Number(recorded.credits)).toBe(run.creditsSpent);
}, 120_000);
