/**
 * The edit commands a person needs: `offerlab campaigns edit`, `contacts edit`, `contacts unpause`
 * and `companies edit`, against a real database on each engine. Each has --help with examples and
 * --json; bad input exits 2 and changes nothing; an unknown reference exits 2 naming it.
 */
import { accounts, campaignAdmin, campaignContacts, companies, contacts, offers } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDatabase, type CliDatabase } from "./test-support/cli-db.js";

describe.each(testEngines())("edit commands on %s", { timeout: 120_000 }, (engine) => {
  let d: CliDatabase;
  const ids: Record<string, string> = {};
  let slug = "";

  beforeAll(async () => {
    d = await cliDatabase(engine);
    await d.seed(async (db) => {
      const offer = await offers.create(db, {
        name: "Edit Coach",
        slug: "edit-coach",
        type: "product",
        ownership: "internal",
        description: "d",
      });
      const company = (
        await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.io", source_tool: "manual", status: "qualified" })
      ).company;
      ids.company = company.id;
      const jane = (
        await contacts.upsert(db, {
          offer_id: offer.id,
          company_id: company.id,
          source_tool: "manual",
          full_name: "Jane Doe",
          email: "jane@acme.io",
          linkedin_url: "https://www.linkedin.com/in/jane-doe",
          status: "ready",
        })
      ).contact;
      ids.jane = jane.id;
      const box = await accounts.create(db, {
        name: "ann box",
        type: "email",
        owner: "ann",
        email_address: "ann@ramp.io",
        unipile_account_id: "u-ann",
      });
      await accounts.create(db, {
        name: "bob box",
        type: "email",
        owner: "bob",
        email_address: "bob@ramp.io",
        unipile_account_id: "u-bob",
      });
      const campaign = await campaignAdmin.create(db, {
        offer: offer.id,
        name: "Hiring push",
        channel: "email",
        accounts: [box.id],
        signal: "hiring",
        icp_target: "saas",
      });
      slug = campaign.campaign_slug!;
      ids.campaign = campaign.id;
      await campaignContacts.add(db, {
        campaign_id: campaign.id,
        contact_id: jane.id,
        status: "paused",
        stop_reason: "no approved email template for step 1",
      });
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  const campaignRow = () =>
    d.seed((db) => db.selectFrom("campaigns").selectAll().where("id", "=", ids.campaign!).executeTakeFirstOrThrow());
  const janeRow = () => d.seed((db) => db.selectFrom("contacts").selectAll().where("id", "=", ids.jane!).executeTakeFirstOrThrow());

  it("every edit command has --help with examples", async () => {
    for (const [args, example] of [
      [["campaigns", "edit"], /offerlab campaigns edit .* --window 08:30-17:30 --days mon-fri/],
      [["contacts", "edit"], /offerlab contacts edit jane@acme.com --notes/],
      [["contacts", "unpause"], /offerlab contacts unpause jane@acme.com/],
      [["companies", "edit"], /offerlab companies edit acme.com --disqualify --reason/],
    ] as const) {
      const help = await d.run([...args, "--help"]);
      expect(help.code, args.join(" ")).toBe(0);
      expect(help.stdout).toMatch(example);
      expect(help.stdout).toMatch(/--json/);
    }
  });

  it("campaigns edit: window, days by name, time zone and accounts; bad input exits 2 and changes nothing", async () => {
    const r = await d.run([
      "campaigns",
      "edit",
      slug,
      "--window",
      "08:30-17:30",
      "--days",
      "mon-wed,fri",
      "--timezone",
      "Europe/Paris",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toEqual(["send_window_start", "send_window_end", "send_days", "timezone"]);
    expect(out.campaign).toMatchObject({ send_days: [1, 2, 3, 5], timezone: "Europe/Paris" });

    const accountsEdit = await d.run(["campaigns", "edit", slug, "--accounts", "bob@ramp.io"]);
    expect(accountsEdit.code).toBe(0);
    expect(accountsEdit.stdout).toMatch(/changed accounts\./);
    expect(accountsEdit.stdout).toMatch(/Taken off: ann box; 0 planned send\(s\) from it cancelled\./);

    const before = await campaignRow();
    const bad = await d.run(["campaigns", "edit", slug, "--timezone", "Mars/Olympus", "--accounts", "nobody"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/timezone: "Mars\/Olympus" is not an IANA time zone/);
    expect(bad.stderr).toMatch(/accounts: account "nobody" not found/);
    expect((await d.run(["campaigns", "edit", slug, "--days", "funday"])).code).toBe(2);
    expect((await d.run(["campaigns", "edit", slug, "--window", "18:00-09:00"])).code).toBe(2);
    const nothing = await d.run(["campaigns", "edit", slug]);
    expect(nothing).toMatchObject({ code: 2 });
    expect(nothing.stderr).toMatch(/nothing to change/);
    expect(await campaignRow()).toEqual(before);

    const unknown = await d.run(["campaigns", "edit", "no-such-campaign", "--timezone", "UTC"]);
    expect(unknown).toMatchObject({ code: 2, stderr: 'offerlab: campaign "no-such-campaign" not found: see offerlab campaigns list\n' });
  });

  it("campaigns edit --daily-cap: sets, shows and clears the cap (per day in the campaign's time zone); bad values exit 2 and change nothing", async () => {
    const help = await d.run(["campaigns", "edit", "--help"]);
    expect(help.stdout).toMatch(/--daily-cap <n\|none>/);
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/per calendar day in the campaign's time zone/);
    expect(help.stdout).toMatch(/offerlab campaigns edit .* --daily-cap 40/);
    const createHelp = await d.run(["campaigns", "create", "--help"]);
    expect(createHelp.stdout).toMatch(/--daily-cap <n>/);

    const set = await d.run(["campaigns", "edit", slug, "--daily-cap", "40", "--json"]);
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(set.stdout)).toMatchObject({ changed: ["daily_send_cap"], campaign: { daily_send_cap: 40 } });
    const shown = await d.run(["campaigns", "show", slug]);
    expect(shown.stdout).toMatch(/daily cap +40 sends a day, every action together \(calendar day in [A-Za-z/_]+\)/);
    expect(JSON.parse((await d.run(["campaigns", "show", slug, "--json"])).stdout)).toMatchObject({ daily_send_cap: 40 });

    const before = await campaignRow();
    for (const bad of ["0", "-2", "2.5"]) {
      const r = await d.run(["campaigns", "edit", slug, "--daily-cap", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/daily_send_cap: must be a positive whole number of sends a day, or none to clear it/);
    }
    const words = await d.run(["campaigns", "edit", slug, "--daily-cap", "lots"]);
    expect(words).toMatchObject({ code: 2 });
    expect(words.stderr).toMatch(/--daily-cap: must be a positive whole number of sends a day, or none to clear it \(got "lots"\)/);
    expect(await campaignRow()).toEqual(before);

    const cleared = await d.run(["campaigns", "edit", slug, "--daily-cap", "none"]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/daily cap +none \(only the accounts' limits\)/);
    expect(cleared.stdout).toMatch(/changed daily_send_cap\./);
    expect((await campaignRow()).daily_send_cap).toBeNull();
  });

  it("contacts edit: notes, degree and status by email or LinkedIn URL; refused changes exit 2 and write nothing", async () => {
    const r = await d.run(["contacts", "edit", "Jane@Acme.io", "--notes", "met at SaaStr", "--connection-degree", "1", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      changed: ["notes", "connection_degree"],
      contact: { notes: "met at SaaStr", connection_degree: 1 },
    });
    const skip = await d.run(["contacts", "edit", "https://linkedin.com/in/jane-doe/", "--status", "skip", "--reason", "left"]);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toMatch(/status +skip \(left\)/);
    expect(skip.stdout).toMatch(/Changed: status\./);

    const before = await janeRow();
    const meeting = await d.run(["contacts", "edit", "jane@acme.io", "--status", "meeting"]);
    expect(meeting.code).toBe(2);
    expect(meeting.stderr).toMatch(/status: meeting is recorded from the outcome, not set by hand: use `offerlab outcomes record`/);
    expect((await d.run(["contacts", "edit", "jane@acme.io", "--connection-degree", "4"])).code).toBe(2);
    expect((await d.run(["contacts", "edit", "jane@acme.io", "--release"])).code).toBe(2);
    expect((await d.run(["contacts", "edit", "jane@acme.io"])).code).toBe(2);
    expect(await janeRow()).toEqual(before);

    const unknown = await d.run(["contacts", "edit", "nobody@nowhere.io", "--notes", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/contact "nobody@nowhere.io" not found/);
  });

  it("contacts unpause: a paused sequence goes on; not paused exits 2", async () => {
    const r = await d.run(["contacts", "unpause", "jane@acme.io", "--campaign", slug, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      campaign: slug,
      was: "no approved email template for step 1",
      campaignContact: { status: "queued" },
    });
    const again = await d.run(["contacts", "unpause", "jane@acme.io"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not paused in any running campaign/);
    expect((await d.run(["contacts", "unpause", "nobody@nowhere.io"])).code).toBe(2);
  });

  it("companies edit: disqualify with a reason, qualify again; no reason or an automatic status exits 2", async () => {
    const noReason = await d.run(["companies", "edit", "acme.io", "--disqualify"]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/reason: is required to disqualify a company/);
    expect((await d.run(["companies", "edit", "acme.io", "--status", "converted"])).code).toBe(2);
    expect((await d.run(["companies", "edit", "acme.io"])).code).toBe(2);
    expect((await d.seed((db) => companies.get(db, ids.company!)))!.status).toBe("qualified");

    const r = await d.run(["companies", "edit", "https://www.acme.io", "--disqualify", "--reason", "an agency", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      changed: true,
      company: { status: "disqualified", disqualification_reason: "an agency" },
    });
    const back = await d.run(["companies", "edit", "Acme", "--status", "qualified"]);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/Status: disqualified → qualified\./);
    expect((await d.run(["companies", "edit", "nowhere.io", "--status", "new"])).code).toBe(2);
  });
});
