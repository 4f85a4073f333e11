/**
 * A CLI that reads well: tables fit the terminal without cutting ids, slugs, emails or hints
 * (they drop less important columns, then wrap text), numbers are rounded, times are shown in the
 * campaign's time zone with its label, colour follows NO_COLOR / FORCE_COLOR / the terminal, and
 * `activity` lists each send once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { accounts, campaignContacts, campaigns, companies, contacts, createDb, migrate, offers } from "@offerlab/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { table } from "./output.js";
import { runCli } from "./test-support/cli-db.js";
import { colorEnabled, formatTime, roundNumber, terminalWidth, visibleLength } from "./terminal.js";

const ESC = "\u001b[";

describe("table", () => {
  const rows = [
    {
      id: "0b7c1f4e-2d41-4f7a-9a43-5d1f0d6c2a11",
      contact_email: "jane.doe@a-company-with-a-long-name.example.com",
      name: "A rather long campaign name that goes on and on for a while",
      account: "sales@offerlab.dev",
      rate: 12.345678,
      count: 7,
    },
  ];
  const columns = [
    { key: "id" },
    { key: "contact_email", title: "email" },
    { key: "name", max: 20 },
    { key: "account", drop: 1 },
    { key: "rate" },
    { key: "count" },
  ];

  it("prints every value whole when there is no terminal width (a pipe, a file)", () => {
    const out = table(rows, columns);
    expect(out).toContain(rows[0]!.name);
    expect(out).toContain("sales@offerlab.dev");
    expect(out).not.toContain("…");
  });

  it("fits the terminal: drops the less important column and says so, wraps text, never cuts ids or emails", () => {
    const out = table(rows, columns, { width: 120 });
    const lines = out.trimEnd().split("\n");
    // The id and the email are whole, on one line.
    expect(lines[2]).toContain(rows[0]!.id);
    expect(lines[2]).toContain(rows[0]!.contact_email);
    expect(out).not.toContain("sales@offerlab.dev");
    expect(lines.at(-1)).toBe("(account left out to fit the terminal: widen it, or use --json)");
    // The name wraps onto more lines, and every word of it is still there.
    const tableLines = lines.slice(0, -1);
    for (const l of tableLines) expect(l.length).toBeLessThanOrEqual(120);
    expect(tableLines.length).toBeGreaterThan(3);
    const words = rows[0]!.name.split(" ");
    expect(words.every((w) => out.includes(w))).toBe(true);
    expect(out).not.toContain("…");
  });

  it("keeps the column when it fits, and rounds numbers", () => {
    const out = table(rows, columns, { width: 400 });
    expect(out).toContain("sales@offerlab.dev");
    expect(out).not.toContain("left out");
    expect(out).toContain("12.35");
    expect(out).not.toContain("12.345678");
    expect(roundNumber(0.1 + 0.2)).toBe("0.3");
    expect(roundNumber(3)).toBe("3");
  });

  it("never cuts a hint or a slug, however narrow the terminal", () => {
    const hint = "run `offerlab campaigns launch outbound-coach-email-hiring-saas-sales --sandbox`";
    const out = table(
      [{ campaign_slug: "outbound-coach-email-hiring-saas-sales", hint, note: "some words that can wrap" }],
      [{ key: "campaign_slug" }, { key: "hint" }, { key: "note" }],
      { width: 40 },
    );
    expect(out).toContain("outbound-coach-email-hiring-saas-sales");
    expect(out).toContain(hint);
  });

  it("colours headers and status words only when asked, without changing the layout", () => {
    const data = [
      { status: "failed", name: "x" },
      { status: "sent", name: "y" },
    ];
    const plain = table(data, [{ key: "status" }, { key: "name" }], { color: false });
    const coloured = table(data, [{ key: "status" }, { key: "name" }], { color: true });
    expect(plain).not.toContain(ESC);
    expect(coloured).toContain(`${ESC}1mstatus${ESC}22m`);
    expect(coloured).toContain(`${ESC}31mfailed${ESC}39m`);
    expect(coloured).toContain(`${ESC}32msent${ESC}39m`);
    expect(coloured.split("\n").map(visibleLength)).toEqual(plain.split("\n").map((l) => l.length));
  });
});

describe("what the terminal allows", () => {
  it("colour: NO_COLOR wins, FORCE_COLOR forces, else only a terminal that is not dumb", () => {
    expect(colorEnabled({ env: {}, isTTY: true })).toBe(true);
    expect(colorEnabled({ env: {}, isTTY: false })).toBe(false);
    expect(colorEnabled({ env: {} })).toBe(false);
    expect(colorEnabled({ env: { NO_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: { NO_COLOR: "1", FORCE_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: { FORCE_COLOR: "1" }, isTTY: false })).toBe(true);
    expect(colorEnabled({ env: { FORCE_COLOR: "0" }, isTTY: true })).toBe(true);
    expect(colorEnabled({ env: { FORCE_COLOR: "0" }, isTTY: false })).toBe(false);
    expect(colorEnabled({ env: { TERM: "dumb" }, isTTY: true })).toBe(false);
  });

  it("width: COLUMNS, else the terminal's, else none", () => {
    expect(terminalWidth({ env: { COLUMNS: "72" }, columns: 200 })).toBe(72);
    expect(terminalWidth({ env: {}, columns: 200 })).toBe(200);
    expect(terminalWidth({ env: {} })).toBeUndefined();
    expect(terminalWidth({ env: { COLUMNS: "wide" } })).toBeUndefined();
  });

  it("times: in the zone, with its label; UTC when there is none", () => {
    const at = new Date("2026-03-02T08:05:00Z");
    expect(formatTime(at, "Europe/Paris")).toBe("2026-03-02 09:05 CET");
    expect(formatTime(at, "America/New_York")).toBe("2026-03-02 03:05 EST");
    expect(formatTime(new Date("2026-07-02T08:05:00Z"), "Europe/Paris")).toBe("2026-07-02 10:05 CEST");
    expect(formatTime(at, "Asia/Kolkata")).toBe("2026-03-02 13:35 GMT+5:30");
    expect(formatTime(at)).toBe("2026-03-02 08:05 UTC");
    expect(formatTime(at, "Not/AZone")).toBe("2026-03-02 08:05 UTC");
  });
});

describe("offerlab activity", () => {
  const env = { OFFERLAB_DATA_DIR: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-activity-")), "data") };
  const sentAt = new Date("2026-03-02T08:05:00Z");

  beforeAll(async () => {
    const db = createDb({ dataDir: env.OFFERLAB_DATA_DIR, env: {} });
    try {
      await migrate(db);
      const offer = await offers.create(db, { name: "Coach", type: "product", ownership: "internal", description: "d", status: "active" });
      const company = (
        await companies.upsert(db, {
          offer_id: offer.id,
          name: "Acme Corporation International",
          domain: "acme.com",
          source_tool: "manual",
        })
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
        name: "sales-team-mailbox@offerlab.dev",
        type: "email",
        owner: "me",
        email_address: "sales-team-mailbox@offerlab.dev",
        unipile_account_id: "u-sales",
        daily_limit_emails: 30,
      });
      const campaign = await campaigns.create(db, {
        name: "Paris hiring",
        offer_id: offer.id,
        channel: "email",
        status: "active",
        account_id: account.id,
        timezone: "Europe/Paris",
      });
      const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: jane.id })).campaignContact;
      const queued = await db
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
          status: "sent",
          scheduled_for: new Date(sentAt.getTime() - 60_000),
          sent_at: sentAt,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db
        .insertInto("outreach_history")
        .values({
          send_queue_id: queued.id,
          contact_id: jane.id,
          contact_email: "jane@acme.com",
          campaign_id: campaign.id,
          account_id: account.id,
          channel: "email",
          sent_at: sentAt,
        })
        .execute();
    } finally {
      await db.destroy();
    }
  });
  afterAll(() => fs.rmSync(path.dirname(env.OFFERLAB_DATA_DIR), { recursive: true, force: true }));

  it("lists a send once, at the campaign's local time with its zone", async () => {
    const res = await runCli(["activity"], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /^2026-03-02 09:05 CET\s+sent\s+sent\s+email\s+Jane Doe\s+Acme Corporation International\s+sales-team-mailbox@offerlab\.dev$/,
    );
    const asJson = JSON.parse((await runCli(["activity", "--json"], env)).stdout);
    expect(asJson).toHaveLength(1);
    expect(asJson[0]).toMatchObject({ activity_type: "sent", occurred_at: sentAt.toISOString() });
  });

  it("on a narrow terminal drops the account column first and says so; colour only when forced", async () => {
    const res = await runCli(["activity"], { ...env, COLUMNS: "100" });
    expect(res.stdout).not.toContain("sales-team-mailbox");
    expect(res.stdout).toContain("Acme Corporation International");
    expect(res.stdout).toContain("(account left out to fit the terminal: widen it, or use --json)");
    expect(res.stdout).not.toContain(ESC);
    // Narrower still: the company goes too.
    const narrower = await runCli(["activity"], { ...env, COLUMNS: "70" });
    expect(narrower.stdout).toContain("(account, company left out to fit the terminal: widen it, or use --json)");
    const forced = await runCli(["activity"], { ...env, FORCE_COLOR: "1" });
    expect(forced.stdout).toContain(`${ESC}32msent${ESC}39m`);
    const no = await runCli(["activity"], { ...env, FORCE_COLOR: "1", NO_COLOR: "1" });
    expect(no.stdout).not.toContain(ESC);
  });

  it("other tables drop their less important columns on a narrow terminal too, and say which", async () => {
    const wide = await runCli(["campaigns", "list"], { ...env, COLUMNS: "200" });
    expect(wide.stdout).toContain("in sequence");
    expect(wide.stdout).not.toContain("left out");
    const campaignsList = await runCli(["campaigns", "list"], { ...env, COLUMNS: "60" });
    expect(campaignsList.code).toBe(0);
    expect(campaignsList.stdout).toMatch(/\((in sequence, enrolled[^)]*) left out to fit the terminal: widen it, or use --json\)/);
    expect(campaignsList.stdout).toMatch(/Paris hiring\s+coach\s+email\s+active/);
    const accountsList = await runCli(["accounts", "list"], { ...env, COLUMNS: "80" });
    expect(accountsList.stdout).toMatch(/\(owner[^)]* left out to fit the terminal/);
    expect(accountsList.stdout).toMatch(/^id\s+name\s+type\s+status\s+limits today\s+used today\s+can send$/m);
    const performance = await runCli(["performance"], { ...env, COLUMNS: "60" });
    expect(performance.stdout).toMatch(/\(campaigns[^)]* left out to fit the terminal/);
    expect(performance.stdout).toMatch(/\(offer[^)]* left out to fit the terminal/);
  });
});
