import { describe, expect, it } from "vitest";
import {
  errorCodeList,
  errorCodes,
  exitCodeByErrorCode,
  exitCodeForCode,
  exitCodes,
  httpStatusByErrorCode,
  httpStatusForCode,
  isErrorCode,
  type ErrorCode,
} from "./error-codes.js";
import { errorCodeOf, exitCodeOf, httpStatusOf, OFFERLAB_ERROR, OfferlabError } from "./errors.js";
import { ValidationError } from "./validation.js";

/** What another copy of a package would throw: not an instance of this copy's classes, but marked. */
function fromAnotherCopy(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message ?? "x")), { [OFFERLAB_ERROR]: true }, fields);
}

describe("the error catalogue", () => {
  it("gives every code one sentence, an exit code and an HTTP status, and nothing else", () => {
    expect(errorCodeList.length).toBeGreaterThan(0);
    for (const code of errorCodeList) {
      expect(errorCodes[code], code).toMatch(/^[A-Z].*\.$/);
      expect([1, 2, 3], code).toContain(exitCodeByErrorCode[code]);
      expect(Number.isInteger(httpStatusByErrorCode[code]), code).toBe(true);
      expect(httpStatusByErrorCode[code], code).toBeGreaterThanOrEqual(400);
      expect(httpStatusByErrorCode[code], code).toBeLessThan(600);
    }
    expect(Object.keys(exitCodeByErrorCode).sort()).toEqual([...errorCodeList].sort());
    expect(Object.keys(httpStatusByErrorCode).sort()).toEqual([...errorCodeList].sort());
    expect(new Set(Object.values(errorCodes)).size, "each code says something of its own").toBe(errorCodeList.length);
  });

  it("keeps the exit codes and statuses people and callers rely on", () => {
    const expected: [ErrorCode, number, number][] = [
      ["invalid_input", 2, 400],
      ["invalid_usage", 2, 400],
      ["not_found", 2, 404],
      ["data_mode_mismatch", 2, 409],
      ["config_invalid", 2, 500],
      ["pending_migrations", 1, 503],
      ["database_busy", 1, 503],
      ["command_failed", 1, 500],
      ["provider_rate_limited", 1, 429],
      ["generation_not_configured", 2, 503],
      ["budget_reached", 3, 402],
      ["internal", 1, 500],
    ];
    for (const [code, exit, status] of expected) {
      expect(exitCodeForCode(code), code).toBe(exit);
      expect(httpStatusForCode(code), code).toBe(status);
    }
  });

  it("a budget stop has an exit code of its own, and only it", () => {
    expect(exitCodes.budget).toBe(3);
    expect(errorCodeList.filter((code) => exitCodeForCode(code) === exitCodes.budget)).toEqual(["budget_reached"]);
    expect(errorCodes.budget_reached).toMatch(/every credit the run spent/);
  });

  it("isErrorCode knows the catalogue's codes only", () => {
    expect(isErrorCode("not_found")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("nope")).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

describe("OfferlabError", () => {
  it("carries its code, message and cause, and is an Error", () => {
    const cause = new Error("disk full");
    const e = new OfferlabError("command_failed", "could not write", { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: "OfferlabError", code: "command_failed", message: "could not write", cause });
    expect("cause" in new OfferlabError("internal", "no cause")).toBe(false);
  });

  it("isInstance knows an offerlab error of any class, also from another copy of a package", () => {
    expect(OfferlabError.isInstance(new OfferlabError("internal", "x"))).toBe(true);
    expect(OfferlabError.isInstance(new ValidationError("offer", []))).toBe(true);
    expect(OfferlabError.isInstance(fromAnotherCopy({ name: "NotFoundError", code: "not_found" }))).toBe(true);
    expect(OfferlabError.isInstance(new Error("x"))).toBe(false);
    expect(OfferlabError.isInstance({ [OFFERLAB_ERROR]: "yes" })).toBe(false);
    expect(OfferlabError.isInstance(null)).toBe(false);
    expect(OfferlabError.isInstance("offerlab.error")).toBe(false);
  });

  it("a subclass's isInstance checks the marker and its own name", () => {
    const valid = new ValidationError("offer", [{ field: "name", message: "is required" }]);
    expect(valid.code).toBe("invalid_input");
    expect(ValidationError.isInstance(valid)).toBe(true);
    expect(ValidationError.isInstance(fromAnotherCopy({ name: "ValidationError" }))).toBe(true);
    expect(ValidationError.isInstance(fromAnotherCopy({ name: "NotFoundError" }))).toBe(false);
    expect(ValidationError.isInstance(Object.assign(new Error("x"), { name: "ValidationError" }))).toBe(false);
    expect(ValidationError.isInstance(new OfferlabError("invalid_input", "x"))).toBe(false);
  });
});

describe("exitCodeOf and httpStatusOf", () => {
  it("map an error by its code, also from another copy of a package", () => {
    expect(errorCodeOf(new ValidationError("offer", []))).toBe("invalid_input");
    expect([exitCodeOf(new ValidationError("offer", [])), httpStatusOf(new ValidationError("offer", []))]).toEqual([2, 400]);
    const foreign = fromAnotherCopy({ name: "PendingMigrationsError", code: "pending_migrations" });
    expect([errorCodeOf(foreign), exitCodeOf(foreign), httpStatusOf(foreign)]).toEqual(["pending_migrations", 1, 503]);
  });

  it("treat anything else as internal: exit 1, HTTP 500", () => {
    for (const thrown of [
      new Error("boom"),
      "boom",
      null,
      { code: "not_found" },
      fromAnotherCopy({ code: "a_code_of_a_newer_copy" }),
      fromAnotherCopy({}),
    ]) {
      expect(errorCodeOf(thrown)).toBe("internal");
      expect(exitCodeOf(thrown)).toBe(1);
      expect(httpStatusOf(thrown)).toBe(500);
    }
  });
});
