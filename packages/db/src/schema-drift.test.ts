import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./connect.js";
import { checkEnums } from "@offerlab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateAll,
  introspect,
  matchCoreEnum,
  outputs,
  parseInList,
  readMigrationFiles,
  type Introspection,
} from "../scripts/schema-gen.js";
import { bundledMigrations } from "./migrate.js";

describe("generated files agree with supabase/migrations", () => {
  it("the migrations shipped inside @offerlab/db equal the source files", () => {
    expect(bundledMigrations).toEqual(readMigrationFiles());
  });

  it("Database type, core table schemas and shipped migrations are up to date (run `pnpm gen` if not)", async () => {
    const rendered = await generateAll();
    for (const key of Object.keys(outputs) as (keyof typeof outputs)[]) {
      expect(fs.readFileSync(outputs[key], "utf8"), `${outputs[key]} is stale: run pnpm gen`).toBe(rendered[key]);
    }
  });
});

describe("core enums and the database's CHECK constraints", () => {
  let intro: Introspection;
  beforeAll(async () => {
    const pg = new PGlite("memory://", { extensions: PGLITE_EXTENSIONS });
    for (const f of readMigrationFiles()) await pg.exec(f.sql);
    intro = await introspect(async <T>(q: string) => (await pg.query<T>(q)).rows);
    await pg.close();
  });
  afterAll(() => undefined);

  it("every IN-list CHECK equals exactly one enum of core", () => {
    const lists = intro.checks.map((c) => ({ where: `${c.table}.${c.column}`, values: parseInList(c.def) })).filter((c) => c.values);
    expect(lists.length).toBeGreaterThan(30);
    const unmatched = lists.filter((l) => !matchCoreEnum(l.values!)).map((l) => `${l.where}: [${l.values!.join(", ")}]`);
    expect(unmatched).toEqual([]);
  });

  it("every enum of core is enforced by at least one CHECK", () => {
    const used = new Set(
      intro.checks
        .map((c) => parseInList(c.def))
        .filter(Boolean)
        .map((v) => matchCoreEnum(v!)),
    );
    const unused = Object.keys(checkEnums).filter((name) => !used.has(name));
    expect(unused).toEqual([]);
  });

  it("detects a disagreement (the check itself can fail)", () => {
    expect(matchCoreEnum(["draft", "ready", "active", "paused", "completed"])).toBeUndefined();
    expect(matchCoreEnum(["killed", "completed", "paused", "active", "ready", "draft"])).toBe("offerStatuses");
  });
});
