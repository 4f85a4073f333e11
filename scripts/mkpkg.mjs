// Creates a workspace package skeleton: node scripts/mkpkg.mjs <dir> <name> '<deps json>' '<devDeps json>' '<peer json>' '<subpaths csv>'
import fs from "node:fs";
const [dir, name, deps = "{}", dev = "{}", peer = "{}", subpaths = ""] = process.argv.slice(2);
const subs = subpaths ? subpaths.split(",") : [];
const exp = { ".": "./src/index.ts" };
const pubExp = { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } };
for (const s of subs) {
  exp[`./${s}`] = `./src/${s}.ts`;
  pubExp[`./${s}`] = { types: `./dist/${s}.d.ts`, import: `./dist/${s}.js` };
}
const peers = JSON.parse(peer);
const pkg = {
  name,
  version: "0.0.0",
  description: "",
  license: "MIT",
  type: "module",
  sideEffects: false,
  engines: { node: ">=20.19" },
  exports: exp,
  files: ["dist", "README.md"],
  scripts: { build: "tsup", typecheck: "tsc --noEmit", lint: "eslint src", test: "vitest run --testTimeout=60000 --hookTimeout=120000" },
  dependencies: JSON.parse(deps),
  devDependencies: { ...JSON.parse(dev), ...peers },
  ...(Object.keys(peers).length
    ? { peerDependencies: peers, peerDependenciesMeta: Object.fromEntries(Object.keys(peers).map((p) => [p, { optional: true }])) }
    : {}),
  publishConfig: { access: "public", exports: pubExp, types: "./dist/index.d.ts" },
};
fs.mkdirSync(`${dir}/src`, { recursive: true });
fs.writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
const up = "../".repeat(dir.split("/").length);
fs.writeFileSync(
  `${dir}/tsconfig.json`,
  JSON.stringify({ extends: `${up}tsconfig.base.json`, include: ["src", "scripts", "*.ts"] }, null, 2) + "\n",
);
const entries = ["src/index.ts", ...subs.map((s) => `src/${s}.ts`)];
fs.writeFileSync(
  `${dir}/tsup.config.ts`,
  `import { defineConfig } from "tsup";\n\nexport default defineConfig({\n  entry: ${JSON.stringify(entries)},\n  format: ["esm"],\n  dts: true,\n  clean: true,\n  sourcemap: true,\n  target: "node20",\n});\n`,
);
