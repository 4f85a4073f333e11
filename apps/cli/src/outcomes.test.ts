import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { accounts, campaignContacts, campaigns, companies, contacts, offers, type Db } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDatabase, runCli, type CliDatabase } from "./test-support/cli-db.js";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-outcomes-"));

describe("outcomes --help", () => {
  it("shows examples for record, list and import", async () => {
    for (const sub of ["record", "list", "import"]) {
      const res = await runCli(["outcomes", sub, "--help"], {});
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("Examples:");
      expect(res.stdout).toContain(`offerlab outcomes ${sub}`);
    }
    expect((await runCli(["outcomes", "record", "--help"], {})).stdout).toContain("--window-days");
  });
});

describe.each(testEngines())("outcomes commands on %s", (engine) => {
  let d: CliDatabase | undefined;
  let env: Record<string, string>;
  let campaignSlug = "";
  const inDb = <T>(fn: (db: Db) => Promise<T>) => d!.seed(fn);

  beforeAll(async () => {
    d = await cliDatabase(engine);
    env = d.env;
    campaignSlug = await inDb(async (db) => {
      const offer = await offers.create(db, { name: "Meet", type: "product", ownership: "internal", description: "d" });
      const mailbox = await accounts.create(db, {
        name: "m@meet.io",
        type: "email",
        owner: "m",
        email_address: "m@meet.io",
        unipile_account_id: "u-m",
      });
      const { company } = await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "test" });
      const { contact } = await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "test",
        email: "jane@acme.com",
        status: "contacted",
      });
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "test",
        email: "bob@acme.com",
        status: "contacted",
      });
      const campaign = await campaigns.create(db, { offer_id: offer.id, name: "Meet push", campaign_slug: "meet-push", channel: "email" });
      // Jane was sent to in the campaign: she is one of its people, and history has the send.
      await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id });
      await db
        .insertInto("outreach_history")
        .values({
          contact_id: contact.id,
          contact_email: "jane@acme.com",
          campaign_id: campaign.id,
          offer_id: offer.id,
          account_id: mailbox.id,
          channel: "email",
          sent_at: new Date(Date.now() - 2 * 86_400_000),
        })
        .execute();
      return campaign.campaign_slug!;
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("record --json attributes to the last touch and is idempotent on --external-id", async () => {
    const args = ["outcomes", "record", "Jane@Acme.com", "--kind", "meeting_booked", "--external-id", "cal-1", "--json"];
    const res = await runCli(args, env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r).toMatchObject({
      created: true,
      attribution: "last_touch",
      countedMeeting: true,
      contactStatus: { from: "contacted", to: "meeting" },
    });
    const again = JSON.parse((await runCli(args, env)).stdout);
    expect(again).toMatchObject({ created: false, countedMeeting: false });
    expect(again.outcome.id).toBe(r.outcome.id);
    const text = await runCli(["outcomes", "record", "jane@acme.com", "--kind", "meeting_held"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Recorded meeting_held for jane@acme.com/);
    expect(text.stdout).toContain(`campaign: ${campaignSlug} (last touch`);
  });

  it("exits 2 for an unknown person, a bad kind or a bad time, writing nothing", async () => {
    const ghost = await runCli(["outcomes", "record", "ghost@nowhere.io", "--kind", "meeting_booked"], env);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain('person "ghost@nowhere.io" not found');
    expect((await runCli(["outcomes", "record", "jane@acme.com", "--kind", "lunch"], env)).code).toBe(2);
    expect((await runCli(["outcomes", "record", "jane@acme.com", "--kind", "rejected", "--at", "yesterday"], env)).code).toBe(2);
    expect((await runCli(["outcomes", "record", "jane@acme.com", "--kind", "rejected", "--window-days", "-1"], env)).code).toBe(2);
    expect((await runCli(["outcomes", "list", "--kind", "lunch"], env)).code).toBe(2);
  });

  it("list filters by campaign and kind; why shows the outcomes", async () => {
    const res = await runCli(["outcomes", "list", "--campaign", campaignSlug, "--kind", "meeting_booked", "--json"], env);
    expect(res.code).toBe(0);
    const rows = JSON.parse(res.stdout);
    expect(rows.map((r: { kind: string; campaign_slug: string }) => [r.kind, r.campaign_slug])).toEqual([["meeting_booked", campaignSlug]]);
    expect((await runCli(["outcomes", "list"], env)).stdout).toContain("meeting_held");
    const why = await runCli(["why", "jane@acme.com"], env);
    expect(why.code).toBe(0);
    expect(why.stdout).toMatch(/Outcomes\n[\s\S]*meeting_booked[\s\S]*What happened/);
  });

  it("import records nothing when a row is invalid, unless --skip-invalid", async () => {
    const dir = tempDir();
    const file = path.join(dir, "outcomes.csv");
    fs.writeFileSync(file, "email,kind,at,external_id\nbob@acme.com,not_interested,2026-12-01T10:00:00Z,r-1\nnobody@x.io,rejected,,r-2\n");
    const rejected = await runCli(["outcomes", "import", file], env, dir);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/1 of 2 rows are invalid; nothing was recorded[\s\S]*row 2: person "nobody@x.io" not found/);
    expect(await inDb(async (db) => (await db.selectFrom("outcomes").select("id").where("external_id", "=", "r-1").execute()).length)).toBe(
      0,
    );
    const skipped = await runCli(["outcomes", "import", "outcomes.csv", "--skip-invalid", "--json"], env, dir);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rows: 2, recorded: 1, invalid: 1 });
    const again = await runCli(["outcomes", "import", "outcomes.csv", "--skip-invalid", "--json"], env, dir);
    expect(JSON.parse(again.stdout)).toMatchObject({ recorded: 0, duplicates: 1 });
  });
});
