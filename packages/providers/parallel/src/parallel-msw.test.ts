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
const { server, recorder } = setupMswServer(...mock.handlers);
const parallel = createParallel({ apiKey: "test-parallel-key", retry: { maxAttempts: 1 }, pollIntervalMs: 1 });

describe("createParallelMock({ randomUUID, now })", () => {
  it("names FindAll runs from the injected ids and dates them with the injected clock", async () => {
    await parallel.findAllCompanies("b2b saas sales software", {
      matchConditions: [{ name: "b2b", description: "Sells to businesses" }],
      matchLimit: 5,
    });
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

describe("createParallelMock: Entity Search relevance", () => {
  it("ranks companies by how many of the objective's words they share, not by the world's order", async () => {
    const ranked = createParallelMock({
      companies: [
        { name: "One Word Co", url: "https://oneword.example", description: "Shares one word.", keywords: ["hiring"], people: [] },
        { name: "Unrelated", url: "https://unrelated.example", description: "Shares nothing.", keywords: ["logistics"], people: [] },
        {
          name: "Best Match",
          url: "https://best.example",
          description: "Shares three words.",
          keywords: ["fintech", "hiring", "sales"],
          people: [],
        },
        {
          name: "Two Words",
          url: "https://two.example",
          description: "Shares two words.",
          keywords: ["fintech", "payments", "sales"],
          people: [],
        },
      ],
    });
    server.use(...ranked.handlers);
    const result = await parallel.searchCompanies({ query: "fintech companies hiring sales reps" });
    expect(result.companies.map((c) => c.name)).toEqual(["Best Match", "Two Words", "One Word Co"]);
    const other = await parallel.searchCompanies({ query: "logistics" });
    expect(other.companies.map((c) => c.name)).toEqual(["Unrelated"]);
  });
});
