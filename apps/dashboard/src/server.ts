/**
 * The dashboard on Node's HTTP server. Loopback by default; any other address is refused unless
 * a token protects the dashboard (`OFFERLAB_DASHBOARD_TOKEN`).
 */
import type { AddressInfo } from "node:net";
import { OfferlabError } from "@offerlab/core";
import { serve } from "@hono/node-server";
import { createDashboardApp, type DashboardAppOptions } from "./app.js";
import { isLoopback, MIN_TOKEN_LENGTH, TOKEN_ENV } from "./security.js";

export const DEFAULT_DASHBOARD_PORT = 4317;
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";

export interface StartDashboardOptions extends DashboardAppOptions {
  /** Default 4317; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Another address needs `token`. */
  host?: string;
}

export interface RunningDashboard {
  /** `http://<host>:<port>` with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Why the dashboard may not start with these options (a non-loopback address without a token, a short token), or null. */
export function dashboardConfigProblem(options: { host?: string; token?: string }): string | null {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH)
    return `${TOKEN_ENV} must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`)`;
  if (!isLoopback(host) && options.token === undefined)
    return `refusing to listen on ${host} without a login: set ${TOKEN_ENV} (at least ${MIN_TOKEN_LENGTH} characters, e.g. \`openssl rand -hex 24\`), or keep the default --host ${DEFAULT_DASHBOARD_HOST}`;
  return null;
}

export async function startDashboardServer(options: StartDashboardOptions): Promise<RunningDashboard> {
  const problem = dashboardConfigProblem(options);
  if (problem) throw new OfferlabError("invalid_usage", problem);
  const app = createDashboardApp(options);
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
