import { describe, expect, it } from "vitest";
import { companyStatusAdvance, companyStatusesBefore } from "./company-lifecycle.js";
import { companyStatuses, type CompanyStatus } from "./enums.js";

const forward: CompanyStatus[] = ["new", "qualified", "contacted", "responded", "meeting", "converted"];

describe("companyStatusAdvance", () => {
  it("moves forward along new < qualified < contacted < responded < meeting < converted, never back or sideways", () => {
    for (const [i, from] of forward.entries())
      for (const [j, to] of forward.entries()) expect(companyStatusAdvance(from, to), `${from} → ${to}`).toBe(j > i ? to : null);
  });

  it("rejects from anywhere in the forward order but converted", () => {
    for (const from of forward) expect(companyStatusAdvance(from, "rejected"), from).toBe(from === "converted" ? null : "rejected");
  });

  it("leaves rejected and disqualified only for a meeting or a conversion", () => {
    for (const from of ["rejected", "disqualified"] as const)
      for (const to of companyStatuses)
        expect(companyStatusAdvance(from, to), `${from} → ${to}`).toBe(to === "meeting" || to === "converted" ? to : null);
  });

  it("disqualifies only before any contact", () => {
    expect(companyStatusAdvance("new", "disqualified")).toBe("disqualified");
    expect(companyStatusAdvance("qualified", "disqualified")).toBe("disqualified");
    expect(companyStatusAdvance("contacted", "disqualified")).toBeNull();
    expect(companyStatusAdvance("rejected", "disqualified")).toBeNull();
  });

  it("lists the statuses a target may be reached from", () => {
    expect(companyStatusesBefore("contacted")).toEqual(["new", "qualified"]);
    expect(companyStatusesBefore("responded")).toEqual(["new", "qualified", "contacted"]);
    expect(companyStatusesBefore("meeting").sort()).toEqual(["contacted", "disqualified", "new", "qualified", "rejected", "responded"]);
    expect(companyStatusesBefore("new")).toEqual([]);
  });
});
