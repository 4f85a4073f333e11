/**
 * tx2 of a send that happened (part of step 6, settle): recording it in one transaction fenced by
 * the attempt id. Used by the runner after a successful call and by the reconciler when the
 * provider confirms a send.
 */
import type { MessageActionType } from "@offerlab/core";
import { accounts, campaignContacts, campaignMetrics, companies, contacts, outreachHistory, sendQueue } from "@offerlab/db";
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

    const message = await sendQueue.messageSent(trx, row, { accountId, action, externalId, threadId, at: now });
    const messageId = message?.id;

    // The event, the person's history and the account's activity: one statement (issue 19: fewer
    // round trips per send), three inserts that depend on nothing but the fence above.
    const keys = personKeys(contact);
    await trx
      .with("event", (qc) =>
        sendQueue
          .eventInsert(qc, {
            queueId: row.id,
            contactId: row.contact_id,
            campaignId: row.campaign_id,
            accountId,
            type: "sent",
            data: { attempt_id: attemptId, ...providerIds },
          })
          .returning("id"),
      )
      .with("history", (qc) =>
        outreachHistory
          .sendInsert(qc, {
            email: keys.email,
            linkedin: keys.linkedin,
            contactId: contact.id,
            campaignId: campaign.id,
            offerId: campaign.offer_id,
            accountId,
            queueId: row.id,
            channel: row.channel,
            subject: row.subject,
            body: row.body,
            variant: message?.variant ?? null,
            at: now,
          })
          .returning("id"),
      )
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
    // the limits themselves are enforced on account_usage. Delivered until a bounce says otherwise.
    await accounts.countSent(trx, accountId, { action, at: now });

    // The campaign contact before the person's contact rows: the order of every writer (a reply,
    // an opt-out, a bounce, the planner), so none of them deadlocks with this transaction.
    let firstOfPerson = false;
    if (row.campaign_contact_id) {
      const step = row.sequence_step ?? 1;
      const progressed = await campaignContacts.recordStepSent(trx, row.campaign_contact_id, {
        step,
        action,
        accountId,
        providerIds,
        at: now,
      });
      firstOfPerson = progressed?.touches === 1;
    }

    // Per-offer tracking on this contact row; global tracking on every row of the same person.
    await lockPersonRows(
      trx,
      ctx.person.map((p) => p.id),
    );
    await contacts.markContacted(trx, {
      contactId: contact.id,
      personIds: ctx.person.map((p) => p.id),
      at: now,
    });
    // The company's lifecycle: contacted on the first send to anyone there (forward only).
    if (contact.company_id) await companies.markContacted(trx, contact.company_id);

    await campaignMetrics.countSend(trx, { campaignId: campaign.id, offerId: campaign.offer_id, firstOfPerson, at: now });
    return true;
  });
}
