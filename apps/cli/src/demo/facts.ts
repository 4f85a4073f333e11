/**
 * What a demo run did, read back from the database, and the checks of the send path's invariants (docs/architecture.md) that
 * can be made after the fact — against the database and against the provider's own record (the
 * sandbox's journal of requests and the Unipile fake's state).
 */
import { bookings, PROFILE_VIEWS_PER_DAY, runFacts, tools, type Db } from "@offerlab/db";
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
  /** Meetings booked through Cal.com and counted in `campaign_performance` (once per person). */
  meetings: { booked: number; people: number; fromCalcom: number; meetingRate: number | null; unmatched: number };
  creditsSpent: number;
  /** Credits left per tool, as the vendors reported them (`offerlab tools list`); tools without a known balance are left out. */
  creditsLeft: { tool: string; remaining: number }[];
  providerRequests: number;
  checks: DemoCheck[];
}

export async function demoFacts(db: Db, input: { offerId: string; campaignId: string; sandbox: Sandbox }): Promise<DemoFacts> {
  const { offerId, campaignId, sandbox } = input;
  const { companies, contacts } = await runFacts.offerFunnel(db, offerId);
  const cc = await runFacts.campaignOutcomes(db, campaignId);
  const by = cc.sentByAction;
  const replies: Record<string, number> = { ...cc.repliesBySentiment };

  return {
    companies,
    contacts: { found: contacts.found, validEmails: contacts.validEmails, riskyEmails: contacts.riskyEmails, linkedin: contacts.linkedin },
    enrolled: cc.enrolled,
    sent: {
      invitations: by.connection_request ?? 0,
      dms: (by.message ?? 0) + (by.inmail ?? 0),
      emails: by.email ?? 0,
      total: Object.values(by).reduce((a, b) => a + b, 0),
    },
    accepted: cc.accepted,
    opened: cc.opened,
    replies,
    repliedContacts: cc.replied,
    unsubscribed: Math.max(cc.unsubscribed, contacts.doNotContact),
    bounced: cc.bounced,
    outOfOffice: replies.ooo ?? 0,
    meetings: await meetingsOf(db, campaignId, sandbox),
    creditsSpent: Math.round((await runFacts.creditsSpent(db)) * 100) / 100,
    creditsLeft: (await tools.list(db))
      .filter((t) => t.credits_remaining !== null)
      .map((t) => ({ tool: t.name, remaining: t.credits_remaining as number })),
    providerRequests: sandbox.journal.length,
    checks: await invariantChecks(db, campaignId, sandbox),
  };
}

async function meetingsOf(db: Db, campaignId: string, sandbox: Sandbox): Promise<DemoFacts["meetings"]> {
  const m = await runFacts.meetings(db, campaignId);
  const uids = new Set(sandbox.bookings.map((b) => `${b.uid}:BOOKING_CREATED`));
  const unmatched = (await bookings.listUnmatched(db, { open: false })).filter((b) => uids.has(b.external_id)).length;
  return { booked: m.totalMeetings, people: m.bookedPeople, fromCalcom: m.fromCalcom, meetingRate: m.meetingRate, unmatched };
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
  const attempts = await runFacts.sendAttempts(db, campaignId);
  const rec = attempts.byAction;
  const ours = { invitations: rec.connection_request ?? 0, messages: (rec.message ?? 0) + (rec.inmail ?? 0), emails: rec.email ?? 0 };
  const invitees = sandbox.journal
    .filter((e) => e.provider === "unipile" && e.method === "POST" && e.path === "/users/invite")
    .map((e) => `${String(e.fields.account_id)}:${String(e.fields.provider_id)}`);
  const doubleInvites = invitees.length - new Set(invitees).size;
  checks.push({
    name: "no double send",
    ok:
      attempts.queueRowsSentTwice === 0 &&
      doubleInvites === 0 &&
      reached.invitations === ours.invitations &&
      reached.messages === ours.messages &&
      reached.emails === ours.emails,
    detail: `provider saw ${reached.invitations} invitations, ${reached.messages} messages, ${reached.emails} emails; we recorded ${ours.invitations}, ${ours.messages}, ${ours.emails}; ${attempts.queueRowsSentTwice} queue rows sent twice; ${doubleInvites} repeated invitations`,
  });

  // 2. No account over its hourly or configured daily limit.
  const over = await runFacts.accountUsage(db);
  const overruns = over.filter((r) => {
    if (r.period === "hour") return r.used > r.hourly_limit;
    const limit =
      r.action === "profile_view"
        ? PROFILE_VIEWS_PER_DAY
        : r.action === "connection_request"
          ? r.daily_limit_connections
          : r.action === "email"
            ? r.daily_limit_emails
            : r.daily_limit_messages;
    return r.used > limit;
  });
  checks.push({
    name: "limits held",
    ok: overruns.length === 0,
    detail: overruns.length ? `${overruns.length} periods over a limit` : `${over.length} account periods, none over its limit`,
  });

  // 3. Nothing sent outside the campaign's window, in its time zone.
  const { campaign, sentAt } = await runFacts.sendTimes(db, campaignId);
  const window = windowFromCampaign(campaign);
  const outside = sentAt.filter((at) => !isInWindow(window, at)).length;
  checks.push({
    name: "send window",
    ok: outside === 0,
    detail: `${sentAt.length} sends, ${outside} outside ${campaign.send_window_start}–${campaign.send_window_end} ${campaign.timezone}`,
  });

  // 4. The books match what actually left: every message with a send time is sent, and delivered
  // unless it bounced.
  const books = await runFacts.books(db, campaignId);
  checks.push({
    name: "books match sends",
    ok:
      books.totalSent === sentAt.length &&
      books.totalDelivered + books.bouncedMessages === books.totalSent &&
      books.totalReplied === books.repliedContacts,
    detail: `campaign_performance: ${books.totalSent} sent = ${sentAt.length} messages that left (${books.totalDelivered} delivered + ${books.bouncedMessages} bounced); ${books.totalReplied} replied`,
  });

  // 5. Meetings: the books count each person who booked once, whatever the redeliveries.
  const meetings = await runFacts.meetings(db, campaignId);
  const delivered = sandbox.bookings.filter((b) => b.outcome === "delivered").length;
  checks.push({
    name: "books match meetings",
    ok: meetings.totalMeetings === meetings.bookedPeople && sandbox.bookings.every((b) => b.outcome !== "failed"),
    detail: `campaign_performance: ${meetings.totalMeetings} meetings; outcomes log: ${meetings.bookedOutcomes} booked by ${meetings.bookedPeople} people (${meetings.fromCalcom} via Cal.com, ${delivered} deliveries)`,
  });
  return checks;
}
