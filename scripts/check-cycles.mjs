// Fails on any import cycle among the repository's sources. Per package (packages/*,
// packages/providers/*, apps/*, bench), the graph of relative imports — `import`, `import type`,
// `export … from` and `import()` alike, since a type-only cycle still ties two modules together —
// is split into strongly connected components (Tarjan); any component of more than one module, or
// a module importing itself, is a cycle. Imports between packages go through package names and
// are checked by the boundaries rule instead.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "coverage", ".turbo", ".offerlab"]);

/** The package roots to scan. */
export function packageDirs(base = root) {
  const dirs = [];
  for (const group of ["packages", "packages/providers", "apps"]) {
    const abs = path.join(base, group);
    if (!fs.existsSync(abs)) continue;
    for (const d of fs.readdirSync(abs)) {
      if (fs.existsSync(path.join(abs, d, "package.json"))) dirs.push(path.join(abs, d));
    }
  }
  if (fs.existsSync(path.join(base, "bench", "package.json"))) dirs.push(path.join(base, "bench"));
  return dirs;
}

function sourceFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const abs = path.join(dir, entry.name);
    // A nested package (packages/providers/* under packages/) is scanned on its own.
    if (entry.isDirectory()) {
      if (!fs.existsSync(path.join(abs, "package.json"))) sourceFiles(abs, out);
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(abs);
  }
  return out;
}

/** Block comments and whole-line comments removed, so commented-out or documented imports do not count. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The relative specifiers a module imports or re-exports. */
export function relativeImports(text) {
  const code = stripComments(text);
  const specs = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']/g,
    /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]);
  return specs;
}

function resolve(from, spec, files) {
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, "");
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.js`,
    `${stem}.mjs`,
    path.join(base, "index.ts"),
    path.join(base, "index.js"),
  ];
  return candidates.find((c) => files.has(c));
}

/** Strongly connected components of a graph (Map node → nodes), Tarjan's algorithm, iterative. */
export function stronglyConnected(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  for (const start of graph.keys()) {
    if (idx.has(start)) continue;
    const work = [[start, 0]];
    idx.set(start, index);
    low.set(start, index);
    index++;
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [node] = frame;
      const next = graph.get(node) ?? [];
      if (frame[1] < next.length) {
        const to = next[frame[1]++];
        if (!idx.has(to)) {
          idx.set(to, index);
          low.set(to, index);
          index++;
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node), idx.get(to)));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === idx.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        out.push(component);
      }
    }
  }
  return out;
}

/** Every import cycle in the package at `dir`: lists of files relative to `base`. */
export function cyclesIn(dir, base = root) {
  const files = new Set(sourceFiles(dir));
  const graph = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const spec of relativeImports(fs.readFileSync(file, "utf8"))) {
      const target = resolve(file, spec, files);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return stronglyConnected(graph)
    .filter((c) => c.length > 1 || graph.get(c[0]).includes(c[0]))
    .map((c) => c.map((f) => path.relative(base, f)).sort());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = packageDirs();
  const cycles = dirs.flatMap((d) => cyclesIn(d));
  if (cycles.length) {
    console.error(
      `Import cycles (each line is one set of modules that import each other, directly or through the others):\n${cycles.map((c) => "  - " + c.join(" <-> ")).join("\n")}`,
    );
    process.exit(1);
  }
  console.log(`no import cycles: ${dirs.length} packages`);
}
