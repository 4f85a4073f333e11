/**
 * What a run did, read back from the database: an offer's funnel (companies, contacts), a
 * campaign's sends and outcomes, and the records the send path's invariants can be checked against
 * after the fact (attempts per queue row, account usage against limits, send times, the books).
 * The demo reports these; anything that wants the same facts reads them here.
 */
import type { Campaign } from "./aggregates/campaigns.js";
import type { DbOrTrx } from "./transaction.js";

const n = (v: unknown) => Number(v ?? 0);

/** Counts per key of rows grouped by a column (a `null` key is counted under `"?"`). */
function byKey<K extends string>(rows: readonly { key: K | null; n: unknown }[]): Partial<Record<K | "?", number>> {
  const out: Partial<Record<K | "?", number>> = {};
  for (const r of rows) out[r.key ?? "?"] = n(r.n);
  return out;
}

export const runFacts = {
  /** An offer's companies (found, qualified) and contacts (found, valid and risky emails, with a LinkedIn URL, do-not-contact). */
  async offerFunnel(db: DbOrTrx, offerId: string) {
    const companies = await db
      .selectFrom("companies")
      .select((eb) => [
        eb.fn.countAll<number>().as("found"),
        // Qualified by fit: `qualified`, or any status the lifecycle moves a qualified company on to
        // (contacted, responded, meeting, converted, rejected); not `new` or `disqualified`.
        eb.fn
          .sum<number>(
            eb
              .case()
              .when("status", "in", ["qualified", "contacted", "responded", "meeting", "converted", "rejected"])
              .then(1)
              .else(0)
              .end(),
          )
          .as("qualified"),
      ])
      .where("offer_id", "=", offerId)
      .executeTakeFirstOrThrow();
    const contacts = await db
      .selectFrom("contacts")
      .select((eb) => [
        eb.fn.countAll<number>().as("found"),
        eb.fn.sum<number>(eb.case().when("email_status", "=", "valid").then(1).else(0).end()).as("valid"),
        eb.fn.sum<number>(eb.case().when("email_status", "=", "risky").then(1).else(0).end()).as("risky"),
        eb.fn.sum<number>(eb.case().when("linkedin_url", "is not", null).then(1).else(0).end()).as("linkedin"),
        eb.fn.sum<number>(eb.case().when("global_status", "=", "do_not_contact").then(1).else(0).end()).as("dnc"),
      ])
      .where("offer_id", "=", offerId)
      .executeTakeFirstOrThrow();
    return {
      companies: { found: n(companies.found), qualified: n(companies.qualified) },
      contacts: {
        found: n(contacts.found),
        validEmails: n(contacts.valid),
        riskyEmails: n(contacts.risky),
        linkedin: n(contacts.linkedin),
        doNotContact: n(contacts.dnc),
      },
    };
  },

  /** A campaign's messages that left (by action type), its enrolment and what its contacts did, and its replies by sentiment. */
  async campaignOutcomes(db: DbOrTrx, campaignId: string) {
    const sent = await db
      .selectFrom("messages")
      .select(["action_type as key", (eb) => eb.fn.countAll<number>().as("n")])
      .where("campaign_id", "=", campaignId)
      .where("status", "in", ["sent", "delivered", "opened", "clicked", "replied"])
      .groupBy("action_type")
      .execute();
    const cc = await db
      .selectFrom("campaign_contacts")
      .select((eb) => [
        eb.fn.countAll<number>().as("enrolled"),
        eb.fn.sum<number>(eb.case().when("connected_at", "is not", null).then(1).else(0).end()).as("accepted"),
        eb.fn.sum<number>(eb.case().when("opened", "=", true).then(1).else(0).end()).as("opened"),
        eb.fn.sum<number>(eb.case().when("replied", "=", true).then(1).else(0).end()).as("replied"),
        eb.fn.sum<number>(eb.case().when("status", "=", "bounced").then(1).else(0).end()).as("bounced"),
        eb.fn.sum<number>(eb.case().when("status", "=", "unsubscribed").then(1).else(0).end()).as("unsubscribed"),
      ])
      .where("campaign_id", "=", campaignId)
      .executeTakeFirstOrThrow();
    const sentiments = await db
      .selectFrom("campaign_contacts")
      .select(["reply_sentiment as key", (eb) => eb.fn.countAll<number>().as("n")])
      .where("campaign_id", "=", campaignId)
      .where("reply_sentiment", "is not", null)
      .groupBy("reply_sentiment")
      .execute();
    return {
      sentByAction: byKey(sent),
      enrolled: n(cc.enrolled),
      accepted: n(cc.accepted),
      opened: n(cc.opened),
      replied: n(cc.replied),
      bounced: n(cc.bounced),
      unsubscribed: n(cc.unsubscribed),
      repliesBySentiment: byKey(sentiments),
    };
  },

  /** Credits spent on every provider call recorded in `tool_usage`. */
  async creditsSpent(db: DbOrTrx): Promise<number> {
    const credits = await db
      .selectFrom("tool_usage")
      .select((eb) => eb.fn.sum<number>("credits_used").as("credits"))
      .executeTakeFirstOrThrow();
    return n(credits.credits);
  },

  /**
   * A campaign's send attempts that may have reached the provider (sent, sending or unknown), by
   * action type, and how many of its queue rows have more than one `sent` attempt.
   */
  async sendAttempts(db: DbOrTrx, campaignId: string) {
    const recorded = await db
      .selectFrom("send_attempts as a")
      .innerJoin("send_queue as q", "q.id", "a.send_queue_id")
      .select(["a.action_type as key", (eb) => eb.fn.countAll<number>().as("n")])
      .where("q.campaign_id", "=", campaignId)
      .where("a.status", "in", ["sent", "sending", "unknown"])
      .groupBy("a.action_type")
      .execute();
    const twice = await db
      .selectFrom("send_attempts")
      .select("send_queue_id")
      .where("status", "=", "sent")
      .where("send_queue_id", "in", (eb) => eb.selectFrom("send_queue").select("id").where("campaign_id", "=", campaignId))
      .groupBy("send_queue_id")
      .having((eb) => eb.fn.countAll(), ">", 1)
      .execute();
    return { byAction: byKey(recorded), queueRowsSentTwice: twice.length };
  },

  /** Every account's usage per period (`account_usage`) beside its configured limits. */
  accountUsage(db: DbOrTrx) {
    return db
      .selectFrom("account_usage as u")
      .innerJoin("accounts as a", "a.id", "u.account_id")
      .select([
        "a.name",
        "u.period",
        "u.action",
        "u.used",
        "a.hourly_limit",
        "a.daily_limit_connections",
        "a.daily_limit_messages",
        "a.daily_limit_emails",
      ])
      .execute();
  },

  /** A campaign and when each of its messages left. */
  async sendTimes(db: DbOrTrx, campaignId: string): Promise<{ campaign: Campaign; sentAt: Date[] }> {
    const campaign = await db.selectFrom("campaigns").selectAll().where("id", "=", campaignId).executeTakeFirstOrThrow();
    const rows = await db
      .selectFrom("messages")
      .select("sent_at")
      .where("campaign_id", "=", campaignId)
      .where("sent_at", "is not", null)
      .execute();
    return { campaign, sentAt: rows.map((m) => m.sent_at!) };
  },

  /**
   * A campaign's books (`campaign_performance`: messages sent, of which delivered, people who
   * replied) beside what its rows say: bounced messages and contacts who replied.
   */
  async books(db: DbOrTrx, campaignId: string) {
    const perf = await db
      .selectFrom("campaign_performance")
      .select(["total_sent", "total_delivered", "total_replied"])
      .where("id", "=", campaignId)
      .executeTakeFirst();
    const bounced = await db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaign_id", "=", campaignId)
      .where("status", "=", "bounced")
      .executeTakeFirstOrThrow();
    const replied = await db
      .selectFrom("campaign_contacts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaign_id", "=", campaignId)
      .where("replied", "=", true)
      .executeTakeFirstOrThrow();
    return {
      totalSent: n(perf?.total_sent),
      totalDelivered: n(perf?.total_delivered),
      totalReplied: n(perf?.total_replied),
      bouncedMessages: n(bounced.n),
      repliedContacts: n(replied.n),
    };
  },

  /**
   * A campaign's meetings: the books (`campaign_performance.total_meetings` and its meeting rate)
   * beside the outcomes log (meeting_booked outcomes, the distinct people they are for, and how
   * many came from Cal.com), so a caller can check the counter counts each person once.
   */
  async meetings(db: DbOrTrx, campaignId: string) {
    const perf = await db
      .selectFrom("campaign_performance")
      .select(["total_meetings", "current_meeting_rate"])
      .where("id", "=", campaignId)
      .executeTakeFirst();
    const booked = await db
      .selectFrom("outcomes")
      .select((eb) => [
        eb.fn.countAll<number>().as("outcomes"),
        eb.fn.count<number>("contact_id").distinct().as("people"),
        eb.fn.sum<number>(eb.case().when("source", "=", "cal_com").then(1).else(0).end()).as("calcom"),
      ])
      .where("campaign_id", "=", campaignId)
      .where("kind", "=", "meeting_booked")
      .executeTakeFirstOrThrow();
    return {
      totalMeetings: n(perf?.total_meetings),
      meetingRate:
        perf?.current_meeting_rate === null || perf?.current_meeting_rate === undefined ? null : Number(perf.current_meeting_rate),
      bookedOutcomes: n(booked.outcomes),
      bookedPeople: n(booked.people),
      fromCalcom: n(booked.calcom),
    };
  },
};
