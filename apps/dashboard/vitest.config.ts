import { defineConfig } from "vitest/config";

export default defineConfig({
  // hono/jsx, also under esbuild (each .tsx file carries the same pragmas for tsx and tsup).
  esbuild: { jsx: "automatic", jsxImportSource: "hono/jsx" },
});
