import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createParallel } from "./index.js";
import { createParallelMock } from "./msw.js";

// Injected ids and clock, which the sandbox uses so that a seed replays exactly.
let n = 0;
const mock = createParallelMock({
  randomUUID: () => `${String(++n).padStart(8, "0")}-0000-4000-8000-000000000000`,
  now: () => new Date("2026-03-02T09:00:00.000Z"),
});
const { recorder } = setupMswServer(...mock.handlers);
const parallel = createParallel({ apiKey: "test-parallel-key", retry: { maxAttempts: 1 }, pollIntervalMs: 1 });

describe("createParallelMock({ randomUUID, now })", () => {
  it("names FindAll runs from the injected ids and dates them with the injected clock", async () => {
    await parallel.findAllCompanies("b2b saas sales software", { matchConditions: [{ name: "b2b", description: "Sells to businesses" }], matchLimit: 5 });
    const [id] = [...mock.runs.keys()];
    expect(id).toBe("findall_000000010000");
    const requests = await recorder.requests();
    expect(requests.map((r) => r.path)).toContain(`/v1beta/findall/runs/${id}`);
  });

  it("takes entity-set ids from the injected source", async () => {
    const before = n;
    await parallel.searchCompanies({ query: "b2b saas", limit: 5 });
    expect(n).toBe(before + 1);
  });
});
