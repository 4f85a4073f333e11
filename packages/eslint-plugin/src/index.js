import { violation } from "./directions.js";

/** @type {import("eslint").Rule.RuleModule} */
const importDirections = {
  meta: {
    type: "problem",
    docs: { description: "Enforce the package import directions of docs/architecture.md" },
    schema: [],
    messages: { forbidden: "{{reason}}" },
  },
  create(context) {
    const filename = context.filename;
    function check(node, source) {
      if (!source || typeof source.value !== "string") return;
      const reason = violation(filename, source.value);
      if (reason) context.report({ node: source, messageId: "forbidden", data: { reason } });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === "Literal" ? node.source : undefined),
    };
  },
};

const plugin = {
  meta: { name: "@offerlab/eslint-plugin" },
  rules: { "import-directions": importDirections },
};

export default plugin;
