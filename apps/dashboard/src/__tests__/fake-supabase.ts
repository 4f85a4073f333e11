/**
 * A Supabase project on a local port, for the sign-in tests: its JWKS (an ES256 key made here),
 * and the password grant of its Auth API (`POST /auth/v1/token?grant_type=password`, with CORS,
 * as supabase-js calls it from the login page), answering for the users given.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export interface FakeSupabase {
  url: string;
  /** How many times the key set was fetched. */
  readonly jwksHits: number;
  sign(
    claims: Record<string, unknown>,
    opts?: { kid?: string; key?: CryptoKey; expiresIn?: string; issuer?: string; audience?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function fakeSupabase(users: Record<string, string> = {}): Promise<FakeSupabase> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES256", use: "sig" };
  const state = { hits: 0, url: "" };
  const sign: FakeSupabase["sign"] = (claims, opts = {}) =>
    new SignJWT({ role: "authenticated", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: opts.kid ?? "key-1", typ: "JWT" })
      .setIssuer(opts.issuer ?? `${state.url}/auth/v1`)
      .setAudience(opts.audience ?? "authenticated")
      .setSubject("8d0f7a0e-0000-4000-8000-000000000001")
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? "1h")
      .sign(opts.key ?? privateKey);
  const app = new Hono();
  app.use(
    "/auth/v1/*",
    cors({ origin: "*", allowHeaders: ["*", "apikey", "authorization", "content-type", "x-client-info", "x-supabase-api-version"] }),
  );
  app.get("/auth/v1/.well-known/jwks.json", (c) => {
    state.hits++;
    return c.json({ keys: [jwk] });
  });
  app.post("/auth/v1/token", async (c) => {
    const body = (await c.req.json()) as { email?: string; password?: string };
    const email = (body.email ?? "").toLowerCase();
    if (c.req.query("grant_type") !== "password" || users[email] === undefined || users[email] !== body.password)
      return c.json({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" }, 400);
    const now = Math.floor(Date.now() / 1000);
    return c.json({
      access_token: await sign({ email }),
      token_type: "bearer",
      expires_in: 3600,
      expires_at: now + 3600,
      refresh_token: "refresh-token",
      user: {
        id: "8d0f7a0e-0000-4000-8000-000000000001",
        aud: "authenticated",
        role: "authenticated",
        email,
        app_metadata: {},
        user_metadata: {},
        created_at: new Date().toISOString(),
      },
    });
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve({ server: s, port: info.port }));
  });
  state.url = `http://127.0.0.1:${port}`;
  return {
    url: state.url,
    get jwksHits() {
      return state.hits;
    },
    sign,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
