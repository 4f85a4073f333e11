import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox } from "./index.js";
import { runScenario } from "./__tests__/scenario.js";

const dir = mkdtempSync(join(tmpdir(), "offerlab-sandbox-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a run produced that must replay from its seed. */
async function fullRun(seed: string, journalName: string) {
  const journalPath = join(dir, journalName);
  const run = await runScenario(seed, { env: { OFFERLAB_SANDBOX_JOURNAL: journalPath } });
  return {
    run,
    world: JSON.stringify(run.sandbox.world),
    journalFile: readFileSync(journalPath, "utf8"),
    outcomes: JSON.stringify(run.sandbox.outcomes),
    deliveries: JSON.stringify(run.sandbox.deliveries),
    events: JSON.stringify(run.events),
    llm: JSON.stringify(run.sandbox.llm.calls),
  };
}

describe("determinism", () => {
  let a: Awaited<ReturnType<typeof fullRun>>;
  let b: Awaited<ReturnType<typeof fullRun>>;
  let other: Awaited<ReturnType<typeof fullRun>>;
  beforeAll(async () => {
    a = await fullRun("replay-seed", "a.jsonl");
    b = await fullRun("replay-seed", "b.jsonl");
    other = await fullRun("another-seed", "other.jsonl");
  });

  it("replays a seed exactly: same world, same journal file, same outcomes and webhooks, across two full runs", () => {
    // The runs did real work, so agreeing is not agreeing on nothing.
    expect(a.run.refused).toEqual([]);
    expect(a.run.companies.length).toBeGreaterThan(3);
    expect(a.run.invited).toBeGreaterThan(5);
    expect(a.run.emailed).toBeGreaterThan(5);
    expect(a.run.dms).toBeGreaterThan(0);
    expect(a.run.sandbox.journal.length).toBeGreaterThan(50);
    expect(a.run.sandbox.outcomes.length).toBeGreaterThan(10);
    expect(a.run.events.length).toBeGreaterThan(10);
    expect(a.run.sandbox.outcomes.some((o) => o.kind === "accepted")).toBe(true);

    expect(b.world).toBe(a.world);
    expect(b.journalFile).toBe(a.journalFile);
    expect(b.journalFile).toBe(a.run.sandbox.journalJsonl());
    expect(b.outcomes).toBe(a.outcomes);
    expect(b.deliveries).toBe(a.deliveries);
    expect(b.events).toBe(a.events);
    expect(b.llm).toBe(a.llm);
  });

  it("a different seed gives a different world, and different outcomes for the same actions", () => {
    expect(other.world).not.toBe(a.world);
    const domains = (w: string) => new Set((JSON.parse(w) as { companies: { domain: string }[] }).companies.map((c) => c.domain));
    const shared = [...domains(a.world)].filter((d) => domains(other.world).has(d));
    // Names are drawn from one vocabulary, so a few may coincide; the worlds are not the same.
    expect(shared.length).toBeLessThan(30);
    expect(other.journalFile).not.toBe(a.journalFile);
    expect(other.outcomes).not.toBe(a.outcomes);
  });

  it("two worlds share no person: not by email, not by LinkedIn URL (the 60-day rule matches people by both)", () => {
    const x = createSandbox({ seed: "offerlab-demo" }).world.people;
    const y = createSandbox({ seed: "offerlab-demo-2" }).world.people;
    const urls = new Set(x.map((p) => p.linkedin_url));
    const emails = new Set(x.map((p) => p.email));
    expect(y.filter((p) => urls.has(p.linkedin_url))).toEqual([]);
    expect(y.filter((p) => emails.has(p.email)).length).toBeLessThan(5);
  });

  it("a numeric seed and its string form are the same seed", () => {
    expect(JSON.stringify(createSandbox({ seed: 42 }).world)).toBe(JSON.stringify(createSandbox({ seed: "42" }).world));
  });
});
