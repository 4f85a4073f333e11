/**
 * Options read at request time: an adapter is built without touching the environment, so
 * importing or constructing it never throws; the first call that needs a missing value does.
 */
import { missingConfigError } from "./errors.js";

/** A value passed as an option, else an environment variable, else (optionally) a default. */
export interface SettingSource {
  /** Short vendor name, for the error message. */
  provider: string;
  /** The option's name in `createX(options)`, e.g. `apiKey`. */
  option: string;
  /** The value passed in options, if any. Empty strings count as missing. */
  value?: string | undefined;
  /** Environment variable read when `value` is missing, e.g. `UNIPILE_API_KEY`. */
  envVar?: string;
  /** Used when neither is set. Without it a missing value throws. */
  defaultValue?: string;
  /** The environment to read. Default `process.env`, read at call time. */
  env?: Record<string, string | undefined>;
}

/** Resolves an optional setting: option, then env var, then default, else `undefined`. */
export function readOptionalSetting(source: SettingSource): string | undefined {
  const fromOption = source.value?.trim();
  if (fromOption) return fromOption;
  const env = source.env ?? (typeof process === "undefined" ? {} : process.env);
  const fromEnv = source.envVar ? env[source.envVar]?.trim() : undefined;
  if (fromEnv) return fromEnv;
  return source.defaultValue;
}

/** Resolves a required setting or throws the standard missing-config ProviderError. */
export function readSetting(source: SettingSource): string {
  const value = readOptionalSetting(source);
  if (value === undefined) throw missingConfigError(source.provider, source.option, source.envVar);
  return value;
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
