import { createUnipileMock } from "@offerlab/provider-unipile/msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unipileFromEnv } from "./providers.js";

const mock = createUnipileMock({ apiKey: "uk-test" });
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("unipileFromEnv", () => {
  it("names what is missing, from Unipile's descriptor", () => {
    expect(unipileFromEnv({})).toEqual({ unipile: null, missing: ["UNIPILE_API_KEY", "UNIPILE_DSN (or UNIPILE_BASE_URL)"] });
    expect(unipileFromEnv({ UNIPILE_API_KEY: "k", UNIPILE_DSN: "  " }).missing).toEqual(["UNIPILE_DSN (or UNIPILE_BASE_URL)"]);
    expect(unipileFromEnv({ UNIPILE_API_KEY: " ", UNIPILE_DSN: "api8.unipile.com:13851" }).missing).toEqual(["UNIPILE_API_KEY"]);
  });

  it("builds Unipile from the variables, trimmed", async () => {
    const { unipile, missing } = unipileFromEnv({ UNIPILE_API_KEY: " uk-test ", UNIPILE_BASE_URL: ` ${mock.baseUrl} ` });
    expect(missing).toEqual([]);
    const page = await unipile!.listAccounts();
    expect(page.items.length).toBeGreaterThan(0);
  });
});
