/**
 * The webhook inbox (`webhook_inbox`): provider events stored raw under a unique key, then claimed
 * and applied by any number of workers (the scheduler's `processWebhookInbox`). The only module
 * that writes it (a test greps packages and apps for any other writer):
 *
 *   stored (pending) ──claimDue──▶ leased ──close──▶ processed | ignored | unmatched | failed
 *                                    └──────close (retry later)──▶ pending, available again at a time
 */
import type { WebhookInboxStatus } from "@offerlab/core";
import { sql } from "kysely";
import { jsonb } from "../jsonb.js";
import type { DbOrTrx } from "../transaction.js";

export interface InboxStoreInput {
  provider: string;
  dedupeKey: string;
  eventType: string;
  /** The body as received (already parsed JSON). */
  payload: unknown;
  receivedAt?: Date;
  /**
   * Replace a row closed as `ignored` because its direction could not be told (its outcome starts
   * with `direction_unknown`) and process this copy again.
   */
  supersedeUndecided?: boolean;
}

/** A row `claimDue` leased. */
export interface InboxClaim {
  id: string;
  provider: string;
  dedupe_key: string;
  event_type: string;
  payload: unknown;
  /** Counting this claim. */
  attempts: number;
  received_at: Date;
}

export const webhookInbox = {
  /**
   * Stores one event (`INSERT … ON CONFLICT DO NOTHING`, or the undecided row superseded).
   * `stored: false` when the key was there already: a redelivery.
   */
  async store(db: DbOrTrx, input: InboxStoreInput): Promise<{ stored: boolean; id: string | null }> {
    const row = await db
      .insertInto("webhook_inbox")
      .values({
        provider: input.provider,
        dedupe_key: input.dedupeKey,
        event_type: input.eventType,
        payload: jsonb(input.payload as never),
        ...(input.receivedAt ? { received_at: input.receivedAt, available_at: input.receivedAt } : {}),
      })
      .onConflict((oc) =>
        input.supersedeUndecided
          ? oc
              .columns(["provider", "dedupe_key"])
              .doUpdateSet((eb) => ({
                payload: eb.ref("excluded.payload"),
                status: "pending",
                attempts: 0,
                processed_at: null,
                available_at: eb.ref("excluded.available_at"),
              }))
              .where("webhook_inbox.status", "=", "ignored")
              .where("webhook_inbox.outcome", "like", "direction_unknown%")
          : oc.columns(["provider", "dedupe_key"]).doNothing(),
      )
      .returning("id")
      .executeTakeFirst();
    return { stored: Boolean(row), id: row?.id ?? null };
  },

  /**
   * Leases up to `limit` due rows (`FOR UPDATE SKIP LOCKED`, then `locked_until`), counting an
   * attempt on each, and returns them in arrival order (received_at, then the provider's key: an
   * order that does not depend on our row ids, so a mail_sent comes before the reply that threads
   * on it and an open before the click).
   */
  async claimDue(db: DbOrTrx, claim: { now: Date; leaseMs: number; limit: number }): Promise<InboxClaim[]> {
    const t = claim.now;
    const claimed = await sql<InboxClaim>`
      UPDATE webhook_inbox SET locked_until = ${new Date(t.getTime() + claim.leaseMs)}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM webhook_inbox
        WHERE status = 'pending' AND available_at <= ${t} AND (locked_until IS NULL OR locked_until < ${t})
        ORDER BY received_at, provider, dedupe_key, id
        LIMIT ${claim.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, provider, dedupe_key, event_type, payload, attempts, received_at`.execute(db);
    // UPDATE … RETURNING does not keep the subquery's order.
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return claimed.rows.sort(
      (a, b) =>
        new Date(a.received_at).getTime() - new Date(b.received_at).getTime() ||
        cmp(a.provider, b.provider) ||
        cmp(a.dedupe_key, b.dedupe_key) ||
        cmp(a.id, b.id),
    );
  },

  /**
   * Ends a claim: `pending` puts the row back, available again at `retryAt`; any other status
   * closes it at `at`. Only a row still pending is changed.
   */
  async close(
    db: DbOrTrx,
    id: string,
    result: { status: Exclude<WebhookInboxStatus, "pending">; at: Date } | { status: "pending"; retryAt: Date },
    note: { outcome: string; error: string | null },
  ): Promise<void> {
    await db
      .updateTable("webhook_inbox")
      .set({
        status: result.status,
        outcome: note.outcome,
        error: note.error,
        locked_until: null,
        ...(result.status === "pending" ? { available_at: result.retryAt } : { processed_at: result.at }),
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .execute();
  },
};
