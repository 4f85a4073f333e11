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
