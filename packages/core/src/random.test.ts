import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom, stableHash32, stableHash53 } from "./random.js";

// The values below were produced by the implementations these functions replaced (the scheduler's
// and the sandbox's sfc32, copy's cyrb53): a change here changes every seeded story, spintax pick
// and rotation parity, so it must be deliberate.
describe("seededRandom", () => {
  it("draws the same stream as before the move, for a seed and for the empty seed", () => {
    const r = seededRandom("queue-1");
    expect([r(), r(), r()]).toEqual([0.6049337640870363, 0.9144151108339429, 0.8640356084797531]);
    const e = seededRandom("");
    expect([e(), e()]).toEqual([0.2396798343397677, 0.04973687883466482]);
    const d = seededRandom("demo");
    expect([d(), d()]).toEqual([0.967401035130024, 0.8256070057395846]);
  });

  it("is deterministic per seed and stays in [0, 1)", () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = a();
          expect(x).toBe(b());
          expect(x >= 0 && x < 1).toBe(true);
        }
      }),
    );
  });
});

describe("stable hashes", () => {
  it("stableHash32 is the first draw of the seed's stream, as the scheduler computed it", () => {
    expect(stableHash32("parity:alice@example.com")).toBe(165250808);
    expect(stableHash32("")).toBe(1029417050);
    expect(stableHash32("é✓")).toBe(2853220302);
    fc.assert(fc.property(fc.string(), (s) => stableHash32(s) === Math.floor(seededRandom(s)() * 2 ** 32)));
  });

  it("stableHash53 is cyrb53, as copy computed it, salted by its seed", () => {
    expect(stableHash53("hello")).toBe(4625896200565286);
    expect(stableHash53("hello", 7)).toBe(5198064567490728);
    expect(stableHash53("")).toBe(3338908027751811);
    expect(stableHash53("é✓")).toBe(1228184433410217);
    fc.assert(
      fc.property(fc.string(), fc.integer(), (s, seed) => Number.isSafeInteger(stableHash53(s, seed)) && stableHash53(s, seed) >= 0),
    );
  });
});
