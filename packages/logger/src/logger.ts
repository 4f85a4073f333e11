/**
 * Structured JSON logs (pino), one object per line, with secrets redacted wherever they might be
 * attached (keys named like secrets, request headers, connection strings); `pretty` prints the
 * same lines for humans.
 *
 * Why a package of its own: the cron runner and the webhook server (and the CLI that hosts both)
 * log the same way, and apps should not import each other for a shared helper (the webhook server
 * would then depend on the runner). `@offerlab/core` has no I/O and `provider-kit` is the vendors'
 * layer, so neither is the place for a log sink; this package imports nothing of ours and only
 * apps import it (packages/eslint-plugin/src/directions.js).
 */
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** Keys whose values never reach a log line, at the top level or one object down. */
const SECRET_KEYS = [
  "secret",
  "apiKey",
  "api_key",
  "password",
  "token",
  "authorization",
  "databaseUrl",
  "DATABASE_URL",
  "OFFERLAB_WEBHOOK_SECRET",
  "UNIPILE_API_KEY",
];

export const REDACTED = "[redacted]";

/** Redaction paths: every secret-like key, whole header objects and whole environments. */
export function redactPaths(extra: string[] = []): string[] {
  return [...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), "headers", "*.headers", "env", "*.env", ...extra];
}

/** Hides the password of any connection string inside a text (error messages, stacks). */
export function scrubSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):[^@/\s]*@/gi, "$1:***@");
}

export interface LoggerOptions {
  /** Human-readable lines instead of JSON (`--pretty`). Default false. */
  pretty?: boolean;
  /** Minimum level. Default `OFFERLAB_LOG_LEVEL`, else `info`. */
  level?: string;
  /** Where lines go. Default standard output. */
  destination?: { write(line: string): void };
  /** More redaction paths (pino syntax, e.g. `payload.token`). */
  redact?: string[];
  /** The `app` field on every line (`cron`, `webhooks`), unless `base` is given. */
  app?: string;
  /** Fields on every line. Default `{ app }` (or none without `app`). */
  base?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
}

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrubSecrets(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: scrubSecrets(error.message),
    ...(code !== undefined ? { code } : {}),
    ...(error.stack ? { stack: scrubSecrets(error.stack) } : {}),
  };
}

/** `HH:MM:SS LEVEL msg key=value …` from one JSON line. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, pid: _pid, hostname: _host, app, ...rest } = o;
  const names: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
  const at = typeof time === "number" ? new Date(time).toISOString().slice(11, 19) : "";
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${at} ${(names[Number(level)] ?? String(level)).padEnd(5)} ${app ? `[${String(app)}] ` : ""}${String(msg ?? "")}${fields ? `  ${fields}` : ""}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const out = options.destination ?? process.stdout;
  const destination = options.pretty ? { write: (line: string) => out.write(prettyLine(line)) } : out;
  return pino(
    {
      level: options.level ?? (env.OFFERLAB_LOG_LEVEL?.trim() || "info"),
      base: options.base ?? (options.app === undefined ? {} : { app: options.app }),
      redact: { paths: redactPaths(options.redact), censor: REDACTED },
      serializers: { err: serializeError, error: serializeError },
    },
    destination,
  );
}
