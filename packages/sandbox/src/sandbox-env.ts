/**
 * How a run opts into the sandbox, and the banner every sandbox output shows. Also the package's
 * `@offerlab/sandbox/env` entry: nothing here imports MSW or the simulated world, so a program can
 * decide whether a run is a sandbox run without loading the sandbox (the CLI imports the rest only
 * when a sandbox run asks for it).
 */

/**
 * Where simulated time starts unless told otherwise: Monday 2 March 2026, 08:00 UTC. Fixed, so a
 * run's dates (and everything that depends on them) do not move with the day it is run.
 */
export const SANDBOX_START = "2026-03-02T08:00:00.000Z";

/** The line every output of a sandbox run must show, so nobody mistakes simulated results for real ones. */
export const SANDBOX_BANNER =
  "[SANDBOX] Simulated run: every provider (LinkedIn, email, data vendors, LLM) is simulated in-process; nothing was sent to anyone and no real API key was used.";

/** The env var that turns the sandbox on (`1` or `true`). */
export const SANDBOX_ENV = "OFFERLAB_SANDBOX";
/** The env var naming the JSONL journal of provider requests. */
export const SANDBOX_JOURNAL_ENV = "OFFERLAB_SANDBOX_JOURNAL";

/**
 * Whether this run is a sandbox run: `OFFERLAB_SANDBOX=1` (or `true`) or the `--sandbox` flag.
 * Never implicit: missing API keys do not turn it on.
 *
 * @param env Default `process.env`.
 * @param flags Parsed flags (`{ sandbox: true }`) or raw argv (`["--sandbox"]`).
 */
export function isSandboxEnabled(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: { sandbox?: boolean } | readonly string[] = {},
): boolean {
  const flag = Array.isArray(flags) ? flags.includes("--sandbox") : (flags as { sandbox?: boolean }).sandbox === true;
  const value = (env[SANDBOX_ENV] ?? "").trim().toLowerCase();
  return flag || value === "1" || value === "true";
}
