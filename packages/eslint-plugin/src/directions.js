/**
 * The import directions of docs/architecture.md, as data. A package may import only the workspace
 * packages listed for its layer; anything else, and any import of an app from a package, is an
 * error.
 *
 *   logger  <-  apps          (pino with redaction; imports nothing of ours)
 *   core  <-  db  <-  scheduler  <-  apps
 *   core  <-  provider-kit  <-  providers/*  <-  sandbox, apps
 *   core  <-  copy  <-  scheduler, pipeline, apps
 *   core, db, provider-kit, copy  <-  pipeline  <-  apps
 *   core, db, scheduler, pipeline, copy, provider-kit, experiments  <-  operations  <-  apps
 *   core  <-  experiments  <-  db, operations, apps
 */

/** @typedef {"core"|"logger"|"db"|"provider-kit"|"provider"|"scheduler"|"copy"|"pipeline"|"operations"|"sandbox"|"experiments"|"app"|"tooling"} Layer */

/** @type {Record<Layer, Layer[]>} */
export const allowedImports = {
  core: [],
  // The apps' structured logs: a package (not one app exporting it to the others) so that the
  // webhook server and the runner share it without depending on each other.
  logger: [],
  // The statistics of offer experiments: pure functions, no I/O.
  experiments: ["core"],
  db: ["core", "experiments"],
  "provider-kit": ["core"],
  provider: ["core", "provider-kit"],
  copy: ["core"],
  scheduler: ["core", "db", "copy", "provider-kit"],
  pipeline: ["core", "db", "provider-kit", "copy"],
  // One function per thing a person does; the only entry point for the apps' writes.
  operations: ["core", "db", "scheduler", "pipeline", "copy", "provider-kit", "experiments"],
  sandbox: ["core", "provider-kit", "provider"],
  app: ["core", "logger", "db", "provider-kit", "provider", "copy", "scheduler", "pipeline", "operations", "sandbox", "experiments", "app"],
  tooling: [],
};

/** Layer of a workspace package name (`@offerlab/provider-exa` → `provider`). */
export function layerOfPackage(name) {
  if (
    name === "offerlab" ||
    name === "@offerlab/cli" ||
    name === "@offerlab/cron" ||
    name === "@offerlab/webhooks" ||
    name === "@offerlab/dashboard"
  ) {
    return "app";
  }
  if (!name.startsWith("@offerlab/")) return undefined;
  const short = name.slice("@offerlab/".length);
  if (short === "provider-kit") return "provider-kit";
  if (short.startsWith("provider-")) return "provider";
  if (short === "eslint-plugin") return "tooling";
  if (short in allowedImports) return /** @type {Layer} */ (short);
  return undefined;
}

/** Layer of a source file from its path in the repository, or undefined outside our packages. */
export function layerOfFile(filename) {
  const p = filename.replaceAll("\\", "/");
  if (/(^|\/)apps\/[^/]+\//.test(p)) return "app";
  if (/(^|\/)packages\/providers\/[^/]+\//.test(p)) return "provider";
  const m = /(^|\/)packages\/([^/]+)\//.exec(p);
  if (!m) return undefined;
  const dir = m[2];
  if (dir === "eslint-plugin") return "tooling";
  if (dir in allowedImports) return /** @type {Layer} */ (dir);
  return undefined;
}

/** The package a file belongs to, so a package importing itself is never flagged. */
export function packageDirOf(filename) {
  const p = filename.replaceAll("\\", "/");
  const m = /(?:^|\/)((?:packages\/providers|packages|apps)\/[^/]+)\//.exec(p);
  return m?.[1];
}

/** Test sources: `*.test.ts` files and anything under a `__tests__` folder. */
export function isTestFile(filename) {
  return /\.test\.[cm]?[jt]sx?$/.test(filename) || /[\\/]__tests__[\\/]/.test(filename);
}

/**
 * @returns {string | undefined} why `specifier` may not be imported from `filename`
 */
export function violation(filename, specifier) {
  const from = layerOfFile(filename);
  if (!from) return undefined;
  let target;
  if (specifier.startsWith("@offerlab/") || specifier === "offerlab" || specifier.startsWith("offerlab/")) {
    const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : "offerlab";
    target = layerOfPackage(name);
    if (!target) return `unknown workspace package "${name}"`;
    if (from === "provider" && target === "provider") {
      return `a provider package may not import another provider ("${name}"): share code through @offerlab/provider-kit`;
    }
  } else if (specifier.startsWith(".")) {
    // Relative imports that climb out of the package into another one.
    const resolved = new URL(specifier, "file:///" + filename.replaceAll("\\", "/")).pathname.slice(1);
    const own = packageDirOf(filename);
    const other = packageDirOf(resolved + "/");
    if (!own || !other || other === own) return undefined;
    target = layerOfFile(resolved + "/");
    if (!target) return undefined;
    return `relative import into another package (${other}): import it by its package name`;
  } else {
    return undefined;
  }
  if (target === from && from !== "provider") return undefined;
  // Tests may wire a vendor's MSW fake and adapter to exercise the real HTTP path (the scheduler
  // proves its send path against the Unipile fake); production code still goes through the kit.
  if (target === "provider" && from !== "provider" && isTestFile(filename)) return undefined;
  if (from === "provider" && target === "provider") return undefined;
  if (allowedImports[from].includes(target)) return undefined;
  if (target === "app") return `packages never import apps (imported "${specifier}")`;
  return `${from} may not import ${target} ("${specifier}"); allowed: ${allowedImports[from].join(", ") || "nothing of ours"} (see docs/architecture.md, Import directions)`;
}
