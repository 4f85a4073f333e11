/**
 * tx2 of a send that happened (part of step 6, settle): recording it in one transaction fenced by
 * the attempt id. Used by the runner after a successful call and by the reconciler when the
 * provider confirms a send.
 */
import type { MessageActionType } from "@offerlab/core";
import { campaignMetrics, companies, jsonb } from "@offerlab/db";
import { sql } from "kysely";
import { lockPersonRows, personKeys, type SendContext } from "./context.js";
import { attemptSent, moveAttempt } from "./attempts.js";
import type { Resolved } from "./options.js";
import { lockAccount } from "./quota.js";
import { markSent } from "./queue.js";

/**
 * Records a send. Returns false when the attempt was no longer open (`sending` or `unknown`):
 * someone already recorded it, and nothing is written twice. A runner whose attempt the reaper
 * moved to `unknown` may still record it: a definite success is the truth.
 */
export async function recordSent(
  o: Pick<Resolved, "db" | "crashAt">,
  input: {
    ctx: SendContext;
    attemptId: string;
    action: MessageActionType;
    providerIds: Record<string, string | null>;
    now: Date;
    info: { queueId: string; attemptId: string };
    evidence?: string;
  },
): Promise<boolean> {
  const { ctx, attemptId, action, providerIds, now } = input;
  const { row, campaign, contact } = ctx;
  return o.db.transaction().execute(async (trx) => {
    // Lock order, everywhere: the account row before its attempts. A claim holds the account row
    // when it inserts an attempt, so taking the attempt first here could deadlock with it.
    if (row.account_id) await lockAccount(trx, row.account_id);
    const fenced = await moveAttempt(trx, attemptId, attemptSent(now, providerIds, input.evidence));
    if (!fenced) return false;
    await o.crashAt?.("during_record", input.info);
    const accountId = fenced.accountId;
    const externalId = providerIds.message_id ?? providerIds.invitation_id ?? providerIds.email_id ?? providerIds.tracking_id ?? null;
    const threadId = providerIds.chat_id ?? providerIds.email_id ?? null;

    await markSent(trx, row.id, { attemptId, externalId, now });

    const message = await trx
      .updateTable("messages")
      .set({ status: "sent", sent_at: now, external_id: externalId, thread_id: threadId, account_id: accountId, error_message: null })
      .where("send_queue_id", "=", row.id)
      .returning(["id", "variant"])
      .executeTakeFirst();
    let messageId = message?.id;
    if (!messageId && row.campaign_contact_id) {
      const inserted = await trx
        .insertInto("messages")
        .values({
          campaign_contact_id: row.campaign_contact_id,
          campaign_id: row.campaign_id,
          contact_id: row.contact_id,
          account_id: accountId,
          send_queue_id: row.id,
          channel: row.channel,
          action_type: action,
          sequence_step: row.sequence_step ?? 1,
          subject: row.subject,
          body: row.body,
          external_id: externalId,
          thread_id: threadId,
          status: "sent",
          scheduled_at: row.scheduled_for,
          sent_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      messageId = inserted.id;
    }

    await trx
      .insertInto("message_events")
      .values({
        send_queue_id: row.id,
        contact_id: row.contact_id,
        campaign_id: row.campaign_id,
        account_id: accountId,
        event_type: "sent",
        event_data: jsonb({ attempt_id: attemptId, ...providerIds }),
      })
      .execute();

    const keys = personKeys(contact);
    await trx
      .insertInto("outreach_history")
      .values({
        contact_email: keys.email,
        contact_linkedin_url: keys.linkedin,
        contact_id: contact.id,
        campaign_id: campaign.id,
        offer_id: campaign.offer_id,
        account_id: accountId,
        send_queue_id: row.id,
        channel: row.channel,
        message_subject: row.subject,
        message_body: row.body,
        sent_at: now,
        variant: message?.variant ?? null,
      })
      .execute();

    await trx
      .insertInto("account_activity")
      .values({
        account_id: accountId,
        message_id: messageId ?? null,
        contact_id: contact.id,
        action_type: action,
        status: "success",
        created_at: now,
      })
      .execute();

    // The document's today_* counters (for its views) restart at the first send of a new UTC day;
    // the limits themselves are enforced on account_usage.
    const counter = action === "inmail" ? "message" : action;
    const sameDay = sql<boolean>`(today_last_action_at IS NOT NULL AND date_trunc('day', today_last_action_at AT TIME ZONE 'UTC') = date_trunc('day', ${now}::timestamptz AT TIME ZONE 'UTC'))`;
    const bump = (col: "today_connections" | "today_messages" | "today_emails", mine: boolean) =>
      mine
        ? sql<number>`CASE WHEN ${sameDay} THEN ${sql.ref(col)} + 1 ELSE 1 END`
        : sql<number>`CASE WHEN ${sameDay} THEN ${sql.ref(col)} ELSE 0 END`;
    await trx
      .updateTable("accounts")
      .set({
        today_connections: bump("today_connections", counter === "connection_request"),
        today_messages: bump("today_messages", counter === "message"),
        today_emails: bump("today_emails", counter === "email"),
        today_last_action_at: now,
        total_sent: sql<number>`total_sent + 1`,
        // Until a bounce says otherwise (events.ts takes it back).
        total_delivered: sql<number>`total_delivered + 1`,
      })
      .where("id", "=", accountId)
      .execute();

    // The campaign contact before the person's contact rows: the order of every writer (a reply,
    // an opt-out, a bounce, the planner), so none of them deadlocks with this transaction.
    let firstOfPerson = false;
    if (row.campaign_contact_id) {
      const step = row.sequence_step ?? 1;
      const progressed = await trx
        .updateTable("campaign_contacts")
        .set((eb) => ({
          current_step: sql<number>`GREATEST(current_step, ${step})`,
          touches: eb("touches", "+", 1),
          last_step_at: now,
          started_at: sql<Date>`COALESCE(started_at, ${now}::timestamptz)`,
          status: sql<"waiting">`CASE WHEN status IN ('queued', 'in_progress', 'waiting') THEN 'waiting' ELSE status END`,
          // The planner decides the next step from here (conditions, delays, max touches).
          next_step_at: now,
          ...(action === "email"
            ? {
                email_account_id: sql<string>`COALESCE(email_account_id, ${accountId}::uuid)`,
                // The vendor's email id of the first email, when the send returned it (Unipile
                // returns a tracking id only; the id comes with the mail_sent webhook or a lookup).
                email_thread_ref: sql<string>`COALESCE(email_thread_ref, ${providerIds.email_id ?? null})`,
              }
            : {
                linkedin_account_id: sql<string>`COALESCE(linkedin_account_id, ${accountId}::uuid)`,
                linkedin_provider_id: sql<string>`COALESCE(linkedin_provider_id, ${providerIds.provider_id ?? null})`,
                ...(providerIds.chat_id ? { linkedin_chat_id: providerIds.chat_id } : {}),
                ...(action === "connection_request" ? { invitation_sent_at: now } : {}),
              }),
        }))
        .where("id", "=", row.campaign_contact_id)
        .returning("touches")
        .executeTakeFirst();
      firstOfPerson = progressed?.touches === 1;
    }

    // Per-offer tracking on this contact row; global tracking on every row of the same person.
    await lockPersonRows(
      trx,
      ctx.person.map((p) => p.id),
    );
    await trx
      .updateTable("contacts")
      .set({
        already_contacted: true,
        last_contacted_at: now,
        contact_count: sql<number>`contact_count + 1`,
        status: sql<"contacted">`CASE WHEN status IN ('new', 'enriched', 'ready', 'queued') THEN 'contacted' ELSE status END`,
      })
      .where("id", "=", contact.id)
      .execute();
    await trx
      .updateTable("contacts")
      .set({
        global_last_contacted_at: now,
        global_contact_count: sql<number>`global_contact_count + 1`,
        global_status: sql<"cooling_off">`CASE WHEN global_status = 'available' THEN 'cooling_off' ELSE global_status END`,
      })
      .where(
        "id",
        "in",
        ctx.person.map((p) => p.id),
      )
      .execute();
    // The company's lifecycle: contacted on the first send to anyone there (forward only).
    if (contact.company_id) await companies.markContacted(trx, contact.company_id);

    await campaignMetrics.countSend(trx, { campaignId: campaign.id, offerId: campaign.offer_id, firstOfPerson, at: now });
    return true;
  });
}
