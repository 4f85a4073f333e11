import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { accounts, campaignContacts, campaigns, companies, contacts, createDb, migrate, offers } from "@offerlab/db";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";

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
      const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual", fit_score: 8 })).company;
      const jane = (await contacts.upsert(db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", full_name: "Jane Doe", email: "jane@acme.com", status: "ready" })).contact;
      const account = await accounts.create(db, { name: "sales@offerlab.dev", type: "email", owner: "me", email_address: "sales@offerlab.dev", daily_limit_emails: 30 });
      const campaign = await campaigns.create(db, { name: "Hiring", offer_id: offer.id, channel: "email", status: "active", account_id: account.id });
      const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id })).campaignContact;
      await db.insertInto("send_queue").values({
        campaign_id: campaign.id, campaign_contact_id: cc.id, contact_id: jane.id, account_id: account.id, channel: "email", action_type: "email",
        sequence_step: 1, subject: "Hi", body: "Hello", scheduled_for: new Date(), defer_reason: "daily_cap",
      }).execute();
    } finally {
      await db.destroy();
    }
  });

  it("shows leads, capacity, schedule, activity and performance as tables and JSON", async () => {
    const leads = await runCli(["leads"], env);
    expect(leads.code).toBe(0);
    expect(leads.stdout).toMatch(/Jane Doe\s+.*Acme\s+8/);
    const capacity = await runCli(["capacity", "--json"], env);
    expect(JSON.parse(capacity.stdout)).toEqual([expect.objectContaining({ name: "sales@offerlab.dev", emails_remaining: 30, can_send_now: true })]);
    const schedule = await runCli(["schedule"], env);
    expect(schedule.stdout).toMatch(/email\s+Jane Doe\s+Acme\s+Hiring\s+sales@offerlab.dev\s+pending\s+daily_cap/);
    const activity = await runCli(["activity", "--json"], env);
    expect(JSON.parse(activity.stdout)).toEqual([expect.objectContaining({ activity_type: "scheduled", contact_name: "Jane Doe" })]);
    const perf = await runCli(["performance", "--json"], env);
    expect(JSON.parse(perf.stdout)).toMatchObject({ offers: [{ name: "Coach", contact_count: 1 }], campaigns: [{ name: "Hiring" }] });
    const usage = await runCli(["tools", "usage"], env);
    expect(usage.stdout).toMatch(/No provider calls/);
  });

  it("why explains what happened to a person, with the reason in words", async () => {
    const res = await runCli(["why", "JANE@acme.com", "--json"], env);
    expect(res.code).toBe(0);
    const story = JSON.parse(res.stdout);
    expect(story.campaigns).toEqual([expect.objectContaining({ campaign: "Hiring", status: "queued" })]);
    expect(story.sends).toEqual([expect.objectContaining({ status: "pending", defer_reason: "daily_cap", why: expect.stringMatching(/daily/i) })]);
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
      const account = await accounts.create(db, { name: "sales@offerlab.dev", type: "email", owner: "me", email_address: "sales@offerlab.dev" });
      const campaign = await campaigns.create(db, { name: "Hiring", offer_id: offer.id, channel: "email", status: "active", account_id: account.id });
      // Kim's email is still being reconciled; Lee's ended undetermined.
      for (const [email, status] of [["kim@acme.com", "unknown"], ["lee@acme.com", "undetermined"]] as const) {
        const person = (await contacts.upsert(db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", full_name: email, email, status: "ready" })).contact;
        const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: person.id })).campaignContact;
        const q = await db
          .insertInto("send_queue")
          .values({
            campaign_id: campaign.id, campaign_contact_id: cc.id, contact_id: person.id, account_id: account.id, channel: "email", action_type: "email", sequence_step: 1,
            subject: "Hi", body: "Hello", scheduled_for: started, status: status === "unknown" ? "processing" : "failed", defer_reason: status === "unknown" ? null : "outcome_unknown",
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await db
          .insertInto("send_attempts")
          .values({
            send_queue_id: q.id, account_id: account.id, action_type: "email", runner_id: "r1", status, usage_day: started, usage_hour: started, lease_until: started, started_at: started,
            error_kind: "unknown_outcome", error_message: "500 after the request left", reconcile_checks: status === "unknown" ? 3 : 29,
            reconcile_note: "provider error", next_check_at: status === "unknown" ? nextCheck : null,
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
      new RegExp(`Hiring · step 1: send attempt with an unknown outcome — offerlab is asking the provider whether it went out, and never resends it unless the provider shows it did not \\(from sales@offerlab.dev: unknown_outcome: 500 after the request left: provider error; asked the provider 3 times, next check ${nextCheck.toISOString()}\\)`),
    );
    const lee = await runCli(["why", "lee@acme.com"], env);
    expect(lee.stdout).toMatch(/Hiring · step 1: send attempt undetermined — The provider could not tell whether this send went out .* never sent again/);
    const story = JSON.parse((await runCli(["why", "lee@acme.com", "--json"], env)).stdout);
    expect(story.sends).toEqual([expect.objectContaining({ status: "failed", defer_reason: "outcome_unknown", why: expect.stringMatching(/could not tell whether this send went out/) })]);
  });
});
