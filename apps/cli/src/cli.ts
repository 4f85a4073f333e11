import { exitCodeOf, OfferlabError, ValidationError } from "@offerlab/core";
import { isSandboxEnabled, SANDBOX_ENV } from "@offerlab/sandbox/env";
import { Command, CommanderError, Help } from "commander";
import { COMMANDS, MODULES, type ModuleName } from "./command-table.js";
import { loadEnvFile, takeEnvFileFlag } from "./env-file.js";
import { commandPrefix, formatHints } from "./hints.js";
import { CliError, EXIT, processIo, type Io } from "./output.js";

export const VERSION = "0.0.0";

/** The help of the `--sandbox` flag every command has. */
const sandboxHelp = (dataDir: string) =>
  `work in the sandbox: simulated providers and the sandbox's own database (${dataDir} unless OFFERLAB_DATA_DIR or DATABASE_URL is set; also ${SANDBOX_ENV}=1)`;

/**
 * Which top-level command a command line runs: its first word that is not an option (the root has
 * only `--help` and `--version`, which take no value), or for `help <command>` the word after it.
 */
export function commandOf(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

/**
 * Builds the `offerlab` program. Only the modules of the command being run are imported
 * (`load: "all"` imports every one); every other command of the table is a stub with its name and
 * description, enough for the root help, "did you mean" and `help`.
 *
 * @param argv The command line (`process.argv` shape: node, script, then the arguments).
 */
export async function buildProgram(parentIo: Io, argv: readonly string[] = [], options: { load?: "all" } = {}): Promise<Command> {
  // This run's own Io: the command being run decides whether it is a sandbox run (below).
  const io: Io = { ...parentIo, sandbox: isSandboxEnabled(parentIo.env) };
  const program = new Command("offerlab")
    .description("Test B2B offers with outbound: positioning, discovery, sequences, numbers.")
    .version(VERSION)
    // Taken out of the arguments by run() (it may come anywhere); declared here for the help.
    .option("--env-file <path>", "load environment variables from this file instead of ./.env (variables already set win)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const wanted = commandOf(argv.slice(2));
  const modules = new Set<ModuleName>();
  // Completion prints the whole program tree, so it needs every module.
  const all = options.load === "all" || wanted === "completion";
  for (const entry of COMMANDS) if (all || entry.name === wanted) for (const m of entry.modules) modules.add(m);
  // In the table's module order, so a module that adds to another's command finds it (`tools`).
  const order = Object.keys(MODULES) as ModuleName[];
  const registers = await Promise.all(order.filter((m) => modules.has(m)).map((m) => MODULES[m]()));
  for (const register of registers) register(program, io);
  const stubs = new Map<Command, string>();
  for (const entry of COMMANDS) {
    if (program.commands.some((c) => c.name() === entry.name)) continue;
    stubs.set(program.command(entry.name).description(entry.description), entry.term);
  }
  const rank = new Map(COMMANDS.map((e, i) => [e.name, i]));
  // commander's list of subcommands is typed read-only; it is the array the help reads, in order.
  (program.commands as Command[]).sort((a, b) => (rank.get(a.name()) ?? COMMANDS.length) - (rank.get(b.name()) ?? COMMANDS.length));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => stubs.get(cmd) ?? help.subcommandTerm(cmd) });
  const leaves: Command[] = [];
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    if (!stubs.has(cmd)) leaves.push(...(cmd.commands.length ? cmd.commands : [cmd]));
  }
  // Every command that reads or writes data can work in the sandbox, so `--sandbox` is everywhere
  // and means one thing: simulated providers and the sandbox's own database.
  // `init` and `journal` read and write files only, never a database or a provider.
  const fileOnly = (leaf: Command) => leaf.name() === "init" || leaf.parent?.name() === "journal";
  const needFlag = leaves.filter((leaf) => !fileOnly(leaf) && !leaf.options.some((o) => o.long === "--sandbox"));
  if (needFlag.length) {
    // Imported here, not at the top: those commands load the database anyway; `--help` does not.
    const { SANDBOX_DATA_DIR } = await import("@offerlab/db");
    for (const leaf of needFlag) leaf.option("--sandbox", sandboxHelp(SANDBOX_DATA_DIR));
  }
  program.hook("preAction", async (_program, action) => {
    const o = action.opts<{ sandbox?: boolean; sandboxSeed?: string; seed?: string; start?: string }>();
    io.sandbox = isSandboxEnabled(io.env, { sandbox: o.sandbox === true });
    // Checked before anything runs: bad input writes nothing.
    if (o.seed !== undefined && o.sandboxSeed !== undefined && o.seed !== o.sandboxSeed) {
      throw new CliError("--seed: give it once (--sandbox-seed is its older name)", EXIT.usage);
    }
    const seed = o.seed ?? o.sandboxSeed;
    if (seed !== undefined && !seed.trim()) throw new CliError("--seed: give a non-empty seed", EXIT.usage);
    io.sandboxSeed = seed?.trim();
    if (o.start !== undefined) (await import("./providers.js")).sandboxStart(o.start);
    io.sandboxStart = o.start;
  });
  return program;
}

/** `io` whose output has every `offerlab <command>` hint written as it runs here ({@link formatHints}). */
function withHints(io: Io): Io {
  const prefix = commandPrefix(io.env);
  if (prefix === "offerlab") return io;
  return { ...io, stdout: (t) => io.stdout(formatHints(t, prefix)), stderr: (t) => io.stderr(formatHints(t, prefix)) };
}

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 bad input). Every offerlab error ends
 * the command with its message and the exit code of its code (core's one table); anything else is
 * unexpected and shows its stack.
 */
export async function run(argv: string[], parentIo: Io = processIo): Promise<number> {
  // Hints say how to run a command here: `pnpm offerlab …` in a checkout, `offerlab …` installed.
  let io = withHints(parentIo);
  try {
    // `.env` (or --env-file) before anything reads the environment; variables already set win.
    // The process's own environment is filled in place, since packages read it too.
    const { args, envFile } = takeEnvFileFlag(argv.slice(2));
    const env = io.env === process.env ? process.env : { ...io.env };
    loadEnvFile(env, io.cwd, envFile);
    io = withHints({ ...parentIo, env });
    const line = [...argv.slice(0, 2), ...args];
    const program = await buildProgram(io, line);
    await program.parseAsync(line);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (ValidationError.isInstance(error)) {
      io.stderr(
        `offerlab: invalid ${error.subject}; nothing was written:\n${error.issues.map((i) => `  - ${i.field}: ${i.message}`).join("\n")}\n`,
      );
      return exitCodeOf(error);
    }
    // The CLI's own errors, a reference that names no row (or several), a database that cannot be
    // used as it is (pending migrations, the other world's data, held by another process; also
    // where a command opens it itself: the runner, the webhook server), …: the message says what
    // to do, a stack trace would only hide it.
    if (OfferlabError.isInstance(error)) {
      const { databaseError } = await import("./database.js");
      io.stderr(`offerlab: ${(databaseError(io, error) as Error).message}\n`);
      return exitCodeOf(error);
    }
    io.stderr(`offerlab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failure;
  }
}
