/**
 * Creates the Unipile webhooks the server consumes, all pointing at one URL and carrying one
 * secret in our header. Goes through the Unipile adapter (`createWebhook`), never raw HTTP.
 */
import { randomBytes } from "node:crypto";
import { errorCodeOf, OfferlabError } from "@offerlab/core";
import type { UnipileProvider } from "@offerlab/provider-unipile";
import { DEFAULT_SECRET_HEADER, MIN_SECRET_LENGTH } from "./config.js";

/** The sources and events the server applies (see the route module and the scheduler's events). */
export const UNIPILE_SUBSCRIPTIONS = [
  { source: "messaging", name: "offerlab-messaging", events: ["message_received"] },
  { source: "users", name: "offerlab-relations", events: ["new_relation"] },
  { source: "email", name: "offerlab-email", events: ["mail_received", "mail_sent"] },
  { source: "email_tracking", name: "offerlab-tracking", events: ["mail_opened", "mail_link_clicked"] },
  { source: "account_status", name: "offerlab-account-status", events: undefined },
] as const;

/** A random secret: 32 bytes as 64 hexadecimal characters. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString("hex");
}

/** `https://host` or `https://host/base` → `https://host/base/webhooks/unipile` (a full route URL is kept). */
export function unipileWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OfferlabError("invalid_usage", `--url must be an absolute URL such as https://hooks.example.com, got "${url}"`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new OfferlabError("invalid_usage", `--url must be an http(s) URL such as https://hooks.example.com, got "${url}"`);
  if (!/\/webhooks\/unipile\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, "")}/webhooks/unipile`;
  return u.toString();
}

export interface RegisterOptions {
  unipile: Pick<UnipileProvider, "createWebhook" | "listWebhooks" | "deleteWebhook">;
  /** Public URL of the server (base or full route). */
  url: string;
  /** Default: a new one from `generateWebhookSecret()`. */
  secret?: string;
  /** Default `x-offerlab-webhook-secret` (what the server reads unless `OFFERLAB_WEBHOOK_SECRET_HEADER` says otherwise). */
  secretHeader?: string;
  /** Delete webhooks already pointing at this URL first (they carry an old secret). Default false: refuse. */
  replace?: boolean;
}

export interface RegisterResult {
  requestUrl: string;
  secret: string;
  secretHeader: string;
  generated: boolean;
  created: { source: string; webhookId: string }[];
  replaced: string[];
}

export async function registerUnipileWebhooks(options: RegisterOptions): Promise<RegisterResult> {
  const requestUrl = unipileWebhookUrl(options.url);
  const secretHeader = options.secretHeader ?? DEFAULT_SECRET_HEADER;
  const generated = !options.secret;
  const secret = options.secret ?? generateWebhookSecret();
  if (secret.length < MIN_SECRET_LENGTH)
    throw new OfferlabError(
      "invalid_usage",
      `the webhook secret must be at least ${MIN_SECRET_LENGTH} characters (it is ${secret.length}): leave it out to generate one`,
    );
  const existing: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await options.unipile.listWebhooks({ cursor, limit: 100 });
    for (const w of page.items) if (w.requestUrl === requestUrl) existing.push(w.id);
    cursor = page.cursor;
  } while (cursor);
  if (existing.length && !options.replace) {
    throw new OfferlabError(
      "invalid_usage",
      `${existing.length} Unipile webhook(s) already point at ${requestUrl}: pass --replace to delete them and create new ones with a new secret`,
    );
  }
  for (const id of existing) await options.unipile.deleteWebhook(id);
  const created: RegisterResult["created"] = [];
  for (const sub of UNIPILE_SUBSCRIPTIONS) {
    try {
      const res = await options.unipile.createWebhook({
        requestUrl,
        source: sub.source,
        name: sub.name,
        ...(sub.events ? { events: [...sub.events] } : {}),
        secret,
        secretHeader,
      });
      created.push({ source: sub.source, webhookId: res.webhookId });
    } catch (error) {
      const done = created.length
        ? ` (already created: ${created.map((c) => `${c.source} ${c.webhookId}`).join(", ")}; run again with --replace)`
        : "";
      // The provider's own code (auth, credits, rate limit…) decides the exit code and status;
      // anything that is not an offerlab error is reported as a failed command, not a bug.
      const code = OfferlabError.isInstance(error) ? errorCodeOf(error) : "command_failed";
      throw new OfferlabError(
        code,
        `creating the Unipile ${sub.source} webhook failed: ${error instanceof Error ? error.message : String(error)}${done}`,
        { cause: error },
      );
    }
  }
  return { requestUrl, secret, secretHeader, generated, created, replaced: existing };
}
