import { capabilityNames } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { pipelineCapabilities } from "./context.js";
import type { PipelineProviders } from "./context.js";

describe("pipelineCapabilities", () => {
  it("names kit capabilities, each filling one distinct PipelineProviders slot, every slot filled", () => {
    for (const c of Object.keys(pipelineCapabilities)) expect(capabilityNames).toContain(c);
    const slots = Object.values(pipelineCapabilities);
    expect(new Set(slots).size).toBe(slots.length);
    // Every slot of PipelineProviders (a new one must be added to pipelineCapabilities too).
    const all: { [K in keyof Required<PipelineProviders>]: true } = {
      companySearch: true,
      peopleSearch: true,
      emailFinders: true,
      emailVerifiers: true,
      pageScraper: true,
    };
    expect([...slots].sort()).toEqual(Object.keys(all).sort());
  });
});
