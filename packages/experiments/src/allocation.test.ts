import { seededRandom } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import {
  allocationPhase,
  assignWithProbabilities,
  balancedAssignment,
  stratumKey,
  thompsonProbabilities,
  weightedArmRates,
  type AllocationDesign,
  type AssignmentRecord,
} from "./allocation.js";

const two: AllocationDesign = { arms: ["a", "b"], seed: "exp-1" };
const three: AllocationDesign = { arms: ["a", "b", "c"], seed: "exp-3" };

describe("balanced, stratified allocation", () => {
  it("keeps every stratum balanced: never more than one apart, equal after each block", () => {
    for (const stratum of ["account-1|icp-a", "account-2|icp-a", "account-1|icp-b"]) {
      const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
      for (let i = 0; i < 300; i++) {
        const assignment = balancedAssignment(three, stratum, i);
        counts[assignment.armId]! += 1;
        const values = Object.values(counts);
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
        if ((i + 1) % 3 === 0) expect(new Set(values).size).toBe(1);
        expect(assignment).toMatchObject({ phase: "balanced", probability: 1 / 3, probabilities: { a: 1 / 3, b: 1 / 3, c: 1 / 3 } });
      }
    }
  });

  it("is deterministic for a seed, and the order differs between strata and seeds", () => {
    const sequence = (design: AllocationDesign, stratum: string) =>
      Array.from({ length: 30 }, (_, i) => balancedAssignment(design, stratum, i).armId).join("");
    expect(sequence(three, "s1")).toBe(sequence(three, "s1"));
    expect(sequence(three, "s1")).not.toBe(sequence(three, "s2"));
    expect(sequence(three, "s1")).not.toBe(sequence({ ...three, seed: "other" }, "s1"));
  });

  it("keys a stratum by its parts in any order", () => {
    expect(stratumKey({ icp: "smb", account: "acc-1" })).toBe("account=acc-1|icp=smb");
    expect(stratumKey({ account: "acc-1", icp: "smb" })).toBe(stratumKey({ icp: "smb", account: "acc-1" }));
  });

  it("turns adaptive only when every arm has the matured contacts asked", () => {
    const design = { ...two, minMaturedForAdaptive: 50 };
    expect(
      allocationPhase(design, [
        { armId: "a", n: 80, successes: 3 },
        { armId: "b", n: 49, successes: 1 },
      ]),
    ).toBe("balanced");
    expect(allocationPhase(design, [{ armId: "a", n: 80, successes: 3 }])).toBe("balanced");
    expect(
      allocationPhase(design, [
        { armId: "a", n: 80, successes: 3 },
        { armId: "b", n: 50, successes: 1 },
      ]),
    ).toBe("thompson");
  });

  it("refuses a bad design by field", () => {
    expect(() => balancedAssignment({ arms: ["a"], seed: "s" }, "x", 0)).toThrow(/allocation\.arms must list at least two/);
    expect(() => balancedAssignment({ arms: ["a", "a"], seed: "s" }, "x", 0)).toThrow(/allocation\.arms must be distinct/);
    expect(() => balancedAssignment({ ...two, floor: 0.6 }, "x", 0)).toThrow(/allocation\.floor must be between 0 and 1\/2/);
    expect(() => balancedAssignment(two, "x", -1)).toThrow(/index must be a whole number >= 0/);
  });
});

describe("batched top-two Thompson sampling with a floor", () => {
  const matured = [
    { armId: "a", n: 300, successes: 9 },
    { armId: "b", n: 300, successes: 21 },
    { armId: "c", n: 300, successes: 3 },
  ];

  it("moves contacts off a clearly worse arm down to the floor, and adds up to 1", () => {
    const p = thompsonProbabilities(three, matured, "day-1");
    expect(p.a! + p.b! + p.c!).toBeCloseTo(1, 12);
    expect(p.c).toBeGreaterThanOrEqual(0.1);
    expect(p.c).toBeLessThan(0.12);
    expect(p.b).toBeGreaterThan(p.a!);
    expect(thompsonProbabilities(three, matured, "day-1")).toEqual(p);
  });

  it("splits two arms evenly at topTwo 0.5 (pure identification) and leans to the leader above it", () => {
    const data = [matured[0]!, matured[1]!];
    const even = thompsonProbabilities(two, data, "d");
    expect(even.a).toBeCloseTo(0.5, 6);
    const lean = thompsonProbabilities({ ...two, topTwo: 0.8 }, data, "d");
    expect(lean.b).toBeGreaterThan(0.7);
    expect(lean.a).toBeGreaterThanOrEqual(0.1);
  });

  it("draws each contact's arm deterministically, at the probabilities it returns", () => {
    const probabilities = { a: 0.2, b: 0.7, c: 0.1 };
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 5000; i++) {
      const assignment = assignWithProbabilities(three, probabilities, "day-2", `contact-${i}`);
      expect(assignment.probability).toBe(probabilities[assignment.armId as "a"]);
      expect(assignment.probabilities).toEqual(probabilities);
      counts[assignment.armId]! += 1;
    }
    expect(counts.a! / 5000).toBeCloseTo(0.2, 1);
    expect(counts.b! / 5000).toBeCloseTo(0.7, 1);
    expect(assignWithProbabilities(three, probabilities, "day-2", "contact-7")).toEqual(
      assignWithProbabilities(three, probabilities, "day-2", "contact-7"),
    );
  });
});

describe("rates weighted by the recorded probabilities", () => {
  it("corrects the drift an adaptive allocation brings in: equal arms look equal again", () => {
    // The audience's rate drifts from 2 % to 6 % while b's share grows from 50 % to 90 %:
    // raw rates make b look better, weighting by 1 / probability compares the same audience.
    const random = seededRandom("drift");
    const records: AssignmentRecord[] = [];
    const raw = { a: { n: 0, s: 0 }, b: { n: 0, s: 0 } };
    for (let i = 0; i < 200_000; i++) {
      const late = i >= 100_000;
      const rate = late ? 0.06 : 0.02;
      const pb = late ? 0.9 : 0.5;
      const armId = random() < pb ? "b" : "a";
      const success = random() < rate;
      records.push({ armId, probability: armId === "b" ? pb : 1 - pb, matured: true, success });
      raw[armId].n++;
      if (success) raw[armId].s++;
    }
    const rawA = raw.a.s / raw.a.n;
    const rawB = raw.b.s / raw.b.n;
    expect(rawB - rawA).toBeGreaterThan(0.01);
    const [a, b] = weightedArmRates(["a", "b"], records);
    expect(a!.rate!).toBeCloseTo(0.04, 2);
    expect(b!.rate!).toBeCloseTo(0.04, 2);
    expect(Math.abs(b!.rate! - a!.rate!)).toBeLessThan(0.003);
    expect(a!.effectiveN).toBeLessThan(raw.a.n);
  });

  it("leaves unmatured contacts out and refuses records it cannot weigh", () => {
    const out = weightedArmRates(["a", "b"], [{ armId: "a", probability: 0.5, matured: false, success: true }]);
    expect(out[0]).toEqual({ armId: "a", rate: null, effectiveN: 0 });
    expect(() => weightedArmRates(["a"], [{ armId: "z", probability: 0.5, matured: true, success: false }])).toThrow(
      /records\[0\]\.armId "z"/,
    );
    expect(() => weightedArmRates(["a"], [{ armId: "a", probability: 0, matured: true, success: false }])).toThrow(
      /records\[0\]\.probability must be in \(0, 1\]/,
    );
  });
});
