// Packs every publishable package the way it will be published (`pnpm pack`, which applies
// publishConfig and rewrites catalog: and workspace: ranges), checks the tarballs (no catalog: or
// workspace: range, exports/types/bin inside the tarball and under dist/ or bin/, publint,
// are-the-types-wrong), then installs them all into a scratch project outside the workspace
// (npm install; third-party dependencies from the npm registry) and runs the README's library
// example and `offerlab demo` from the installed bin. Needs `pnpm build` first. See RELEASING.md.
//
//   node scripts/check-packs.mjs [--keep]
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const keep = process.argv.includes("--keep");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-packs-"));
const packs = path.join(scratch, "packs");
fs.mkdirSync(packs);
const problems = [];
const started = Date.now();
const step = (text) => console.log(`[check-packs ${((Date.now() - started) / 1000).toFixed(0)}s] ${text}`);

const dirs = [];
for (const base of ["packages", "packages/providers", "apps"]) {
  for (const d of fs.readdirSync(path.join(root, base)).sort()) {
    const file = path.join(root, base, d, "package.json");
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!pkg.private) dirs.push({ dir: path.join(base, d), name: pkg.name });
  }
}
if (!fs.existsSync(path.join(root, "apps/cli/dist/bin.js"))) {
  console.error("check-packs: build first (pnpm build)");
  process.exit(1);
}

// npm would publish the repository's manifests as they are: every package's prepack refuses it.
const npmPack = spawnSync("npm", ["pack", "--dry-run"], { cwd: path.join(root, "packages/core"), encoding: "utf8" });
if (npmPack.status === 0 || !npmPack.stderr.includes("pack and publish with pnpm")) {
  problems.push(`npm pack was not refused in packages/core (exit ${npmPack.status}): the prepack guard is missing`);
}

step(`packing ${dirs.length} packages with pnpm pack into ${packs}`);
const tarballs = [];
for (const { dir, name } of dirs) {
  const out = execFileSync("pnpm", ["pack", "--pack-destination", packs], { cwd: path.join(root, dir), encoding: "utf8" });
  const tgz = out.trim().split("\n").pop().trim();
  tarballs.push({ dir, name, tgz: path.isAbsolute(tgz) ? tgz : path.join(packs, path.basename(tgz)) });
}

const tar = (args) => execFileSync("tar", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
for (const t of tarballs) {
  const manifest = JSON.parse(tar(["-xzOf", t.tgz, "package/package.json"]));
  const files = new Set(
    tar(["-tzf", t.tgz])
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, "./")),
  );
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(catalog|workspace):/.test(String(range))) problems.push(`${t.name}: ${field}.${dep} is still ${range} in the tarball`);
    }
  }
  const targets = [];
  const walk = (v, where) => {
    if (typeof v === "string") targets.push([where, v]);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  walk(manifest.exports, "exports");
  if (manifest.types) targets.push(["types", manifest.types]);
  if (manifest.main) targets.push(["main", manifest.main]);
  walk(manifest.bin, "bin");
  if (!manifest.exports) problems.push(`${t.name}: no exports in the tarball`);
  for (const [where, target] of targets) {
    const normal = target.startsWith("./") ? target : `./${target}`;
    if (!/^\.\/(dist|bin)\//.test(normal))
      problems.push(`${t.name}: ${where} points at ${target}, not at dist/ (src exports cannot be published)`);
    if (!files.has(normal)) problems.push(`${t.name}: ${where} points at ${target}, which is not in the tarball`);
  }
  if ([...files].some((f) => f.startsWith("./src/"))) problems.push(`${t.name}: the tarball contains src/`);

  const { messages, pkg } = await publint({ pack: { tarball: fs.readFileSync(t.tgz).buffer }, level: "warning", strict: true });
  for (const m of messages) problems.push(`${t.name}: publint ${m.type}: ${formatMessage(m, pkg) ?? m.code}`);

  const attw = spawnSync("pnpm", ["exec", "attw", t.tgz, "--profile", "esm-only", "--format", "ascii"], { cwd: root, encoding: "utf8" });
  if (attw.status !== 0) problems.push(`${t.name}: are-the-types-wrong:\n${(attw.stdout + attw.stderr).trim()}`);
}
step(`checked the manifests, publint and are-the-types-wrong: ${problems.length} problem(s)`);

if (!problems.length) {
  const project = path.join(scratch, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2));
  step(`npm install of the ${tarballs.length} tarballs in ${project} (dependencies from the npm registry)`);
  const install = spawnSync("npm", ["install", "--no-fund", "--no-audit", "--loglevel=error", ...tarballs.map((t) => t.tgz)], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, npm_config_user_agent: undefined },
  });
  if (install.status !== 0) problems.push(`npm install of the tarballs failed:\n${install.stdout}${install.stderr}`);
  else {
    // The README's library example, as written there.
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const example = readme.match(/```ts\n(import \{[^}]*\} from "@offerlab\/db";[\s\S]*?)```/)?.[1];
    if (!example) problems.push('README.md: the library example (```ts, import … from "@offerlab/db") was not found');
    else {
      fs.writeFileSync(path.join(project, "example.mjs"), example);
      step("running the README's library example");
      const r = spawnSync(process.execPath, ["example.mjs"], {
        cwd: project,
        encoding: "utf8",
        env: { PATH: process.env.PATH, HOME: process.env.HOME, OFFERLAB_DATA_DIR: path.join(project, ".offerlab") },
        timeout: 300_000,
      });
      if (r.status !== 0 || !/AI Sales Coach|ai-sales-coach|offer/i.test(r.stdout)) {
        problems.push(`the README's library example failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
      }
    }
    step("running offerlab demo from the installed bin");
    const demo = spawnSync(path.join(project, "node_modules", ".bin", "offerlab"), ["demo"], {
      cwd: project,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 600_000,
    });
    if (demo.status !== 0 || !demo.stderr.includes("[SANDBOX]"))
      problems.push(`offerlab demo failed (exit ${demo.status}):\n${demo.stdout}${demo.stderr}`);
    const help = spawnSync(path.join(project, "node_modules", ".bin", "offerlab"), ["--help"], { cwd: project, encoding: "utf8" });
    if (help.status !== 0 || !help.stdout.includes("Usage: offerlab"))
      problems.push(`offerlab --help failed (exit ${help.status}): ${help.stderr}`);
  }
}

if (keep) console.log(`check-packs: kept ${scratch}`);
else fs.rmSync(scratch, { recursive: true, force: true });
if (problems.length) {
  console.error(`check-packs failed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
step(`ok: ${tarballs.length} tarballs pack, lint and install; the library example and offerlab demo run from them`);
