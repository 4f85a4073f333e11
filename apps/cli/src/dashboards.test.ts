import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { accounts, campaignContacts, campaigns, companies, contacts, createDb, migrate, offers } from "@offerlab/db";
import { sql } from "kysely";
import { testEngines } from "@offerlab/db/testing";
import { reserveQuota } from "@offerlab/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliDatabase, type CliDatabase } from "./test-support/cli-db.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

async function runCli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: repoRoot };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

describe("dashboards and why", () => {
  const env = { OFFERLAB_DATA_DIR: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-dash-")), "data") };

  beforeAll(async () => {
    const db = createDb({ dataDir: env.OFFERLAB_DATA_DIR, env: {} });
    try {
      await migrate(db);
      const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d", status: "active" });
      const company = (
        await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual", fit_score: 8 })
      ).company;
      const jane = (
        await contacts.upsert(db, {
          offer_id: offer.id,
          company_id: company.id,
          source_tool: "manual",
          full_name: "Jane Doe",
          email: "jane@acme.com",
          status: "ready",
        })
      ).contact;
      const account = await accounts.create(db, {
        name: "sales@offerlab.dev",
        type: "email",
        owner: "me",
        email_address: "sales@offerlab.dev",
        unipile_account_id: "u-sales",
        daily_limit_emails: 30,
      });
      const campaign = await campaigns.create(db, {
        name: "Hiring",
        offer_id: offer.id,
        channel: "email",
        status: "active",
        account_id: account.id,
      });
      const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id })).campaignContact;
      await db
        .insertInto("send_queue")
        .values({
          campaign_id: campaign.id,
          campaign_contact_id: cc.id,
          contact_id: jane.id,
          account_id: account.id,
          channel: "email",
          action_type: "email",
          sequence_step: 1,
          subject: "Hi",
          body: "Hello",
          scheduled_for: new Date(),
          defer_reason: "daily_cap",
        })
        .execute();
    } finally {
      await db.destroy();
    }
  });

  it("shows leads, capacity, schedule, activity and performance as tables and JSON", async () => {
    const leads = await runCli(["leads"], env);
    expect(leads.code).toBe(0);
    expect(leads.stdout).toMatch(/Jane Doe\s+.*Acme\s+8/);
    const capacity = await runCli(["capacity", "--json"], env);
    expect(JSON.parse(capacity.stdout)).toEqual([
      expect.objectContaining({ name: "sales@offerlab.dev", emails_remaining: 30, can_send_now: true }),
    ]);
    const schedule = await runCli(["schedule"], env);
    expect(schedule.stdout).toMatch(/email\s+Jane Doe\s+Acme\s+Hiring\s+sales@offerlab.dev\s+pending\s+daily_cap/);
    const activity = await runCli(["activity", "--json"], env);
    expect(JSON.parse(activity.stdout)).toEqual([expect.objectContaining({ activity_type: "scheduled", contact_name: "Jane Doe" })]);
    const perf = await runCli(["performance", "--json"], env);
    expect(JSON.parse(perf.stdout)).toMatchObject({
      offers: [{ name: "Coach", contact_count: 1 }],
      // Every output says what its rates divide by.
      campaigns: [{ name: "Hiring", rate_denominator: expect.stringContaining("per person contacted (contacts_sent)") }],
    });
    const perfText = await runCli(["performance"], env);
    expect(perfText.stdout).toMatch(/messages\s+people\s+opened\s+replied\s+reply %/);
    expect(perfText.stdout).toContain("Rates are per person, not per message: reply % and meeting % of the people contacted");
    const usage = await runCli(["tools", "usage"], env);
    expect(usage.stdout).toMatch(/No provider calls/);
  });

  it("why explains what happened to a person, with the reason in words", async () => {
    const res = await runCli(["why", "JANE@acme.com", "--json"], env);
    expect(res.code).toBe(0);
    const story = JSON.parse(res.stdout);
    expect(story.campaigns).toEqual([expect.objectContaining({ campaign: "Hiring", status: "queued" })]);
    expect(story.sends).toEqual([
      expect.objectContaining({ status: "pending", defer_reason: "daily_cap", why: expect.stringMatching(/daily/i) }),
    ]);
    const text = await runCli(["why", "jane@acme.com"], env);
    expect(text.stdout).toMatch(/Hiring/);
    expect((await runCli(["why", "nobody@acme.com"], env)).code).toBe(1);
    const bad = await runCli(["why", "not a person"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/neither an email address nor a LinkedIn profile URL/);
    expect((await runCli(["leads", "--limit", "0"], env)).stderr).toMatch(/--limit: must be a whole number/);
  });
});

describe("sends with an unknown outcome", () => {
  const env = { OFFERLAB_DATA_DIR: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-unknown-")), "data") };
  // Set when the data is written, half a minute from a minute boundary: "oldest 12 min" holds for 30 s.
  let started: Date;
  let nextCheck: Date;

  beforeAll(async () => {
    started = new Date(Date.now() - 12.5 * 60_000);
    nextCheck = new Date(Date.now() + 20 * 60_000);
    const db = createDb({ dataDir: env.OFFERLAB_DATA_DIR, env: {} });
    try {
      await migrate(db);
      const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d" });
      const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
      const account = await accounts.create(db, {
        name: "sales@offerlab.dev",
        type: "email",
        owner: "me",
        email_address: "sales@offerlab.dev",
      });
      const campaign = await campaigns.create(db, {
        name: "Hiring",
        offer_id: offer.id,
        channel: "email",
        status: "active",
        account_id: account.id,
      });
      // Kim's email is still being reconciled; Lee's ended undetermined.
      for (const [email, status] of [
        ["kim@acme.com", "unknown"],
        ["lee@acme.com", "undetermined"],
      ] as const) {
        const person = (
          await contacts.upsert(db, {
            offer_id: offer.id,
            company_id: company.id,
            source_tool: "manual",
            full_name: email,
            email,
            status: "ready",
          })
        ).contact;
        const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: person.id })).campaignContact;
        const q = await db
          .insertInto("send_queue")
          .values({
            campaign_id: campaign.id,
            campaign_contact_id: cc.id,
            contact_id: person.id,
            account_id: account.id,
            channel: "email",
            action_type: "email",
            sequence_step: 1,
            subject: "Hi",
            body: "Hello",
            scheduled_for: started,
            status: status === "unknown" ? "processing" : "failed",
            defer_reason: status === "unknown" ? null : "outcome_unknown",
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await db
          .insertInto("send_attempts")
          .values({
            send_queue_id: q.id,
            account_id: account.id,
            action_type: "email",
            runner_id: "r1",
            status,
            usage_day: started,
            usage_hour: started,
            lease_until: started,
            started_at: started,
            error_kind: "unknown_outcome",
            error_message: "500 after the request left",
            reconcile_checks: status === "unknown" ? 3 : 29,
            reconcile_note: "provider error",
            next_check_at: status === "unknown" ? nextCheck : null,
          })
          .execute();
      }
    } finally {
      await db.destroy();
    }
  });

  const utc = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

  it("capacity says how many sends have an unknown or undetermined outcome, under the table (stderr with --json)", async () => {
    const text = await runCli(["capacity"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `1 send with an unknown outcome, oldest 12 min (since ${utc(started)} UTC); the provider is asked again at ${utc(nextCheck)} UTC. ` +
        `1 send whose outcome the provider could not tell (never resent; see offerlab why), the latest attempted ${utc(started)} UTC.`,
    );
    const json = await runCli(["capacity", "--json"], env);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ name: "sales@offerlab.dev" })]);
    expect(json.stderr).toMatch(/^1 send with an unknown outcome, oldest 12 min/);
  });

  it("why tells a send being reconciled from one the provider could not tell", async () => {
    const kim = await runCli(["why", "kim@acme.com"], env);
    expect(kim.stdout).toMatch(
      new RegExp(
        `Hiring · step 1: send attempt with an unknown outcome — offerlab is asking the provider whether it went out, and never resends it unless the provider shows it did not \\(from sales@offerlab.dev: unknown_outcome: 500 after the request left: provider error; asked the provider 3 times, next check ${nextCheck.toISOString()}\\)`,
      ),
    );
    const lee = await runCli(["why", "lee@acme.com"], env);
    expect(lee.stdout).toMatch(
      /Hiring · step 1: send attempt undetermined — The provider could not tell whether this send went out .* never sent again/,
    );
    const story = JSON.parse((await runCli(["why", "lee@acme.com", "--json"], env)).stdout);
    expect(story.sends).toEqual([
      expect.objectContaining({
        status: "failed",
        defer_reason: "outcome_unknown",
        why: expect.stringMatching(/could not tell whether this send went out/),
      }),
    ]);
  });
});

const DAY_MS = 86_400_000;

/** Seeding and reading must fall in the same UTC day (the quota day): not in its last minute. */
async function awayFromMidnight(): Promise<Date> {
  const left = DAY_MS - (Date.now() % DAY_MS);
  if (left < 60_000) await new Promise((r) => setTimeout(r, left + 1000));
  return new Date();
}

describe.each(testEngines())("capacity and accounts list show what the send path applies, on %s", (engine) => {
  let d: CliDatabase;
  let nextDay: Date;
  let cooldownEnds: Date;

  beforeAll(async () => {
    d = await cliDatabase(engine);
    const now = await awayFromMidnight();
    nextDay = new Date((Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS);
    cooldownEnds = new Date(Math.ceil((now.getTime() + 2 * 3_600_000) / 60_000) * 60_000);
    await d.seed(async (db) => {
      const li = { type: "linkedin" as const, owner: "jo", daily_limit_connections: 20, daily_limit_messages: 40, hourly_limit: 8 };
      // Warming week 1: 5 invitations and 10 messages a day, 2 an hour; all of today's used.
      const warm = await accounts.create(db, {
        ...li,
        name: "li_warm",
        unipile_account_id: "u-warm",
        warming_week: 1,
        warming_started_at: now,
      });
      await accounts.create(db, { ...li, name: "li_paused", unipile_account_id: "u-paused", status: "paused" });
      await accounts.create(db, {
        ...li,
        name: "li_limited",
        unipile_account_id: "u-limited",
        status: "limited",
        limited_until: cooldownEnds,
      });
      await accounts.create(db, { ...li, name: "li_sick", unipile_account_id: "u-sick", health_score: 20 });
      await accounts.create(db, {
        name: "box_linked",
        type: "email",
        owner: "jo",
        email_address: "linked@jo.io",
        unipile_account_id: "u-box",
        daily_limit_emails: 40,
      });
      await accounts.create(db, {
        name: "box_unlinked",
        type: "email",
        owner: "jo",
        email_address: "unlinked@jo.io",
        daily_limit_emails: 40,
      });
      // Today's use, as the send path reserves it (account_usage); the hourly limit is not what this test is about.
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 5; i++)
          expect(
            await reserveQuota(trx, { accountId: warm.id, action: "connection_request", dailyLimit: 5, hourlyLimit: 1000, now }),
          ).toBeNull();
        for (let i = 0; i < 10; i++)
          expect(await reserveQuota(trx, { accountId: warm.id, action: "message", dailyLimit: 10, hourlyLimit: 1000, now })).toBeNull();
      });
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("capacity: warming limits, n/a for the other type, and no with the reason whenever a send would be refused", async () => {
    const res = await d.run(["capacity", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const rows = Object.fromEntries(JSON.parse(res.stdout).map((r: { name: string }) => [r.name, r]));
    expect(rows.li_warm).toMatchObject({
      limits: { connection_request: 5, message: 10, email: null },
      used: { connection_request: 5, message: 10, email: null },
      connections_remaining: 0,
      messages_remaining: 0,
      emails_remaining: null,
      can_send_now: false,
      reason: "account_warming_cap",
      until: nextDay.toISOString(),
    });
    expect(rows.box_linked).toMatchObject({
      connections_remaining: null,
      messages_remaining: null,
      emails_remaining: 40,
      can_send_now: true,
      reason: null,
    });
    expect(rows.box_unlinked).toMatchObject({
      emails_remaining: 40,
      can_send_now: false,
      reason: "account_unlinked",
      why: expect.stringMatching(/^Not linked to Unipile/),
    });
    expect(rows.li_paused).toMatchObject({ connections_remaining: 20, can_send_now: false, reason: "account_paused" });
    expect(rows.li_limited).toMatchObject({ can_send_now: false, reason: "account_limited", until: cooldownEnds.toISOString() });
    expect(rows.li_sick).toMatchObject({ can_send_now: false, reason: "account_unhealthy" });

    const text = await d.run(["capacity"]);
    const line = (name: string) => text.stdout.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
    const day = nextDay.toISOString().replace("T", " ").slice(0, 16);
    expect(line("li_warm")).toMatch(
      new RegExp(
        `^li_warm\\s+linkedin\\s+active\\s+100\\s+week 1/4\\s+0 of 5\\s+0 of 10\\s+n/a\\s+\\d of 2\\s+no: warming limit used, until ${day} UTC$`,
      ),
    );
    expect(line("box_unlinked")).toMatch(
      /^box_unlinked\s+email\s+active\s+100\s+n\/a\s+n\/a\s+40 of 40\s+10 of 10\s+no: not linked to Unipile$/,
    );
    expect(line("box_linked")).toMatch(/\s+yes$/);
  });

  it("accounts list answers exactly as capacity does, from the same standing", async () => {
    const capacity = JSON.parse((await d.run(["capacity", "--json"])).stdout) as {
      name: string;
      limits: Record<string, number | null>;
      can_send_now: boolean;
      reason: string | null;
      until: string | null;
    }[];
    const listed = JSON.parse((await d.run(["accounts", "list", "--json"])).stdout) as {
      name: string;
      effective_limits: Record<string, number | null>;
      can_send: boolean;
      reason: string | null;
      until: string | null;
    }[];
    expect(listed.map((a) => a.name)).toEqual(capacity.map((c) => c.name));
    for (const c of capacity) {
      const a = listed.find((l) => l.name === c.name)!;
      expect({ name: a.name, can_send: a.can_send, reason: a.reason, until: a.until }).toEqual({
        name: c.name,
        can_send: c.can_send_now,
        reason: c.reason,
        until: c.until,
      });
      expect(a.effective_limits).toMatchObject({
        connection_request: c.limits.connection_request,
        message: c.limits.message,
        email: c.limits.email,
        hourly: c.limits.hourly,
      });
    }
    const text = await d.run(["accounts", "list"]);
    expect(text.stdout).toMatch(
      /li_warm\s+linkedin\s+jo\s+active\s+100\s+week 1\/4\s+5 inv, 10 msg, 2\/h\s+5 inv, 10 msg\s+no: warming limit used/,
    );
    expect(text.stdout).toMatch(/li_paused\s+.*\s+no: paused/);
    expect(text.stdout).toMatch(/box_unlinked\s+.*\s+no: not linked to Unipile/);
  });
});

describe.each(testEngines())("schedule shows when each send will really go out, on %s", (engine) => {
  let d: CliDatabase;
  let startedAt: Date;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    d = await cliDatabase(engine);
    startedAt = await awayFromMidnight();
    await d.seed(async (db) => {
      const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d", status: "active" });
      const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
      // Allowed 5 invitations a day and 2 an hour; a window open (almost) all day, every day.
      const li = await accounts.create(db, {
        name: "jo_linkedin",
        type: "linkedin",
        owner: "jo",
        unipile_account_id: "u-jo",
        daily_limit_connections: 5,
        hourly_limit: 2,
      });
      const paused = await accounts.create(db, {
        name: "paused_linkedin",
        type: "linkedin",
        owner: "jo",
        unipile_account_id: "u-paused",
        status: "paused",
      });
      const campaign = await campaigns.create(db, {
        name: "Invites",
        offer_id: offer.id,
        channel: "linkedin",
        status: "active",
        timezone: "UTC",
        send_window_start: "00:00",
        send_window_end: "23:59:59",
        send_days: [1, 2, 3, 4, 5, 6, 7],
      });
      // The first seconds of today, as todays_schedule counts days.
      const { rows } = await sql<{ start: Date }>`SELECT CURRENT_DATE::timestamptz AS start`.execute(db);
      const dayStart = new Date(rows[0]!.start).getTime();
      const queue = async (i: number, accountId: string, extra: Record<string, unknown> = {}, due = i) => {
        const contact = (
          await contacts.upsert(db, {
            offer_id: offer.id,
            company_id: company.id,
            source_tool: "manual",
            full_name: `Person ${i}`,
            linkedin_url: `https://www.linkedin.com/in/person-${i}`,
            connection_degree: 2,
            status: "ready",
            ...extra,
          })
        ).contact;
        const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id, status: "in_progress" }))
          .campaignContact;
        const row = await db
          .insertInto("send_queue")
          .values({
            campaign_id: campaign.id,
            campaign_contact_id: cc.id,
            contact_id: contact.id,
            account_id: accountId,
            channel: "linkedin_connect",
            action_type: "connection_request",
            sequence_step: 1,
            body: "Hi",
            scheduled_for: new Date(dayStart + due * 3000),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return row.id;
      };
      // Thirty-two invitations seconds apart, as the planner leaves them.
      for (let i = 0; i < 32; i++) await queue(i, li.id, {}, i + 1);
      ids.paused = await queue(40, paused.id);
      // Due first, so the claim meets it (and skips it) before the limits hold the account: once
      // they do, its mark keeps the claim off the account's other invitations until they reset.
      ids.dnc = await queue(41, li.id, { global_status: "do_not_contact" }, 0);
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("predicts times within the daily cap, the hourly cap and the gap, and says what will not go out today and why", async () => {
    const res = await d.run(["schedule", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const rows = JSON.parse(res.stdout) as {
      id: string;
      expected_at: string | null;
      goes_today: boolean;
      will_skip: boolean;
      held_by: string | null;
    }[];
    expect(rows).toHaveLength(34);
    const going = rows
      .filter((r) => r.goes_today)
      .map((r) => new Date(r.expected_at!).getTime())
      .sort((a, b) => a - b);
    // More than a minute before midnight: at least the first send fits today, and never more than the caps allow.
    expect(going.length).toBeGreaterThanOrEqual(1);
    expect(going.length).toBeLessThanOrEqual(5);
    const perHour = new Map<number, number>();
    for (const t of going) perHour.set(Math.floor(t / 3_600_000), (perHour.get(Math.floor(t / 3_600_000)) ?? 0) + 1);
    expect(Math.max(...perHour.values())).toBeLessThanOrEqual(2);
    for (let i = 1; i < going.length; i++) expect(going[i]! - going[i - 1]!).toBeGreaterThanOrEqual(90_000);
    expect(going[0]).toBeGreaterThanOrEqual(startedAt.getTime());
    const invitations = rows.filter((r) => r.id !== ids.paused && r.id !== ids.dnc);
    const later = invitations.filter((r) => !r.goes_today);
    expect(later.length).toBe(32 - going.length);
    // What holds them is a cap; in the last half hour before midnight the gap or the window's end can come first.
    const late = DAY_MS - (startedAt.getTime() % DAY_MS) < 30 * 60_000;
    const holds = late ? ["daily_cap", "hourly_cap", "min_gap", "window_closed"] : ["daily_cap", "hourly_cap"];
    expect(later.every((r) => r.expected_at === null && !r.will_skip && holds.includes(r.held_by!))).toBe(true);
    expect(rows.find((r) => r.id === ids.paused)).toMatchObject({ goes_today: false, will_skip: false, held_by: "account_paused" });
    expect(rows.find((r) => r.id === ids.dnc)).toMatchObject({ goes_today: false, will_skip: true, held_by: "do_not_contact" });

    const text = await d.run(["schedule"]);
    expect(text.stdout).toMatch(/linkedin_connect\s+Person 40\s+Acme\s+Invites\s+paused_linkedin\s+pending\s+not today: paused/);
    expect(text.stdout).toMatch(/never\s+linkedin_connect\s+Person 41\s+.*will be skipped: do not contact/);
    if (!late) expect(text.stdout).toMatch(/not today: (daily|hourly) limit used/);
    expect(text.stdout).toContain(`\n${going.length} of these go out today, ${33 - going.length} not today, 1 will be skipped.\n`);
  });
});
