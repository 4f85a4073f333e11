import { errorCodeOf, exitCodeOf, httpStatusOf, isErrorCode, OFFERLAB_ERROR, OfferlabError } from "@offerlab/core";
import { describe, expect, it } from "vitest";
import { DataModeMismatchError } from "./data-mode.js";
import { EmbeddedDatabaseBusyError } from "./embedded-lock.js";
import { PendingMigrationsError } from "./open.js";
import { NotFoundError } from "./repositories.js";

const holder = { pid: 1, host: "elsewhere", command: "offerlab serve", since: "2026-01-01T00:00:00.000Z", token: "t" };

describe("the database's errors", () => {
  it("are offerlab errors with a code of the catalogue, the exit code and HTTP status it maps to", () => {
    const cases: [OfferlabError, string, number, number][] = [
      [new NotFoundError("offer", "x"), "not_found", 2, 404],
      [new NotFoundError("offer", "x", ["a", "b"]), "ambiguous_reference", 2, 409],
      [new PendingMigrationsError("PostgreSQL at db", [{ version: "1", name: "init" }]), "pending_migrations", 1, 503],
      [new DataModeMismatchError("the embedded database", "sandbox", "live"), "data_mode_mismatch", 2, 409],
      [new EmbeddedDatabaseBusyError("/tmp/x", holder), "database_busy", 1, 503],
    ];
    for (const [error, code, exit, status] of cases) {
      expect(OfferlabError.isInstance(error), error.name).toBe(true);
      expect(error).toBeInstanceOf(Error);
      expect(isErrorCode(error.code), error.name).toBe(true);
      expect([errorCodeOf(error), exitCodeOf(error), httpStatusOf(error)], error.name).toEqual([code, exit, status]);
    }
  });

  it("isInstance knows each from another copy of the package by the marker and the name, and nothing else", () => {
    const classes = [NotFoundError, PendingMigrationsError, DataModeMismatchError, EmbeddedDatabaseBusyError];
    for (const cls of classes) {
      const foreign = Object.assign(new Error("x"), { name: cls.name, [OFFERLAB_ERROR]: true });
      expect(cls.isInstance(foreign), cls.name).toBe(true);
      expect(cls.isInstance(Object.assign(new Error("x"), { name: cls.name })), cls.name).toBe(false);
      for (const other of classes)
        if (other !== cls) expect(cls.isInstance(Object.assign(new Error("x"), { name: other.name, [OFFERLAB_ERROR]: true }))).toBe(false);
    }
  });
});
