/**
 * tx2 of a send that happened (part of step 6, settle): recording it in one statement fenced by
 * the attempt id. Used by the runner after a successful call and by the reconciler when the
 * provider confirms a send.
 */
import type { MessageActionType } from "@offerlab/core";
import { accounts, campaignContacts, campaignMetrics, companies, contacts, outreachHistory, sendQueue } from "@offerlab/db";
import { sql } from "kysely";
import { afterRecordLocks, personKeys, recordLocks, type SendContext } from "./context.js";
import { attemptSent, moveAttemptQuery } from "./attempts.js";
import type { Resolved } from "./options.js";

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
  const db = o.db;
  // One statement, committed alone (issue 19: it was a transaction of five round trips, and the
  // campaign's and offer's counter rows, which every send of a campaign updates, stayed locked
  // until a separate COMMIT came back from the runner). Its locks are taken in the order of every
  // writer, each waiting for the one before it (context.ts `recordLocks`): the account row
  // before its attempts (a claim holds the account row when it inserts an attempt, so taking the
  // attempt first could deadlock with it), then the campaign contact, then the person's rows,
  // lowest id first (the order of a reply, an opt-out, a bounce, the planner). The fenced attempt
  // update waits for those locks, and every write waits for it (`fence`: the attempt moved), so a
  // lost fence writes nothing. Data-modifying CTEs share one snapshot and cannot see each
  // other's writes: no row is written twice here.
  const fence = sql<boolean>`EXISTS (SELECT 1 FROM fenced)`;
  const accountId = sql<string>`(SELECT account_id FROM fenced)`;
  const message = sendQueue.messageSentFragments(db, row.id, { accountId, action, externalId, threadId, at: now }, fence);
  const step = row.campaign_contact_id
    ? campaignContacts.recordStepSentQuery(
        db,
        row.campaign_contact_id,
        { step: row.sequence_step ?? 1, action, accountId, providerIds, at: now },
        fence,
      )
    : null;
  // The company's lifecycle: contacted on the first send to anyone there (forward only).
  const company = contact.company_id ? companies.markContactedQuery(db, contact.company_id, fence) : null;
  // The campaign's counters wait for the company's update (locks in the order of the writes they
  // replace: company, campaign, offer); `contacts_sent` moves on the person's first touch here.
  const metrics = campaignMetrics.countSendQueries(
    db,
    {
      campaignId: campaign.id,
      offerId: campaign.offer_id,
      firstOfPerson: step ? sql<boolean>`EXISTS (SELECT 1 FROM step WHERE touches = 1)` : false,
      at: now,
    },
    company ? sql<boolean>`EXISTS (SELECT 1 FROM fenced LEFT JOIN company ON true)` : fence,
  );
  const statement = sql<{ account_id: string }>`/* send-path:record */
    WITH ${recordLocks({ accountId: row.account_id, campaignContactId: row.campaign_contact_id, personIds })},
    fenced AS (${moveAttemptQuery(db, attemptId, attemptSent(now, providerIds, input.evidence)).where(afterRecordLocks)}),
    queue AS (${sendQueue.markSentQuery(db, row.id, { attemptId, externalId, now }, fence)}),
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
    account AS (${accounts.countSentQuery(db, accountId, { action, at: now }, fence)}),
    step AS (${step ?? sql`SELECT NULL::int AS touches WHERE false`}),
    -- Per-offer tracking on this contact row; global tracking on every row of the person.
    person AS (${contacts.markContactedQuery(db, { contactId: contact.id, personIds, at: now }, fence)}),
    company AS (${company ?? sql`SELECT NULL::uuid AS id WHERE false`}),
    campaign AS (${metrics.campaign}),
    offer AS (${metrics.offer("campaign")})
    SELECT account_id FROM fenced`;
  if (!o.crashAt) return Boolean((await statement.execute(db)).rows[0]);
  // With a crash hook (tests), the same statement runs in a transaction and the hook is called
  // before its commit: a runner that dies there has written nothing (the whole recording rolls
  // back) and the attempt stays open for the reaper; a test can also meet the statement's locks
  // while they are held.
  return db.transaction().execute(async (trx) => {
    if (!(await statement.execute(trx)).rows[0]) return false;
    await o.crashAt!("during_record", input.info);
    return true;
  });
}
