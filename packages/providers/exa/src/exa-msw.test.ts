import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createExa } from "./index.js";
import { createExaMock } from "./msw.js";

// Injected ids, which the sandbox uses so that a seed replays exactly.
let n = 0;
const mock = createExaMock({ randomUUID: () => `0000-${++n}` });
setupMswServer(...mock.handlers);
const exa = createExa({ apiKey: "test-exa-key", retry: { maxAttempts: 1 } });

describe("createExaMock({ randomUUID })", () => {
  it("takes request ids from the injected source", async () => {
    const result = await exa.searchCompanies({ query: "b2b sales software", limit: 3 });
    expect(result.companies.length).toBeGreaterThan(0);
    expect(n).toBe(1);
  });
});
