/**
 * What a demo run did, read back from the database, and the checks of DESIGN.md's invariants that
 * can be made after the fact — against the database and against the provider's own record (the
 * sandbox's journal of requests and the Unipile fake's state).
 */
import type { Db } from "@offerlab/db";
import type { Sandbox } from "@offerlab/sandbox";
import { isInWindow, windowFromCampaign } from "@offerlab/scheduler";

export interface DemoCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DemoFacts {
  companies: { found: number; qualified: number };
  contacts: { found: number; validEmails: number; riskyEmails: number; linkedin: number };
  enrolled: number;
  sent: { invitations: number; dms: number; emails: number; total: number };
  accepted: number;
  opened: number;
  replies: Record<string, number>;
  repliedContacts: number;
  unsubscribed: number;
  bounced: number;
  outOfOffice: number;
  creditsSpent: number;
  providerRequests: number;
  checks: DemoCheck[];
}

const n = (v: unknown) => Number(v ?? 0);

export async function demoFacts(db: Db, input: { offerId: string; campaignId: string; sandbox: Sandbox }): Promise<DemoFacts> {
  const { offerId, campaignId, sandbox } = input;
  const companies = await db
    .selectFrom("companies")
    .select((eb) => [eb.fn.countAll<number>().as("found"), eb.fn.sum<number>(eb.case().when("status", "=", "qualified").then(1).else(0).end()).as("qualified")])
    .where("offer_id", "=", offerId)
    .executeTakeFirstOrThrow();
  const contacts = await db
    .selectFrom("contacts")
    .select((eb) => [
      eb.fn.countAll<number>().as("found"),
      eb.fn.sum<number>(eb.case().when("email_status", "=", "valid").then(1).else(0).end()).as("valid"),
      eb.fn.sum<number>(eb.case().when("email_status", "=", "risky").then(1).else(0).end()).as("risky"),
      eb.fn.sum<number>(eb.case().when("linkedin_url", "is not", null).then(1).else(0).end()).as("linkedin"),
    ])
    .where("offer_id", "=", offerId)
    .executeTakeFirstOrThrow();
  const sent = await db
    .selectFrom("messages")
    .select(["action_type", (eb) => eb.fn.countAll<number>().as("n")])
    .where("campaign_id", "=", campaignId)
    .where("status", "in", ["sent", "delivered", "opened", "clicked", "replied"])
    .groupBy("action_type")
    .execute();
  const by = Object.fromEntries(sent.map((r) => [r.action_type ?? "?", n(r.n)]));
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
    .select(["reply_sentiment", (eb) => eb.fn.countAll<number>().as("n")])
    .where("campaign_id", "=", campaignId)
    .where("reply_sentiment", "is not", null)
    .groupBy("reply_sentiment")
    .execute();
  const replies = Object.fromEntries(sentiments.map((r) => [r.reply_sentiment!, n(r.n)]));
  const dnc = await db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("offer_id", "=", offerId)
    .where("global_status", "=", "do_not_contact")
    .executeTakeFirstOrThrow();
  const credits = await db
    .selectFrom("tool_usage")
    .select((eb) => eb.fn.sum<number>("credits_used").as("credits"))
    .executeTakeFirstOrThrow();

  return {
    companies: { found: n(companies.found), qualified: n(companies.qualified) },
    contacts: { found: n(contacts.found), validEmails: n(contacts.valid), riskyEmails: n(contacts.risky), linkedin: n(contacts.linkedin) },
    enrolled: n(cc.enrolled),
    sent: {
      invitations: by.connection_request ?? 0,
      dms: (by.message ?? 0) + (by.inmail ?? 0),
      emails: by.email ?? 0,
      total: Object.values(by).reduce((a, b) => a + b, 0),
    },
    accepted: n(cc.accepted),
    opened: n(cc.opened),
    replies,
    repliedContacts: n(cc.replied),
    unsubscribed: Math.max(n(cc.unsubscribed), n(dnc.n)),
    bounced: n(cc.bounced),
    outOfOffice: replies.ooo ?? 0,
    creditsSpent: Math.round(n(credits.credits) * 100) / 100,
    providerRequests: sandbox.journal.length,
    checks: await invariantChecks(db, campaignId, sandbox),
  };
}

/** Checks that hold after any run: each against what the provider itself saw. */
export async function invariantChecks(db: Db, campaignId: string, sandbox: Sandbox): Promise<DemoCheck[]> {
  const checks: DemoCheck[] = [];

  // 1. At most one real send per queue row: what reached the provider equals what we recorded.
  const journal = sandbox.journal.filter((e) => e.provider === "unipile" && e.method === "POST");
  const reached = {
    invitations: journal.filter((e) => e.path === "/users/invite").length,
    messages: journal.filter((e) => e.path === "/chats" || /^\/chats\/[^/]+\/messages$/.test(e.path)).length,
    emails: journal.filter((e) => e.path === "/emails").length,
  };
  // This run's sandbox saw only this campaign's sends (a database can hold earlier demo runs).
  const recorded = await db
    .selectFrom("send_attempts as a")
    .innerJoin("send_queue as q", "q.id", "a.send_queue_id")
    .select(["a.action_type", (eb) => eb.fn.countAll<number>().as("n")])
    .where("q.campaign_id", "=", campaignId)
    .where("a.status", "in", ["sent", "sending", "unknown"])
    .groupBy("a.action_type")
    .execute();
  const rec = Object.fromEntries(recorded.map((r) => [r.action_type, n(r.n)]));
  const ours = { invitations: rec.connection_request ?? 0, messages: (rec.message ?? 0) + (rec.inmail ?? 0), emails: rec.email ?? 0 };
  const twice = await db
    .selectFrom("send_attempts")
    .select("send_queue_id")
    .where("status", "=", "sent")
    .where("send_queue_id", "in", (eb) => eb.selectFrom("send_queue").select("id").where("campaign_id", "=", campaignId))
    .groupBy("send_queue_id")
    .having((eb) => eb.fn.countAll(), ">", 1)
    .execute();
  const invitees = sandbox.journal.filter((e) => e.provider === "unipile" && e.method === "POST" && e.path === "/users/invite").map((e) => `${String(e.fields.account_id)}:${String(e.fields.provider_id)}`);
  const doubleInvites = invitees.length - new Set(invitees).size;
  checks.push({
    name: "no double send",
    ok: twice.length === 0 && doubleInvites === 0 && reached.invitations === ours.invitations && reached.messages === ours.messages && reached.emails === ours.emails,
    detail: `provider saw ${reached.invitations} invitations, ${reached.messages} messages, ${reached.emails} emails; we recorded ${ours.invitations}, ${ours.messages}, ${ours.emails}; ${twice.length} queue rows sent twice; ${doubleInvites} repeated invitations`,
  });

  // 2. No account over its hourly or configured daily limit.
  const over = await db
    .selectFrom("account_usage as u")
    .innerJoin("accounts as a", "a.id", "u.account_id")
    .select(["a.name", "u.period", "u.action", "u.used", "a.hourly_limit", "a.daily_limit_connections", "a.daily_limit_messages", "a.daily_limit_emails"])
    .execute();
  const overruns = over.filter((r) => {
    if (r.period === "hour") return r.used > r.hourly_limit;
    const limit = r.action === "connection_request" ? r.daily_limit_connections : r.action === "email" ? r.daily_limit_emails : r.daily_limit_messages;
    return r.used > limit;
  });
  checks.push({ name: "limits held", ok: overruns.length === 0, detail: overruns.length ? `${overruns.length} periods over a limit` : `${over.length} account periods, none over its limit` });

  // 3. Nothing sent outside the campaign's window, in its time zone.
  const campaign = await db.selectFrom("campaigns").selectAll().where("id", "=", campaignId).executeTakeFirstOrThrow();
  const window = windowFromCampaign(campaign);
  const sentAt = await db.selectFrom("messages").select("sent_at").where("campaign_id", "=", campaignId).where("sent_at", "is not", null).execute();
  const outside = sentAt.filter((m) => !isInWindow(window, m.sent_at!)).length;
  checks.push({ name: "send window", ok: outside === 0, detail: `${sentAt.length} sends, ${outside} outside ${campaign.send_window_start}–${campaign.send_window_end} ${campaign.timezone}` });

  // 4. The books match what actually left: the schema counts a bounced email apart from total_sent.
  const perf = await db.selectFrom("campaign_performance").select(["total_sent", "total_replied"]).where("id", "=", campaignId).executeTakeFirst();
  const bouncedMessages = await db.selectFrom("messages").select((eb) => eb.fn.countAll<number>().as("n")).where("campaign_id", "=", campaignId).where("status", "=", "bounced").executeTakeFirstOrThrow();
  const repliedCc = await db.selectFrom("campaign_contacts").select((eb) => eb.fn.countAll<number>().as("n")).where("campaign_id", "=", campaignId).where("replied", "=", true).executeTakeFirstOrThrow();
  const booked = n(perf?.total_sent);
  const bounced = n(bouncedMessages.n);
  checks.push({
    name: "books match sends",
    ok: booked + bounced === sentAt.length && n(perf?.total_replied) === n(repliedCc.n),
    detail: `campaign_performance: ${booked} sent + ${bounced} bounced = ${sentAt.length} messages that left; ${n(perf?.total_replied)} replied`,
  });
  return checks;
}
