/**
 * Sign-in with Supabase Auth: the login page signs in with `@supabase/supabase-js` (served from the
 * package), posts the access token here, and the server checks it — signature against the
 * project's JWKS (`<SUPABASE_URL>/auth/v1/.well-known/jwks.json`, cached), issuer, audience
 * `authenticated`, expiry — and that its email is on the allow-list, before it issues the
 * dashboard's own session. Needs the project's asymmetric JWT signing keys (RS256/ES256; a project
 * still on the legacy shared HS256 secret publishes no key to check against).
 */
import { OfferlabError } from "@offerlab/core";
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";

export const SUPABASE_URL_ENV = "SUPABASE_URL";
export const SUPABASE_ANON_KEY_ENV = "SUPABASE_ANON_KEY";
export const ALLOWED_EMAILS_ENV = "OFFERLAB_DASHBOARD_ALLOWED_EMAILS";
export const ALLOWED_DOMAINS_ENV = "OFFERLAB_DASHBOARD_ALLOWED_DOMAINS";

export interface SupabaseAuthOptions {
  /** The project's URL (`SUPABASE_URL`), e.g. `https://abcd.supabase.co`. */
  url: string;
  /** The project's public anon (publishable) key (`SUPABASE_ANON_KEY`), used by the login page. */
  anonKey: string;
  /** Emails allowed in (`OFFERLAB_DASHBOARD_ALLOWED_EMAILS`, comma-separated; case-insensitive). */
  allowedEmails?: string[];
  /** Email domains allowed in (`OFFERLAB_DASHBOARD_ALLOWED_DOMAINS`, comma-separated, e.g. `acme.com`). */
  allowedDomains?: string[];
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== "");

/**
 * Supabase Auth from the environment: on when an allow-list is set (OFFERLAB_DASHBOARD_ALLOWED_EMAILS
 * or OFFERLAB_DASHBOARD_ALLOWED_DOMAINS), which then needs SUPABASE_URL and SUPABASE_ANON_KEY.
 * SUPABASE_URL alone (set for other tools) turns nothing on. Throws a message naming the variable.
 */
export function supabaseAuthFromEnv(env: Record<string, string | undefined>): SupabaseAuthOptions | undefined {
  const allowedEmails = list(env[ALLOWED_EMAILS_ENV]);
  const allowedDomains = list(env[ALLOWED_DOMAINS_ENV]).map((d) => d.replace(/^@/, ""));
  if (allowedEmails.length === 0 && allowedDomains.length === 0) return undefined;
  const url = env[SUPABASE_URL_ENV]?.trim();
  const anonKey = env[SUPABASE_ANON_KEY_ENV]?.trim();
  if (!url || !anonKey)
    throw new OfferlabError(
      "config_invalid",
      `Supabase Auth for the dashboard (${allowedEmails.length ? ALLOWED_EMAILS_ENV : ALLOWED_DOMAINS_ENV} is set) needs ${SUPABASE_URL_ENV} and ${SUPABASE_ANON_KEY_ENV} (the project's URL and anon key, Project Settings → API)`,
    );
  return { url, anonKey, allowedEmails, allowedDomains };
}

/** Why these Supabase Auth options cannot work, or null. */
export function supabaseAuthProblem(o: SupabaseAuthOptions): string | null {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    return `${SUPABASE_URL_ENV} must be the project's URL, e.g. https://abcd.supabase.co (got "${o.url}")`;
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(u.host.replace(/:\d+$/, ""))))
    return `${SUPABASE_URL_ENV} must be an https:// URL (http:// only for a local Supabase on localhost; got "${o.url}")`;
  if (o.anonKey.trim() === "") return `${SUPABASE_ANON_KEY_ENV} is empty`;
  if (!o.allowedEmails?.length && !o.allowedDomains?.length)
    return `Supabase Auth needs an allow-list: set ${ALLOWED_EMAILS_ENV} and/or ${ALLOWED_DOMAINS_ENV} (comma-separated)`;
  for (const e of o.allowedEmails ?? []) if (!/^[^@\s]+@[^@\s]+$/.test(e)) return `${ALLOWED_EMAILS_ENV}: "${e}" is not an email address`;
  for (const d of o.allowedDomains ?? [])
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(d)) return `${ALLOWED_DOMAINS_ENV}: "${d}" is not a domain (e.g. acme.com)`;
  return null;
}

export type SupabaseCheck = { ok: true; email: string } | { ok: false; reason: string };

export interface SupabaseVerifier {
  /** The project's origin, for the Content-Security-Policy's connect-src. */
  origin: string;
  check(accessToken: string): Promise<SupabaseCheck>;
}

/**
 * A checker of Supabase access tokens. The key set is fetched once and cached (10 minutes; a token
 * with an unknown `kid` refetches it, at most every 30 s), so a sign-in costs no round trip.
 */
export function createSupabaseVerifier(o: SupabaseAuthOptions, now: () => Date, jwks?: JWTVerifyGetKey): SupabaseVerifier {
  const base = o.url.replace(/\/+$/, "");
  const keys =
    jwks ?? createRemoteJWKSet(new URL(`${base}/auth/v1/.well-known/jwks.json`), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  const emails = new Set((o.allowedEmails ?? []).map((e) => e.toLowerCase()));
  const domains = new Set((o.allowedDomains ?? []).map((d) => d.toLowerCase()));
  return {
    origin: new URL(base).origin,
    async check(accessToken) {
      let payload;
      try {
        ({ payload } = await jwtVerify(accessToken, keys, {
          issuer: `${base}/auth/v1`,
          audience: "authenticated",
          algorithms: ["RS256", "ES256", "EdDSA"],
          currentDate: now(),
          requiredClaims: ["exp", "sub"],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) return { ok: false, reason: "the Supabase session has expired: sign in again" };
        if (error instanceof errors.JWKSNoMatchingKey)
          return { ok: false, reason: "the token is not signed by a key of this Supabase project" };
        if (error instanceof errors.JWTClaimValidationFailed)
          return { ok: false, reason: `the token's ${error.claim} claim is not this dashboard's` };
        if (error instanceof errors.JWKSTimeout)
          return { ok: false, reason: "the Supabase project's key set did not answer in time: try again" };
        if (error instanceof errors.JOSEError) return { ok: false, reason: "the token is not a valid Supabase access token" };
        return { ok: false, reason: `the Supabase project's key set could not be read (${(error as Error).message}): try again` };
      }
      const email = typeof payload.email === "string" ? payload.email.trim().toLowerCase() : "";
      if (!email || payload.is_anonymous === true) return { ok: false, reason: "the Supabase user has no email address" };
      const domain = email.slice(email.lastIndexOf("@") + 1);
      if (!emails.has(email) && !domains.has(domain))
        return { ok: false, reason: `${email} is not allowed in (${ALLOWED_EMAILS_ENV} / ${ALLOWED_DOMAINS_ENV})` };
      return { ok: true, email };
    },
  };
}
