import {
  createDb,
  databaseTargetOf,
  dataMode,
  EmbeddedDatabaseBusyError,
  migrate,
  migrationStatus,
  resolveDatabaseTarget,
  type Db,
} from "@offerlab/db";
import type { Command } from "commander";
import { newDefaultDatabase, noteNewDatabase } from "../database.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";

export function registerDbCommands(program: Command, io: Io): void {
  const db = program.command("db").description("Database: apply migrations, show which are applied");

  db.command("migrate")
    .description("Apply pending migrations of supabase/migrations (embedded PGlite unless DATABASE_URL is set)")
    .option("--json", "print the result as JSON")
    .action(async (opts: { json?: boolean }) => {
      const handle = open(io);
      try {
        const target = databaseTargetOf(handle)!;
        const result = await migrate(handle);
        if (opts.json) {
          io.stdout(json({ database: target.description, ...result }));
        } else {
          io.stdout(
            result.applied.length
              ? `Applied ${result.applied.length} migration(s) to ${target.description}:\n${result.applied.map((v) => `  ${v}`).join("\n")}\n`
              : `Nothing to apply: ${target.description} is up to date (${result.alreadyApplied.length} migrations).\n`,
          );
        }
      } finally {
        await handle.destroy();
      }
    });

  db.command("status")
    .description("Show applied and pending migrations and which database is used")
    .option("--json", "print the status as JSON")
    .action(async (opts: { json?: boolean }) => {
      const handle = open(io);
      try {
        const target = databaseTargetOf(handle)!;
        const status = await migrationStatus(handle);
        const world = await worldOf(handle);
        if (opts.json) {
          io.stdout(json({ database: target.description, kind: target.kind, world: world?.mode ?? null, ...status }));
          return;
        }
        const rows = [
          ...status.applied.map((a) => ({
            version: a.version,
            name: a.name ?? "",
            state: status.unknown.includes(a.version) ? "applied (unknown to this offerlab)" : "applied",
          })),
          ...status.pending.map((p) => ({ version: p.version, name: p.name, state: "pending" })),
        ];
        io.stdout(`Database: ${target.description}\n${world ? `World: ${world.text}\n` : ""}\n`);
        io.stdout(table(rows, [{ key: "version" }, { key: "name" }, { key: "state" }], io));
        io.stdout(status.pending.length ? `\n${status.pending.length} pending: run \`offerlab db migrate\`.\n` : "\nUp to date.\n");
      } finally {
        await handle.destroy();
      }
    });
}

function open(io: Io) {
  try {
    const options = { env: io.env, sandbox: io.sandbox === true, cwd: io.cwd };
    const target = resolveDatabaseTarget(options);
    const handle = createDb(options);
    const fresh = newDefaultDatabase(io, target);
    if (fresh) noteNewDatabase(io, fresh);
    return handle;
  } catch (error) {
    // Held by another process: its own message and code (exit 1).
    if (EmbeddedDatabaseBusyError.isInstance(error)) throw error;
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage);
  }
}

/** The database's world in words, or null before the migration that records it. */
async function worldOf(handle: Db): Promise<{ mode: string | null; text: string } | null> {
  const mark = await dataMode(handle).catch(() => undefined);
  if (mark === undefined) return null;
  if (!mark) return { mode: null, text: "not marked yet (the first command marks it live, or sandbox with --sandbox)" };
  return {
    mode: mark.mode,
    text: `${mark.mode === "sandbox" ? "sandbox (simulated data; live commands refuse it)" : "live (sandbox commands refuse it)"}, since ${mark.markedAt.toISOString().slice(0, 16).replace("T", " ")}`,
  };
}
