import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "tsup";
import { writeBuildInputs } from "./scripts/build-inputs.mjs";

// What the checkout launcher (scripts/launch.mjs, `pnpm offerlab`) needs to know whether dist is
// current: when this build started and what esbuild read (its metafile), written once dist is.
let startedAt = 0;
let inputs: string[] = [];

export default defineConfig({
  entry: ["src/bin.ts", "src/index.ts"],
  format: ["esm"],
  // Types for the library entry (`run`, `buildProgram`); the bin needs none.
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  // Workspace packages export their TypeScript sources in the repository, and their own
  // dependencies are not dependencies of this package (pnpm does not hoist them): bundle them all
  // so the built CLI runs on plain Node. What stays external is this package's own dependencies
  // that must load from node_modules (PGlite loads its WebAssembly next to its module).
  noExternal: [/^(?!@electric-sql\/pglite|pg$|pg\/|kysely|zod|commander|yaml|csv-parse|csv-stringify)/],
  external: ["@electric-sql/pglite", "pg", "kysely", "zod", "commander", "yaml", "csv-parse", "csv-stringify"],
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so give them one.
  // The embedded database's pre-migrated snapshot (@offerlab/db's build writes it) goes next to the
  // bundle, where the bundled @offerlab/db looks for it: a first run skips initdb and migrations.
  onSuccess: async () => {
    // tsup runs in this package's directory.
    for (const file of ["pglite-snapshot.tar.gz", "pglite-snapshot.json"]) {
      const from = path.resolve("../../packages/db/dist", file);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.resolve("dist", file));
    }
    writeBuildInputs({ cliDir: path.resolve("."), startedAt, inputs });
  },
  esbuildPlugins: [
    {
      name: "offerlab-build-inputs",
      setup(build) {
        build.onStart(() => {
          startedAt = Date.now();
          inputs = [];
        });
        // tsup asks esbuild for a metafile on every build; its inputs are relative to this directory.
        build.onEnd((result) => {
          inputs = Object.keys(result.metafile?.inputs ?? {});
        });
      },
    },
  ],
  banner: {
    js: 'import { createRequire as __offerlabCreateRequire } from "node:module"; const require = __offerlabCreateRequire(import.meta.url);',
  },
});
