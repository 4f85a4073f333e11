/**
 * The cron's jobs that talk to the provider or keep an eye on it: the inbox sync (the fallback for
 * missed webhooks), withdrawing stale LinkedIn invitations, and credit checks from the usage log.
 * Each is safe with any number of runners: the sync stores into the deduplicating inbox, and a
 * second withdrawal of the same invitation is a no-op.
 */
import {
  ProviderError,
  type CallOptions,
  type Inbox,
  type InboxMessage,
  type InboxQuery,
  type LinkedInSender,
  type Page,
  type ProviderEvent,
} from "@offerlab/provider-kit";
import { campaignContacts } from "@offerlab/db";
import { sql } from "kysely";
import { providerEventKey, storeWebhookEvent } from "./events.js";
import type { Db } from "./types.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface SyncInboxesOptions {
  db: Db;
  inbox: Inbox;
  /** The clock. Default `() => new Date()`. */
  now?: () => Date;
  /** How far back each sync reads. Default 6 h (several ticks' worth: a missed tick loses nothing). */
  lookbackMs?: number;
  /** Pages per account and channel at most. Default 5. */
  maxPages?: number;
  /** Per-call options (timeout signal). */
  call?: CallOptions;
}

export interface SyncSummary {
  accounts: number;
  /** Messages read from the provider. */
  read: number;
  /** New inbox rows (the rest were already there, from a webhook or an earlier sync). */
  stored: number;
  /** Accounts whose read failed, with the error (the others are still synced). */
  errors: { accountId: string; error: string }[];
}

function asEvent(m: InboxMessage): ProviderEvent {
  if (m.channel === "email") {
    return m.direction === "outbound"
      ? { type: "email_sent", message: m, eventId: `mail_sent:${m.id}` }
      : { type: "email_received", message: m, eventId: `mail_received:${m.id}` };
  }
  return { type: "message_received", message: m, eventId: m.id };
}

/**
 * Reads recent messages of every connected account through the Inbox capability and stores the
 * inbound ones (and our sent emails, which carry the tracking ids) in the webhook inbox under the
 * same keys the webhooks use: a message already delivered by webhook is not stored twice, and
 * `processWebhookInbox` applies what the webhooks missed.
 */
export async function syncInboxes(options: SyncInboxesOptions): Promise<SyncSummary> {
  const { db, inbox } = options;
  const now = (options.now ?? (() => new Date()))();
  const since = new Date(now.getTime() - (options.lookbackMs ?? 6 * HOUR));
  const maxPages = options.maxPages ?? 5;
  const accounts = await db
    .selectFrom("accounts")
    .select(["id", "type", "unipile_account_id"])
    .where("unipile_account_id", "is not", null)
    .where("status", "not in", ["disconnected", "banned"])
    // By the provider's id, not ours: the same order of reads in every run of a sandbox seed.
    .orderBy("unipile_account_id")
    .execute();
  const summary: SyncSummary = { accounts: accounts.length, read: 0, stored: 0, errors: [] };
  for (const a of accounts) {
    const vendorId = a.unipile_account_id!;
    try {
      let cursor: string | null = null;
      for (let page = 0; page < maxPages; page++) {
        const query: InboxQuery = { accountId: vendorId, since, cursor, limit: 50 };
        const res: Page<InboxMessage> =
          a.type === "email" ? await inbox.listEmails(query, options.call) : await inbox.listMessages(query, options.call);
        for (const m of res.items) {
          summary.read++;
          // Our own LinkedIn messages need nothing; our emails carry the tracking id to reconcile.
          if (m.direction === "outbound" && m.channel !== "email") continue;
          if (m.channel === "email" && m.direction === "outbound" && !m.trackingId) continue;
          const event = asEvent(m);
          const stored = await storeWebhookEvent(db, {
            provider: inbox.provider,
            dedupeKey: providerEventKey(event, now),
            eventType: event.type,
            payload: { offerlab_event: event },
            // The sync's clock, not the database's: due at once for the worker running on it.
            receivedAt: now,
            supersedeUndecided: true,
          });
          if (stored.stored) summary.stored++;
        }
        cursor = res.cursor;
        if (!cursor) break;
      }
    } catch (error) {
      summary.errors.push({ accountId: a.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return summary;
}

export interface WithdrawOptions {
  db: Db;
  linkedin: LinkedInSender;
  now?: () => Date;
  /** Invitations older than this are withdrawn. Default 21 days (LinkedIn withdraws them itself after about a month). */
  maxAgeMs?: number;
  /** Withdrawals per run at most. Default 50. */
  limit?: number;
  call?: CallOptions;
}

export interface WithdrawSummary {
  checked: number;
  withdrawn: number;
  errors: { accountId: string; error: string }[];
}

/**
 * Withdraws our pending LinkedIn invitations older than `maxAgeMs`: only those sent to people in
 * one of our campaigns from that account (a member's own invitations are left alone). The campaign
 * contact keeps its sequence; its `stop_reason` notes the withdrawal.
 */
export async function withdrawStaleInvitations(options: WithdrawOptions): Promise<WithdrawSummary> {
  const { db, linkedin } = options;
  const now = (options.now ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - (options.maxAgeMs ?? 21 * DAY));
  const limit = options.limit ?? 50;
  const summary: WithdrawSummary = { checked: 0, withdrawn: 0, errors: [] };
  const accounts = await db
    .selectFrom("accounts")
    .select(["id", "unipile_account_id"])
    .where("type", "=", "linkedin")
    .where("unipile_account_id", "is not", null)
    .where("status", "not in", ["disconnected", "banned"])
    .orderBy("unipile_account_id")
    .execute();
  for (const a of accounts) {
    const vendorId = a.unipile_account_id!;
    try {
      let cursor: string | null = null;
      do {
        const page = await linkedin.listSentInvitations({ accountId: vendorId, cursor, limit: 100 }, options.call);
        for (const inv of page.items) {
          summary.checked++;
          if (!inv.providerId || !inv.sentAt || summary.withdrawn >= limit) continue;
          const sentAt = new Date(inv.sentAt);
          if (Number.isNaN(sentAt.getTime()) || sentAt >= cutoff) continue;
          const ours = await db
            .selectFrom("campaign_contacts")
            .select("id")
            .where("linkedin_provider_id", "=", inv.providerId)
            .where("linkedin_account_id", "=", a.id)
            .where("connected_at", "is", null)
            .execute();
          if (ours.length === 0) continue;
          try {
            await linkedin.cancelInvitation({ accountId: vendorId, invitationId: inv.invitationId }, options.call);
          } catch (error) {
            // Another runner withdrew it first, or it was accepted meanwhile: nothing left to do.
            if (!(ProviderError.isInstance(error) && (error.kind === "invalid" || error.kind === "not_found"))) throw error;
          }
          await campaignContacts.markInvitationWithdrawn(
            db,
            ours.map((o) => o.id),
          );
          summary.withdrawn++;
        }
        cursor = page.cursor;
      } while (cursor && summary.withdrawn < limit);
    } catch (error) {
      summary.errors.push({ accountId: a.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return summary;
}

export interface CreditAlert {
  tool: string;
  creditsRemaining: number | null;
  status: string;
  lastError: string | null;
}

/**
 * Provider credits as the usage log knows them: tools whose `credits_remaining` is at or below
 * `threshold`, or whose status is `error`. No vendor call (no capability reports a balance yet);
 * the cron logs the alerts.
 */
export async function checkProviderCredits(db: Db, options: { threshold?: number } = {}): Promise<CreditAlert[]> {
  const threshold = options.threshold ?? 100;
  const rows = await db
    .selectFrom("tools")
    .select(["name", "credits_remaining", "status", "last_error"])
    .where((eb) =>
      eb.or([eb("status", "=", "error"), eb.and([eb("credits_remaining", "is not", null), eb("credits_remaining", "<=", threshold)])]),
    )
    .orderBy("name")
    .execute();
  return rows.map((r) => ({ tool: r.name, creditsRemaining: r.credits_remaining, status: r.status, lastError: r.last_error }));
}

/** True when the database answers (the cron's reconnect loop and the webhook server's /readyz). */
export async function databaseReachable(db: Db): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
