import { normalizeSeniority, seniorities } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { createRandom } from "./sandbox-random.js";
import { generateWorld } from "./sandbox-world.js";
import type { SandboxPerson } from "./sandbox-world.js";

const START = new Date("2026-03-02T08:00:00.000Z");
const world = generateWorld(createRandom("world-test").fork("world"), "world-test", START, { companies: 400 });
const share = <T>(items: readonly T[], pick: (x: T) => boolean) => items.filter(pick).length / items.length;

describe("the seeded world", () => {
  it("is a function of the seed and options", () => {
    const again = generateWorld(createRandom("world-test").fork("world"), "world-test", START, { companies: 400 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(world));
    const other = generateWorld(createRandom("another").fork("world"), "another", START, { companies: 400 });
    expect(other.companies.map((c) => c.domain)).not.toEqual(world.companies.map((c) => c.domain));
    expect(generateWorld(createRandom("x").fork("world"), "x", START, { companies: 7 }).companies).toHaveLength(7);
  });

  it("spreads companies across every vertical, size bucket and several countries, with unique names and domains", () => {
    expect(world.companies).toHaveLength(400);
    expect(new Set(world.companies.map((c) => c.vertical)).size).toBe(10);
    expect(new Set(world.companies.map((c) => c.size))).toEqual(new Set(["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"]));
    expect(new Set(world.companies.map((c) => c.country_code)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(world.companies.map((c) => c.domain)).size).toBe(400);
    expect(new Set(world.companies.map((c) => c.name.toLowerCase())).size).toBe(400);
    for (const c of world.companies) {
      const [lo, hi] = {
        "1-10": [1, 10],
        "11-50": [11, 50],
        "51-200": [51, 200],
        "201-500": [201, 500],
        "501-1000": [501, 1000],
        "1000+": [1001, Infinity],
      }[c.size];
      expect(c.employees).toBeGreaterThanOrEqual(lo as number);
      expect(c.employees).toBeLessThanOrEqual(hi as number);
    }
  });

  it("gives some companies hiring, funding and tech-stack signals, and signal strength follows them", () => {
    const hiring = share(world.companies, (c) => c.jobs.length > 0);
    const funded = share(world.companies, (c) => c.funding !== null);
    expect(hiring).toBeGreaterThan(0.3);
    expect(hiring).toBeLessThan(0.75);
    expect(funded).toBeGreaterThan(0.15);
    expect(funded).toBeLessThan(0.5);
    expect(world.companies.every((c) => c.technologies.length >= 2)).toBe(true);
    // Jobs were posted before the start, within the window a hiring search looks at.
    for (const job of world.companies.flatMap((c) => c.jobs)) {
      expect(job.date_posted < "2026-03-02").toBe(true);
      expect(job.date_posted >= "2026-01-15").toBe(true);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const salesHiring = world.companies.filter((c) => c.jobs.some((j) => j.family === "sales"));
    const quiet = world.companies.filter((c) => c.jobs.length === 0 && c.funding === null);
    expect(mean(salesHiring.map((c) => c.signalStrength))).toBeGreaterThan(mean(quiet.map((c) => c.signalStrength)) + 0.2);
  });

  it("staffs each company with people whose seniority matches their title", () => {
    expect(world.people.length).toBeGreaterThan(world.companies.length * 4);
    const domains = new Set(world.companies.map((c) => c.domain));
    for (const p of world.people) {
      expect(domains.has(p.companyDomain)).toBe(true);
      expect(seniorities).toContain(p.seniority);
      expect(normalizeSeniority(p.title)).toBe(p.seniority);
      expect(p.email.endsWith(`@${p.companyDomain}`)).toBe(true);
      expect(p.linkedin_url).toBe(`https://www.linkedin.com/in/${p.public_identifier}`);
    }
    expect(new Set(world.people.map((p) => p.provider_id)).size).toBe(world.people.length);
    // One address, one person: namesakes at a company get distinct addresses.
    expect(new Set(world.people.map((p) => p.email)).size).toBe(world.people.length);
    expect(new Set(world.people.map((p) => p.public_identifier)).size).toBe(world.people.length);
    expect(new Set(world.people.map((p) => p.seniority))).toEqual(new Set(seniorities));
  });

  it("has a realistic mix of email verification statuses", () => {
    const status = (s: SandboxPerson["emailStatus"]) => share(world.people, (p) => p.emailStatus === s);
    expect(status("valid")).toBeGreaterThan(0.55);
    expect(status("valid")).toBeLessThan(0.8);
    expect(status("invalid")).toBeGreaterThan(0.08);
    expect(status("invalid")).toBeLessThan(0.22);
    expect(status("catch_all")).toBeGreaterThan(0.05);
    expect(status("catch_all")).toBeLessThan(0.25);
    expect(status("unknown")).toBeGreaterThan(0.03);
    expect(status("unknown")).toBeLessThan(0.15);
    // A catch-all server accepts every address, so a company's people are catch-all together.
    for (const c of world.companies.filter((x) => x.catchAll)) {
      expect(
        world.people.filter((p) => p.companyDomain === c.domain).every((p) => p.emailStatus === "catch_all" || p.emailStatus === "invalid"),
      ).toBe(true);
    }
  });

  it("has a realistic mix of LinkedIn degrees: mostly 2nd and 3rd, few 1st and out of network", () => {
    const degree = (d: SandboxPerson["degree"]) => share(world.people, (p) => p.degree === d);
    expect(degree(1)).toBeGreaterThan(0.02);
    expect(degree(1)).toBeLessThan(0.12);
    expect(degree(2)).toBeGreaterThan(0.4);
    expect(degree(2)).toBeLessThan(0.65);
    expect(degree(3)).toBeGreaterThan(0.22);
    expect(degree(3)).toBeLessThan(0.45);
    expect(degree(null)).toBeGreaterThan(0.03);
    expect(degree(null)).toBeLessThan(0.15);
  });

  it("gives the sender LinkedIn and mailbox accounts, as many as asked", () => {
    const small = generateWorld(createRandom("a").fork("world"), "a", START, {
      companies: 3,
      accounts: { linkedin: 3, email: 1 },
      senderDomain: "acme-sends.com",
    });
    expect(small.accounts.filter((a) => a.type === "LINKEDIN")).toHaveLength(3);
    const mail = small.accounts.filter((a) => a.type !== "LINKEDIN");
    expect(mail).toHaveLength(1);
    expect(mail[0]?.self).toMatch(/@acme-sends\.com$/);
  });
});
