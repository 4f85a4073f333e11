/**
 * Every option and argument that names an offer, a campaign, an account or a template takes its
 * id or what the product shows for it (slug, name, email …), through @offerlab/db's `resolve`,
 * and a reference that names nothing exits 2 with one line saying what was not found and where
 * to list the candidates. One command family after the other, on each engine.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { accounts, claimDataMode, companies, contacts, offers } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDatabase, type CliDatabase } from "./test-support/cli-db.js";

const notFound = (kind: string, ref: string, list: string) => `offerlab: ${kind} "${ref}" not found: see offerlab ${list} list\n`;

describe.each(testEngines())("references by id, slug or name on %s", (engine) => {
  let d: CliDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    d = await cliDatabase(engine);
    await d.seed(async (db) => {
      const offer = await offers.create(db, {
        name: "Ramp Coach",
        slug: "ramp-coach",
        type: "product",
        ownership: "internal",
        description: "d",
      });
      ids.offer = offer.id;
      ids.side = (await offers.create(db, { name: "Side Offer", type: "service", ownership: "internal", description: "s" })).id;
      const company = (
        await companies.upsert(db, {
          offer_id: offer.id,
          name: "Good Co",
          domain: "good.co",
          source_tool: "manual",
          fit_score: 9,
          status: "qualified",
        })
      ).company;
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "manual",
        full_name: "Pat Lee",
        email: "pat@good.co",
        email_status: "valid",
        status: "ready",
      });
      ids.box = (
        await accounts.create(db, {
          name: "ann box",
          type: "email",
          owner: "ann",
          email_address: "ann@ramp.io",
          unipile_account_id: "u-ann",
        })
      ).id;
      const [opener] = await db
        .insertInto("message_templates")
        .values({
          offer_id: offer.id,
          name: "Opener",
          channel: "email",
          sequence_step: 1,
          template_key: "email.1",
          subject: "Ramp at {{company.name}}",
          body: "Hi {{first_name|there}}.",
        })
        .returning("id")
        .execute();
      ids.opener = opener!.id;
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("offers: show, edit and status take the slug or the name", async () => {
    const shown = await d.run(["offers", "show", "Ramp Coach", "--json"]);
    expect(shown.stderr).toBe("");
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ids.offer, slug: "ramp-coach" });
    expect(JSON.parse((await d.run(["offers", "show", ids.offer!, "--json"])).stdout).slug).toBe("ramp-coach");
    const edited = await d.run(["offers", "edit", "ramp coach", "--price-range", "high", "--json"]);
    expect(edited.code, edited.stderr).toBe(0);
    expect(JSON.parse(edited.stdout).offer).toMatchObject({ id: ids.offer, price_range: "high" });
    const killed = await d.run(["offers", "status", "side-offer", "killed", "--json"]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(JSON.parse(killed.stdout)).toMatchObject({ previous: "draft", offer: { id: ids.side, status: "killed" } });
    for (const args of [
      ["offers", "show", "nope"],
      ["offers", "edit", "nope", "--price-range", "low"],
      ["offers", "status", "nope", "draft"],
    ]) {
      const res = await d.run(args);
      expect([res.code, res.stderr], args.join(" ")).toEqual([2, notFound("offer", "nope", "offers")]);
    }
  });

  it("templates: list and approve take the offer's slug or name, and a template's name", async () => {
    const listed = await d.run(["templates", "list", "--offer", "Ramp Coach", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((t: { id: string }) => t.id)).toEqual([ids.opener]);
    const approved = await d.run(["templates", "approve", "opener", "--json"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout).approved.map((t: { id: string }) => t.id)).toEqual([ids.opener]);
    for (const [args, message] of [
      [["templates", "list", "--offer", "nope"], notFound("offer", "nope", "offers")],
      [["templates", "approve", "--offer", "nope"], notFound("offer", "nope", "offers")],
      [["templates", "approve", "Closer"], notFound("template", "Closer", "templates")],
    ] as const) {
      const res = await d.run([...args]);
      expect([res.code, res.stderr], args.join(" ")).toEqual([2, message]);
    }
  });

  it("accounts: pause, resume, limits and warm take the id, name, email or Unipile id", async () => {
    expect((await d.run(["accounts", "pause", "ann box"])).stdout).toBe("Account ann box: active → paused.\n");
    expect((await d.run(["accounts", "resume", "ann@ramp.io"])).stdout).toBe("Account ann box: paused → active.\n");
    expect(JSON.parse((await d.run(["accounts", "limits", "u-ann", "--emails", "40", "--json"])).stdout)).toMatchObject({
      id: ids.box,
      configured: { daily_limit_emails: 40 },
    });
    expect(JSON.parse((await d.run(["accounts", "warm", ids.box!, "--stop", "--json"])).stdout)).toMatchObject({
      id: ids.box,
      warming_week: 0,
    });
    for (const cmd of ["pause", "resume", "limits", "warm"]) {
      const res = await d.run(["accounts", cmd, "ghost"]);
      expect([res.code, res.stderr], cmd).toEqual([2, notFound("account", "ghost", "accounts")]);
    }
  });

  it("campaigns: create, list, show, add-contacts, launch, pause, resume, forecast and cancel take slugs and names", async () => {
    const created = await d.run([
      "campaigns",
      "create",
      "--offer",
      "Ramp Coach",
      "--name",
      "Spring Push",
      "--channel",
      "email",
      "--accounts",
      "ann@ramp.io",
      "--signal",
      "hiring",
      "--icp",
      "saas",
      "--schedule",
      writeSchedule(),
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const campaign = JSON.parse(created.stdout) as { id: string; campaign_slug: string; offer_id: string };
    expect(campaign.offer_id).toBe(ids.offer);
    expect(
      JSON.parse((await d.run(["campaigns", "list", "--offer", "ramp coach", "--json"])).stdout).map((c: { id: string }) => c.id),
    ).toEqual([campaign.id]);
    expect(JSON.parse((await d.run(["campaigns", "show", "Spring Push", "--json"])).stdout)).toMatchObject({
      id: campaign.id,
      offer_slug: "ramp-coach",
    });
    const enrolled = await d.run(["campaigns", "add-contacts", campaign.campaign_slug, "--json"]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(JSON.parse(enrolled.stdout)).toMatchObject({ added: 1 });
    expect((await d.run(["campaigns", "launch", "spring push"])).code).toBe(0);
    expect((await d.run(["campaigns", "pause", campaign.campaign_slug])).stdout).toMatch(/active → paused/);
    expect((await d.run(["campaigns", "resume", "Spring Push"])).code).toBe(0);
    expect(JSON.parse((await d.run(["campaigns", "forecast", "Spring Push", "--json"])).stdout)).toMatchObject({
      campaign: campaign.campaign_slug,
      contacts: 1,
    });

    const cases: [string[], string][] = [
      [
        [
          "campaigns",
          "create",
          "--offer",
          "nope",
          "--name",
          "X",
          "--channel",
          "email",
          "--accounts",
          "ann box",
          "--signal",
          "s",
          "--icp",
          "i",
        ],
        'offer: offer "nope" not found: see offerlab offers list',
      ],
      [
        [
          "campaigns",
          "create",
          "--offer",
          "ramp-coach",
          "--name",
          "X",
          "--channel",
          "email",
          "--accounts",
          "ghost",
          "--signal",
          "s",
          "--icp",
          "i",
        ],
        'accounts: account "ghost" not found: see offerlab accounts list',
      ],
    ];
    for (const [args, issue] of cases) {
      const res = await d.run(args);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(issue);
    }
    const list = await d.run(["campaigns", "list", "--offer", "nope"]);
    expect([list.code, list.stderr]).toEqual([2, notFound("offer", "nope", "offers")]);
    for (const cmd of ["show", "add-contacts", "launch", "pause", "resume", "forecast"]) {
      const res = await d.run(["campaigns", cmd, "Autumn Push"]);
      expect([res.code, res.stderr], cmd).toEqual([2, notFound("campaign", "Autumn Push", "campaigns")]);
    }
    const cancel = await d.run(["campaigns", "cancel", "Autumn Push", "--yes"]);
    expect([cancel.code, cancel.stderr]).toEqual([2, notFound("campaign", "Autumn Push", "campaigns")]);
    expect((await d.run(["campaigns", "cancel", "Spring Push", "--yes"])).stdout).toMatch(/→ cancelled/);
  });

  it("dashboards: leads --campaign and performance --offer take a slug or a name instead of failing in SQL", async () => {
    const leads = await d.run(["leads", "--campaign", "Spring Push", "--json"]);
    expect(leads.code, leads.stderr).toBe(0);
    expect(JSON.parse(leads.stdout).map((r: { full_name: string; campaign_name: string }) => [r.full_name, r.campaign_name])).toEqual([
      ["Pat Lee", "Spring Push"],
    ]);
    const perf = await d.run(["performance", "--offer", "ramp-coach", "--json"]);
    expect(perf.code, perf.stderr).toBe(0);
    expect(JSON.parse(perf.stdout)).toMatchObject({ offers: [{ id: ids.offer }], campaigns: [{ name: "Spring Push" }] });
    expect(JSON.parse((await d.run(["performance", "--offer", "Side Offer", "--json"])).stdout)).toMatchObject({
      offers: [{ id: ids.side }],
      campaigns: [],
    });
    const noCampaign = await d.run(["leads", "--campaign", "cold-nothing"]);
    expect([noCampaign.code, noCampaign.stderr]).toEqual([2, notFound("campaign", "cold-nothing", "campaigns")]);
    const noOffer = await d.run(["performance", "--offer", "nope"]);
    expect([noOffer.code, noOffer.stderr]).toEqual([2, notFound("offer", "nope", "offers")]);
  });

  it("export, import and the pipeline commands take the offer's slug or name", async () => {
    const exported = await d.run(["export", "contacts", "--offer", "Ramp Coach", "--json"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout).map((r: { email: string }) => r.email)).toEqual(["pat@good.co"]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-refs-"));
    const csv = path.join(dir, "companies.csv");
    fs.writeFileSync(csv, "name,domain\nNew Co,new.co\n");
    const imported = await d.run(["import", "companies", csv, "--offer", "ramp coach", "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ offer: "ramp-coach", created: 1 });
    for (const args of [
      ["export", "contacts", "--offer", "nope"],
      ["import", "companies", csv, "--offer", "nope"],
    ]) {
      const res = await d.run(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`(^|\\n)${escape(notFound("offer", "nope", "offers"))}$`));
    }
    // The pipeline runs on simulated providers only in the sandbox's own database.
    const s = await cliDatabase(engine);
    try {
      await s.seed(async (db) => {
        await claimDataMode(db, "sandbox");
        await offers.create(db, { name: "Ramp Coach", slug: "ramp-coach", type: "product", ownership: "internal", description: "d" });
      });
      const enriched = await s.run(["enrich", "emails", "--offer", "Ramp Coach", "--sandbox", "--json"]);
      expect(enriched.code, enriched.stderr).toBe(0);
      expect(JSON.parse(enriched.stdout)).toMatchObject({ offer: "ramp-coach", step: "enrich_emails" });
      const res = await s.run(["enrich", "emails", "--offer", "nope", "--sandbox"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`(^|\\n)${escape(notFound("offer", "nope", "offers"))}$`));
    } finally {
      await s.drop();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A one-step email schedule, so the campaign needs only the offer's first email template. */
function writeSchedule(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-refs-")), "schedule.yaml");
  fs.writeFileSync(file, "steps:\n  - step: 1\n    type: email\n    delay_days: 0\n");
  return file;
}
