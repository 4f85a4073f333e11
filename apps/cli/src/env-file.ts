/**
 * The CLI's `.env`: `offerlab init` writes `.env.example` and tells you to copy it to `.env`, so
 * every command loads `.env` from the directory it runs in, or the file `--env-file <path>` names
 * (instead of `.env`; a missing file is an error). Variables already set in the environment win,
 * as with Node's `--env-file` and dotenv: `.env` holds defaults, the shell overrides them.
 */
import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { CliError, EXIT } from "./output.js";

/** The `.env` a command loads unless `--env-file` names another. */
export const ENV_FILE = ".env";

/**
 * Takes `--env-file <path>` (or `--env-file=<path>`) out of the arguments: it may come anywhere
 * before `--`, like `--help`. Returns the arguments without it and the path (the last one given).
 */
export function takeEnvFileFlag(args: readonly string[]): { args: string[]; envFile: string | undefined } {
  const rest: string[] = [];
  let envFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (a === "--env-file") {
      const value = args[i + 1];
      if (value === undefined || value.startsWith("-"))
        throw new CliError("--env-file: give a path (--env-file .env.production)", EXIT.usage);
      envFile = value;
      i++;
    } else if (a.startsWith("--env-file=")) {
      envFile = a.slice("--env-file=".length);
      if (!envFile) throw new CliError("--env-file: give a path (--env-file=.env.production)", EXIT.usage);
    } else rest.push(a);
  }
  return { args: rest, envFile };
}

/**
 * Loads the env file into `env`: each variable it sets that `env` does not already have. Returns
 * the file read (null when there was none: `.env` is optional, a named `--env-file` is not) and
 * the names it set.
 */
export function loadEnvFile(
  env: Record<string, string | undefined>,
  cwd: string,
  envFile: string | undefined,
): { file: string | null; loaded: string[] } {
  const file = path.resolve(cwd, envFile ?? ENV_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (envFile === undefined && (code === "ENOENT" || code === "EISDIR")) return { file: null, loaded: [] };
    throw new CliError(
      `--env-file: cannot read ${file} (${code ?? (error as Error).message}); give the path of an existing file, relative to ${cwd}`,
      EXIT.usage,
    );
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    loaded.push(name);
  }
  return { file, loaded };
}
