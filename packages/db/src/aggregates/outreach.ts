/**
 * Outreach history: one row per touch of a person (`outreach_history`), kept by person keys
 * (normalised email, LinkedIn URL) as well as by contact row, so the cooling-off rule and `why`
 * see our last touch across every offer. The only module that writes it (a test greps packages and
 * apps for any other writer): the send path records a send, a reply and a bounce mark it.
 */
import type { MessageChannel, ReplySentiment } from "@offerlab/core";
import { sql, type Expression, type SqlBool } from "kysely";
import type { DbOrTrx } from "../transaction.js";

export interface OutreachSendInput {
  /** The person's keys (normalised), so the touch counts for every row of the person. */
  email: string | null;
  linkedin: string | null;
  contactId: string;
  campaignId: string;
  offerId: string;
  accountId: string;
  /** The send-queue row sent; null only for a touch written outside the send path (test worlds). */
  queueId: string | null;
  channel: MessageChannel;
  subject: string | null;
  body: string | null;
  /** The template variant sent (experiments), when any. */
  variant: string | null;
  at: Date;
}

export const outreachHistory = {
  /** A touch's insert, unexecuted (test worlds write a touch with it; the send path uses `sendInsertWhen`). */
  sendInsert(qc: Pick<DbOrTrx, "insertInto">, input: OutreachSendInput) {
    return qc.insertInto("outreach_history").values({
      contact_email: input.email,
      contact_linkedin_url: input.linkedin,
      contact_id: input.contactId,
      campaign_id: input.campaignId,
      offer_id: input.offerId,
      account_id: input.accountId,
      send_queue_id: input.queueId,
      channel: input.channel,
      message_subject: input.subject,
      message_body: input.body,
      sent_at: input.at,
      variant: input.variant,
    });
  },

  /**
   * `sendInsert` as a fragment (`INSERT … SELECT … RETURNING id`) that writes only when `gate`
   * holds (the send path's record: the fence). `accountId` and `variant` may be expressions (the
   * fenced attempt's account, the variant of the message the same statement marked sent).
   */
  sendInsertWhen(
    input: Omit<OutreachSendInput, "accountId" | "variant"> & {
      accountId: string | Expression<string>;
      variant: string | null | Expression<string | null>;
    },
    gate: Expression<SqlBool>,
  ) {
    return sql<{ id: string }>`INSERT INTO outreach_history (contact_email, contact_linkedin_url, contact_id, campaign_id, offer_id,
        account_id, send_queue_id, channel, message_subject, message_body, sent_at, variant)
      SELECT ${input.email}::text, ${input.linkedin}::text, ${input.contactId}::uuid, ${input.campaignId}::uuid, ${input.offerId}::uuid,
        ${input.accountId}::uuid, ${input.queueId}::uuid, ${input.channel}::text, ${input.subject}::text, ${input.body}::text,
        ${input.at}::timestamptz, ${input.variant}::text
      WHERE ${gate}
      RETURNING id`;
  },

  /**
   * The person answered in this campaign: every touch of theirs in it (by contact row or by their
   * keys) not yet marked replied is marked so, with the time and sentiment.
   */
  async markReplied(
    db: DbOrTrx,
    input: {
      campaignId: string;
      contactId: string;
      email: string | null;
      linkedin: string | null;
      sentiment: ReplySentiment | null;
      at: Date;
    },
  ): Promise<void> {
    await db
      .updateTable("outreach_history")
      .set({ status: "replied", replied_at: input.at, reply_sentiment: input.sentiment })
      .where("campaign_id", "=", input.campaignId)
      .where((eb) =>
        eb.or([
          eb("contact_id", "=", input.contactId),
          ...(input.email ? [eb("contact_email", "=", input.email)] : []),
          ...(input.linkedin ? [eb("contact_linkedin_url", "=", input.linkedin)] : []),
        ]),
      )
      .where("replied_at", "is", null)
      .execute();
  },

  /** The send of queue row `queueId` bounced. */
  async markBounced(db: DbOrTrx, queueId: string): Promise<void> {
    await db.updateTable("outreach_history").set({ status: "bounced" }).where("send_queue_id", "=", queueId).execute();
  },

  /**
   * An account's sends since `since` and how many of them bounced (the bounce auto-pause reads it):
   * `rate` in percent rounded to two decimals, null when nothing was sent.
   */
  async bounceStats(db: DbOrTrx, accountId: string, since: Date): Promise<{ sent: number; bounced: number; rate: number | null }> {
    const row = await db
      .selectFrom("outreach_history")
      .select([sql<number>`count(*)::int`.as("sent"), sql<number>`count(*) FILTER (WHERE status = 'bounced')::int`.as("bounced")])
      .where("account_id", "=", accountId)
      .where("sent_at", ">=", since)
      .executeTakeFirst();
    const sent = row?.sent ?? 0;
    const bounced = row?.bounced ?? 0;
    return { sent, bounced, rate: sent > 0 ? Math.round((bounced / sent) * 10_000) / 100 : null };
  },
};
