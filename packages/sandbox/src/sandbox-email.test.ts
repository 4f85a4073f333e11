import { isReply, parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import type { ProviderEvent, SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox, REPLY_TEXTS_FOR_TESTS } from "./__tests__/fixtures.js";
import { fitOf } from "./index.js";
import type { Sandbox, SandboxPerson, SandboxRates } from "./index.js";
import type { Icp } from "@offerlab/core";

const DAY = 86_400_000;
const ICP: Icp = {
  company: { verticals: ["fintech", "saas"], size_min: 20, size_max: 1000, signals: ["hiring"], disqualifiers: [] },
  buyer: {
    titles: ["VP of Sales", "Chief Revenue Officer", "Director of Sales"],
    departments: ["Sales"],
    seniority: ["VP", "Director", "C-Level"],
  },
};

/** A sandbox that emails `people` once each, spread over its mailboxes, and records what comes back. */
async function emailWorld(
  seed: string,
  rates: Partial<SandboxRates>,
  pick: (s: Sandbox) => SandboxPerson[],
  options: { icp?: Icp; companies?: number } = {},
) {
  const sandbox = createSandbox({
    seed,
    rates,
    world: { companies: options.companies ?? 120 },
    ...(options.icp ? { icp: options.icp } : {}),
  });
  const p = sandbox.providers();
  const accounts = (await p.unipile.listAccounts()).items;
  const self = new Map(accounts.map((a) => [a.id, a]));
  const events: ProviderEvent[] = [];
  sandbox.setWebhookHandler((_provider, payload) => {
    events.push(toProviderEvent(parseUnipileWebhook(payload), { selfEmail: (id) => self.get(id)?.emailAddress }));
  });
  const mailboxes = accounts.filter((a): a is SendingAccount => a.type === "email");
  const people = pick(sandbox);
  const trackingOf = new Map<string, string>();
  let i = 0;
  for (const person of people) {
    const sent = await p.unipile.sendEmail({
      accountId: (mailboxes[i % mailboxes.length] as SendingAccount).id,
      to: [{ email: person.email, name: person.full_name }],
      subject: "Ramping new reps",
      html: `<p>Hi ${person.first_name}, how long does a new rep take to ramp?</p>`,
      sendId: `send-${i++}`,
      tracking: { opens: true, links: true },
    });
    trackingOf.set(person.id, sent.trackingId as string);
  }
  await sandbox.tick(30 * DAY);
  return { sandbox, people, events, trackingOf };
}

const trackingOfValues = (m: Map<string, string>) => new Set(m.values());
const outcomesOf = (s: Sandbox, kind: string) => s.outcomes.filter((o) => o.kind === kind);

describe("bounces", () => {
  it("invalid addresses always bounce, valid ones never do, and catch-all ones at about the configured rate", async () => {
    const { sandbox, people, events, trackingOf } = await emailWorld(
      "bounces",
      { catchAllBounceRate: 0.3, unknownBounceRate: 0.5, emailReplyRate: 0 },
      (s) => s.world.people.slice(0, 300),
    );
    const bounced = new Set(outcomesOf(sandbox, "bounced").map((o) => o.personId));
    const of = (status: SandboxPerson["emailStatus"]) => people.filter((p) => p.emailStatus === status);
    expect(of("invalid").length).toBeGreaterThan(20);
    expect(of("invalid").every((p) => bounced.has(p.id))).toBe(true);
    expect(of("valid").some((p) => bounced.has(p.id))).toBe(false);
    const catchAll = of("catch_all");
    const catchAllShare = catchAll.filter((p) => bounced.has(p.id)).length / catchAll.length;
    expect(catchAll.length).toBeGreaterThan(20);
    expect(catchAllShare).toBeGreaterThan(0.1);
    expect(catchAllShare).toBeLessThan(0.55);

    // Each bounce is a mail_received from the mailer daemon, in reply to our email, never a reply from the person.
    const ourEmails = new Set(
      sandbox.vendors.unipile.state.emails.filter((e) => e.tracking_id && trackingOfValues(trackingOf).has(e.tracking_id)).map((e) => e.id),
    );
    expect(ourEmails.size).toBe(people.length);
    const bounces = events.filter((e) => e.type === "email_received" && e.message.from?.startsWith("mailer-daemon@"));
    expect(new Set(bounces.map((e) => e.eventId)).size).toBe(bounced.size);
    for (const e of bounces) {
      if (e.type !== "email_received") continue;
      expect(e.message.direction).toBe("inbound");
      expect(e.message.subject).toMatch(/Delivery Status Notification/);
      expect(e.message.text).toMatch(/550 5\.1\.1/);
      expect(ourEmails.has(e.message.inReplyTo?.id ?? "")).toBe(true);
    }
    // Bounced mail is never opened.
    const opened = new Set(outcomesOf(sandbox, "opened").map((o) => o.personId));
    expect([...bounced].some((id) => opened.has(id))).toBe(false);
  });

  it("an address outside the world bounces, and an address bounces for every email or for none", async () => {
    const sandbox = createSandbox({ seed: "bounce-once", rates: { catchAllBounceRate: 0.5, emailReplyRate: 0 }, world: { companies: 60 } });
    const p = sandbox.providers();
    const mailbox = (await p.unipile.listAccounts()).items.find((a) => a.type === "email") as SendingAccount;
    await p.unipile.sendEmail({
      accountId: mailbox.id,
      to: [{ email: "nobody@not-in-this-world.example" }],
      subject: "Hello",
      html: "<p>Hello</p>",
    });
    const catchAll = sandbox.world.people.filter((x) => x.emailStatus === "catch_all").slice(0, 20);
    for (const person of catchAll) {
      for (let step = 0; step < 3; step++)
        await p.unipile.sendEmail({ accountId: mailbox.id, to: [{ email: person.email }], subject: `Step ${step}`, html: "<p>Hi</p>" });
    }
    await sandbox.tick(5 * DAY);
    const bounces = outcomesOf(sandbox, "bounced");
    expect(bounces.filter((o) => o.personId === null)).toHaveLength(1);
    for (const person of catchAll) expect([0, 3]).toContain(bounces.filter((o) => o.personId === person.id).length);
    expect(bounces.length).toBeGreaterThan(3);
  });
});

describe("opens and clicks", () => {
  it("arrive for delivered email as tracking webhooks tied to the send's tracking id, clicks after the first open", async () => {
    const { sandbox, people, events, trackingOf } = await emailWorld("opens", { openRate: 0.6, clickRate: 0.3, emailReplyRate: 0 }, (s) =>
      s.world.people.filter((p) => p.emailStatus === "valid").slice(0, 200),
    );
    const opened = new Set(outcomesOf(sandbox, "opened").map((o) => o.personId));
    const share = opened.size / people.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.8);
    const clicks = outcomesOf(sandbox, "clicked");
    expect(clicks.length).toBeGreaterThan(10);
    for (const click of clicks) {
      expect(opened.has(click.personId)).toBe(true);
      const firstOpen = sandbox.outcomes.find((o) => o.kind === "opened" && o.personId === click.personId);
      expect(Date.parse(firstOpen?.at ?? "")).toBeLessThanOrEqual(Date.parse(click.at));
    }
    const tracked = events.filter((e) => e.type === "email_opened" || e.type === "email_clicked");
    const ids = new Set(trackingOf.values());
    expect(tracked.every((e) => (e.type === "email_opened" || e.type === "email_clicked") && ids.has(e.trackingId as string))).toBe(true);
    expect(tracked.some((e) => e.type === "email_clicked")).toBe(true);
    // Every send is confirmed by a mail_sent with its tracking id, as Unipile does.
    const sent = events.filter((e) => e.type === "email_sent");
    expect(new Set(sent.map((e) => (e.type === "email_sent" ? e.message.trackingId : null)))).toEqual(ids);
  });

  it("open rate 0 means no opens and no clicks", async () => {
    const { sandbox } = await emailWorld("no-opens", { openRate: 0, clickRate: 1, emailReplyRate: 0 }, (s) =>
      s.world.people.filter((p) => p.emailStatus === "valid").slice(0, 60),
    );
    expect(outcomesOf(sandbox, "opened")).toHaveLength(0);
    expect(outcomesOf(sandbox, "clicked")).toHaveLength(0);
  });
});

describe("email replies", () => {
  it("come in every kind, as inbound mail_received in the thread of our email, one per person", async () => {
    const { sandbox, people, events } = await emailWorld("replies", { emailReplyRate: 0.5 }, (s) =>
      s.world.people.filter((p) => p.emailStatus === "valid").slice(0, 250),
    );
    const replies = outcomesOf(sandbox, "replied");
    expect(replies.length).toBeGreaterThan(50);
    expect(new Set(replies.map((o) => o.reply))).toEqual(new Set(["positive", "negative", "question", "ooo", "unsubscribe"]));
    expect(new Set(replies.map((o) => o.personId)).size).toBe(replies.length);
    const emails = new Set(people.map((p) => p.email.toLowerCase()));
    const inbound = events.filter((e) => isReply(e));
    expect(new Set(inbound.map((e) => e.eventId)).size).toBe(replies.length);
    for (const e of inbound) {
      if (e.type !== "email_received") throw new Error(`unexpected reply event ${e.type}`);
      expect(emails.has(e.message.from ?? "")).toBe(true);
      expect(e.message.subject).toBe("Re: Ramping new reps");
      expect(e.message.inReplyTo?.id).toBeTruthy();
    }
    // An out-of-office names a return date in the future.
    const ooo = inbound.find((e) => e.type === "email_received" && /out of the office|vacation|leave/.test(e.message.text ?? ""));
    expect(ooo).toBeDefined();
    expect(ooo?.type === "email_received" && ooo.message.text).not.toContain("{date}");
    const texts = Object.values(REPLY_TEXTS_FOR_TESTS)
      .flat()
      .map((t) => t.split("{date}")[0] as string);
    for (const e of inbound) if (e.type === "email_received") expect(texts.some((t) => (e.message.text ?? "").startsWith(t))).toBe(true);
  });

  it("come more often from people who fit the ICP at companies with buying signals", async () => {
    const { sandbox, people } = await emailWorld(
      "fit",
      { emailReplyRate: 0.15, duplicateRate: 0 },
      (s) => s.world.people.filter((p) => p.emailStatus === "valid"),
      { icp: ICP, companies: 150 },
    );
    const company = new Map(sandbox.world.companies.map((c) => [c.domain, c]));
    const score = (p: SandboxPerson) =>
      0.5 * fitOf(p, company.get(p.companyDomain) as never, ICP) + 0.5 * (company.get(p.companyDomain)?.signalStrength ?? 0);
    const ranked = [...people].sort((a, b) => score(a) - score(b));
    const third = Math.floor(ranked.length / 3);
    const replied = new Set(outcomesOf(sandbox, "replied").map((o) => o.personId));
    const rate = (group: SandboxPerson[]) => group.filter((p) => replied.has(p.id)).length / group.length;
    const low = rate(ranked.slice(0, third));
    const high = rate(ranked.slice(-third));
    expect(third).toBeGreaterThan(200);
    // About 2.5 times as likely in expectation; the bound leaves room for sampling noise.
    expect(high).toBeGreaterThan(low * 1.4);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(people.filter((p) => replied.has(p.id)).map(score))).toBeGreaterThan(
      mean(people.filter((p) => !replied.has(p.id)).map(score)) + 0.05,
    );
    // Those who fit also answer positively more often.
    const positive = (group: SandboxPerson[]) =>
      group.filter((p) => sandbox.outcomes.some((o) => o.personId === p.id && o.reply === "positive")).length;
    expect(positive(ranked.slice(-third))).toBeGreaterThan(positive(ranked.slice(0, third)) * 1.5);
  });
});
