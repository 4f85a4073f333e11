/**
 * The dashboard's safety: sessions (a signed HttpOnly cookie after the token or Supabase Auth
 * login, valid 12 hours, revoked by sign-out), their signing key (derived from a configured secret,
 * or kept in the data folder, so a restart signs nobody out), a CSRF token on every write, the
 * Content-Security-Policy and the other security headers, and the rule that a non-loopback
 * address needs a login.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { OfferlabError } from "@offerlab/core";

export const SESSION_COOKIE = "offerlab_dashboard";
export const CSRF_HEADER = "X-CSRF-Token";
export const CSRF_FIELD = "_csrf";
/** The environment variable that holds the dashboard token. */
export const TOKEN_ENV = "OFFERLAB_DASHBOARD_TOKEN";
/** Tokens shorter than this are refused (a guessable token protects nothing). */
export const MIN_TOKEN_LENGTH = 16;
/** The environment variable of the secret the session key is derived from (else the key file). */
export const SECRET_ENV = "OFFERLAB_DASHBOARD_SECRET";
/** Secrets shorter than this are refused. */
export const MIN_SECRET_LENGTH = 32;
/** The session key's file in the embedded database's data folder (created with mode 0600). */
export const SESSION_KEY_FILE = "dashboard-session.key";
/** How long a session lasts from sign-in (fixed, not sliding): 12 hours. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * No inline script or style anywhere (htmx's indicator styles are turned off by its config meta
 * tag); everything from this origin; no framing.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** The policy, with extra origins the page may fetch from (the Supabase project, for its login). */
export function contentSecurityPolicy(connect: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(" "),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

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

/** The session key derived from a configured secret (HKDF-SHA256): the same secret, the same key. */
export function deriveSessionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "offerlab-dashboard", "session-key-v1", 32));
}

/**
 * The session key kept in `dir` (the embedded database's data folder): read from
 * `dashboard-session.key`, or drawn at random and written there (mode 0600) on first use.
 */
export function sessionKeyFromFile(dir: string): Buffer {
  const file = path.join(dir, SESSION_KEY_FILE);
  try {
    const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64url");
    if (key.length === 32) return key;
    throw new OfferlabError(
      "config_invalid",
      `${file} does not hold a 32-byte key: delete it (everyone signs in again) or set ${SECRET_ENV}`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  try {
    // wx: two processes starting at once keep the first one's key.
    fs.writeFileSync(file, key.toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return sessionKeyFromFile(dir);
    throw error;
  }
  return key;
}

/**
 * Where the session key comes from: `secret` (OFFERLAB_DASHBOARD_SECRET) when set, else the key
 * file in `dataDir` (the embedded database's folder), else a random key for this process only
 * (a PostgreSQL database without a secret: a restart signs everyone out).
 */
export function resolveSessionKey(options: { secret?: string; dataDir?: string }): { key: Buffer; source: "secret" | "file" | "process" } {
  if (options.secret !== undefined) return { key: deriveSessionKey(options.secret), source: "secret" };
  if (options.dataDir !== undefined && !options.dataDir.startsWith("memory://"))
    return { key: sessionKeyFromFile(options.dataDir), source: "file" };
  return { key: randomBytes(32), source: "process" };
}

export interface SessionsOptions {
  /** The login token; none: no token login. */
  token?: string;
  /** The signing key. Default: 32 random bytes (this process only). */
  secret?: Buffer;
  /** Another login (Supabase Auth) protects the dashboard even without a token. */
  otherLogin?: boolean;
  /** How long a session lasts from sign-in. Default 12 hours. */
  ttlMs?: number;
  /** The clock. Default: the wall clock. */
  now?: () => Date;
}

export class Sessions {
  readonly #secret: Buffer;
  readonly #token: string | undefined;
  readonly #otherLogin: boolean;
  readonly #now: () => Date;
  /** Signed-out session ids until they would have expired anyway (this process's memory). */
  readonly #revoked = new Map<string, number>();
  readonly ttlMs: number;

  constructor(options: SessionsOptions) {
    this.#token = options.token;
    this.#secret = options.secret ?? randomBytes(32);
    this.#otherLogin = options.otherLogin ?? false;
    this.#now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
  }

  /** Whether a login protects the dashboard (then every page but the login needs a session). */
  get protected(): boolean {
    return this.#token !== undefined || this.#otherLogin;
  }

  /** Whether the token login is on. */
  get tokenLogin(): boolean {
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

  /** A new session's cookie value (`<id>.<expiry, unix seconds>.<mac>`), valid `ttlMs` from now. */
  newSession(): string {
    const id = randomBytes(18).toString("base64url");
    const exp = Math.floor((this.#now().getTime() + this.ttlMs) / 1000);
    return `${id}.${exp}.${this.#mac(`session:${id}:${exp}`)}`;
  }

  /** The parts of a cookie value whose signature holds, or null. */
  #verify(cookie: string | undefined): { id: string; exp: number } | null {
    if (!cookie) return null;
    const [id, expText, mac, ...rest] = cookie.split(".");
    if (!id || !expText || !mac || rest.length > 0 || !/^\d{1,12}$/.test(expText)) return null;
    const got = Buffer.from(mac);
    const want = Buffer.from(this.#mac(`session:${id}:${expText}`));
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
    return { id, exp: Number(expText) };
  }

  /** The session id of a cookie value, or null when it is missing, forged, expired or signed out. */
  sessionOf(cookie: string | undefined): string | null {
    if (!this.protected) return "local";
    const s = this.#verify(cookie);
    if (!s) return null;
    if (s.exp * 1000 <= this.#now().getTime()) return null;
    if (this.#revoked.has(s.id)) return null;
    return s.id;
  }

  /** Signs a session out: its cookie is refused from now on (until it would have expired anyway). */
  revoke(cookie: string | undefined): void {
    const s = this.#verify(cookie);
    if (!s) return;
    const now = this.#now().getTime();
    for (const [id, exp] of this.#revoked) if (exp * 1000 <= now) this.#revoked.delete(id);
    this.#revoked.set(s.id, s.exp);
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
