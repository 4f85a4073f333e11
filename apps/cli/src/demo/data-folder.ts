/**
 * Where `offerlab demo` tells its story: always on an empty database, so that one seed and one
 * start tell one story however often the demo runs (on a folder it filled before, it would test
 * a second offer in another world). An embedded folder that holds only an earlier demo's data is
 * removed and made again; anything else that holds data is refused, with the ways out, and left
 * exactly as it was.
 */
import fs from "node:fs";
import { databaseContents, resolveDatabaseTarget, SANDBOX_DATA_DIR } from "@offerlab/db";
import { openDatabase } from "../database.js";
import { CliError, EXIT, type Io } from "../output.js";
import { DEMO_OFFER_SLUG } from "./run-demo.js";

/** An offer the demo made: `ai-sales-coach-demo`, or `ai-sales-coach-demo-<n>` (older versions ran again on one folder). */
export const isDemoOffer = (slug: string): boolean => slug === DEMO_OFFER_SLUG || new RegExp(`^${DEMO_OFFER_SLUG}-\\d+$`).test(slug);

/**
 * Makes the demo's database empty, or throws a usage error (exit 2) that leaves it as it was.
 * Returns the folder it removed (an earlier demo's), else null; says so on stderr.
 */
export async function startDemoAfresh(io: Io): Promise<string | null> {
  let target: ReturnType<typeof resolveDatabaseTarget>;
  try {
    target = resolveDatabaseTarget({ env: io.env, sandbox: true, cwd: io.cwd });
  } catch {
    return null; // a bad DATABASE_URL: opening the database says what is wrong
  }
  if (target.kind === "pglite") {
    if (target.dataDir.startsWith("memory://") || !fs.existsSync(target.dataDir)) return null;
    const entries = fs.readdirSync(target.dataDir);
    if (entries.length === 0) return null;
    // Never remove a folder that is not a database: OFFERLAB_DATA_DIR may name any directory.
    if (!entries.includes("PG_VERSION")) {
      throw new CliError(
        `${target.dataDir} is not a database folder (it holds files but no PG_VERSION); the demo left it as it was. ` +
          `Set OFFERLAB_DATA_DIR to a new or empty directory, or unset it (the demo's default is ./${SANDBOX_DATA_DIR}).`,
        EXIT.usage,
      );
    }
  }
  // A live database is refused here, with the ways out (DataModeMismatchError); nothing is removed.
  const db = await openDatabase(io);
  let contents: Awaited<ReturnType<typeof databaseContents>>;
  try {
    contents = await databaseContents(db);
  } finally {
    await db.destroy();
  }
  if (!contents.holdsData) return null;
  const others = contents.offerSlugs.filter((s) => !isDemoOffer(s));
  const demoOnly = contents.offerSlugs.length > 0 && others.length === 0;
  if (target.kind === "postgres") {
    throw new CliError(
      `${target.description} already holds data${demoOnly ? " (an earlier demo's)" : ""}: the demo tells its story on an empty database, and never empties one it did not create. ` +
        `Point DATABASE_URL at an empty database, or unset it: the demo's embedded database (./${SANDBOX_DATA_DIR}) starts afresh on every run.`,
      EXIT.usage,
    );
  }
  if (!demoOnly) {
    const what = others.length ? `offer${others.length === 1 ? "" : "s"} ${others.join(", ")}` : "data but no offer";
    throw new CliError(
      `${target.dataDir} holds sandbox data the demo did not make (${what}); the demo starts afresh and would delete it, so it left it as it was. ` +
        `Run it on another folder: OFFERLAB_DATA_DIR=demo-data offerlab demo (or remove ${target.dataDir} yourself if you no longer need it).`,
      EXIT.usage,
    );
  }
  fs.rmSync(target.dataDir, { recursive: true, force: true });
  io.stderr(
    `Starting afresh: removed the previous demo's data in ${target.dataDir} (the demo always runs on an empty database, so a rerun tells the same story).\n`,
  );
  return target.dataDir;
}
