import { describe, expect, it } from "vitest";
import type { EmailFinder, EmailVerifier } from "./capabilities.js";
import {
  capabilityLabels,
  capabilityMap,
  capabilityMethods,
  capabilityNames,
  defineVendor,
  implementsCapability,
  missingVendorEnv,
  vendorOptionsFromEnv,
} from "./descriptor.js";

interface FakeAdapter extends EmailFinder, EmailVerifier {
  readonly provider: "fake";
}
const createFake = (options: { apiKey?: string; baseUrl?: string; dsn?: string } = {}): FakeAdapter & { options: typeof options } => ({
  provider: "fake",
  options,
  findEmail: async () => ({ email: null, status: "not_found", confidence: null, creditsUsed: 0 }) as never,
  verifyEmail: async () => ({ email: "x@y.z", status: "valid", creditsUsed: 0 }) as never,
});

const fake = defineVendor({
  name: "fake",
  title: "Fake",
  summary: "a vendor for tests",
  env: [
    { name: "FAKE_API_KEY", option: "apiKey", required: true, description: "key" },
    { name: "FAKE_DSN", option: "dsn", required: { or: "FAKE_BASE_URL" }, description: "dsn" },
    { name: "FAKE_BASE_URL", option: "baseUrl", required: false, description: "base" },
  ],
  capabilities: ["emailFinder", "emailVerifier"],
  tools: ["fake"],
  create: createFake,
  simulated: "fake",
});

describe("defineVendor", () => {
  it("keeps the descriptor as given and frozen", () => {
    expect(fake.name).toBe("fake");
    expect(fake.capabilities).toEqual(["emailFinder", "emailVerifier"]);
    expect(Object.isFrozen(fake)).toBe(true);
    expect(fake.create({ apiKey: "k" }).provider).toBe("fake");
  });

  it("refuses at compile time a capability the adapter does not implement", () => {
    defineVendor({
      name: "liar",
      title: "Liar",
      summary: "",
      env: [],
      // @ts-expect-error FakeAdapter is no PageScraper
      capabilities: ["pageScraper"],
      tools: [],
      create: createFake,
      simulated: "liar",
    });
  });
});

describe("missingVendorEnv", () => {
  it("names each required variable that is unset or blank, and an either-or pair once", () => {
    expect(missingVendorEnv(fake, {})).toEqual(["FAKE_API_KEY", "FAKE_DSN (or FAKE_BASE_URL)"]);
    expect(missingVendorEnv(fake, { FAKE_API_KEY: "  ", FAKE_BASE_URL: "https://x" })).toEqual(["FAKE_API_KEY"]);
    expect(missingVendorEnv(fake, { FAKE_API_KEY: "k", FAKE_DSN: "api1.fake:1" })).toEqual([]);
    expect(missingVendorEnv(fake, { FAKE_API_KEY: "k", FAKE_DSN: "" })).toEqual(["FAKE_DSN (or FAKE_BASE_URL)"]);
  });
});

describe("vendorOptionsFromEnv", () => {
  it("maps set variables onto their factory options and leaves blank ones out", () => {
    expect(vendorOptionsFromEnv(fake, { FAKE_API_KEY: " k ", FAKE_DSN: "", FAKE_BASE_URL: "https://x" })).toEqual({
      apiKey: " k ",
      baseUrl: "https://x",
    });
    expect(vendorOptionsFromEnv(fake, { FAKE_API_KEY: " k ", FAKE_DSN: " d " }, { trim: true })).toEqual({ apiKey: "k", dsn: "d" });
  });
});

describe("capabilities", () => {
  it("checks an adapter's methods against a capability", () => {
    const adapter = fake.create();
    expect(implementsCapability(adapter, "emailFinder")).toBe(true);
    expect(implementsCapability(adapter, "emailVerifier")).toBe(true);
    expect(implementsCapability(adapter, "pageScraper")).toBe(false);
    expect(implementsCapability({ ...adapter, verifyEmail: "no" }, "emailVerifier")).toBe(false);
    expect(implementsCapability(null, "inbox")).toBe(false);
  });

  it("names and labels every capability", () => {
    expect(capabilityNames).toEqual(Object.keys(capabilityLabels));
    for (const c of capabilityNames) expect(capabilityMethods[c].length).toBeGreaterThan(0);
  });

  it("maps each capability to the vendors that have it, in the list's order", () => {
    const a = { name: "a", capabilities: ["companySearch", "peopleSearch"] } as const;
    const b = { name: "b", capabilities: ["peopleSearch"] } as const;
    const c = { name: "c", capabilities: ["companySearch"] } as const;
    expect(capabilityMap([c, a, b], ["companySearch", "peopleSearch", "pageScraper"])).toEqual({
      companySearch: ["c", "a"],
      peopleSearch: ["a", "b"],
      pageScraper: [],
    });
  });
});
