import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
  dts: false,
  clean: true,
  sourcemap: true,
  target: "node20",
  // Workspace packages export their TypeScript sources in the repository, and their own
  // dependencies are not dependencies of this package (pnpm does not hoist them): bundle them so
  // the built server starts on plain Node. This package's own dependencies stay external (PGlite
  // loads its WebAssembly next to its module).
  noExternal: [/^(?!@electric-sql\/pglite|pg$|pg\/|kysely|hono|@hono\/node-server|pino)/],
  external: ["@electric-sql/pglite", "pg", "kysely", "hono", "@hono/node-server", "pino"],
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so give them one.
  banner: {
    js: 'import { createRequire as __offerlabCreateRequire } from "node:module"; const require = __offerlabCreateRequire(import.meta.url);',
  },
});
