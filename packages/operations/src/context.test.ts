import { offers } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { baseOffer, testEngines, useTestDb } from "./__tests__/world.js";
import { inTransaction, nowOf } from "./context.js";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { errorCodeList, errorCodes, exitCodeOf, httpStatusOf, OfferlabError, operationErrors } from "@offerlab/core";
import { OPERATION_ERROR_CODES, OperationError, operationErrorCodes } from "./errors.js";

describe("nowOf and OperationError", () => {
  it("reads the context's clock, else the wall clock", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(nowOf({ now: () => at })).toBe(at);
    expect(Math.abs(nowOf({}).getTime() - Date.now())).toBeLessThan(1000);
  });

  it("is recognised by its marker (two copies of the package), carries its code, and every code maps through core's tables", () => {
    const e = new OperationError("campaign_closed", "campaign x is cancelled");
    expect(OperationError.isInstance(e)).toBe(true);
    const copy = Object.assign(new Error("m"), { name: "OperationError", [Symbol.for("offerlab.error")]: true });
    expect(OperationError.isInstance(copy)).toBe(true);
    expect(OperationError.isInstance(new Error("m"))).toBe(false);
    expect(e.code).toBe("campaign_closed");
    expect(OfferlabError.isInstance(e)).toBe(true);
    const table = Object.fromEntries(
      operationErrorCodes.map((c) => [c, [exitCodeOf(new OperationError(c, "m")), httpStatusOf(new OperationError(c, "m"))]]),
    );
    expect(table).toEqual({
      campaign_closed: [2, 409],
      campaign_not_paused: [2, 409],
      campaign_schedule_invalid: [2, 422],
      nothing_to_approve: [2, 409],
      provider_failed: [1, 502],
      experiment_stopped: [2, 409],
    });
    expect(Object.keys(OPERATION_ERROR_CODES)).toEqual([...operationErrorCodes]);
    expect(OPERATION_ERROR_CODES.campaign_not_paused).toBe("Only a paused campaign can be resumed.");
  });
});

describe("operation codes come from the catalogue", () => {
  const src = path.dirname(fileURLToPath(import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sources(path.join(dir, e.name))
        : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
          ? [path.join(dir, e.name)]
          : [],
    );

  it("lists exactly the catalogue's operations section, each code with the catalogue's sentence", () => {
    expect([...operationErrorCodes]).toEqual(Object.keys(operationErrors));
    for (const code of operationErrorCodes) {
      expect(errorCodeList).toContain(code);
      expect(OPERATION_ERROR_CODES[code]).toBe(errorCodes[code]);
    }
  });

  it("knows every code an operation throws, and every code it knows is thrown by some operation", () => {
    const thrown = new Set<string>();
    for (const file of sources(src)) {
      for (const m of readFileSync(file, "utf8").matchAll(/new OperationError\(\s*"([a-z_]+)"/g)) thrown.add(m[1]!);
    }
    expect(thrown.size).toBeGreaterThan(0);
    expect(
      [...thrown].filter((c) => !(operationErrorCodes as readonly string[]).includes(c)),
      "thrown but not in the catalogue",
    ).toEqual([]);
    expect(
      operationErrorCodes.filter((c) => !thrown.has(c)),
      "in the catalogue but thrown by no operation",
    ).toEqual([]);
  });
});

describe.each(testEngines())("inTransaction on %s", (engine) => {
  const t = useTestDb(engine);

  it("writes all or nothing, and joins the caller's transaction instead of opening another", async () => {
    const failed = await inTransaction(t.db, async (trx) => {
      await offers.create(trx, { ...baseOffer, name: "Half Done" });
      throw new Error("the second write failed");
    }).catch((e: unknown) => e);
    expect((failed as Error).message).toBe("the second write failed");
    expect(await offers.get(t.db, "half-done")).toBeUndefined();

    const outer = await t.db
      .transaction()
      .execute(async (trx) => {
        await inTransaction(trx, (inner) => offers.create(inner, { ...baseOffer, name: "Inner Write" }));
        throw new Error("the caller rolls back");
      })
      .catch((e: unknown) => e);
    expect((outer as Error).message).toBe("the caller rolls back");
    expect(await offers.get(t.db, "inner-write")).toBeUndefined();
  });
});
