import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/bin.ts", "src/index.ts"],
  format: ["esm"],
  dts: false,
  clean: true,
  sourcemap: true,
  target: "node20",
  // Workspace packages export their TypeScript sources in the repository; bundle them so the
  // built CLI runs on plain Node.
  // Their own dependencies stay external (PGlite loads its WebAssembly next to its module).
  noExternal: [/^@offerlab\//],
  external: ["@electric-sql/pglite", "kysely", "pg", "zod", "commander", "yaml"],
});
