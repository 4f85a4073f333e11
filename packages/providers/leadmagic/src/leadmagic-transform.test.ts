import { describe, expect, it } from "vitest";
import { emailStatuses } from "@offerlab/core";
import { EmailFinderResponse, EmailValidationResponse } from "./leadmagic-api.js";
import { finderCompany, mapFinderStatus, mapValidationStatus, toEmailFinding, toEmailVerification } from "./leadmagic-transform.js";
import found from "./__fixtures__/leadmagic-email-finder-found.json" with { type: "json" };
import catchAll from "./__fixtures__/leadmagic-email-finder-catch-all.json" with { type: "json" };
import notFound from "./__fixtures__/leadmagic-email-finder-not-found.json" with { type: "json" };
import valValid from "./__fixtures__/leadmagic-email-validation-valid.json" with { type: "json" };
import valCatchAll from "./__fixtures__/leadmagic-email-validation-catch-all.json" with { type: "json" };
import valInvalid from "./__fixtures__/leadmagic-email-validation-invalid.json" with { type: "json" };

describe("status mapping", () => {
  it.each([
    ["valid", false, "valid"],
    ["valid", null, "valid"],
    ["valid", true, "risky"],
    ["valid_catch_all", false, "risky"],
    ["catch_all", true, "risky"],
    ["invalid", false, "invalid"],
    ["unknown", false, "unknown"],
    ["not_found", false, "unknown"],
    ["something_new", false, "unknown"],
    [null, false, "unknown"],
    [undefined, undefined, "unknown"],
  ] as const)("%s (catch-all domain: %s) → %s", (status, catchAllDomain, expected) => {
    expect(mapFinderStatus(status, catchAllDomain)).toBe(expected);
    expect(mapValidationStatus(status, catchAllDomain)).toBe(expected);
  });

  it("never maps anything catch-all onto valid", () => {
    for (const s of ["valid_catch_all", "catch_all", "CATCH_ALL"]) {
      expect(mapValidationStatus(s, true)).not.toBe("valid");
      expect(mapFinderStatus(s, false)).not.toBe("valid");
    }
  });

  it("only produces values of the schema's email_status", () => {
    for (const s of ["valid", "invalid", "catch_all", "valid_catch_all", "unknown", "x"]) {
      expect(emailStatuses).toContain(mapValidationStatus(s, false));
    }
  });
});

describe("toEmailFinding", () => {
  it("maps a hit: normalised email, valid, company normalised, bulky fields trimmed", () => {
    const body = EmailFinderResponse.parse(found);
    const finding = toEmailFinding(body);
    expect(finding).toMatchObject({
      email: "jane.doe@northwind-analytics.com",
      email_status: "valid",
      creditsUsed: 1,
      source_tool: "leadmagic",
    });
    expect(finderCompany(body)).toEqual({
      name: "Northwind Analytics",
      domain: "northwind-analytics.com",
      linkedin_url: "https://www.linkedin.com/company/northwind-analytics",
    });
    expect(finding.source_raw).not.toHaveProperty("mx_record");
    expect(finding.source_raw).toHaveProperty("status", "valid");
  });

  it("maps a catch-all hit to risky", () => {
    const body = EmailFinderResponse.parse(catchAll);
    const finding = toEmailFinding(body);
    expect(finding.email).toBe("tom.baker@globex.io");
    expect(finding.email_status).toBe("risky");
    expect(finderCompany(body).linkedin_url).toBe("https://www.linkedin.com/company/globex");
  });

  it("maps a miss to no email, unknown status, no credits", () => {
    const body = EmailFinderResponse.parse(notFound);
    const finding = toEmailFinding(body);
    expect(finding.email).toBeNull();
    expect(finding.email_status).toBe("unknown");
    expect(finding.creditsUsed).toBe(0);
    expect(finderCompany(body)).toEqual({ name: null, domain: "initech.example", linkedin_url: null });
  });

  it("treats an empty-string email as a miss", () => {
    const body = { ...found, email: "", status: "valid" };
    expect(toEmailFinding(EmailFinderResponse.parse(body)).email).toBeNull();
  });
});

describe("toEmailVerification", () => {
  it("valid", () => {
    const v = toEmailVerification("Jane.Doe@northwind-analytics.com", EmailValidationResponse.parse(valValid));
    expect(v).toMatchObject({
      email: "jane.doe@northwind-analytics.com",
      email_status: "valid",
      vendor_status: "valid",
      creditsUsed: 0.25,
      catch_all: false,
      source_tool: "leadmagic",
    });
  });

  it("catch-all is risky and keeps the vendor status", () => {
    const v = toEmailVerification("tom.baker@globex.io", EmailValidationResponse.parse(valCatchAll));
    expect(v).toMatchObject({ email_status: "risky", vendor_status: "catch_all", catch_all: true, creditsUsed: 0 });
  });

  it("invalid", () => {
    const v = toEmailVerification("nobody@northwind-analytics.com", EmailValidationResponse.parse(valInvalid));
    expect(v.email_status).toBe("invalid");
  });

  it("falls back to the requested address when the body has none", () => {
    const body = { email_status: "unknown" };
    const v = toEmailVerification(" Someone@Acme.com ", EmailValidationResponse.parse(body));
    expect(v).toMatchObject({ email: "someone@acme.com", email_status: "unknown", vendor_status: "unknown", creditsUsed: 0 });
  });
});
