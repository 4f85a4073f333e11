// Checks that every workspace package declares what it imports and imports what it declares:
// - a bare import in published code (src, tests excluded; `import type` included, since the
//   published .d.ts files import it too) must be in `dependencies` or `peerDependencies`;
// - a bare import in tests and scripts must be declared (dependencies or devDependencies);
// - every entry of `dependencies` must be imported by published code (a dependency nobody imports
//   is installed by every user for nothing).
// The apps bundle the workspace packages (`noExternal` in their tsup.config.ts): their own code may
// import them from devDependencies, and their `dependencies` are what their built files import
// (checked against dist/ when they are built).
import fs from "node:fs";
import path from "node:path";
import { builtinModules } from "node:module";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const dirs = [];
for (const base of ["packages", "packages/providers", "apps"]) {
  for (const d of fs.readdirSync(path.join(root, base))) {
    if (fs.existsSync(path.join(root, base, d, "package.json"))) dirs.push(path.join(base, d));
  }
}

function files(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.(m?[jt]s|tsx)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const SPEC =
  /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[^\w.])import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|\s)import\s+["']([^"']+)["']|\)\.resolve\(\s*["']([^"']+)["']\s*\)/g;
function importsOf(file) {
  // A file read at run time counts as an import: `createRequire(import.meta.url).resolve("htmx.org/…")`.
  // Comments may quote code (`import { x } from "y"` in a JSDoc example): drop them first.
  const text = fs
    .readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'])\/\/.*$/gm, "$1");
  const out = new Set();
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (!spec || spec.startsWith(".") || spec.startsWith("/") || builtins.has(spec) || spec.startsWith("node:")) continue;
    const parts = spec.split("/");
    out.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
  }
  return out;
}

// Test code: tests, their fixtures and helpers (a published `./testing` entry is src/testing.ts,
// which is published code; an unexported src/testing/ folder is test support).
const isTest = (f) => /\.test\.[jt]s$|\.test-support\.[jt]s$|[\\/](__tests__|__fixtures__|test-support|testing)[\\/]/.test(f);
// Tests and scripts may also use the root's tools (vitest, tsx, …).
const rootDev = new Set(Object.keys(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).devDependencies ?? {}));
const problems = [];
for (const dir of dirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8"));
  // The lint rule's tests hold the code they lint as strings (`import … from "@offerlab/db"`).
  if (pkg.name === "@offerlab/eslint-plugin") continue;
  const deps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  // A bundled app (its tsup config sets noExternal: the CLI, the runner, the webhook server).
  const tsup = path.join(root, dir, "tsup.config.ts");
  const bundles = fs.existsSync(tsup) && fs.readFileSync(tsup, "utf8").includes("noExternal");
  const used = new Set();
  for (const file of files(path.join(root, dir, "src"))) {
    const rel = path.relative(root, file);
    for (const name of importsOf(file)) {
      if (name === pkg.name) continue;
      if (isTest(file)) {
        if (!deps.has(name) && !dev.has(name) && !rootDev.has(name))
          problems.push(`${rel}: imports ${name}, which ${pkg.name} does not declare`);
        continue;
      }
      used.add(name);
      if (!deps.has(name) && !(bundles && dev.has(name))) {
        problems.push(
          `${rel}: imports ${name}, which ${pkg.name} does not list in dependencies${dev.has(name) ? " (only in devDependencies)" : ""}`,
        );
      }
    }
  }
  for (const file of files(path.join(root, dir, "scripts"))) {
    for (const name of importsOf(file)) {
      if (!deps.has(name) && !dev.has(name) && !rootDev.has(name))
        problems.push(`${path.relative(root, file)}: imports ${name}, which ${pkg.name} does not declare`);
    }
  }
  // What users install runs the built files: their imports (the .d.ts files' too) must be declared.
  const dist = path.join(root, dir, "dist");
  const built = new Set();
  if (fs.existsSync(dist)) {
    for (const f of fs.readdirSync(dist).filter((f) => /\.(js|d\.ts)$/.test(f)))
      for (const n of importsOf(path.join(dist, f))) if (n !== pkg.name) built.add(n);
    for (const n of built)
      if (!deps.has(n)) problems.push(`${dir}/dist: the built files import ${n}, which ${pkg.name} does not list in dependencies`);
  } else if (pkg.scripts?.build) {
    // Not built yet (a checkout before `pnpm build`): a dependency only the .d.ts files import (db's
    // zod, through core's schemas in its types) cannot be seen, so unused dependencies of a package
    // that builds are judged on its built files only (CI builds first). A package without a build
    // (the dashboard, bundled into the CLI) is judged on its sources.
    continue;
  }
  // An app's dependencies are what its bundle leaves external; a package's, what its code imports.
  const declaredUse = bundles ? built : new Set([...used, ...built]);
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    if (!declaredUse.has(name))
      problems.push(
        `${dir}: dependencies list ${name}, which ${bundles ? "its built files" : "its code (src, tests excluded)"} never import`,
      );
  }
}
if (problems.length) {
  console.error("Dependency check failed (declared dependencies must match imports):\n" + problems.map((p) => "  - " + p).join("\n"));
  process.exit(1);
}
console.log(`dependencies ok: ${dirs.length} packages declare what they import and import what they declare`);
