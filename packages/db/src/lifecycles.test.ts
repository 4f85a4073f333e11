/**
 * Lifecycles the system keeps: a company's forward-only status (`companies.advanceStatus`) and a
 * campaign completing by itself when its last campaign contact finishes (`campaigns.completeIfFinished`
 * and the cron's sweep, `campaigns.completeFinished`). On PGlite, and on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
import { DRAFT_ENROLMENT_HOLD_DAYS, companyStatuses, companyStatusAdvance, type CompanyStatus } from "@offerlab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignAdmin, campaignContacts, campaigns, companies, contacts, offers, settings, suppressions, views } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

describe.each(testEngines())("lifecycles on %s", (engine) => {
  let t: TestDb;
  let offerId: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    offerId = (await offers.create(t.db, { name: "Lifecycles", type: "product", ownership: "internal", description: "d" })).id;
  }, 60_000);
  afterAll(() => t?.drop());

  const company = async (status: CompanyStatus, n: string) =>
    (await companies.upsert(t.db, { offer_id: offerId, name: n, domain: `${n}.example`, source_tool: "m", status })).company.id;
  const statusOf = async (id: string) =>
    (await t.db.selectFrom("companies").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

  describe("companies.advanceStatus", () => {
    it("writes exactly the moves the rule allows, for every pair of statuses", async () => {
      let n = 0;
      for (const from of companyStatuses)
        for (const to of companyStatuses) {
          const id = await company(from, `pair${n++}`);
          const moved = await companies.advanceStatus(t.db, id, to);
          const allowed = companyStatusAdvance(from, to);
          expect(moved, `${from} → ${to}`).toEqual(allowed ? { from, to } : null);
          expect(await statusOf(id), `${from} → ${to}`).toBe(allowed ?? from);
        }
    });

    it("markContacted and markResponded never move a company back", async () => {
      const id = await company("qualified", "fwd");
      expect(await companies.markContacted(t.db, id)).toEqual({ from: "qualified", to: "contacted" });
      expect(await companies.markContacted(t.db, id)).toBeNull();
      expect(await companies.markResponded(t.db, id)).toEqual({ from: "contacted", to: "responded" });
      await companies.advanceStatus(t.db, id, "meeting");
      // A later send or reply (another person there) leaves the meeting alone.
      expect(await companies.markContacted(t.db, id)).toBeNull();
      expect(await companies.markResponded(t.db, id)).toBeNull();
      expect(await statusOf(id)).toBe("meeting");
      const no = await company("responded", "said-no");
      await companies.advanceStatus(t.db, no, "rejected");
      expect(await companies.markResponded(t.db, no)).toBeNull();
      expect(await statusOf(no)).toBe("rejected");
    });

    it("two writers racing cannot move a company backwards", async () => {
      const id = await company("contacted", "race");
      await Promise.all([
        t.db.transaction().execute((trx) => companies.advanceStatus(trx, id, "meeting")),
        t.db.transaction().execute((trx) => companies.markResponded(trx, id)),
      ]);
      // Whichever ran first, the company ends at the furthest status asked for.
      expect(await statusOf(id)).toBe("meeting");
    });
  });

  it("leads shows the global status the send path reads now, with the configured window", async () => {
    const co = await company("qualified", "leads");
    const DAY = 86_400_000;
    const mk = async (email: string, global_status: string, daysAgo: number | null) =>
      (
        await contacts.upsert(t.db, {
          offer_id: offerId,
          company_id: co,
          source_tool: "m",
          email,
          global_status,
          global_last_contacted_at: daysAgo === null ? null : new Date(Date.now() - daysAgo * DAY),
        })
      ).contact.id;
    const ids = {
      passed: await mk("passed@leads.example", "cooling_off", 70),
      inside: await mk("inside@leads.example", "cooling_off", 10),
      staleAvailable: await mk("touched@leads.example", "available", 10),
      undated: await mk("undated@leads.example", "cooling_off", null),
      replied: await mk("replied@leads.example", "replied", 70),
    };
    const effective = async () => {
      const rows = await views.leadsForReview(t.db, { limit: 500 });
      return Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, rows.find((r) => r.contact_id === id)?.effective_global_status]));
    };
    expect(await effective()).toEqual({
      passed: "available",
      inside: "cooling_off",
      staleAvailable: "cooling_off",
      undated: "cooling_off",
      replied: "replied",
    });
    await settings.setCoolingOffDays(t.db, 5);
    expect(await effective()).toMatchObject({ inside: "available", staleAvailable: "available" });
    await settings.setCoolingOffDays(t.db, 60);
  });

  it("a campaign never launched holds its people from other campaigns for DRAFT_ENROLMENT_HOLD_DAYS only; a cancelled one not at all", async () => {
    const DAY = 86_400_000;
    const now = new Date();
    const co = await company("qualified", "holds");
    const target = await campaigns.create(t.db, {
      name: "Target",
      offer_id: offerId,
      channel: "email",
      status: "active",
      campaign_slug: "holds-target",
    });
    const holder = async (status: "draft" | "ready" | "active" | "paused" | "cancelled", daysAgo: number, slug: string) => {
      const { contact } = await contacts.upsert(t.db, {
        offer_id: offerId,
        company_id: co,
        source_tool: "m",
        email: `${slug}@holds.example`,
      });
      const c = await campaigns.create(t.db, { name: slug, offer_id: offerId, channel: "email", status, campaign_slug: slug });
      await campaignContacts.add(t.db, { campaign_id: c.id, contact_id: contact.id, added_at: new Date(now.getTime() - daysAgo * DAY) });
      return contact.id;
    };
    const ids = {
      freshDraft: await holder("draft", 3, "fresh-draft"),
      staleDraft: await holder("draft", DRAFT_ENROLMENT_HOLD_DAYS + 1, "stale-draft"),
      staleReady: await holder("ready", DRAFT_ENROLMENT_HOLD_DAYS + 1, "stale-ready"),
      oldActive: await holder("active", 100, "old-active"),
      oldPaused: await holder("paused", 100, "old-paused"),
      cancelled: await holder("cancelled", 1, "cancelled-one"),
    };
    const { candidates } = await campaignAdmin.candidates(t.db, target.id, { now });
    const elsewhere = Object.fromEntries(
      Object.entries(ids).map(([k, id]) => [k, candidates.find((c) => c.contactId === id)?.activeElsewhere]),
    );
    expect(elsewhere).toEqual({
      freshDraft: "fresh-draft",
      staleDraft: null,
      staleReady: null,
      oldActive: "old-active",
      oldPaused: "old-paused",
      cancelled: null,
    });
  });

  it("contacts: ready when enriched, reachable and eligible; back to enriched when that stops; other statuses never move", async () => {
    const co = await company("qualified", "ready-co");
    const mk = async (slug: string, over: Record<string, unknown>) =>
      (await contacts.upsert(t.db, { offer_id: offerId, company_id: co, source_tool: "m", full_name: slug, ...over })).contact.id;
    const ids = {
      validEmail: await mk("valid", { email: "valid@ready.example", email_status: "valid", status: "enriched" }),
      riskyEmail: await mk("risky", { email: "risky@ready.example", email_status: "risky", status: "enriched" }),
      linkedinOnly: await mk("li", { linkedin_url: "https://linkedin.com/in/ready-li", status: "enriched" }),
      unreachable: await mk("bad", { email: "bad@ready.example", email_status: "invalid", status: "enriched" }),
      ineligible: await mk("inel", {
        email: "inel@ready.example",
        email_status: "valid",
        status: "enriched",
        eligible_for_outreach: false,
      }),
      dnc: await mk("dnc", { email: "dnc@ready.example", email_status: "valid", status: "enriched", global_status: "do_not_contact" }),
      replied: await mk("rep", { email: "rep@ready.example", email_status: "valid", status: "enriched", global_status: "replied" }),
      cooling: await mk("cool", { email: "cool@ready.example", email_status: "valid", status: "enriched", global_status: "cooling_off" }),
      contacted: await mk("done", { email: "done@ready.example", email_status: "valid", status: "contacted" }),
      fresh: await mk("new", { email: "new@ready.example", email_status: "valid", status: "new" }),
    };
    const statuses = async () => {
      const rows = await t.db.selectFrom("contacts").select(["id", "status"]).where("id", "in", Object.values(ids)).execute();
      return Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, rows.find((r) => r.id === id)!.status]));
    };
    expect(await contacts.refreshReadiness(t.db, Object.values(ids))).toEqual({ ready: 4, unready: 0 });
    expect(await statuses()).toEqual({
      validEmail: "ready",
      riskyEmail: "ready",
      linkedinOnly: "ready",
      unreachable: "enriched",
      ineligible: "enriched",
      dnc: "enriched",
      replied: "enriched",
      cooling: "ready",
      contacted: "contacted",
      fresh: "new",
    });
    // Eligibility changes: a suppression entry, a reply held elsewhere.
    await suppressions.add(t.db, { kind: "email", value: "valid@ready.example", reason: "asked" });
    await t.db.updateTable("contacts").set({ global_status: "replied" }).where("id", "=", ids.riskyEmail).execute();
    expect(await contacts.refreshReadiness(t.db, Object.values(ids))).toEqual({ ready: 0, unready: 2 });
    expect(await statuses()).toMatchObject({ validEmail: "enriched", riskyEmail: "enriched", linkedinOnly: "ready" });
    await suppressions.remove(t.db, "email", "valid@ready.example");
    expect(await contacts.refreshReadiness(t.db, [ids.validEmail])).toEqual({ ready: 1, unready: 0 });
    // Enrichment completing makes a new contact ready in the same call.
    const found = await mk("found", { linkedin_url: "https://linkedin.com/in/found", status: "new" });
    await contacts.recordEmailCheck(
      t.db,
      { id: found, status: "new" },
      { status: "valid", email: "found@ready.example", source: "x", at: new Date() },
    );
    expect((await t.db.selectFrom("contacts").select("status").where("id", "=", found).executeTakeFirstOrThrow()).status).toBe("ready");
  });

  describe("campaigns complete by themselves", () => {
    let n = 0;
    const setUp = async (status: "active" | "paused" | "draft", people: number) => {
      const k = n++;
      const co = await company("qualified", `camp${k}`);
      const campaign = await campaigns.create(t.db, {
        name: `Camp ${k}`,
        offer_id: offerId,
        channel: "email",
        status,
        campaign_slug: `camp-${k}`,
      });
      const ccs: string[] = [];
      for (let i = 0; i < people; i++) {
        const { contact } = await contacts.upsert(t.db, {
          offer_id: offerId,
          company_id: co,
          source_tool: "m",
          email: `p${i}@camp${k}.example`,
        });
        ccs.push((await campaignContacts.add(t.db, { campaign_id: campaign.id, contact_id: contact.id })).campaignContact.id);
      }
      return { campaign, ccs };
    };
    const finish = (ccId: string, status: "completed" | "replied" | "bounced" = "completed") =>
      t.db.updateTable("campaign_contacts").set({ status }).where("id", "=", ccId).execute();
    const campaignStatus = async (id: string) =>
      (await t.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

    it("completes an active campaign when its last campaign contact finishes, not before", async () => {
      const { campaign, ccs } = await setUp("active", 3);
      await finish(ccs[0]!);
      await finish(ccs[1]!, "replied");
      expect(await campaigns.completeIfFinished(t.db, [campaign.id])).toEqual([]);
      expect(await campaignStatus(campaign.id)).toBe("active");
      await t.db.transaction().execute(async (trx) => {
        await trx.updateTable("campaign_contacts").set({ status: "bounced" }).where("id", "=", ccs[2]!).execute();
        expect(await campaigns.completeIfFinished(trx, [campaign.id, null])).toEqual([campaign.id]);
      });
      expect(await campaignStatus(campaign.id)).toBe("completed");
    });

    it("leaves a campaign with a paused contact, an empty campaign, and a paused or draft campaign alone", async () => {
      const waiting = await setUp("active", 2);
      await finish(waiting.ccs[0]!);
      await t.db.updateTable("campaign_contacts").set({ status: "paused" }).where("id", "=", waiting.ccs[1]!).execute();
      const empty = await setUp("active", 0);
      const paused = await setUp("paused", 1);
      await finish(paused.ccs[0]!);
      const draft = await setUp("draft", 1);
      await finish(draft.ccs[0]!);
      const ids = [waiting, empty, paused, draft].map((x) => x.campaign.id);
      expect(await campaigns.completeIfFinished(t.db, ids)).toEqual([]);
      expect(await campaigns.completeFinished(t.db)).toEqual([]);
      for (const id of ids) expect(await campaignStatus(id)).not.toBe("completed");
    });

    it("the sweep completes what two transactions finishing at once left active", async () => {
      const { campaign, ccs } = await setUp("active", 2);
      // Both finish with the other still running in their snapshot: neither completes.
      await finish(ccs[0]!);
      await finish(ccs[1]!);
      expect(await campaignStatus(campaign.id)).toBe("active");
      expect(await campaigns.completeFinished(t.db)).toEqual([campaign.id]);
      expect(await campaignStatus(campaign.id)).toBe("completed");
      expect(await campaigns.completeFinished(t.db)).toEqual([]);
    });

    it("does not wait for a campaign row another transaction holds", async () => {
      if (engine === "pglite") return; // one connection: no second transaction to hold the row
      const { campaign, ccs } = await setUp("active", 1);
      await finish(ccs[0]!);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = t.db.transaction().execute(async (trx) => {
        await trx.selectFrom("campaigns").select("id").where("id", "=", campaign.id).forUpdate().execute();
        locked();
        await held;
      });
      await isLocked;
      expect(await campaigns.completeIfFinished(t.db, [campaign.id])).toEqual([]);
      release();
      await holder;
      expect(await campaigns.completeFinished(t.db)).toEqual([campaign.id]);
    });
  });
});
