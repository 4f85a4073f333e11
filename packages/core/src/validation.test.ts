import { describe, expect, it } from "vitest";
import { CompanyInsert, ContactInsert, OfferInsert } from "./tables.generated.js";
import { clipToTextLimits, parseOrThrow, textLimits, toFieldIssues, ValidationError } from "./validation.js";

const OFFER = "00000000-0000-4000-8000-000000000001";
const COMPANY = "00000000-0000-4000-8000-000000000002";

describe("text limits", () => {
  it("refuse a value over its field's size on every insert schema, naming the field, the limit and the length", () => {
    const company = CompanyInsert.safeParse({
      offer_id: OFFER,
      name: "x".repeat(300 * 1024),
      description: "d".repeat(5 * 1024 * 1024),
      source_tool: "import",
    });
    expect(company.success).toBe(false);
    expect(toFieldIssues(company.error!)).toEqual([
      { field: "name", message: "must be at most 300 characters (got 307200)" },
      { field: "description", message: "must be at most 10000 characters (got 5242880)" },
    ]);
    const contact = ContactInsert.safeParse({
      offer_id: OFFER,
      company_id: COMPANY,
      full_name: "Ann",
      notes: "n".repeat(10_001),
      source_tool: "import",
    });
    expect(toFieldIssues(contact.error!)).toEqual([{ field: "notes", message: "must be at most 10000 characters (got 10001)" }]);
    expect(() =>
      parseOrThrow(OfferInsert, { name: "Coach", type: "product", ownership: "internal", description: "d".repeat(10_001) }, "offer"),
    ).toThrow(ValidationError);
    // At the limit is fine.
    expect(CompanyInsert.safeParse({ offer_id: OFFER, name: "x".repeat(textLimits.companies.name), source_tool: "import" }).success).toBe(
      true,
    );
  });

  it("cover the free-text fields of offers, companies and contacts", () => {
    expect(Object.keys(textLimits.offers)).toEqual(
      expect.arrayContaining(["name", "description", "problem_solved", "value_proposition", "price_range", "client_name"]),
    );
    expect(Object.keys(textLimits.companies)).toEqual(
      expect.arrayContaining(["name", "description", "industry", "vertical", "disqualification_reason"]),
    );
    expect(Object.keys(textLimits.contacts)).toEqual(
      expect.arrayContaining(["first_name", "last_name", "full_name", "title", "department", "notes"]),
    );
  });

  it("clipToTextLimits cuts vendor prose to its limit and never cuts an identifier", () => {
    const long = "a".repeat(20_000);
    const clipped = clipToTextLimits("companies", { name: "Acme", description: long, domain: `${"d".repeat(300)}.com`, size_exact: 5 });
    expect(clipped.description).toHaveLength(10_000);
    expect(clipped.description.endsWith("…")).toBe(true);
    expect(clipped).toMatchObject({ name: "Acme", domain: `${"d".repeat(300)}.com`, size_exact: 5 });
    // A character of two code units is kept whole or dropped, never halved.
    const emoji = clipToTextLimits("contacts", { title: `${"t".repeat(498)}😀😀` }).title;
    expect(emoji).toBe(`${"t".repeat(498)}…`);
  });
});
