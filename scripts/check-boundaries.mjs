// Checks every workspace package.json against the import directions of docs/architecture.md (the
// eslint rule checks the source; this checks the declared dependencies) and that every external
// dependency takes its version from the pnpm catalog, so versions stay aligned.
import fs from "node:fs";
import path from "node:path";
import { allowedImports, layerOfFile, layerOfPackage } from "../packages/eslint-plugin/src/directions.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dirs = [];
for (const base of ["packages", "packages/providers", "apps"]) {
  const abs = path.join(root, base);
  if (!fs.existsSync(abs)) continue;
  for (const d of fs.readdirSync(abs)) {
    if (fs.existsSync(path.join(abs, d, "package.json"))) dirs.push(path.join(base, d));
  }
}
const problems = [];
for (const dir of dirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8"));
  const from = layerOfFile(dir + "/src/x.ts");
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (dep.startsWith("@offerlab/") || dep === "offerlab") {
        if (!String(range).startsWith("workspace:")) problems.push(`${dir}: ${dep} must use workspace: (has ${range})`);
        const target = layerOfPackage(dep);
        if (field === "devDependencies" && target === "tooling") continue;
        // Tests may use a vendor's adapter and MSW fake (see isTestFile in the lint rule).
        if (field === "devDependencies" && target === "provider" && from !== "provider") continue;
        if (from && target && !(allowedImports[from].includes(target) || (from === target && from !== "provider"))) {
          problems.push(
            `${dir}: ${field} lists ${dep} (${target}), which ${from} may not depend on (docs/architecture.md, Import directions)`,
          );
        }
        if (from === "provider" && target === "provider") problems.push(`${dir}: a provider may not depend on another provider (${dep})`);
      } else if (range !== "catalog:") {
        problems.push(`${dir}: ${dep}@${range} must use "catalog:" so versions stay aligned (pnpm-workspace.yaml)`);
      }
    }
  }
}
if (problems.length) {
  console.error("Boundary and version check failed:\n" + problems.map((p) => "  - " + p).join("\n"));
  process.exit(1);
}
console.log(`boundaries ok: ${dirs.length} packages follow the import directions (docs/architecture.md) and the version catalog`);
