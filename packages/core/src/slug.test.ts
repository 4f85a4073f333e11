import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorCodeOf } from "./errors.js";
import { campaignSlug, slugify } from "./slug.js";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

describe("slugify", () => {
  it.each([
    ["AI Sales Coach", "ai-sales-coach"],
    ["  Café Crème — B2B!  ", "cafe-creme-b2b"],
    ["Straße & Söhne GmbH", "strasse-sohne-gmbh"],
    ["Ærøskøbing Łódź", "aeroskobing-lodz"],
    ["İstanbul", "istanbul"],
    ["ﬁnance ＡＢＣ ²", "finance-abc-2"],
    ["--already--slugged--", "already-slugged"],
    ["snake_case_name", "snake-case-name"],
    ["Q4/2024: v2.0", "q4-2024-v2-0"],
    ["Acme 日本 Inc", "acme-inc"],
    ["x", "x"],
  ])("%j → %j", (text, expected) => {
    expect(slugify(text)).toBe(expected);
  });

  it("cuts at maxLength without leaving a trailing hyphen", () => {
    expect(slugify("AI Sales Coach", 3)).toBe("ai");
    expect(slugify("AI Sales Coach", 8)).toBe("ai-sales");
    expect(slugify("AI Sales Coach", 100)).toBe("ai-sales-coach");
  });

  it("rejects a maxLength that is not a positive integer", () => {
    expect(() => slugify("abc", 0)).toThrow(RangeError);
    expect(() => slugify("abc", 2.5)).toThrow(/maxLength must be a positive integer, got 2.5/);
  });

  it.each([[""], ["   "], ["!!!"], ["日本語"], ["—"]])("throws naming the input for %j", (text) => {
    expect(() => slugify(text)).toThrow(`slugify: ${JSON.stringify(text)} has no letters or digits`);
    // A person's input (an offer's name): a catalogue code, so the CLI answers with exit 2.
    expect(errorCodeOf(thrown(() => slugify(text)))).toBe("invalid_input");
  });

  it("always returns a well-formed slug, or throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), fc.option(fc.integer({ min: 1, max: 80 })), (text, max) => {
        let slug: string;
        try {
          slug = slugify(text, max ?? undefined);
        } catch (error) {
          expect(String(error)).toContain("has no letters or digits");
          return;
        }
        expect(slug).toMatch(SLUG);
        if (max !== null) expect(slug.length).toBeLessThanOrEqual(max);
        expect(slugify(slug)).toBe(slug);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("campaignSlug", () => {
  const parts = {
    type: "cold_outreach",
    offer: "AI Sales Coach",
    channel: "linkedin",
    signal: "hiring",
    icp: "PMRE companies",
    account: "Jane (main)",
  };

  it("builds {type}-{offer}-{channel}-{signal}-{icp}-{account}", () => {
    expect(campaignSlug(parts)).toBe("cold-ai-sales-coach-linkedin-hiring-pmre-companies-jane-main");
  });

  it("writes cold_outreach as cold, keeps networking, slugifies other types", () => {
    expect(campaignSlug({ ...parts, type: "networking" })).toMatch(/^networking-ai-sales-coach-/);
    expect(campaignSlug({ ...parts, type: " Cold_Outreach " })).toMatch(/^cold-ai-sales-coach-/);
    expect(campaignSlug({ ...parts, type: "Partner Intro" })).toMatch(/^partner-intro-ai-sales-coach-/);
    expect(campaignSlug({ ...parts, type: "constructor" })).toMatch(/^constructor-ai-sales-coach-/);
  });

  it.each(["type", "offer", "channel", "signal", "icp", "account"] as const)(
    "throws naming the part when %s is missing, blank or has no letters",
    (name) => {
      const without: Record<string, unknown> = { ...parts };
      delete without[name];
      expect(() => campaignSlug(without as typeof parts)).toThrow(`campaignSlug: part "${name}" is missing or empty`);
      expect(() => campaignSlug({ ...parts, [name]: "  " })).toThrow(`part "${name}" is missing or empty`);
      expect(() => campaignSlug({ ...parts, [name]: "???" })).toThrow(`part "${name}" ("???") has no letters or digits`);
    },
  );

  it("always matches the slug pattern", () => {
    const part = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => /[a-z0-9]/i.test(s));
    fc.assert(
      fc.property(
        fc.record({
          type: fc.oneof(fc.constantFrom("cold_outreach", "networking", "constructor", "__proto__", "toString"), part),
          offer: part,
          channel: fc.constantFrom("email", "linkedin", "multi"),
          signal: part,
          icp: part,
          account: part,
        }),
        (p) => {
          expect(campaignSlug(p)).toMatch(SLUG);
        },
      ),
    );
  });
});
