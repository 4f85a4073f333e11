// One lint configuration for the whole repository.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import offerlab from "@offerlab/eslint-plugin";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.offerlab/**", "**/coverage/**", "**/*.generated.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "@offerlab": offerlab },
    rules: {
      "@offerlab/import-directions": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Type-aware, for the send path's state machines: a `switch` over a closed union must handle
    // every member (as `assertNever` also enforces at compile time).
    files: ["packages/scheduler/src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
