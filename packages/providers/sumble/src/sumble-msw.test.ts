import { describe, expect, it } from "vitest";
import { setupMswServer } from "@offerlab/provider-kit/testing";
import { createSumble } from "./index.js";
import { createSumbleMock } from "./msw.js";

// Injected ids, which the sandbox uses so that a seed replays exactly.
let n = 0;
const mock = createSumbleMock({ randomUUID: () => `req-${++n}` });
const { recorder } = setupMswServer(...mock.handlers);
const sumble = createSumble({ apiKey: "test-sumble-key", retry: { maxAttempts: 1 }, pollIntervalMs: 1 });

describe("createSumbleMock({ randomUUID })", () => {
  it("names people requests from the injected source, so polls carry a replayable id", async () => {
    await sumble.searchPeople({ company: { domain: "northwind-analytics.com" }, limit: 5 });
    const polls = (await recorder.requests()).filter(
      (r) => r.path === "/v9/people" && typeof (r.json as { request_id?: unknown } | undefined)?.request_id === "string",
    );
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => /^req-\d+$/.test((r.json as { request_id: string }).request_id))).toBe(true);
  });
});
