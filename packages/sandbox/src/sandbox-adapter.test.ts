import { defineVendor, type UsageEvent } from "@offerlab/provider-kit";
import { createLeadMagic, leadmagicVendor } from "@offerlab/provider-leadmagic";
import { describe, expect, it } from "vitest";
import { createSandbox, isSandboxProvider, SANDBOX_PROVIDERS } from "./index.js";

describe("sandbox.adapter(descriptor)", () => {
  it("builds the vendor's real adapter against its simulated counterpart: sandbox key and URL, journaled, usage reported", async () => {
    const sandbox = createSandbox({ seed: "adapter-test", env: {} });
    const events: UsageEvent[] = [];
    const leadmagic = sandbox.adapter(leadmagicVendor, { onUsage: (e) => void events.push(e) });
    const person = sandbox.world.people.find((p) => p.findable)!;
    const verified = await leadmagic.verifyEmail(person.email);
    expect(verified.email).toBe(person.email);
    expect(sandbox.journal.map((j) => j.provider)).toEqual(["leadmagic"]);
    expect(events.map((e) => e.tool)).toEqual(["leadmagic"]);
  });

  it("resolves exactly the names in SANDBOX_PROVIDERS and refuses any other, naming the vendor", () => {
    const sandbox = createSandbox({ seed: "adapter-test", env: {} });
    for (const name of SANDBOX_PROVIDERS) expect(isSandboxProvider(name)).toBe(true);
    expect(isSandboxProvider("acme")).toBe(false);
    const acme = defineVendor({
      ...leadmagicVendor,
      name: "acme",
      simulated: "acme",
      create: createLeadMagic,
      capabilities: ["emailVerifier"],
    });
    expect(() => sandbox.adapter(acme)).toThrow(/vendor "acme" has no simulated counterpart "acme"/);
  });
});
