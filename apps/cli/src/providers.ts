/**
 * The provider adapters a command needs, built from the environment.
 *
 * - Real mode: a vendor's adapter exists only when its API key is set (`LEADMAGIC_API_KEY`, …);
 *   asking for one whose key is missing fails with exit code 2 and a message naming the variable
 *   and suggesting `--sandbox`. Keys are read from the command's environment (`io.env`), never
 *   guessed, and nothing ever falls back to the sandbox.
 * - Sandbox mode (`--sandbox` or `OFFERLAB_SANDBOX=1`): every adapter is the real one, served
 *   in-process by `@offerlab/sandbox` over a seeded world; real keys are ignored, and the
 *   sandbox banner is printed to stderr so no output can be mistaken for a real run.
 *
 * ```ts
 * const providers = await createCliProviders(io, { sandbox: opts.sandbox, onUsage: usage.onUsage, gate: usage.gate });
 * const leadmagic = providers.get("leadmagic"); // CliError (exit 2) when LEADMAGIC_API_KEY is unset
 * ```
 */
import {
  missingVendorEnv as missingEnvOf,
  vendorOptionsFromEnv,
  type CallGate,
  type FetchLike,
  type OnUsage,
  type VendorDescriptor,
} from "@offerlab/provider-kit";
import type { Sandbox } from "@offerlab/sandbox";
import { isSandboxEnabled, SANDBOX_BANNER, SANDBOX_ENV, SANDBOX_START } from "@offerlab/sandbox/env";
import { SANDBOX_DATA_DIR } from "@offerlab/db";
import { Option, type Command } from "commander";
import { CliError, EXIT, type Io } from "./output.js";
import { vendorDescriptor, VENDORS, type Vendor, type VendorAdapters } from "./vendors.js";

// The vendor list and what derives from it live in vendors.ts; re-exported for the commands.
export { VENDOR_ENV, VENDORS, type Vendor, type VendorAdapters } from "./vendors.js";

/** The env var naming the sandbox world's seed. */
export const SANDBOX_SEED_ENV = "OFFERLAB_SANDBOX_SEED";
/** The sandbox world's seed when neither `--seed` nor `OFFERLAB_SANDBOX_SEED` is given. */
export const DEFAULT_SANDBOX_SEED = "offerlab";
/** The env var naming where the sandbox's simulated time starts (as `--start`). */
export const SANDBOX_START_ENV = "OFFERLAB_SANDBOX_START";

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Where simulated time starts, from `--start` (or `OFFERLAB_SANDBOX_START`): a date `YYYY-MM-DD`
 * (08:00 UTC that day, the time of day of the default), an ISO 8601 instant with its offset
 * (`2026-03-02T14:30:00Z`; an instant without one would depend on the machine's time zone), or
 * `today` (08:00 UTC today, by `today`). Unset: the sandbox's fixed start, 2026-03-02T08:00:00Z,
 * so that a run's dates never depend on the day it is run. Bad input: exit 2 naming `flag`.
 */
export function sandboxStart(value: string | undefined, flag = "--start", today: Date = new Date()): Date {
  if (value === undefined) return new Date(SANDBOX_START);
  const v = value.trim();
  if (v === "today") return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 8));
  const day = DATE_ONLY.exec(v);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const at = new Date(Date.UTC(y, m - 1, d, 8));
    if (at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d) return at;
  } else if (INSTANT.test(v) && Number.isFinite(Date.parse(v))) {
    return new Date(v);
  }
  throw new CliError(
    `${flag}: a date (YYYY-MM-DD, 08:00 UTC that day), an ISO 8601 time with its offset (2026-03-02T14:30:00Z) or "today" (got "${value}")`,
    EXIT.usage,
  );
}

export interface CliProviderOptions {
  /** The `--sandbox` flag. Default false; `OFFERLAB_SANDBOX=1` (or `true`) in `io.env` also turns it on. */
  sandbox?: boolean | undefined;
  /**
   * Seed of the sandbox world: the same seed gives the same companies and people in every
   * command, so `discover`, `enrich` and `scrape` run in separate processes see one world.
   * Default: env `OFFERLAB_SANDBOX_SEED`, else `"offerlab"`.
   */
  seed?: string | undefined;
  /**
   * Where the sandbox's simulated time starts (as `--start`). Default: the command's `--start`,
   * else env `OFFERLAB_SANDBOX_START`, else the fixed 2026-03-02T08:00:00Z.
   */
  start?: string | undefined;
  /** Receives one usage event per provider call (wire it to `tool_usage`). Default: none. */
  onUsage?: OnUsage | undefined;
  /** Asked before every provider call: the tools' rate limits (a usage recorder's `gate`). Default: none. */
  gate?: CallGate | undefined;
  /** Print the sandbox banner to stderr when sandboxed. Default true. */
  banner?: boolean | undefined;
  /** The `fetch` real adapters use (tests, proxies). Default: the global `fetch`. Ignored in sandbox mode. */
  fetch?: FetchLike | undefined;
}

export interface CliProviders {
  /** True when every adapter is simulated by `@offerlab/sandbox`. */
  readonly sandbox: boolean;
  /** The sandbox (world, clock, journal) in sandbox mode, else null. */
  readonly world: Sandbox | null;
  /** Whether `get(vendor)` would succeed: its key is set, or this is a sandbox run. */
  has(vendor: Vendor): boolean;
  /** The vendors `get` would succeed for, in {@link VENDORS} order. */
  available(): Vendor[];
  /**
   * The vendor's adapter (built once, then reused). Throws a `CliError` with exit code 2 naming
   * the missing variable(s) and suggesting `--sandbox` when the vendor is not configured.
   */
  get<V extends Vendor>(vendor: V): VendorAdapters[V];
}

const set = (v: string | undefined) => typeof v === "string" && v.trim() !== "";

/** What is missing for a vendor's real adapter (env var names, from its descriptor), empty when it can be built. */
export function missingVendorEnv(vendor: Vendor, env: Record<string, string | undefined>): string[] {
  return missingEnvOf(vendorDescriptor(vendor), env);
}

/** The message of a missing-key error, shared by `get` and commands that choose among vendors. */
export function missingKeyMessage(what: string, vars: string[]): string {
  return `${what} is not configured: set ${vars.join(" and ")}, or run with --sandbox (or ${SANDBOX_ENV}=1) to use simulated providers`;
}

/** The vendor's real adapter: its descriptor's factory with the options its env variables set. */
function realAdapter<V extends Vendor>(vendor: V, env: Record<string, string | undefined>, options: CliProviderOptions): VendorAdapters[V] {
  const descriptor = vendorDescriptor(vendor);
  const factoryOptions = {
    ...vendorOptionsFromEnv(descriptor, env),
    ...(options.onUsage ? { onUsage: options.onUsage } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  // Each descriptor's factory takes its own options; those from the env are the ones it declares.
  return (descriptor.create as (o: typeof factoryOptions) => VendorAdapters[V])(factoryOptions);
}

/**
 * Builds the providers of one command run. In sandbox mode the banner goes to stderr at once
 * (before any output), so every sandbox run says so whatever it prints later.
 */
export async function createCliProviders(io: Io, options: CliProviderOptions = {}): Promise<CliProviders> {
  // The run's mode (io.sandbox, from the command's --sandbox or OFFERLAB_SANDBOX) decides, so the
  // providers and the database of one command always belong to the same world.
  const sandboxed = io.sandbox === true || isSandboxEnabled(io.env, { sandbox: options.sandbox === true });
  if (!sandboxed) {
    const cache = new Map<Vendor, unknown>();
    const has = (vendor: Vendor) => missingVendorEnv(vendor, io.env).length === 0;
    return {
      sandbox: false,
      world: null,
      has,
      available: () => VENDORS.filter(has),
      get<V extends Vendor>(vendor: V): VendorAdapters[V] {
        const missing = missingVendorEnv(vendor, io.env);
        if (missing.length) throw new CliError(missingKeyMessage(vendor, missing), EXIT.usage);
        if (!cache.has(vendor)) cache.set(vendor, realAdapter(vendor, io.env, options));
        return cache.get(vendor) as VendorAdapters[V];
      },
    };
  }
  const seed =
    options.seed ?? io.sandboxSeed ?? (set(io.env[SANDBOX_SEED_ENV]) ? (io.env[SANDBOX_SEED_ENV] as string) : DEFAULT_SANDBOX_SEED);
  const flagStart = options.start ?? io.sandboxStart;
  const startAt =
    flagStart !== undefined
      ? sandboxStart(flagStart)
      : sandboxStart(set(io.env[SANDBOX_START_ENV]) ? io.env[SANDBOX_START_ENV] : undefined, SANDBOX_START_ENV);
  // The journal path is read from the command's environment, not the process's.
  // The sandbox (MSW, GraphQL, the simulated world) loads only when a sandbox run asks for it.
  const { createSandbox } = await import("@offerlab/sandbox");
  const world = createSandbox({ seed, startAt, env: io.env });
  const usage = { ...(options.onUsage ? { onUsage: options.onUsage } : {}), ...(options.gate ? { gate: options.gate } : {}) };
  // Every vendor of the list, served by its simulated counterpart (built once, then reused).
  const simulated = new Map<Vendor, unknown>();
  if (options.banner !== false) io.stderr(`${SANDBOX_BANNER}\n`);
  return {
    sandbox: true,
    world,
    has: () => true,
    available: () => [...VENDORS],
    get<V extends Vendor>(vendor: V): VendorAdapters[V] {
      if (!simulated.has(vendor)) simulated.set(vendor, world.adapter(vendorDescriptor(vendor) as VendorDescriptor, usage));
      return simulated.get(vendor) as VendorAdapters[V];
    },
  };
}

/**
 * Adds `--sandbox`, `--seed <seed>` (also by its older name `--sandbox-seed`) and, unless
 * `start: false`, `--start <date>` to a command. The program checks them before the action runs
 * and puts the seed and start on `io` (`io.sandboxSeed`, `io.sandboxStart`), where
 * `createCliProviders` reads them.
 */
export function addSandboxOptions(cmd: Command, options: { start?: boolean } = {}): Command {
  cmd
    .option(
      "--sandbox",
      `simulate every provider in-process (no real API call, no key needed) and use the sandbox's own database (${SANDBOX_DATA_DIR} unless OFFERLAB_DATA_DIR or DATABASE_URL is set); also ${SANDBOX_ENV}=1`,
    )
    .option(
      "--seed <seed>",
      `with --sandbox: seed of the simulated world and of every random draw (default: ${SANDBOX_SEED_ENV}, else "${DEFAULT_SANDBOX_SEED}")`,
    )
    .addOption(new Option("--sandbox-seed <seed>", "the older name of --seed").hideHelp());
  if (options.start !== false) {
    cmd.option(
      "--start <date>",
      `with --sandbox: the simulated time the command runs at — YYYY-MM-DD (08:00 UTC), an ISO time with its offset, or today (default: ${SANDBOX_START_ENV}, else 2026-03-02)`,
    );
  }
  return cmd;
}
