// Tests of scripts/check-cycles.mjs, the import-cycle check `pnpm lint:boundaries` runs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cyclesIn, relativeImports, stronglyConnected } from "../../../scripts/check-cycles.mjs";

describe("stronglyConnected", () => {
  it("groups the nodes of each cycle and leaves the others alone", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "d"]],
      ["d", []],
      ["e", ["e"]],
    ]);
    const components = stronglyConnected(graph).map((c) => c.sort().join(""));
    expect(components.sort()).toEqual(["abc", "d", "e"]);
  });
});

describe("relativeImports", () => {
  it("reads value, type, re-export, side-effect and dynamic imports, not comments or packages", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "../b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'import "./e.js";',
      'const f = await import("./f.js");',
      "import {",
      "  g,",
      "  type G,",
      '} from "./g.js";',
      'import { z } from "zod";',
      '// import { h } from "./h.js";',
      '/** import { i } from "./i.js"; */',
    ].join("\n");
    expect(relativeImports(text)).toEqual(["./a.js", "../b.js", "./c.js", "./d.js", "./e.js", "./g.js", "./f.js"]);
  });
});

describe("cyclesIn", () => {
  let dir;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds a cycle closed by a type-only import, and none once the shared type has its own module", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycles-"));
    const write = (file, text) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write("package.json", "{}");
    write("src/dispatch.ts", 'import { call } from "./call.js";\nexport type Options = { n: number };\nexport const run = () => call();\n');
    write("src/call.ts", 'import type { Options } from "./dispatch.js";\nexport const call = (o?: Options) => o;\n');
    expect(cyclesIn(dir, dir)).toEqual([["src/call.ts", "src/dispatch.ts"]]);

    write("src/options.ts", "export type Options = { n: number };\n");
    write("src/call.ts", 'import type { Options } from "./options.js";\nexport const call = (o?: Options) => o;\n');
    expect(cyclesIn(dir, dir)).toEqual([]);
  });
});
