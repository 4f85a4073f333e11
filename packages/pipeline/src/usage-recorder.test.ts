import { tools } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { ProviderError, trackUsage } from "@offerlab/provider-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsageRecorder } from "./usage.js";

describe.each(testEngines())("the usage recorder's balance and gate on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  }, 60_000);
  afterAll(() => t?.drop());

  it("records the balance a call reported on its tool", async () => {
    const usage = createUsageRecorder(t.db, { onError: (e) => expect.fail(String(e)) });
    await trackUsage(
      { onUsage: usage.onUsage, gate: usage.gate, tool: "sumble", action: "enrich_company", balance: () => ({ remaining: 73.9 }) },
      async () => ({}),
    );
    expect((await tools.getByName(t.db, "sumble"))?.credits_remaining).toBe(73);
  });

  it("its gate counts calls in the database and refuses the one past the day's limit before it runs", async () => {
    await tools.setToolRateLimits(t.db, "exa", { perMinute: null, perDay: 2 });
    // Two recorders: two processes sharing one database.
    const first = createUsageRecorder(t.db, { rateGate: { now: () => Date.parse("2026-03-02T09:00:00Z") } });
    const second = createUsageRecorder(t.db, { rateGate: { now: () => Date.parse("2026-03-02T15:00:00Z") } });
    let calls = 0;
    const call = (r: typeof first) => trackUsage({ onUsage: r.onUsage, gate: r.gate, tool: "exa", action: "search" }, async () => ++calls);
    await call(first);
    await call(second);
    const refused = await call(first).catch((e: unknown) => e);
    expect(ProviderError.isInstance(refused) && refused.kind).toBe("rate_limited");
    expect((refused as Error).message).toContain("exa used up its limit of 2 calls per day");
    expect(calls).toBe(2);
    const rows = await t.db.selectFrom("tool_usage").select("action").where("action", "=", "search").execute();
    expect(rows).toHaveLength(2);
  });
});
