import { errorCodes, exitCodeOf, OFFERLAB_ERROR, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { GenerationError, generationErrorCodes, type GenerationErrorKind } from "./errors.js";

const kinds: GenerationErrorKind[] = ["not_configured", "refused", "invalid_output", "rate_limited", "auth", "api"];

describe("GenerationError", () => {
  it("is an offerlab error whose code comes from its kind", () => {
    expect(Object.keys(generationErrorCodes).sort()).toEqual([...kinds].sort());
    for (const kind of kinds) {
      const e = new GenerationError(kind, "[copy] x");
      expect(OfferlabError.isInstance(e)).toBe(true);
      expect(e.code).toBe(`generation_${kind}`);
      expect(Object.keys(errorCodes)).toContain(e.code);
    }
    // Missing configuration is the person's to fix (exit 2); a model that fails is a failure (exit 1).
    expect(exitCodeOf(new GenerationError("not_configured", "x"))).toBe(2);
    expect(exitCodeOf(new GenerationError("refused", "x"))).toBe(1);
  });

  it("keeps its cause only when given one", () => {
    const cause = new Error("socket hang up");
    expect(new GenerationError("api", "x", { cause }).cause).toBe(cause);
    expect("cause" in new GenerationError("api", "x")).toBe(false);
  });

  it("isInstance knows one from another copy of the package by the marker and the name", () => {
    expect(GenerationError.isInstance(Object.assign(new Error("x"), { name: "GenerationError", [OFFERLAB_ERROR]: true }))).toBe(true);
    expect(GenerationError.isInstance(Object.assign(new Error("x"), { name: "GenerationError" }))).toBe(false);
    expect(GenerationError.isInstance(Object.assign(new Error("x"), { name: "ProviderError", [OFFERLAB_ERROR]: true }))).toBe(false);
  });
});
