/**
 * @offerlab/dashboard — the web dashboard: a mountable Hono app (`createDashboardApp`) and its
 * server (`startDashboardServer`), which `offerlab dashboard` and `offerlab serve` run.
 */
export { createDashboardApp } from "./app.js";
export type { DashboardEnv } from "./http.js";
export type { DashboardAppOptions } from "./app.js";
export { dashboardConfigProblem, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, startDashboardServer } from "./server.js";
export type { RunningDashboard, StartDashboardOptions } from "./server.js";
export { CONTENT_SECURITY_POLICY, CSRF_HEADER, isLoopback, MIN_TOKEN_LENGTH, SESSION_COOKIE, TOKEN_ENV } from "./security.js";
