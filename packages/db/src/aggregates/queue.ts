/**
 * The queue aggregate: the only module that writes `send_queue` (a test greps packages and apps
 * for any other writer), with the `messages` and `message_events` rows that belong to a queue
 * row (the only writer of `message_events` too: the runtime adds an event with `recordEvent`).
 * Callers name the transition; they never write the column. The send path's transitions
 * (plan, defer, claim, settle, reconcile, stop) are called by the scheduler's runtime; a
 * person's admin actions (a cancelled campaign, an account taken off a campaign, a window
 * changed) are called by the campaigns aggregate. Every time a transition writes is passed in.
 *
 *   pending ──claim──▶ processing ──sent──▶ sent ──bounced──▶ bounced
 *      ▲  │                 ├──retry (a passing refusal) ──▶ pending
 *      │  │                 ├──requeue (claim expired, reconciled "not sent") ──▶ pending
 *      │  │                 ├──fail (final refusal, max attempts, outcome undetermined) ──▶ failed
 *      │  │                 ├──skip (nothing to do: already connected) ──▶ skipped
 *      │  │                 └──cancel (a reply, an opt-out, a bounce before the call) ──▶ cancelled
 *      │  ├──defer (waits, with its reason) ──▶ pending
 *      │  ├──skip / cancel (never to be sent, with its reason) ──▶ skipped | cancelled
 *      └──┘
 */
import type { MessageEventType, ReplySentiment } from "@offerlab/core";
import { sql, type Expression, type Insertable, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import type { DbOrTrx } from "../transaction.js";
import { chunks } from "./shared.js";

/** One `message_events` row, as `sendQueue.recordEvent` writes it. */
export interface MessageEventInput {
  queueId: string;
  contactId: string;
  campaignId: string;
  accountId: string | null;
  type: MessageEventType;
  /** The event's facts (provider ids, reason, …), stored as JSONB. */
  data: Record<string, unknown>;
  /** A reply's text and sentiment (`replied` events). */
  reply?: { text: string | null; sentiment: ReplySentiment | null };
  /** When it happened. Omitted: the database's time. */
  at?: Date;
}

/** The columns of a queue row a skip writes its event with. */
export interface QueueRowRef {
  id: string;
  contact_id: string;
  campaign_id: string;
  account_id: string | null;
}

type MessageStatus = "pending" | "queued" | "sending" | "sent" | "failed";

export const sendQueue = {
  /**
   * Plans many sends at once (the planner's batch): one multi-row INSERT with `ON CONFLICT DO NOTHING` on
   * the unique key (campaign_contact_id, sequence_step): a step is queued once. Returns the ids of the rows inserted by
   * `campaign_contact_id|sequence_step`; a step already queued is absent.
   */
  async enqueueMany(db: DbOrTrx, rows: readonly Insertable<Database["send_queue"]>[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (rows.length === 0) return out;
    const inserted = await db
      .insertInto("send_queue")
      .values([...rows])
      .onConflict((oc) => oc.columns(["campaign_contact_id", "sequence_step"]).doNothing())
      .returning(["id", "campaign_contact_id", "sequence_step"])
      .execute();
    for (const r of inserted) out.set(`${r.campaign_contact_id}|${r.sequence_step ?? 0}`, r.id);
    return out;
  },

  /** The planner's batch: the messages of the queue rows it just inserted, in one multi-row insert. */
  async insertPlannedMessages(db: DbOrTrx, messages: readonly Insertable<Database["messages"]>[]): Promise<void> {
    if (messages.length)
      await db
        .insertInto("messages")
        .values([...messages])
        .execute();
  },

  /** The row waits until `until`, for `reason`. Only a row still waiting to be claimed moves. */
  async defer(db: DbOrTrx, queueId: string, reason: string, until: Date): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ scheduled_for: until, defer_reason: reason })
      .where("id", "=", queueId)
      .where("status", "in", ["pending", "scheduled"])
      .execute();
  },

  /**
   * `defer` for a reason that holds every row of the campaign and account alike at this instant
   * (the campaign's send window, closed: it depends on the campaign's time zone only, never on the
   * recipient's): the row and, in the same statement, the account's other rows of the campaign
   * due at `now` wait until `until`, so a closed window costs one claim per campaign and account
   * instead of one per row (issue 19). Rows another transaction holds are skipped, not waited for;
   * a row without an account moves alone. Returns how many rows moved.
   */
  async deferWithDueSiblings(
    db: DbOrTrx,
    row: { id: string; campaign_id: string; account_id: string | null },
    hold: { reason: string; until: Date; now: Date },
  ): Promise<number> {
    const res = await sql`
      UPDATE send_queue SET scheduled_for = ${hold.until}::timestamptz, defer_reason = ${hold.reason}
      WHERE status IN ('pending', 'scheduled')
        AND (id = ${row.id}::uuid OR id IN (
          SELECT id FROM send_queue
          WHERE campaign_id = ${row.campaign_id}::uuid AND account_id = ${row.account_id}::uuid
            AND status IN ('pending', 'scheduled') AND scheduled_for <= ${hold.now}::timestamptz
          FOR UPDATE SKIP LOCKED))`.execute(db);
    return Number(res.numAffectedRows ?? 0);
  },

  /**
   * The person's waiting rows in a campaign wait at least until `until` (an out-of-office reply);
   * the window check runs again then.
   */
  async holdRowsOfCampaignContact(db: DbOrTrx, campaignContactId: string, hold: { until: Date; reason: string }): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ scheduled_for: sql<Date>`GREATEST(scheduled_for, ${hold.until}::timestamptz)`, defer_reason: hold.reason })
      .where("campaign_contact_id", "=", campaignContactId)
      .where("status", "in", ["pending", "scheduled"])
      .execute();
  },

  /**
   * The row will never be sent: it ends `skipped` or `cancelled` with its reason, at `now`, its
   * planned message failed and a `skipped` event written. With `releaseAttempt`, it also lets go
   * of its attempt (a skip found by the provider call, after the claim).
   */
  async skip(
    db: DbOrTrx,
    row: QueueRowRef,
    reason: string,
    status: "skipped" | "cancelled",
    now: Date,
    options: { releaseAttempt?: boolean } = {},
  ): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({
        status,
        defer_reason: reason,
        last_error: reason,
        ended_at: now,
        ...(options.releaseAttempt ? { current_attempt_id: null } : {}),
      })
      .where("id", "=", row.id)
      .execute();
    // `sending` too: a skip the provider call found (already connected) comes after the claim
    // marked the message sending, and must not leave it there.
    await db
      .updateTable("messages")
      .set({ status: "failed", error_message: `not sent: ${reason}` })
      .where("send_queue_id", "=", row.id)
      .where("status", "in", ["pending", "queued", "sending"])
      .execute();
    await db
      .insertInto("message_events")
      .values({
        send_queue_id: row.id,
        contact_id: row.contact_id,
        campaign_id: row.campaign_id,
        account_id: row.account_id,
        event_type: "skipped",
        event_data: jsonb({ reason, at: now.toISOString() }),
        created_at: now,
      })
      .execute();
  },

  /** Claimed: an attempt is open for the row (`processing`), counted, at `now`. */
  async markProcessing(db: DbOrTrx, queueId: string, attemptId: string, now: Date): Promise<void> {
    await db
      .updateTable("send_queue")
      .set((eb) => ({
        status: "processing",
        current_attempt_id: attemptId,
        attempts: eb("attempts", "+", 1),
        last_attempt_at: now,
        defer_reason: null,
      }))
      .where("id", "=", queueId)
      .execute();
  },

  /**
   * `markProcessing` and `messageSending` as fragments for one statement (the send path's
   * `reserveAndOpen`): the row is marked with the attempt the CTE `attempt` (columns `id`) opened,
   * and only when it opened one; `messages` the same way.
   */
  processingFragments(queueId: string, attempt: string, now: Date) {
    const att = sql.table(attempt);
    return {
      queue: sql`UPDATE send_queue SET status = 'processing', current_attempt_id = a.id, attempts = attempts + 1,
          last_attempt_at = ${now}::timestamptz, defer_reason = NULL
        FROM ${att} AS a WHERE send_queue.id = ${queueId}::uuid
        RETURNING send_queue.id`,
      message: sql`UPDATE messages SET status = 'sending'
        WHERE send_queue_id = ${queueId}::uuid AND status IN ('pending', 'queued') AND EXISTS (SELECT 1 FROM ${att})
        RETURNING id`,
    };
  },

  /** Sent, by the attempt `attemptId`, at `now`. */
  async markSent(db: DbOrTrx, queueId: string, input: { attemptId: string; externalId: string | null; now: Date }): Promise<void> {
    await sendQueue.markSentQuery(db, queueId, input).execute();
  },

  /**
   * `markSent`'s update, unexecuted: for a CTE of a larger statement (the send path's record), with
   * `gate` a condition the update waits for (the fence: nothing moves when it did not pass).
   */
  markSentQuery(
    db: Pick<DbOrTrx, "updateTable">,
    queueId: string,
    input: { attemptId: string; externalId: string | null; now: Date },
    gate?: Expression<SqlBool>,
  ) {
    const update = db
      .updateTable("send_queue")
      .set({
        status: "sent",
        sent_at: input.now,
        external_message_id: input.externalId,
        defer_reason: null,
        last_error: null,
        current_attempt_id: input.attemptId,
      })
      .where("id", "=", queueId);
    return (gate ? update.where(gate) : update).returning("id");
  },

  /** The attempt's outcome is unknown: the row stays `processing` (never re-queued directly); its last error says why. */
  async noteUnknownOutcome(db: DbOrTrx, queueId: string, reason: string): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ last_error: `unknown outcome: ${reason}` })
      .where("id", "=", queueId)
      .execute();
  },

  /** A passing refusal: the row is tried again at `at`. `reason` is the provider's. */
  async retry(db: DbOrTrx, queueId: string, input: { reason: string; error: string; at: Date }): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ status: "pending", scheduled_for: input.at, last_error: input.error, defer_reason: input.reason, current_attempt_id: null })
      .where("id", "=", queueId)
      .execute();
  },

  /**
   * Back to the queue with nothing sent (a claim whose lease lapsed before the call, a send the
   * reconciler proved never happened), only from `processing`.
   */
  async requeue(db: DbOrTrx, queueId: string, input: { reason: string; error?: string }): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({
        status: "pending",
        current_attempt_id: null,
        defer_reason: input.reason,
        ...(input.error !== undefined ? { last_error: input.error, ended_at: null } : {}),
      })
      .where("id", "=", queueId)
      .where("status", "=", "processing")
      .execute();
  },

  /**
   * Failed for good at `now`: a final refusal (`reason` is then the provider's), every attempt
   * used, or an outcome the provider could not tell. With `onlyIfProcessing`, only from `processing`.
   */
  async fail(db: DbOrTrx, queueId: string, input: { reason: string; error: string; now: Date; onlyIfProcessing?: boolean }): Promise<void> {
    let update = db
      .updateTable("send_queue")
      .set({ status: "failed", defer_reason: input.reason, last_error: input.error, current_attempt_id: null, ended_at: input.now })
      .where("id", "=", queueId);
    if (input.onlyIfProcessing) update = update.where("status", "=", "processing");
    await update.execute();
  },

  /**
   * Cancels the person's rows not yet claimed (`pending`, `scheduled`), in one campaign or (null)
   * every campaign, for `reason`, at `at`. Returns their ids.
   */
  async cancelWaitingRows(
    db: DbOrTrx,
    scope: { contactIds: readonly string[]; campaignId: string | null; reason: string; at: Date },
  ): Promise<string[]> {
    let update = db
      .updateTable("send_queue")
      .set({ status: "cancelled", defer_reason: scope.reason, ended_at: scope.at })
      .where("contact_id", "in", [...scope.contactIds])
      .where("status", "in", ["pending", "scheduled"]);
    if (scope.campaignId) update = update.where("campaign_id", "=", scope.campaignId);
    return (await update.returning("id").execute()).map((r) => r.id);
  },

  /** Cancels a claimed row whose attempt was cancelled before its call, for `reason`, at `at`. */
  async cancelClaimedRow(db: DbOrTrx, queueId: string, reason: string, at: Date): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ status: "cancelled", defer_reason: reason, current_attempt_id: null, ended_at: at })
      .where("id", "=", queueId)
      .execute();
  },

  /** A sent (or delivered) row whose email bounced. */
  async markBounced(db: DbOrTrx, queueId: string): Promise<void> {
    await db
      .updateTable("send_queue")
      .set({ status: "bounced" })
      .where("id", "=", queueId)
      .where("status", "in", ["sent", "delivered"])
      .execute();
  },

  /**
   * The row's message was sent, as two fragments of one statement (the send path's record), each acting only
   * when `gate` holds (the fence): `update` marks the planned message sent (`RETURNING id, variant`);
   * `insert` writes one from the queue row when the row has no message and has a campaign contact
   * (`RETURNING id, variant`, a null variant). Exactly one of them returns a row when the row has
   * a campaign contact: both read the statement's snapshot, so they never touch one row twice.
   * `accountId` may be an expression (the fenced attempt's account).
   */
  messageSentFragments(
    db: Pick<DbOrTrx, "updateTable">,
    queueId: string,
    sent: {
      accountId: string | Expression<string>;
      action: NonNullable<Insertable<Database["messages"]>["action_type"]>;
      externalId: string | null;
      threadId: string | null;
      at: Date;
    },
    gate: Expression<SqlBool>,
  ) {
    const update = db
      .updateTable("messages")
      .set({
        status: "sent",
        sent_at: sent.at,
        external_id: sent.externalId,
        thread_id: sent.threadId,
        account_id: sent.accountId,
        error_message: null,
      })
      .where("send_queue_id", "=", queueId)
      .where(gate)
      .returning(["id", "variant"]);
    const insert = sql<{ id: string; variant: string | null }>`INSERT INTO messages (campaign_contact_id, campaign_id, contact_id,
        account_id, send_queue_id, channel, action_type, sequence_step, subject, body, external_id, thread_id, status, scheduled_at, sent_at)
      SELECT q.campaign_contact_id, q.campaign_id, q.contact_id, ${sent.accountId}::uuid, q.id, q.channel, ${sent.action}::text,
        COALESCE(q.sequence_step, 1), q.subject, q.body, ${sent.externalId}::text, ${sent.threadId}::text, 'sent', q.scheduled_for,
        ${sent.at}::timestamptz
      FROM send_queue q
      WHERE q.id = ${queueId}::uuid AND q.campaign_contact_id IS NOT NULL AND ${gate}
        AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.send_queue_id = q.id)
      RETURNING id, NULL::text AS variant`;
    return { update, insert };
  },

  /** The provider's thread of the row's message, learnt after the send (`mail_sent`); returns its campaign contact and send time (none without a message). */
  async messageThreaded(
    db: DbOrTrx,
    queueId: string,
    threadId: string,
  ): Promise<Pick<Selectable<Database["messages"]>, "campaign_contact_id" | "sent_at"> | undefined> {
    return db
      .updateTable("messages")
      .set({ thread_id: threadId })
      .where("send_queue_id", "=", queueId)
      .returning(["campaign_contact_id", "sent_at"])
      .executeTakeFirst();
  },

  /** The message was opened (or clicked, which implies an open) at `at`: the first time of each is kept. */
  async messageEngaged(db: DbOrTrx, messageId: string, input: { at: Date; clicked: boolean }): Promise<void> {
    await db
      .updateTable("messages")
      .set({
        opened_at: sql<Date>`coalesce(opened_at, ${input.at}::timestamptz)`,
        ...(input.clicked ? { clicked_at: sql<Date>`coalesce(clicked_at, ${input.at}::timestamptz)` } : {}),
      })
      .where("id", "=", messageId)
      .execute();
  },

  /** The person answered the message at `at` (the first reply only); returns its account when this was the first reply. */
  async messageReplied(
    db: DbOrTrx,
    messageId: string,
    reply: { at: Date; text: string; sentiment: Selectable<Database["messages"]>["reply_sentiment"] },
  ): Promise<{ account_id: string } | undefined> {
    return db
      .updateTable("messages")
      .set({ replied_at: reply.at, reply_text: reply.text, reply_sentiment: reply.sentiment })
      .where("id", "=", messageId)
      .where("replied_at", "is", null)
      .returning("account_id")
      .executeTakeFirst();
  },

  /** The message bounced (a delivery failure notice with `subject`). Returns false when it was already bounced. */
  async messageBounced(db: DbOrTrx, messageId: string, subject: string): Promise<boolean> {
    const changed = await db
      .updateTable("messages")
      .set({ status: "bounced", error_message: `bounced: ${subject.slice(0, 200)}` })
      .where("id", "=", messageId)
      .where("status", "<>", "bounced")
      .returning("id")
      .executeTakeFirst();
    return Boolean(changed);
  },

  /** The row's planned message is in flight (the claim): `pending` or `queued` → `sending`. */
  async messageSending(db: DbOrTrx, queueId: string): Promise<void> {
    await db
      .updateTable("messages")
      .set({ status: "sending" })
      .where("send_queue_id", "=", queueId)
      .where("status", "in", ["pending", "queued"])
      .execute();
  },

  /** The row's message back to `queued` after nothing was sent (a retry, an expired claim, a reconciled "not sent"): only from `sending`. */
  async messageRequeued(db: DbOrTrx, queueId: string): Promise<void> {
    await db
      .updateTable("messages")
      .set({ status: "queued" })
      .where("send_queue_id", "=", queueId)
      .where("status", "=", "sending")
      .execute();
  },

  /**
   * The messages of these rows failed: with `error` (absent: the message keeps its error), from
   * the statuses in `from` (absent: whatever their status).
   */
  async messagesFailed(
    db: DbOrTrx,
    queueIds: readonly string[],
    input: { error?: string; from?: readonly MessageStatus[] } = {},
  ): Promise<void> {
    if (queueIds.length === 0) return;
    let update = db
      .updateTable("messages")
      .set({ status: "failed", ...(input.error !== undefined ? { error_message: input.error } : {}) })
      .where("send_queue_id", "in", [...queueIds]);
    if (input.from) update = update.where("status", "in", [...input.from]);
    await update.execute();
  },

  /**
   * Cancels a campaign's queue rows not yet claimed (`pending`, `scheduled`): status `cancelled`
   * with `reason` as `defer_reason` and `detail` as `last_error`, ended at `at`; their planned
   * messages are marked failed and each gets a `skipped` event saying why. A row already claimed
   * finishes (its attempt is fenced). Returns how many rows were cancelled. Run it in the
   * transaction that stops the campaign.
   */
  async cancelCampaign(db: DbOrTrx, campaignId: string, why: { reason: "campaign_not_active"; detail: string; at: Date }): Promise<number> {
    return cancelUnclaimed(db, campaignId, null, why);
  },

  /**
   * Cancels a campaign's queue rows not yet claimed whose account is one of `accountIds` (accounts
   * taken off the campaign), the way {@link sendQueue.cancelCampaign} cancels them: `cancelled`
   * with the reason, planned messages failed, a `skipped` event each. The copy of a planned row
   * was rendered for its sender, so it is not handed to another account. Returns the count.
   */
  async cancelRowsOfAccounts(
    db: DbOrTrx,
    campaignId: string,
    accountIds: readonly string[],
    why: { reason: "sender_unavailable"; detail: string; at: Date },
  ): Promise<number> {
    if (accountIds.length === 0) return 0;
    return cancelUnclaimed(db, campaignId, accountIds, why);
  },

  /**
   * The rows of a campaign not yet claimed whose sender is one of `accountIds` (accounts being taken
   * off the campaign, `campaignAdmin.changeSettings`), each with what a move to another account
   * needs: the contact's sticky senders and whether anything went to the person from that account
   * already (a message of it with a send time, or another row of it claimed or past the claim).
   */
  async unclaimedRowsOfAccounts(
    db: DbOrTrx,
    campaignId: string,
    accountIds: readonly string[],
  ): Promise<
    {
      id: string;
      campaign_contact_id: string | null;
      contact_id: string;
      account_id: string;
      action_type: string | null;
      sequence_step: number | null;
      defer_reason: string | null;
      template_id: string | null;
      email_account_id: string | null;
      linkedin_account_id: string | null;
      wentFromAccount: boolean;
    }[]
  > {
    if (accountIds.length === 0) return [];
    const rows = await db
      .selectFrom("send_queue as q")
      .leftJoin("messages as m", "m.send_queue_id", "q.id")
      .leftJoin("campaign_contacts as cc", "cc.id", "q.campaign_contact_id")
      .where("q.campaign_id", "=", campaignId)
      .where("q.status", "in", ["pending", "scheduled"])
      .where("q.account_id", "in", [...accountIds])
      .select([
        "q.id",
        "q.campaign_contact_id",
        "q.contact_id",
        sql<string>`q.account_id`.as("account_id"),
        "q.action_type",
        "q.sequence_step",
        "q.defer_reason",
        "m.template_id",
        "cc.email_account_id",
        "cc.linkedin_account_id",
        sql<boolean>`(EXISTS (SELECT 1 FROM messages x WHERE x.campaign_contact_id = q.campaign_contact_id
            AND x.account_id = q.account_id AND x.sent_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM send_queue y WHERE y.campaign_contact_id = q.campaign_contact_id AND y.id <> q.id
            AND y.account_id = q.account_id AND y.status NOT IN ('pending', 'scheduled', 'cancelled', 'skipped')))`.as("wentFromAccount"),
      ])
      .orderBy("q.scheduled_for")
      .orderBy("q.id")
      .execute();
    return rows.map((r) => ({ ...r, wentFromAccount: Boolean(r.wentFromAccount) }));
  },

  /**
   * What rendering the copy of queue rows again needs (a row moved to another sender): per row,
   * its planned message's template, the person, their company and the campaign's offer.
   */
  async renderInputs(
    db: DbOrTrx,
    queueIds: readonly string[],
  ): Promise<
    Map<
      string,
      {
        template: Selectable<Database["message_templates"]> | null;
        contact: Selectable<Database["contacts"]>;
        company: Selectable<Database["companies"]> | null;
        offer: Selectable<Database["offers"]> | null;
      }
    >
  > {
    const out = new Map<
      string,
      {
        template: Selectable<Database["message_templates"]> | null;
        contact: Selectable<Database["contacts"]>;
        company: Selectable<Database["companies"]> | null;
        offer: Selectable<Database["offers"]> | null;
      }
    >();
    if (queueIds.length === 0) return out;
    const rows = await db
      .selectFrom("send_queue as q")
      .innerJoin("campaigns as c", "c.id", "q.campaign_id")
      .leftJoin("messages as m", "m.send_queue_id", "q.id")
      .select(["q.id", "q.contact_id", "m.template_id", "c.offer_id"])
      .where("q.id", "in", [...queueIds])
      .execute();
    const ids = <T>(xs: (T | null)[]) => [...new Set(xs.filter((x): x is T => x !== null))];
    const templateIds = ids(rows.map((r) => r.template_id));
    const templates = templateIds.length
      ? await db.selectFrom("message_templates").selectAll().where("id", "in", templateIds).execute()
      : [];
    const people = await db
      .selectFrom("contacts")
      .selectAll()
      .where("id", "in", ids(rows.map((r) => r.contact_id)))
      .execute();
    const companyIds = ids(people.map((p) => p.company_id));
    const firms = companyIds.length ? await db.selectFrom("companies").selectAll().where("id", "in", companyIds).execute() : [];
    const offers = await db
      .selectFrom("offers")
      .selectAll()
      .where("id", "in", ids(rows.map((r) => r.offer_id)))
      .execute();
    for (const r of rows) {
      const contact = people.find((p) => p.id === r.contact_id);
      if (!contact) continue;
      out.set(r.id, {
        template: templates.find((t) => t.id === r.template_id) ?? null,
        contact,
        company: firms.find((f) => f.id === contact.company_id) ?? null,
        offer: offers.find((o) => o.id === r.offer_id) ?? null,
      });
    }
    return out;
  },

  /**
   * A row not yet claimed goes out from another account (its own was taken off the campaign): the
   * sender, and the copy rendered again for that sender, on the row and its planned message. A row
   * deferred for its old account (a cap, a gap, a paused account) is due at `now`, for the claim to
   * judge it afresh. Returns false when the row was claimed meanwhile (nothing moves).
   */
  async moveToAccount(
    db: DbOrTrx,
    queueId: string,
    input: { accountId: string; subject: string | null; body: string; personalization: unknown; now: Date },
  ): Promise<boolean> {
    const moved = await db
      .updateTable("send_queue")
      .set({
        account_id: input.accountId,
        subject: input.subject,
        body: input.body,
        scheduled_for: sql<Date>`CASE WHEN defer_reason IS NULL THEN scheduled_for ELSE ${input.now}::timestamptz END`,
        defer_reason: null,
      })
      .where("id", "=", queueId)
      .where("status", "in", ["pending", "scheduled"])
      .returning("id")
      .executeTakeFirst();
    if (!moved) return false;
    await db
      .updateTable("messages")
      .set({
        account_id: input.accountId,
        subject: input.subject,
        body: input.body,
        personalization_used: sql`CAST(CAST(${JSON.stringify(input.personalization ?? {})} AS text) AS jsonb)` as never,
      })
      .where("send_queue_id", "=", queueId)
      .where("status", "in", ["pending", "queued"])
      .execute();
    return true;
  },

  /**
   * The rows of a campaign contact held for a human (`defer_reason` `out_of_office` or `paused`,
   * not yet claimed) are due at `now` again: the person un-paused the sequence. The claim judges
   * them as any other row (window, caps, eligibility). Returns how many rows moved.
   */
  async releaseHeldRows(db: DbOrTrx, campaignContactId: string, now: Date): Promise<number> {
    const rows = await db
      .updateTable("send_queue")
      .set({ scheduled_for: now, defer_reason: null })
      .where("campaign_contact_id", "=", campaignContactId)
      .where("status", "in", ["pending", "scheduled"])
      .where("defer_reason", "in", ["out_of_office", "paused"])
      .returning("id")
      .execute();
    return rows.length;
  },

  /**
   * Rows of a campaign waiting for its window to open (`defer_reason` `window_closed`, not yet
   * claimed) are due at `now` again, so the claim judges them by the campaign's current window
   * (and defers them to its next opening, jittered, when it is still closed). Run it in the
   * transaction that changes the window. `reasons`: the deferrals to judge again (default the
   * window's; a changed daily cap adds `campaign_daily_cap`). Returns how many rows moved.
   */
  async rejudgeWindow(
    db: DbOrTrx,
    campaignId: string,
    now: Date,
    reasons: readonly ("window_closed" | "campaign_daily_cap")[] = ["window_closed"],
  ): Promise<number> {
    if (reasons.length === 0) return 0;
    const rows = await db
      .updateTable("send_queue")
      .set({ scheduled_for: now })
      .where("campaign_id", "=", campaignId)
      .where("status", "in", ["pending", "scheduled"])
      .where("defer_reason", "in", [...reasons])
      .where("scheduled_for", ">", now)
      .returning("id")
      .execute();
    return rows.length;
  },

  // -------------------------------------------------------------------------------------------
  // The row's events (`message_events`): what happened to a queued send, one row per fact.

  /**
   * Records one event of a queue row: sent, failed (a final refusal, an undetermined outcome),
   * replied, unsubscribed, bounced, opened, clicked. `at` omitted: the database's time.
   */
  async recordEvent(db: DbOrTrx, event: MessageEventInput): Promise<void> {
    await sendQueue.eventInsert(db, event).execute();
  },

  /** `recordEvent`'s insert, unexecuted: for a CTE of a larger statement (`db.with(…, (qc) => …)`). */
  eventInsert(qc: Pick<DbOrTrx, "insertInto">, event: MessageEventInput) {
    return qc.insertInto("message_events").values({
      send_queue_id: event.queueId,
      contact_id: event.contactId,
      campaign_id: event.campaignId,
      account_id: event.accountId,
      event_type: event.type,
      event_data: jsonb(event.data as never),
      ...(event.reply ? { reply_text: event.reply.text, reply_sentiment: event.reply.sentiment } : {}),
      ...(event.at ? { created_at: event.at } : {}),
    });
  },

  /**
   * `recordEvent`'s insert as a fragment (`INSERT … SELECT … RETURNING id`) that writes only when
   * `gate` holds (the send path's record: the fence). `accountId` may be an expression.
   */
  eventInsertWhen(
    event: Omit<MessageEventInput, "accountId" | "reply"> & { accountId: string | Expression<string> | null },
    gate: Expression<SqlBool>,
  ) {
    return sql<{
      id: string;
    }>`INSERT INTO message_events (send_queue_id, contact_id, campaign_id, account_id, event_type, event_data, created_at)
      SELECT ${event.queueId}::uuid, ${event.contactId}::uuid, ${event.campaignId}::uuid, ${event.accountId}::uuid, ${event.type}::text,
        ${jsonb(event.data)}, ${event.at ?? sql`now()`}::timestamptz
      WHERE ${gate}
      RETURNING id`;
  },

  /**
   * Records an event once per provider fact: nothing when the campaign already has an event of
   * this type whose data holds `once.key = once.value` (a webhook delivered twice, the inbox sync's
   * copy of it). Returns whether it wrote. The caller holds the campaign contact's lock.
   */
  async recordEventOnce(db: DbOrTrx, event: MessageEventInput, once: { key: string; value: string }): Promise<boolean> {
    const seen = await db
      .selectFrom("message_events")
      .select("id")
      .where("campaign_id", "=", event.campaignId)
      .where("event_type", "=", event.type)
      .where(sql<boolean>`event_data->>${once.key} = ${once.value}`)
      .limit(1)
      .executeTakeFirst();
    if (seen) return false;
    await sendQueue.recordEvent(db, event);
    return true;
  },
};

/** Cancels a campaign's rows not yet claimed (of `accountIds` only, when given); see `sendQueue.cancelCampaign`. */
async function cancelUnclaimed(
  db: DbOrTrx,
  campaignId: string,
  accountIds: readonly string[] | null,
  why: { reason: string; detail: string; at: Date },
): Promise<number> {
  let q = db
    .updateTable("send_queue")
    .set({ status: "cancelled", defer_reason: why.reason, last_error: why.detail, ended_at: why.at })
    .where("campaign_id", "=", campaignId)
    .where("status", "in", ["pending", "scheduled"]);
  if (accountIds) q = q.where("account_id", "in", [...accountIds]);
  const rows = await q.returning(["id", "contact_id", "account_id"]).execute();
  if (rows.length === 0) return 0;
  await db
    .updateTable("messages")
    .set({ status: "failed", error_message: `not sent: ${why.detail}` })
    .where(
      "send_queue_id",
      "in",
      rows.map((r) => r.id),
    )
    .where("status", "in", ["pending", "queued"])
    .execute();
  for (const part of chunks(rows)) {
    await db
      .insertInto("message_events")
      .values(
        part.map((r) => ({
          send_queue_id: r.id,
          contact_id: r.contact_id,
          campaign_id: campaignId,
          account_id: r.account_id,
          event_type: "skipped" as const,
          event_data:
            sql`CAST(CAST(${JSON.stringify({ reason: why.reason, detail: why.detail, at: why.at.toISOString() })} AS text) AS jsonb)` as never,
          created_at: why.at,
        })),
      )
      .execute();
  }
  return rows.length;
}
