// `prepack` of every published package: only pnpm may pack or publish it. The manifests in the
// repository export TypeScript sources and use `catalog:` / `workspace:` ranges; `pnpm pack` and
// `pnpm publish` rewrite both (publishConfig, the catalog, the workspace versions), `npm pack` and
// `npm publish` would not, and would publish a package nobody can install. See RELEASING.md.
const agent = process.env.npm_config_user_agent ?? "";
if (!agent.startsWith("pnpm/")) {
  console.error(
    `${process.env.npm_package_name ?? "this package"}: pack and publish with pnpm (\`pnpm pack\`, \`pnpm publish -r\`; see RELEASING.md), ` +
      `not ${agent.split(" ")[0] || "this tool"}: it would publish src/ exports and catalog:/workspace: ranges.`,
  );
  process.exit(1);
}
