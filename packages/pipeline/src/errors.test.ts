import { errorCodeOf, exitCodeOf, isErrorCode, OFFERLAB_ERROR, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { ImportRejectedError, type ImportSummary } from "./import-rows.js";
import { PipelineInputError } from "./offer.js";
import { PipelineRunFailed } from "./run.js";

const summary = { kind: "companies", rows: 3, invalid: 1, errors: [], errorCount: 1 } as unknown as ImportSummary;

describe("the pipeline's errors", () => {
  it("are offerlab errors with a catalogue code and the exit code the CLI always gave them", () => {
    const cause = new Error("connection terminated");
    const failed = new PipelineRunFailed("00000000-0000-4000-8000-000000000001", "discover_companies", cause);
    expect(failed).toMatchObject({ code: "pipeline_run_failed", message: "connection terminated", cause });
    const cases: [OfferlabError, string, number][] = [
      [failed, "pipeline_run_failed", 1],
      [new PipelineInputError("offer x does not exist"), "pipeline_input", 2],
      [new ImportRejectedError(summary), "import_rejected", 2],
    ];
    for (const [error, code, exit] of cases) {
      expect(OfferlabError.isInstance(error), error.name).toBe(true);
      expect(isErrorCode(error.code), error.name).toBe(true);
      expect([errorCodeOf(error), exitCodeOf(error)], error.name).toEqual([code, exit]);
    }
  });

  it("isInstance knows each from another copy of the package by the marker and the name", () => {
    for (const cls of [PipelineRunFailed, PipelineInputError, ImportRejectedError]) {
      expect(cls.isInstance(Object.assign(new Error("x"), { name: cls.name, [OFFERLAB_ERROR]: true })), cls.name).toBe(true);
      expect(cls.isInstance(Object.assign(new Error("x"), { name: cls.name })), cls.name).toBe(false);
      expect(cls.isInstance(Object.assign(new Error("x"), { name: "ProviderError", [OFFERLAB_ERROR]: true })), cls.name).toBe(false);
    }
  });
});
