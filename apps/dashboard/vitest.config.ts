import { defineConfig } from "vitest/config";

export default defineConfig({
  // hono/jsx (each .tsx file also carries the pragmas, for tsx and tsup).
  oxc: { jsx: { runtime: "automatic", importSource: "hono/jsx" } },
});
