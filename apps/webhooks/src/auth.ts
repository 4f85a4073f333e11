import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { errorBody, statusFor } from "./status.js";

/**
 * Constant-time equality of two secrets of any lengths: both are hashed first, so neither the
 * comparison time nor an early length check tells an attacker anything about the secret.
 */
export function secretsEqual(received: string, expected: string): boolean {
  if (!expected) return false;
  const a = createHash("sha256").update(received).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Rejects a request whose `header` does not carry `secret` with 401, before its body is read:
 * nothing of an unauthenticated request is parsed or stored.
 */
export function requireSecret(options: {
  header: string;
  secret: string;
  onReject?: (reason: "missing" | "wrong") => void;
}): MiddlewareHandler {
  return async (c, next) => {
    const received = c.req.header(options.header);
    if (!received || !secretsEqual(received, options.secret)) {
      options.onReject?.(received ? "wrong" : "missing");
      return c.json(errorBody("unauthorized", `unauthorized: missing or wrong ${options.header} header`), statusFor("unauthorized"));
    }
    await next();
  };
}
