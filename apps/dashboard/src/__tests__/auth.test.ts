/**
 * Sign-in and sessions: Supabase Auth access tokens checked against a JWKS served by a local
 * server with keys made here (valid, wrong audience, expired, unknown kid, another issuer, not on
 * the allow-list), the session's 12-hour expiry on an injected clock, sign-out revoking the
 * cookie, and the session key kept across restarts (key file in the data folder, or derived from
 * OFFERLAB_DASHBOARD_SECRET). PGlite, and PostgreSQL when TEST_DATABASE_URL is set.
 */
import { errorCodeOf } from "@offerlab/core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { testEngines } from "@offerlab/db/testing";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_HEADER, SESSION_COOKIE, SESSION_KEY_FILE, SESSION_TTL_MS, resolveSessionKey, Sessions } from "../security.js";
import { dashboardAuthFromEnv, dashboardConfigProblem, startDashboardServer } from "../server.js";
import type { SupabaseAuthOptions } from "../supabase-auth.js";
import { fakeSupabase, type FakeSupabase } from "./fake-supabase.js";
import { seedWorld, type World } from "./world.js";

describe.each(testEngines())("dashboard sign-in and sessions on %s", (engine) => {
  let w: World;
  let project: FakeSupabase;
  let supabaseAuth: SupabaseAuthOptions;
  beforeAll(async () => {
    w = await seedWorld(engine, 0);
    project = await fakeSupabase();
    supabaseAuth = { url: project.url, anonKey: "anon-key", allowedEmails: ["ceo@other.example"], allowedDomains: ["acme.com"] };
  });
  afterAll(async () => {
    await project?.close();
    await w?.t.drop();
  });

  async function loginCsrf(app: ReturnType<World["app"]>): Promise<string> {
    const html = await (await app.request("/login")).text();
    return /data-csrf="([^"]+)"/.exec(html)![1]!;
  }

  const supabaseLogin = (app: ReturnType<World["app"]>, csrf: string, token: unknown) =>
    app.request("/login/supabase", {
      method: "POST",
      headers: { "Content-Type": "application/json", [CSRF_HEADER]: csrf },
      body: JSON.stringify({ access_token: token }),
    });

  it("serves a login page that signs in with supabase-js from this origin, and the CSP lets it reach the project only", async () => {
    const app = w.app({ supabaseAuth });
    const res = await app.request("/login");
    expect(res.status).toBe(200);
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain(`connect-src 'self' ${project.url}`);
    expect(csp).toContain("script-src 'self';");
    const html = await res.text();
    expect(html).toContain('<script src="/assets/supabase.js" defer="">');
    expect(html).toContain('<script src="/assets/login.js" defer="">');
    expect(html).toContain(`data-supabase-url="${project.url}"`);
    for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/assets\//);
    // No token form without a token.
    expect(html).not.toContain('name="token"');
    const js = await app.request("/assets/supabase.js");
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("createClient");
    // Every page needs a session.
    expect((await app.request("/leads")).headers.get("Location")).toBe("/login");
    // Without Supabase Auth the library is not served.
    expect((await w.app().request("/assets/supabase.js")).status).toBe(404);
  });

  it("issues a session for a valid token of an allowed email or domain, and refuses the others", async () => {
    const app = w.app({ supabaseAuth });
    const csrf = await loginCsrf(app);
    const ok = await supabaseLogin(app, csrf, await project.sign({ email: "Jane@Acme.com" }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, next: "/" });
    const cookie = ok.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
    expect((await app.request("/leads", { headers: { Cookie: cookie.split(";")[0]! } })).status).toBe(200);
    expect((await supabaseLogin(app, csrf, await project.sign({ email: "ceo@other.example" }))).status).toBe(200);

    const refused = async (token: string, reason: RegExp) => {
      const res = await supabaseLogin(app, csrf, token);
      expect(res.status, reason.source).toBe(401);
      expect(res.headers.get("Set-Cookie")).toBeNull();
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    };
    await refused(await project.sign({ email: "jane@acme.com" }, { audience: "anon" }), /aud claim/);
    await refused(await project.sign({ email: "jane@acme.com" }, { expiresIn: "-1m" }), /expired/);
    await refused(await project.sign({ email: "jane@acme.com" }, { kid: "key-2" }), /not signed by a key of this Supabase project/);
    const other = await generateKeyPair("ES256");
    await refused(await project.sign({ email: "jane@acme.com" }, { key: other.privateKey }), /not a valid Supabase access token/);
    await refused(await project.sign({ email: "jane@acme.com" }, { issuer: "https://evil.supabase.co/auth/v1" }), /iss claim/);
    await refused(await project.sign({ email: "mallory@evil.example" }), /mallory@evil\.example is not allowed in/);
    await refused(await project.sign({ email: "jane@acme.com.evil.example" }), /is not allowed in/);
    await refused(await project.sign({}), /no email/);
    await refused("not-a-jwt", /not a valid Supabase access token/);

    // The key set is fetched once and cached (the unknown kid refetched it once).
    expect(project.jwksHits).toBeLessThanOrEqual(2);
    // The login's CSRF token is needed, and a token must be sent.
    expect((await supabaseLogin(app, "forged", await project.sign({ email: "jane@acme.com" }))).status).toBe(403);
    expect((await supabaseLogin(app, csrf, "")).status).toBe(400);
    // Without Supabase Auth the endpoint does not exist.
    expect((await w.app().request("/login/supabase", { method: "POST" })).status).toBe(404);
  });

  it("ends a session after 12 hours (injected clock), and sign-out revokes its cookie", async () => {
    let now = new Date("2026-03-10T08:00:00Z");
    const app = w.app({ token: "s3cret-dashboard-token-0123", authClock: () => now });
    const login = await (await app.request("/login")).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login)![1]!;
    const signIn = async () => {
      const res = await app.request("/login", {
        method: "POST",
        body: new URLSearchParams({ _csrf: csrf, token: "s3cret-dashboard-token-0123" }),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      return res.headers.get("Set-Cookie")!.split(";")[0]!;
    };
    const cookie = await signIn();
    const status = async (c: string) => (await app.request("/leads", { headers: { Cookie: c } })).status;
    expect(await status(cookie)).toBe(200);
    now = new Date(now.getTime() + SESSION_TTL_MS - 1000);
    expect(await status(cookie)).toBe(200);
    now = new Date(now.getTime() + 1000);
    expect(await status(cookie)).toBe(303);
    // An expiry edited into the cookie breaks its signature.
    const [id, exp, mac] = cookie.split("=")[1]!.split(".");
    expect(await status(`${SESSION_COOKIE}=${id}.${Number(exp) + 86_400}.${mac}`)).toBe(303);

    const fresh = await signIn();
    expect(await status(fresh)).toBe(200);
    const page = await (await app.request("/", { headers: { Cookie: fresh } })).text();
    const sessionCsrf = /X-CSRF-Token&quot;:&quot;([^&]+)&quot;/.exec(page)![1]!;
    const out = await app.request("/logout", { method: "POST", headers: { Cookie: fresh, [CSRF_HEADER]: sessionCsrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get("Location")).toBe("/login");
    expect(out.headers.get("Set-Cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    // The same cookie, replayed after sign-out, is no session.
    expect(await status(fresh)).toBe(303);
  });

  it("keeps the session key across restarts: a key file in the data folder, or derived from OFFERLAB_DASHBOARD_SECRET", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-dashboard-key-"));
    try {
      const first = resolveSessionKey({ dataDir: dir });
      expect(first.source).toBe("file");
      expect(fs.statSync(path.join(dir, SESSION_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(resolveSessionKey({ dataDir: dir }).key.equals(first.key)).toBe(true);
      // A cookie signed before the restart is still a session after it.
      const cookie = new Sessions({ token: "t".repeat(16), secret: first.key }).newSession();
      expect(new Sessions({ token: "t".repeat(16), secret: resolveSessionKey({ dataDir: dir }).key }).sessionOf(cookie)).not.toBeNull();
      expect(new Sessions({ token: "t".repeat(16) }).sessionOf(cookie)).toBeNull();
      fs.writeFileSync(path.join(dir, SESSION_KEY_FILE), "short\n");
      expect(() => resolveSessionKey({ dataDir: dir })).toThrow(
        /does not hold a 32-byte key: delete it .* or set OFFERLAB_DASHBOARD_SECRET/,
      );
      expect(codeOfThrown(() => resolveSessionKey({ dataDir: dir }))).toBe("config_invalid");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const secret = "a-configured-secret-of-32-characters-or-more";
    expect(resolveSessionKey({ secret }).key.equals(resolveSessionKey({ secret, dataDir: "/nowhere" }).key)).toBe(true);
    expect(resolveSessionKey({ secret: secret + "x" }).key.equals(resolveSessionKey({ secret }).key)).toBe(false);
    expect(resolveSessionKey({}).source).toBe("process");
    expect(resolveSessionKey({ dataDir: "memory://x" }).source).toBe("process");
  });

  it("reads the login settings from the environment and starts beyond loopback with Supabase Auth and no token", async () => {
    expect(dashboardAuthFromEnv({ SUPABASE_URL: project.url })).toEqual({});
    expect(() => dashboardAuthFromEnv({ OFFERLAB_DASHBOARD_ALLOWED_DOMAINS: "acme.com" })).toThrow(
      /OFFERLAB_DASHBOARD_ALLOWED_DOMAINS is set\) needs SUPABASE_URL and SUPABASE_ANON_KEY/,
    );
    expect(codeOfThrown(() => dashboardAuthFromEnv({ OFFERLAB_DASHBOARD_ALLOWED_DOMAINS: "acme.com" }))).toBe("config_invalid");
    const env = dashboardAuthFromEnv({
      SUPABASE_URL: project.url,
      SUPABASE_ANON_KEY: "anon-key",
      OFFERLAB_DASHBOARD_ALLOWED_EMAILS: " Ceo@Other.example , ",
      OFFERLAB_DASHBOARD_ALLOWED_DOMAINS: "@acme.com",
      OFFERLAB_DASHBOARD_SECRET: "s".repeat(32),
    });
    expect(env).toEqual({
      supabaseAuth: { url: project.url, anonKey: "anon-key", allowedEmails: ["ceo@other.example"], allowedDomains: ["acme.com"] },
      sessionSecret: "s".repeat(32),
    });
    expect(dashboardConfigProblem({ host: "0.0.0.0", ...env })).toBeNull();
    expect(dashboardConfigProblem({ host: "0.0.0.0", sessionSecret: "short", token: "0123456789abcdef" })).toMatch(
      /OFFERLAB_DASHBOARD_SECRET must be at least 32 characters/,
    );
    expect(dashboardConfigProblem({ supabaseAuth: { ...supabaseAuth, url: "http://abcd.supabase.co" } })).toMatch(
      /must be an https:\/\/ URL/,
    );
    expect(dashboardConfigProblem({ supabaseAuth: { ...supabaseAuth, allowedEmails: [], allowedDomains: [] } })).toMatch(
      /needs an allow-list/,
    );
    expect(dashboardConfigProblem({ supabaseAuth: { ...supabaseAuth, allowedDomains: ["not a domain"] } })).toMatch(/is not a domain/);

    const running = await startDashboardServer({ db: w.db, host: "0.0.0.0", port: 0, supabaseAuth });
    try {
      const res = await fetch(`${running.url}/leads`, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/login");
      const login = await fetch(`${running.url}/login`);
      expect(await login.text()).toContain('id="supabase-login"');
    } finally {
      await running.close();
    }
  });
});

/** The catalogue code of what `f` throws. */
function codeOfThrown(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return errorCodeOf(error);
  }
  throw new Error("expected a throw");
}
