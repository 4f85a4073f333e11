/**
 * The dashboard's safety: sessions (a signed HttpOnly cookie after the token login), a CSRF token
 * on every write, the Content-Security-Policy and the other security headers, and the rule that
 * a non-loopback address needs a token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "offerlab_dashboard";
export const CSRF_HEADER = "X-CSRF-Token";
export const CSRF_FIELD = "_csrf";
/** The environment variable that holds the dashboard token. */
export const TOKEN_ENV = "OFFERLAB_DASHBOARD_TOKEN";
/** Tokens shorter than this are refused (a guessable token protects nothing). */
export const MIN_TOKEN_LENGTH = 16;

/**
 * No inline script or style anywhere (htmx's indicator styles are turned off by its config meta
 * tag); everything from this origin; no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/** Whether an address is loopback (the default, which needs no token). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export class Sessions {
  readonly #secret: Buffer;
  readonly #token: string | undefined;

  constructor(options: { token?: string; secret?: Buffer }) {
    this.#token = options.token;
    this.#secret = options.secret ?? randomBytes(32);
  }

  /** Whether a token protects the dashboard (then every page but the login needs a session). */
  get protected(): boolean {
    return this.#token !== undefined;
  }

  #mac(value: string): string {
    return createHmac("sha256", this.#secret).update(value).digest("base64url");
  }

  /** Constant-time check of a token typed at the login page. */
  checkToken(candidate: string): boolean {
    if (this.#token === undefined) return false;
    const a = createHash("sha256").update(candidate).digest();
    const b = createHash("sha256").update(this.#token).digest();
    return timingSafeEqual(a, b);
  }

  /** A new session's cookie value (`<id>.<mac>`). */
  newSession(): string {
    const id = randomBytes(18).toString("base64url");
    return `${id}.${this.#mac(`session:${id}`)}`;
  }

  /** The session id of a cookie value, or null when it is missing or forged. */
  sessionOf(cookie: string | undefined): string | null {
    if (!this.protected) return "local";
    if (!cookie) return null;
    const dot = cookie.indexOf(".");
    if (dot < 1) return null;
    const id = cookie.slice(0, dot);
    const mac = Buffer.from(cookie.slice(dot + 1));
    const want = Buffer.from(this.#mac(`session:${id}`));
    return mac.length === want.length && timingSafeEqual(mac, want) ? id : null;
  }

  /** The CSRF token of a session (or of the login form, `login`). */
  csrfOf(session: string): string {
    return this.#mac(`csrf:${session}`);
  }

  checkCsrf(session: string, candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.csrfOf(session));
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
