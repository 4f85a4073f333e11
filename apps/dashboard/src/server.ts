/**
 * The dashboard on Node's HTTP server. Loopback by default; any other address is refused unless
 * a login protects the dashboard (`OFFERLAB_DASHBOARD_TOKEN`, or Supabase Auth with an allow-list).
 */
import type { AddressInfo } from "node:net";
import { OfferlabError } from "@offerlab/core";
import { serve } from "@hono/node-server";
import { createDashboardApp, type DashboardAppOptions } from "./app.js";
import { isLoopback, MIN_SECRET_LENGTH, MIN_TOKEN_LENGTH, resolveSessionKey, SECRET_ENV, TOKEN_ENV } from "./security.js";
import { ALLOWED_EMAILS_ENV, supabaseAuthFromEnv, supabaseAuthProblem, type SupabaseAuthOptions } from "./supabase-auth.js";

export const DEFAULT_DASHBOARD_PORT = 4317;
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";

export interface StartDashboardOptions extends DashboardAppOptions {
  /** Default 4317; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Another address needs `token` or `supabaseAuth`. */
  host?: string;
  /**
   * The secret the session key is derived from (`OFFERLAB_DASHBOARD_SECRET`, 32 characters or
   * more). Default: the key file in `dataDir`, else a key for this process only. Ignored with `secret`.
   */
  sessionSecret?: string;
  /** The embedded database's data folder, where the session key is kept (`dashboard-session.key`). */
  dataDir?: string;
}

/** The dashboard's login settings from the environment (token, Supabase Auth, session secret); throws naming the variable. */
export function dashboardAuthFromEnv(env: Record<string, string | undefined>): {
  token?: string;
  supabaseAuth?: SupabaseAuthOptions;
  sessionSecret?: string;
} {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const token = value(TOKEN_ENV);
  const sessionSecret = value(SECRET_ENV);
  const supabaseAuth = supabaseAuthFromEnv(env);
  return { ...(token ? { token } : {}), ...(supabaseAuth ? { supabaseAuth } : {}), ...(sessionSecret ? { sessionSecret } : {}) };
}

export interface RunningDashboard {
  /** `http://<host>:<port>` with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Why the dashboard may not start with these options (a non-loopback address without a login, a
 * short token or secret, an unusable Supabase Auth setting), or null.
 */
export function dashboardConfigProblem(options: {
  host?: string;
  token?: string;
  supabaseAuth?: SupabaseAuthOptions;
  sessionSecret?: string;
}): string | null {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH)
    return `${TOKEN_ENV} must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`)`;
  if (options.sessionSecret !== undefined && options.sessionSecret.length < MIN_SECRET_LENGTH)
    return `${SECRET_ENV} must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`;
  if (options.supabaseAuth) {
    const problem = supabaseAuthProblem(options.supabaseAuth);
    if (problem) return problem;
  }
  if (!isLoopback(host) && options.token === undefined && !options.supabaseAuth)
    return `refusing to listen on ${host} without a login: set ${TOKEN_ENV} (at least ${MIN_TOKEN_LENGTH} characters, e.g. \`openssl rand -hex 24\`) or Supabase Auth (${ALLOWED_EMAILS_ENV} with SUPABASE_URL and SUPABASE_ANON_KEY), or keep the default --host ${DEFAULT_DASHBOARD_HOST}`;
  return null;
}

export async function startDashboardServer(options: StartDashboardOptions): Promise<RunningDashboard> {
  const problem = dashboardConfigProblem(options);
  if (problem) throw new OfferlabError("invalid_usage", problem);
  const secret =
    options.secret ??
    (options.token !== undefined || options.supabaseAuth
      ? resolveSessionKey({
          ...(options.sessionSecret !== undefined ? { secret: options.sessionSecret } : {}),
          ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        }).key
      : undefined);
  const app = createDashboardApp({ ...options, ...(secret ? { secret } : {}) });
  const hostname = options.host ?? DEFAULT_DASHBOARD_HOST;
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_DASHBOARD_PORT, hostname }, (info: AddressInfo) =>
      resolve({ server: s, port: info.port }),
    );
    s.once("error", reject);
  });
  const shown = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams and keep-alive connections would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      return closing;
    },
  };
}
