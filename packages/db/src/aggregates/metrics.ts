/**
 * The counters aggregate: the denormalised totals and rates of `campaigns` and `offers` (and the
 * per-person engagement flags of `campaign_contacts` that feed them). What each counter counts is
 * defined once, in SQL, by `update_campaign_metrics` (migration `20261203174500_true_counters.sql`,
 * docs/schema-notes.md K2); every rate is per person, never per message.
 *
 * Two kinds of writes, both named for the fact:
 * - Transitions, in the transaction that records the fact (a send, a bounce, an open, a click):
 *   each moves a counter by one, guarded by the flag or status that the same fact flips, so a
 *   redelivered event counts once and two runners racing never lose an increment.
 * - Recomputations from the facts (`recomputeCampaign`, `recomputeOffers`), run by the cron's
 *   books job: idempotent, they also settle the stored rates whose denominator moved meanwhile.
 */
import { sql, type Expression, type SqlBool } from "kysely";
import type { DbOrTrx } from "../transaction.js";

/** People of a campaign who received at least one email (open_rate's denominator). */
const emailedPeople = (campaignId: string) => sql<number>`(
  SELECT count(*) FROM campaign_contacts cc
  WHERE cc.campaign_id = ${campaignId}::uuid
    AND EXISTS (SELECT 1 FROM messages m WHERE m.campaign_contact_id = cc.id AND m.sent_at IS NOT NULL AND m.channel = 'email'))`;

export const campaignMetrics = {
  /**
   * A message left: `total_sent` and `total_delivered` (until a bounce says otherwise) of the
   * campaign and `total_sent` of its offer move by one; `contacts_sent` moves when this was the
   * person's first message in the campaign. `first_send_at` / `last_send_at` follow.
   */
  async countSend(db: DbOrTrx, input: { campaignId: string; offerId: string; firstOfPerson: boolean; at: Date }): Promise<void> {
    // One statement (issue 19: fewer round trips per send). The offer's update waits for the
    // campaign's (its WHERE reads the CTE), so the rows are locked campaign first, as before.
    const q = campaignMetrics.countSendQueries(db, input);
    await sql`WITH campaign AS (${q.campaign}) ${q.offer("campaign")}`.execute(db);
  },

  /**
   * `countSend`'s two updates, unexecuted: for CTEs of a larger statement (the send path's
   * record). `campaign` (`RETURNING id`) waits for `gate` (the fence: nothing moves when it did
   * not pass); `offer(cte)` waits for the campaign's CTE named `cte`, so the rows are locked
   * campaign first. `firstOfPerson` may be an expression (the campaign contact's new touch count).
   */
  countSendQueries(
    db: Pick<DbOrTrx, "updateTable">,
    input: { campaignId: string; offerId: string; firstOfPerson: boolean | Expression<SqlBool>; at: Date },
    gate?: Expression<SqlBool>,
  ) {
    const first = input.firstOfPerson;
    const campaign = db
      .updateTable("campaigns")
      .set({
        total_sent: sql<number>`total_sent + 1`,
        total_delivered: sql<number>`total_delivered + 1`,
        ...(first === true
          ? { contacts_sent: sql<number>`contacts_sent + 1` }
          : first === false
            ? {}
            : { contacts_sent: sql<number>`contacts_sent + CASE WHEN ${first} THEN 1 ELSE 0 END` }),
        first_send_at: sql<Date>`COALESCE(first_send_at, ${input.at}::timestamptz)`,
        last_send_at: input.at,
      })
      .where("id", "=", input.campaignId);
    return {
      campaign: (gate ? campaign.where(gate) : campaign).returning("id"),
      offer: (cte: string) =>
        db
          .updateTable("offers")
          .set({ total_sent: sql<number>`total_sent + 1` })
          .where("id", "=", input.offerId)
          .where(sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(cte)})`),
    };
  },

  /**
   * A sent message bounced: it no longer counts as delivered. Call it once per message, in the
   * transaction that moves the message to `bounced` (the caller's guard).
   */
  async countBounce(db: DbOrTrx, campaignId: string): Promise<void> {
    await db
      .updateTable("campaigns")
      .set({ total_delivered: sql<number>`GREATEST(total_delivered - 1, 0)` })
      .where("id", "=", campaignId)
      .execute();
  },

  /**
   * An email of this campaign contact was opened (or clicked: a click implies an open, images
   * may be blocked). The person's first open moves `total_opened` and `open_rate`, the first click
   * `total_clicked`; later ones change nothing. Returns what moved.
   */
  async countEmailEngagement(
    db: DbOrTrx,
    input: { campaignContactId: string; clicked: boolean },
  ): Promise<{ firstOpen: boolean; firstClick: boolean }> {
    const opened = await db
      .updateTable("campaign_contacts")
      .set({ opened: true })
      .where("id", "=", input.campaignContactId)
      .where("opened", "=", false)
      .returning("campaign_id")
      .executeTakeFirst();
    const clicked = input.clicked
      ? await db
          .updateTable("campaign_contacts")
          .set({ clicked: true })
          .where("id", "=", input.campaignContactId)
          .where("clicked", "=", false)
          .returning("campaign_id")
          .executeTakeFirst()
      : undefined;
    const campaignId = opened?.campaign_id ?? clicked?.campaign_id;
    if (campaignId) {
      await db
        .updateTable("campaigns")
        .set({
          ...(opened
            ? {
                total_opened: sql<number>`total_opened + 1`,
                open_rate: sql<number>`LEAST(ROUND((total_opened + 1)::numeric / NULLIF(${emailedPeople(campaignId)}, 0) * 100, 2), 999.99)`,
              }
            : {}),
          ...(clicked ? { total_clicked: sql<number>`total_clicked + 1` } : {}),
        })
        .where("id", "=", campaignId)
        .execute();
    }
    return { firstOpen: Boolean(opened), firstClick: Boolean(clicked) };
  },

  /**
   * A booked meeting of the person of this campaign: marks the campaign contact `meeting_booked`
   * and, when that flag flipped (the person's first meeting in the campaign), moves
   * `total_meetings` and `meeting_rate` of the campaign and `total_meetings` of its offer.
   * Returns whether the counters moved (false also when the person is not in the campaign).
   */
  async countMeeting(db: DbOrTrx, input: { campaignId: string; contactId: string; offerId: string | null }): Promise<boolean> {
    const flipped = await db
      .updateTable("campaign_contacts")
      .set({ meeting_booked: true })
      .where("campaign_id", "=", input.campaignId)
      .where("contact_id", "=", input.contactId)
      .where("meeting_booked", "=", false)
      .returning("id")
      .executeTakeFirst();
    if (!flipped) return false;
    const campaign = await db
      .updateTable("campaigns")
      .set({
        total_meetings: sql<number>`total_meetings + 1`,
        meeting_rate: sql<number>`CASE WHEN contacts_sent > 0 THEN LEAST(ROUND((total_meetings + 1)::numeric / contacts_sent * 100, 2), 999.99) END`,
      })
      .where("id", "=", input.campaignId)
      .returning("offer_id")
      .executeTakeFirst();
    // The campaign's offer: offers' totals are the sums of their campaigns'.
    const offerId = campaign?.offer_id ?? input.offerId;
    if (offerId) {
      await db
        .updateTable("offers")
        .set({ total_meetings: sql<number>`total_meetings + 1` })
        .where("id", "=", offerId)
        .execute();
    }
    return true;
  },

  /** Recomputes every counter and rate of one campaign from the facts (`update_campaign_metrics`). */
  async recomputeCampaign(db: DbOrTrx, campaignId: string): Promise<void> {
    await sql`SELECT update_campaign_metrics(${campaignId}::uuid)`.execute(db);
  },

  /**
   * Recomputes the offers' totals: companies and contacts counted, `total_sent`, `total_replies`
   * and `total_meetings` the sums of their campaigns' (run after `recomputeCampaign`).
   */
  async recomputeOffers(db: DbOrTrx): Promise<void> {
    await sql`
      UPDATE offers o SET
        total_companies = (SELECT count(*) FROM companies WHERE offer_id = o.id),
        total_contacts = (SELECT count(*) FROM contacts WHERE offer_id = o.id),
        total_sent = (SELECT coalesce(sum(total_sent), 0) FROM campaigns WHERE offer_id = o.id),
        total_replies = (SELECT coalesce(sum(total_replied), 0) FROM campaigns WHERE offer_id = o.id),
        total_meetings = (SELECT coalesce(sum(total_meetings), 0) FROM campaigns WHERE offer_id = o.id)`.execute(db);
  },
};

/** One account's sends over a window, as its health reads them. */
export interface AccountSendFacts {
  id: string;
  type: string;
  status: string;
  /** Messages sent (outreach_history rows). Bounce and spam rates divide by it. */
  sent: number;
  bounced: number;
  spam: number;
  /** People this account sent at least one message to: the reply rate's denominator. */
  people: number;
  /** Of those, people who answered a message of this account: each counts once, however many rows. */
  repliedPeople: number;
}

export const accountMetrics = {
  /**
   * Per account, what it sent since `since`: messages, bounces and spam reports per message; people
   * contacted and people who replied to this account per person. A reply marks every history row
   * of the person in the campaign, so counting rows would count one reply several times (and
   * credit accounts whose message was not the one answered): a person counts as replied to an
   * account when a message of that account sent in the window has a reply.
   */
  async sendFacts(db: DbOrTrx, since: Date): Promise<AccountSendFacts[]> {
    const { rows } = await sql<AccountSendFacts>`
      SELECT a.id, a.type, a.status,
        (SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= ${since})::int AS sent,
        (SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= ${since} AND h.status = 'bounced')::int AS bounced,
        (SELECT count(*) FROM outreach_history h WHERE h.account_id = a.id AND h.sent_at >= ${since} AND h.status = 'spam')::int AS spam,
        (SELECT count(DISTINCT coalesce(h.contact_id::text, h.contact_email, h.contact_linkedin_url)) FROM outreach_history h
          WHERE h.account_id = a.id AND h.sent_at >= ${since})::int AS people,
        (SELECT count(DISTINCT m.contact_id) FROM messages m
          WHERE m.account_id = a.id AND m.sent_at >= ${since} AND m.replied_at IS NOT NULL)::int AS "repliedPeople"
      FROM accounts a
      ORDER BY a.id`.execute(db);
    return rows;
  },
};
