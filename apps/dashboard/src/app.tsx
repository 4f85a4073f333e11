/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The dashboard as a Hono app (mountable; `startDashboardServer` serves it): security headers on
 * every answer, the token login when one is configured, CSRF on every write, the assets, and the
 * pages. Reads go through `@offerlab/db`'s dashboard queries and views; writes through
 * `@offerlab/operations`.
 */
import type { Db } from "@offerlab/db";
import { Hono } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { APP_CSS, APP_JS, htmxSource } from "./assets.js";
import { field, formOf, isHtmx, page, type Ctx, type DashboardEnv, type Deps } from "./http.js";
import { Flash } from "./layout.js";
import { registerCampaignPages } from "./pages/campaigns.js";
import { registerLeadsPages } from "./pages/leads.js";
import { registerOfferPages } from "./pages/offers.js";
import { registerOtherPages } from "./pages/other.js";
import { registerOverview } from "./pages/overview.js";
import { registerPersonPages } from "./pages/person.js";
import { LOGIN_JS, supabaseJsSource } from "./login-assets.js";
import { contentSecurityPolicy, CSRF_FIELD, CSRF_HEADER, SECURITY_HEADERS, SESSION_COOKIE, Sessions } from "./security.js";
import { createSupabaseVerifier, type SupabaseAuthOptions } from "./supabase-auth.js";

export interface DashboardAppOptions {
  db: Db;
  /** The clock (a sandbox passes its simulated one). Default: the wall clock. */
  now?: () => Date;
  /**
   * Judge a person's eligibility on the data's clock (db's dataClockAt: where a sandbox run stopped, or its last send, reply or assignment) rather
   * than the wall clock: a sandbox's simulated weeks are in the past, and its stored statuses
   * (cooling_off …) were set on its own clock. `offerlab dashboard` sets it on a sandbox database.
   */
  dataClock?: boolean;
  /** The login token (`OFFERLAB_DASHBOARD_TOKEN`). Default: none (loopback only). */
  token?: string;
  /**
   * Sign-in with Supabase Auth (the project, its anon key and the allow-list); with it the
   * dashboard is protected even without a token. Default: none.
   */
  supabaseAuth?: SupabaseAuthOptions;
  /**
   * The key that signs session cookies and CSRF tokens. Default: 32 random bytes per process
   * (`startDashboardServer` derives it from OFFERLAB_DASHBOARD_SECRET or keeps it in the data folder).
   */
  secret?: Buffer;
  /** How long a session lasts from sign-in. Default 12 hours. */
  sessionTtlMs?: number;
  /** The clock of session expiry and token checks (not the simulated one of `now`). Default: the wall clock. */
  authClock?: () => Date;
  /** Shown in the header, e.g. "sandbox data". Default "live data". */
  mode?: string;
  /** How often the activity stream looks for new rows. Default 2000 ms. */
  pollMs?: number;
  /** Below this many credits a tool is an alert. Default 100. */
  lowCredits?: number;
  /**
   * The most contacts a bulk action on the leads page (suppress, enrol, record outcome) takes at
   * once; more is refused as a whole, naming the count. Default: each action's own maximum
   * (suppress and enrol 10 000, record outcome 1 000); a lower one only lowers it (tests use a
   * small one). The CSV export of a filter has no limit: it streams every row.
   */
  bulkLimit?: number;
}

export function createDashboardApp(options: DashboardAppOptions): Hono<DashboardEnv> {
  const authClock = options.authClock ?? (() => new Date());
  const supabase = options.supabaseAuth ? createSupabaseVerifier(options.supabaseAuth, authClock) : null;
  const sessions = new Sessions({
    ...(options.token ? { token: options.token } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
    ...(options.sessionTtlMs ? { ttlMs: options.sessionTtlMs } : {}),
    otherLogin: supabase !== null,
    now: authClock,
  });
  const headers = { ...SECURITY_HEADERS, "Content-Security-Policy": contentSecurityPolicy(supabase ? [supabase.origin] : []) };
  const deps: Deps = {
    db: options.db,
    now: options.now ?? (() => new Date()),
    dataClock: options.dataClock ?? false,
    pollMs: options.pollMs ?? 2000,
    lowCredits: options.lowCredits ?? 100,
    ...(options.bulkLimit !== undefined ? { bulkLimit: options.bulkLimit } : {}),
  };
  const mode = options.mode ?? "live data";
  const app = new Hono<DashboardEnv>();

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  });

  app.get("/assets/htmx.min.js", (c) =>
    c.body(htmxSource(), 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=3600" }),
  );
  app.get("/assets/app.js", (c) =>
    c.body(APP_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=300" }),
  );
  app.get("/assets/supabase.js", (c) =>
    supabase
      ? c.body(supabaseJsSource(), 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=3600" })
      : c.text("not found", 404),
  );
  app.get("/assets/login.js", (c) =>
    c.body(LOGIN_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=300" }),
  );
  app.get("/assets/app.css", (c) => c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=300" }));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/favicon.ico", (c) => c.body(null, 204));

  const loginPage = (c: Ctx, error?: string, status: 200 | 401 = 200) =>
    c.html(
      "<!doctype html>" +
        String(
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <title>Sign in · offerlab</title>
              <link rel="stylesheet" href="/assets/app.css" />
              {supabase ? <script src="/assets/supabase.js" defer></script> : null}
              {supabase ? <script src="/assets/login.js" defer></script> : null}
            </head>
            <body>
              <div class="login">
                <h1>offerlab dashboard</h1>
                {error ? <Flash error>{error}</Flash> : null}
                {supabase && options.supabaseAuth ? (
                  <form
                    id="supabase-login"
                    method="post"
                    action="/login"
                    data-supabase-url={options.supabaseAuth.url}
                    data-supabase-key={options.supabaseAuth.anonKey}
                    data-csrf={sessions.csrfOf("login")}
                  >
                    <p class="flash" id="supabase-status" hidden></p>
                    <label>
                      Email
                      <input type="email" name="email" autocomplete="username" required />
                    </label>
                    <label>
                      Password
                      <input type="password" name="password" autocomplete="current-password" />
                    </label>
                    <button type="submit" value="password">
                      Sign in with Supabase
                    </button>
                    <button type="submit" value="link" class="secondary" formnovalidate>
                      Email me a sign-in link
                    </button>
                  </form>
                ) : null}
                {sessions.tokenLogin ? (
                  <form method="post" action="/login">
                    <input type="hidden" name={CSRF_FIELD} value={sessions.csrfOf("login")} />
                    <label>
                      Dashboard token (OFFERLAB_DASHBOARD_TOKEN)
                      <input type="password" name="token" autocomplete="current-password" required autofocus={!supabase} />
                    </label>
                    <button type="submit">Sign in</button>
                  </form>
                ) : null}
              </div>
            </body>
          </html>,
        ),
      status,
    );

  const startSession = (c: Ctx) =>
    setCookie(c, SESSION_COOKIE, sessions.newSession(), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });

  app.get("/login", (c) => (sessions.protected ? loginPage(c) : c.redirect("/", 303)));
  app.post("/login", async (c) => {
    if (!sessions.protected) return c.redirect("/", 303);
    const form = await formOf(c);
    if (!sessions.checkCsrf("login", field(form, CSRF_FIELD))) return c.text("invalid CSRF token: reload the login page", 403);
    if (!sessions.checkToken(field(form, "token")))
      return loginPage(
        c,
        sessions.tokenLogin ? "That token is not the dashboard's (OFFERLAB_DASHBOARD_TOKEN)." : "Sign in with Supabase.",
        401,
      );
    startSession(c);
    return c.redirect("/", 303);
  });
  // The Supabase login page's script posts the access token here (JSON, the login CSRF token in the header).
  app.post("/login/supabase", async (c) => {
    if (!supabase) return c.json({ error: "Supabase Auth is not configured for this dashboard" }, 404);
    if (!sessions.checkCsrf("login", c.req.header(CSRF_HEADER))) return c.json({ error: "invalid CSRF token: reload the login page" }, 403);
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin) return c.json({ error: "cross-origin sign-in refused" }, 403);
    const body = (await c.req.json().catch(() => null)) as { access_token?: unknown } | null;
    const token = typeof body?.access_token === "string" ? body.access_token : "";
    if (!token) return c.json({ error: "access_token: is required (the Supabase session's access token)" }, 400);
    const checked = await supabase.check(token);
    if (!checked.ok) return c.json({ error: `Sign-in refused: ${checked.reason}.` }, 401);
    startSession(c);
    return c.json({ ok: true, next: "/" });
  });

  // Every other route: a session when a token protects the dashboard, a CSRF token on writes.
  app.use("*", async (c, next) => {
    const session = sessions.sessionOf(getCookie(c, SESSION_COOKIE));
    if (session === null) {
      if (c.req.method === "GET" && !isHtmx(c)) return c.redirect("/login", 303);
      return c.text("sign in first (/login)", 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = c.req.header("Origin");
      if (origin && origin !== new URL(c.req.url).origin) return c.text("cross-origin write refused", 403);
      let token = c.req.header(CSRF_HEADER);
      if (!token && (c.req.header("Content-Type") ?? "").includes("form")) token = field(await formOf(c), CSRF_FIELD);
      if (!sessions.checkCsrf(session, token)) return c.text("invalid or missing CSRF token: reload the page", 403);
    }
    c.set("session", session);
    c.set("page", { csrf: sessions.csrfOf(session), mode, protected: sessions.protected });
    await next();
  });

  app.post("/logout", (c) => {
    sessions.revoke(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect(sessions.protected ? "/login" : "/", 303);
  });

  registerOverview(app, deps);
  registerCampaignPages(app, deps);
  registerLeadsPages(app, deps);
  registerPersonPages(app, deps);
  registerOtherPages(app, deps);
  registerOfferPages(app, deps);

  app.notFound((c) =>
    c.get("page")
      ? page(
          c,
          "Not found",
          "",
          <p>
            Nothing here. <a href="/">Overview</a>
          </p>,
          404,
        )
      : c.text("not found", 404),
  );
  return app;
}
