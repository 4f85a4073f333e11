/**
 * The directory the user ran a command from: where file arguments resolve and where the search for
 * the embedded database (`.offerlab`, upwards) starts.
 *
 * `pnpm offerlab …` and `pnpm demo` (the repository's root scripts) run in the repository's root
 * whatever directory the user typed them in; pnpm keeps that directory in `INIT_CWD`. Only those
 * two scripts are followed: a user's own package script runs where its package manager puts it.
 */
import fs from "node:fs";

const ROOT_SCRIPTS = new Set(["offerlab", "demo"]);
const ROOT_PACKAGE = "offerlab-monorepo";

export function userWorkingDirectory(env: Record<string, string | undefined>, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD;
  if (!init || !ROOT_SCRIPTS.has(env.npm_lifecycle_event ?? "") || env.npm_package_name !== ROOT_PACKAGE) return cwd;
  try {
    return fs.statSync(init).isDirectory() ? init : cwd;
  } catch {
    return cwd;
  }
}

/**
 * Moves this process to the user's directory (see `userWorkingDirectory`), so that everything that
 * reads `process.cwd()` (the runner and the webhook server open their own database) agrees with the
 * CLI. Returns the directory.
 */
export function enterUserWorkingDirectory(env: Record<string, string | undefined> = process.env): string {
  const dir = userWorkingDirectory(env);
  if (dir !== process.cwd()) process.chdir(dir);
  return dir;
}
