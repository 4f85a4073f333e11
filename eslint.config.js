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
    // Apps parse input, call packages and present results: no SQL of their own (docs/architecture.md).
    // A query an app needs is a function of @offerlab/db; a write is an operation.
    files: ["apps/*/src/**/*.ts", "apps/*/src/**/*.tsx"],
    ignores: ["**/*.test.ts", "**/__tests__/**", "**/test-support/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]",
          message: "No SQL in apps/: add a query to @offerlab/db or an operation to @offerlab/operations and call it.",
        },
        {
          selector: "TaggedTemplateExpression[tag.name='sql']",
          message: "No SQL in apps/: add a query to @offerlab/db or an operation to @offerlab/operations and call it.",
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
