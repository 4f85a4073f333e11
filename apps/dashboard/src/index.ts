/**
 * @offerlab/dashboard — the web dashboard: a mountable Hono app (`createDashboardApp`) and its
 * server (`startDashboardServer`), which `offerlab dashboard` and `offerlab serve` run.
 */
export { createDashboardApp } from "./app.js";
export type { DashboardEnv } from "./http.js";
export type { DashboardAppOptions } from "./app.js";
export {
  dashboardAuthFromEnv,
  dashboardConfigProblem,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  startDashboardServer,
} from "./server.js";
export type { RunningDashboard, StartDashboardOptions } from "./server.js";
export {
  CONTENT_SECURITY_POLICY,
  CSRF_HEADER,
  isLoopback,
  MIN_SECRET_LENGTH,
  MIN_TOKEN_LENGTH,
  SECRET_ENV,
  SESSION_COOKIE,
  SESSION_KEY_FILE,
  SESSION_TTL_MS,
  TOKEN_ENV,
} from "./security.js";
export { ALLOWED_DOMAINS_ENV, ALLOWED_EMAILS_ENV, SUPABASE_ANON_KEY_ENV, SUPABASE_URL_ENV } from "./supabase-auth.js";
export type { SupabaseAuthOptions } from "./supabase-auth.js";
