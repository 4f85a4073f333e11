/**
 * tx2 of a send that happened (part of step 6, settle): recording it in one transaction fenced by
 * the attempt id. Used by the runner after a successful call and by the reconciler when the
 * provider confirms a send.
 */
import type { MessageActionType } from "@offerlab/core";
import { accounts, campaignContacts, campaignMetrics, companies, contacts, outreachHistory, sendQueue } from "@offerlab/db";
import { sql } from "kysely";
import { lockPersonRows, personKeys, type SendContext } from "./context.js";
import { attemptSent, moveAttemptQuery } from "./attempts.js";
import type { Resolved } from "./options.js";
import { lockAccount } from "./quota.js";

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
  const keys = personKeys(contact);
  const externalId = providerIds.message_id ?? providerIds.invitation_id ?? providerIds.email_id ?? providerIds.tracking_id ?? null;
  const threadId = providerIds.chat_id ?? providerIds.email_id ?? null;
  const personIds = ctx.person.map((p) => p.id);
  return o.db.transaction().execute(async (trx) => {
    // Lock order, everywhere: the account row before its attempts. A claim holds the account row
    // when it inserts an attempt, so taking the attempt first here could deadlock with it.
    if (row.account_id) await lockAccount(trx, row.account_id);
    // Then the campaign contact and the person's rows, lowest id first (one statement): the order of
    // every writer (a reply, an opt-out, a bounce, the planner), so none of them deadlocks with us.
    await lockPersonRows(trx, personIds, { campaignContactId: row.campaign_contact_id });

    // Everything else is one statement (issue 19): the fenced attempt update first, and every write
    // waits for it (`fence`: the attempt moved), so a lost fence writes nothing. Data-modifying CTEs
    // share one snapshot and cannot see each other's writes: no row is written twice here.
    const fence = sql<boolean>`EXISTS (SELECT 1 FROM fenced)`;
    const accountId = sql<string>`(SELECT account_id FROM fenced)`;
    const message = sendQueue.messageSentFragments(trx, row.id, { accountId, action, externalId, threadId, at: now }, fence);
    const step = row.campaign_contact_id
      ? campaignContacts.recordStepSentQuery(
          trx,
          row.campaign_contact_id,
          { step: row.sequence_step ?? 1, action, accountId, providerIds, at: now },
          fence,
        )
      : null;
    // The company's lifecycle: contacted on the first send to anyone there (forward only).
    const company = contact.company_id ? companies.markContactedQuery(trx, contact.company_id, fence) : null;
    // The campaign's counters wait for the company's update (locks in the order of the writes they
    // replace: company, campaign, offer); `contacts_sent` moves on the person's first touch here.
    const metrics = campaignMetrics.countSendQueries(
      trx,
      {
        campaignId: campaign.id,
        offerId: campaign.offer_id,
        firstOfPerson: step ? sql<boolean>`EXISTS (SELECT 1 FROM step WHERE touches = 1)` : false,
        at: now,
      },
      company ? sql<boolean>`EXISTS (SELECT 1 FROM fenced LEFT JOIN company ON true)` : fence,
    );
    const { rows } = await sql<{ account_id: string }>`/* send-path:record */
      WITH fenced AS (${moveAttemptQuery(trx, attemptId, attemptSent(now, providerIds, input.evidence))}),
      queue AS (${sendQueue.markSentQuery(trx, row.id, { attemptId, externalId, now }, fence)}),
      message_update AS (${message.update}),
      message_insert AS (${message.insert}),
      message AS (SELECT id, variant FROM message_update UNION ALL SELECT id, variant FROM message_insert),
      event AS (${sendQueue.eventInsertWhen(
        {
          queueId: row.id,
          contactId: row.contact_id,
          campaignId: row.campaign_id,
          accountId,
          type: "sent",
          data: { attempt_id: attemptId, ...providerIds },
        },
        fence,
      )}),
      history AS (${outreachHistory.sendInsertWhen(
        {
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
          variant: sql<string | null>`(SELECT variant FROM message)`,
          at: now,
        },
        fence,
      )}),
      activity AS (
        INSERT INTO account_activity (account_id, message_id, contact_id, action_type, status, created_at)
        SELECT f.account_id, (SELECT id FROM message), ${contact.id}::uuid, ${action}::text, 'success', ${now}::timestamptz FROM fenced f
        RETURNING id),
      -- The document's today_* counters (for its views) restart at the first send of a new UTC day;
      -- the limits themselves are enforced on account_usage. Delivered until a bounce says otherwise.
      account AS (${accounts.countSentQuery(trx, accountId, { action, at: now }, fence)}),
      step AS (${step ?? sql`SELECT NULL::int AS touches WHERE false`}),
      -- Per-offer tracking on this contact row; global tracking on every row of the person.
      person AS (${contacts.markContactedQuery(trx, { contactId: contact.id, personIds, at: now }, fence)}),
      company AS (${company ?? sql`SELECT NULL::uuid AS id WHERE false`}),
      campaign AS (${metrics.campaign}),
      offer AS (${metrics.offer("campaign")})
      SELECT account_id FROM fenced`.execute(trx);
    if (!rows[0]) return false;
    // A crash here (tests) rolls the whole recording back: the attempt stays open for the reaper.
    await o.crashAt?.("during_record", input.info);
    return true;
  });
}
