/**
 * `pnpm build` (after tsup): writes the pre-migrated embedded database the package ships
 * (`dist/pglite-snapshot.tar.gz` and its manifest; see src/snapshot.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSnapshot, writeSnapshot } from "../src/snapshot.js";

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), "../dist");
const started = performance.now();
const snapshot = await buildSnapshot();
writeSnapshot(dist, snapshot);
console.log(
  `pglite snapshot: ${snapshot.manifest.migrations.length} migrations, ${(snapshot.data.length / 1e6).toFixed(1)} MB, in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dist}`,
);
