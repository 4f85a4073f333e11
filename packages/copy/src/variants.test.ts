import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignVariants, pickVariant } from "./variants.js";

describe("assignVariants", () => {
  it("is balanced within one and deterministic whatever the input order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { maxLength: 200 }), fc.integer({ min: 1, max: 5 }), fc.string(), (ids, k, seed) => {
        const variants = ["A", "B", "C", "D", "E"].slice(0, k);
        const assigned = assignVariants(ids, variants, { seed });
        const counts = variants.map((v) => [...assigned.values()].filter((x) => x === v).length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        expect(assignVariants([...ids].reverse(), variants, { seed })).toEqual(assigned);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects an empty variant list", () => {
    expect(() => assignVariants(["a"], [], { seed: "s" })).toThrow(RangeError);
  });
});

describe("pickVariant", () => {
  it("stays balanced when contacts are enrolled one at a time with counts", () => {
    const variants = ["A", "B", "C"];
    const counts = [0, 0, 0];
    for (let i = 0; i < 100; i++) {
      const v = pickVariant(`contact-${i}`, variants, { seed: "campaign-1", counts });
      counts[variants.indexOf(v)]! += 1;
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic, and roughly balanced without counts", () => {
    const picks = Array.from({ length: 2000 }, (_, i) => pickVariant(`c${i}`, ["A", "B"], { seed: "s" }));
    expect(Array.from({ length: 2000 }, (_, i) => pickVariant(`c${i}`, ["A", "B"], { seed: "s" }))).toEqual(picks);
    const a = picks.filter((p) => p === "A").length;
    expect(a).toBeGreaterThan(900);
    expect(a).toBeLessThan(1100);
  });
});
