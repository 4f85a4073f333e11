/**
 * Hints name commands as the user can run them: `offerlab …` where the CLI is installed (npm,
 * npx, the Docker image), `pnpm offerlab …` in a checkout of the repository, where `offerlab` is
 * not on the PATH and the root package's `offerlab` script runs it.
 *
 * Every hint the product prints — the CLI's own, and the messages of the packages' errors
 * ("run `offerlab db migrate`") — is written as `offerlab <command> …`; {@link formatHints} rewrites
 * them once, where the CLI writes its output, so no message needs to know how it was invoked.
 */
import { COMMANDS } from "./command-table.js";

/** How this process was started, as far as hints care: the prefix of every command it suggests. */
export function commandPrefix(env: Readonly<Record<string, string | undefined>>): string {
  // `pnpm offerlab …` and `pnpm demo` in the repository run the root package's scripts, and pnpm
  // (like npm) names the script and the package in the script's environment.
  const script = env.npm_lifecycle_event;
  if (env.npm_package_name === "offerlab-monorepo" && (script === "offerlab" || script === "demo")) return "pnpm offerlab";
  return "offerlab";
}

const names = [...new Set(COMMANDS.map((c) => c.name)), "help"].sort((a, b) => b.length - a.length);
// `offerlab <command>` not already prefixed (`pnpm offerlab`, `npx offerlab`) and not part of a
// longer word or path (`@offerlab/db`, `apps/offerlab`).
const HINT = new RegExp(`(?<![\\w@/.-])(?<!pnpm )(?<!npx )offerlab (?=(?:${names.join("|")})(?![\\w-]))`, "g");

/** `text` with every `offerlab <command>` written with `prefix` (unchanged when it is `offerlab`). */
export function formatHints(text: string, prefix: string): string {
  return prefix === "offerlab" ? text : text.replace(HINT, `${prefix} `);
}

/** One command as the user can run it here: `hint("db migrate", env)` → `pnpm offerlab db migrate` in a checkout. */
export function hint(command: string, env: Readonly<Record<string, string | undefined>>): string {
  return `${commandPrefix(env)} ${command}`;
}
