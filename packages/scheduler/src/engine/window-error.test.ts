import { exitCodeOf, httpStatusOf, OFFERLAB_ERROR, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { SendWindowError, validateWindow } from "./window.js";

describe("SendWindowError", () => {
  it("is an offerlab error with the send_window_invalid code: bad input (exit 2, HTTP 400)", () => {
    let caught: unknown;
    try {
      validateWindow({ start: "09:00", end: "17:00", days: [], timeZone: "Europe/Paris" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SendWindowError);
    expect(OfferlabError.isInstance(caught)).toBe(true);
    expect((caught as SendWindowError).code).toBe("send_window_invalid");
    expect([exitCodeOf(caught), httpStatusOf(caught)]).toEqual([2, 400]);
  });

  it("isInstance knows one from another copy of the package by the marker and the name", () => {
    expect(SendWindowError.isInstance(Object.assign(new Error("x"), { name: "SendWindowError", [OFFERLAB_ERROR]: true }))).toBe(true);
    expect(SendWindowError.isInstance(Object.assign(new Error("x"), { name: "SendWindowError" }))).toBe(false);
  });
});
