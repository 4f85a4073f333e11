/**
 * A pre-migrated embedded database, shipped with the package: a new PGlite data directory starts
 * from it instead of running PostgreSQL's initdb and every migration (most of a first run's
 * start-up: `offerlab demo`, the first command in a new folder). `pnpm build` writes it next to
 * the built files (`scripts/build-snapshot.ts`); the CLI's build copies it next to its bundle.
 *
 * It must never stand in for migrations it does not hold: its manifest lists the migrations it was
 * made with (version and a hash of the SQL), and it is used only when they are the first of the
 * migrations this code ships, unchanged. `migrate()` then applies the rest, as on any database.
 * Anything else (no file, another PGlite, an edited or removed migration) falls back to migrating
 * an empty cluster.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./connect.js";
import { Kysely, PostgresDialect } from "kysely";
import type { Database } from "./database.generated.js";
import { bundledMigrations, migrate, type Migration } from "./migrate.js";
import { createPGlitePool } from "./pglite-pool.js";

/** The snapshot's file name (a gzipped tarball of PGlite's `dumpDataDir`). */
export const SNAPSHOT_FILE = "pglite-snapshot.tar.gz";
/** Its manifest's file name. */
export const SNAPSHOT_MANIFEST = "pglite-snapshot.json";

export interface SnapshotManifest {
  /** The PGlite version that wrote it (a data directory belongs to one PostgreSQL major). */
  pglite: string;
  /** The migrations it holds, in order: version and the SHA-256 of the SQL. */
  migrations: { version: string; sha256: string }[];
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The manifest of a database migrated with `migrations`. */
export function manifestOf(migrations: readonly Migration[], pglite: string = pgliteVersionInstalled()): SnapshotManifest {
  return { pglite, migrations: migrations.map((m) => ({ version: m.version, sha256: sha256(m.sql) })) };
}

// The installed PGlite's version, read from its package.json (PGlite exports none).
let pgliteVersion: string | undefined;
function pgliteVersionInstalled(): string {
  if (pgliteVersion) return pgliteVersion;
  try {
    // .../node_modules/@electric-sql/pglite/dist/index.cjs → .../pglite/package.json
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    const pkg = path.join(path.dirname(entry), "../package.json");
    pgliteVersion = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
  } catch {
    pgliteVersion = "unknown";
  }
  return pgliteVersion;
}

/**
 * Whether a snapshot with `manifest` may start a database for `migrations`: made by this PGlite,
 * holding the first migrations unchanged (the rest are applied after loading it).
 */
export function snapshotFits(manifest: SnapshotManifest, migrations: readonly Migration[] = bundledMigrations): boolean {
  if (manifest.pglite !== pgliteVersionInstalled() || manifest.pglite === "unknown") return false;
  if (manifest.migrations.length === 0 || manifest.migrations.length > migrations.length) return false;
  const current = manifestOf(migrations.slice(0, manifest.migrations.length)).migrations;
  return manifest.migrations.every((m, i) => m.version === current[i]!.version && m.sha256 === current[i]!.sha256);
}

/** Builds a snapshot: an in-memory PGlite migrated with `migrations`, dumped. */
export async function buildSnapshot(
  migrations: readonly Migration[] = bundledMigrations,
): Promise<{ data: Buffer; manifest: SnapshotManifest }> {
  const pglite = new PGlite("memory://", { extensions: PGLITE_EXTENSIONS });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPGlitePool(pglite) }) });
  try {
    await migrate(db, { migrations });
    const blob = (await pglite.dumpDataDir("gzip")) as Blob;
    return { data: Buffer.from(await blob.arrayBuffer()), manifest: manifestOf(migrations) };
  } finally {
    await db.destroy();
    if (!pglite.closed) await pglite.close();
  }
}

/** Writes a snapshot and its manifest into `dir`. */
export function writeSnapshot(dir: string, snapshot: { data: Buffer; manifest: SnapshotManifest }): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(new URL(SNAPSHOT_FILE, dirUrl(dir)), snapshot.data);
  fs.writeFileSync(new URL(SNAPSHOT_MANIFEST, dirUrl(dir)), JSON.stringify(snapshot.manifest, null, 2) + "\n");
}

const dirUrl = (dir: string | URL) => {
  const u = typeof dir === "string" ? pathToFileURL(dir) : dir;
  return u.href.endsWith("/") ? u : new URL(`${u.href}/`);
};

/**
 * Where a shipped snapshot may be: next to this module (the built package, the CLI's bundle),
 * or in the package's `dist` seen from its sources (a checkout running through tsx).
 */
const SHIPPED = [new URL("./", import.meta.url), new URL("../dist/", import.meta.url)];

let cached: { dirs: string; blob: Blob | undefined } | undefined;

/**
 * The shipped snapshot as PGlite's `loadDataDir` takes it, or undefined when there is none that
 * fits these migrations (then the new database is migrated from scratch).
 */
export function shippedSnapshot(options: { dirs?: readonly (string | URL)[]; migrations?: readonly Migration[] } = {}): Blob | undefined {
  const dirs = (options.dirs ?? SHIPPED).map(dirUrl);
  const key = dirs.map((d) => d.href).join("|");
  if (!options.migrations && cached?.dirs === key) return cached.blob;
  let blob: Blob | undefined;
  for (const dir of dirs) {
    try {
      const manifest = JSON.parse(fs.readFileSync(new URL(SNAPSHOT_MANIFEST, dir), "utf8")) as SnapshotManifest;
      if (!snapshotFits(manifest, options.migrations)) continue;
      blob = new Blob([fs.readFileSync(new URL(SNAPSHOT_FILE, dir))]);
      break;
    } catch {
      // not here (or unreadable): the next place, else none
    }
  }
  if (!options.migrations) cached = { dirs: key, blob };
  return blob;
}
