import { ValidationError } from "@offerlab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountAdmin,
  accounts,
  campaignAdmin,
  campaignContacts,
  campaigns,
  companies,
  contacts,
  messageTemplates,
  NotFoundError,
  offerCopy,
  offers,
} from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const DAY = 86_400_000;
const now = new Date("2026-03-02T10:00:00Z");
const notFoundOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!NotFoundError.isInstance(e)) throw new Error(`expected a NotFoundError, got ${String(e)}`);
  return e.message;
};

const issuesOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!ValidationError.isInstance(e)) throw new Error(`expected a ValidationError, got ${String(e)}`);
  return e.issues;
};

describe.each(testEngines())("accounts and campaigns on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t.drop();
  });

  describe("accounts", () => {
    it("finds an account by id, name, email or provider id, and names what it cannot find", async () => {
      const a = await accounts.create(t.db, { name: "jane_linkedin", type: "linkedin", owner: "jane", unipile_account_id: "uni-1" });
      const m = await accounts.create(t.db, { name: "jane mail", type: "email", owner: "jane", email_address: "jane@offerlab.dev" });
      expect((await accountAdmin.find(t.db, a.id)).id).toBe(a.id);
      expect((await accountAdmin.find(t.db, "jane_linkedin")).id).toBe(a.id);
      expect((await accountAdmin.find(t.db, "uni-1")).id).toBe(a.id);
      expect((await accountAdmin.find(t.db, "JANE@offerlab.dev")).id).toBe(m.id);
      expect(await notFoundOf(accountAdmin.find(t.db, "nobody"))).toBe('account "nobody" not found: see offerlab accounts list');
      await accounts.create(t.db, { name: "jane_linkedin", type: "linkedin", owner: "jane" });
      expect(await notFoundOf(accountAdmin.find(t.db, "jane_linkedin"))).toMatch(
        /^account "jane_linkedin" is ambiguous: it names 2 accounts .*pass the id/,
      );
    });

    it("pauses and resumes by the lifecycle, never resuming a disconnected account by hand", async () => {
      const a = await accounts.create(t.db, { name: "status-li", type: "linkedin", owner: "mo" });
      expect(await accountAdmin.setStatus(t.db, a.id, "paused")).toMatchObject({ previous: "active", account: { status: "paused" } });
      expect((await accountAdmin.setStatus(t.db, a.id, "active")).account.status).toBe("active");
      await t.db
        .updateTable("accounts")
        .set({ status: "limited", limited_until: new Date(Date.now() + DAY) })
        .where("id", "=", a.id)
        .execute();
      expect((await accountAdmin.setStatus(t.db, a.id, "active")).account).toMatchObject({ status: "active", limited_until: null });
      await t.db.updateTable("accounts").set({ status: "disconnected" }).where("id", "=", a.id).execute();
      const issues = await issuesOf(accountAdmin.setStatus(t.db, a.id, "active"));
      expect(issues[0]!.message).toMatch(
        /cannot go from disconnected to active.*re-connect it at Unipile, then run `offerlab accounts sync`/,
      );
      expect((await accounts.get(t.db, a.id))!.status).toBe("disconnected");
    });

    it("sets limits, refusing values that are not whole numbers in range and writing nothing then", async () => {
      const a = await accounts.create(t.db, { name: "limits-mail", type: "email", owner: "mo", email_address: "limits@x.com" });
      const issues = await issuesOf(
        accountAdmin.setLimits(t.db, a.id, { daily_limit_emails: -1, hourly_limit: 2.5, daily_limit_messages: 50 }),
      );
      expect(issues.map((i) => i.field)).toEqual(["daily_limit_emails", "hourly_limit"]);
      expect((await accounts.get(t.db, a.id))!.daily_limit_messages).toBe(40);
      const { account, previous } = await accountAdmin.setLimits(t.db, a.id, { daily_limit_emails: 60, hourly_limit: 12 });
      expect([previous.daily_limit_emails, account.daily_limit_emails, account.hourly_limit]).toEqual([100, 60, 12]);
    });

    it("starts warming at a week (started that many weeks back) and stops it", async () => {
      const a = await accounts.create(t.db, { name: "warm-li", type: "linkedin", owner: "mo", status: "warming" });
      const warmed = await accountAdmin.startWarming(t.db, a.id, { week: 2, now });
      expect(warmed).toMatchObject({ status: "active", warming_week: 2 });
      expect(warmed.warming_started_at!.toISOString()).toBe(new Date(now.getTime() - 7 * DAY).toISOString());
      expect(await issuesOf(accountAdmin.startWarming(t.db, a.id, { week: 5 }))).toEqual([
        { field: "week", message: "must be 1, 2, 3 or 4 (got 5)" },
      ]);
      expect(await accountAdmin.stopWarming(t.db, a.id)).toMatchObject({ warming_week: 0, warming_started_at: null });
    });

    it("syncs from the provider: creates, links, disconnects, reconnects; a dry run writes nothing", async () => {
      const linkable = await accounts.create(t.db, { name: "sales box", type: "email", owner: "sam", email_address: "sales@acme.io" });
      const broken = await accounts.create(t.db, { name: "broken", type: "linkedin", owner: "bo", unipile_account_id: "uni-broken" });
      const back = await accounts.create(t.db, {
        name: "back",
        type: "linkedin",
        owner: "bo",
        unipile_account_id: "uni-back",
        status: "disconnected",
      });
      const gone = await accounts.create(t.db, { name: "gone", type: "linkedin", owner: "bo", unipile_account_id: "uni-gone" });
      const paused = await accounts.create(t.db, {
        name: "paused",
        type: "linkedin",
        owner: "bo",
        unipile_account_id: "uni-paused",
        status: "paused",
      });
      const remote = [
        { id: "uni-new", type: "linkedin" as const, name: "Kim Lee", status: "active" as const, provider: "linkedin" },
        {
          id: "uni-sales",
          type: "email" as const,
          name: "sales@acme.io",
          status: "active" as const,
          emailAddress: "Sales@Acme.io",
          provider: "gmail",
        },
        { id: "uni-broken", type: "linkedin" as const, name: "Broken", status: "disconnected" as const },
        { id: "uni-back", type: "linkedin" as const, name: "Back", status: "active" as const },
        { id: "uni-paused", type: "linkedin" as const, name: "Paused", status: "active" as const },
        { id: "uni-1", type: "linkedin" as const, name: "Jane", status: "active" as const },
      ];
      const before = await t.db.selectFrom("accounts").selectAll().orderBy("id").execute();
      const dry = await accountAdmin.sync(t.db, remote, { now, dryRun: true });
      expect(await t.db.selectFrom("accounts").selectAll().orderBy("id").execute()).toEqual(before);
      const changes = await accountAdmin.sync(t.db, remote, { now });
      expect(changes.map((c) => [c.name, c.action])).toEqual(dry.map((c) => [c.name, c.action]));
      const byRemote = Object.fromEntries(changes.map((c) => [c.remoteId, c.action]));
      expect(byRemote).toMatchObject({
        "uni-new": "create",
        "uni-sales": "link",
        "uni-broken": "disconnect",
        "uni-back": "reconnect",
        "uni-paused": "unchanged",
        "uni-gone": "disconnect",
      });
      const created = await accountAdmin.find(t.db, "uni-new");
      expect(created).toMatchObject({ type: "linkedin", owner: "kim", status: "active", warming_week: 1, provider: "linkedin" });
      expect(await accounts.get(t.db, linkable.id)).toMatchObject({ unipile_account_id: "uni-sales", provider: "gmail" });
      expect((await accounts.get(t.db, broken.id))!.status).toBe("disconnected");
      expect((await accounts.get(t.db, back.id))!.status).toBe("active");
      expect((await accounts.get(t.db, gone.id))!.status).toBe("disconnected");
      expect((await accounts.get(t.db, paused.id))!.status).toBe("paused");
      // A second sync changes nothing.
      const again = await accountAdmin.sync(t.db, remote, { now });
      expect(again.filter((c) => c.action !== "unchanged")).toEqual([]);
    });

    it("refuses a second account for one real account (same Unipile id, same mailbox), naming the first, also when two adds race", async () => {
      const li = await accounts.create(t.db, { name: "once-li", type: "linkedin", owner: "oz", unipile_account_id: "uni-once" });
      const mail = await accounts.create(t.db, { name: "once-mail", type: "email", owner: "oz", email_address: "once@acme.io" });
      const count = async () => (await t.db.selectFrom("accounts").select("id").where("owner", "=", "oz").execute()).length;
      expect(
        await issuesOf(accounts.create(t.db, { name: "twice-li", type: "linkedin", owner: "oz", unipile_account_id: " uni-once " })),
      ).toEqual([
        {
          field: "unipile_account_id",
          message: `Unipile account uni-once is already account once-li (${li.id}): one real account has one set of limits. Change that account instead (\`offerlab accounts limits once-li\`)`,
        },
      ]);
      expect(
        (await issuesOf(accounts.create(t.db, { name: "twice-mail", type: "email", owner: "oz", email_address: "ONCE@acme.io" })))[0],
      ).toMatchObject({
        field: "email_address",
        message: expect.stringContaining(`the mailbox once@acme.io is already account once-mail (${mail.id})`),
      });
      expect(await count()).toBe(2);
      // A LinkedIn account may share its login address with a mailbox: they are two real accounts.
      await accounts.create(t.db, { name: "oz-li", type: "linkedin", owner: "oz", email_address: "once@acme.io" });
      expect(await count()).toBe(3);
      // The database itself refuses what the check would, whoever writes.
      await expect(
        t.db.insertInto("accounts").values({ name: "raw", type: "linkedin", owner: "oz", unipile_account_id: "uni-once" }).execute(),
      ).rejects.toMatchObject({ code: "23505" });
      await expect(
        t.db.insertInto("accounts").values({ name: "raw", type: "email", owner: "oz", email_address: "Once@Acme.io" }).execute(),
      ).rejects.toMatchObject({ code: "23505" });
      // Two adds at once: one account, and the other is told why.
      const raced = await Promise.allSettled(
        [0, 1, 2].map((i) => accounts.create(t.db, { name: `race-${i}`, type: "linkedin", owner: "oz", unipile_account_id: "uni-race" })),
      );
      expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of raced) if (r.status === "rejected") expect(ValidationError.isInstance(r.reason)).toBe(true);
      expect(await count()).toBe(4);
    });

    it("syncs one mailbox into one account: re-links it to a new provider id, skips a second listing, merges repeated entries", async () => {
      const box = await accounts.create(t.db, {
        name: "team box",
        type: "email",
        owner: "tm",
        email_address: "team@acme.io",
        unipile_account_id: "uni-team-old",
      });
      const remote = [
        // Connected again at Unipile: a new id for the same mailbox; the old id is gone.
        { id: "uni-team-new", type: "email" as const, name: "team@acme.io", status: "active" as const, emailAddress: "Team@acme.io" },
        { id: "uni-team-new", type: "email" as const, name: "team@acme.io", status: "active" as const, emailAddress: "team@acme.io" },
        { id: "uni-two-a", type: "email" as const, name: "two@acme.io", status: "active" as const, emailAddress: "two@acme.io" },
        { id: "uni-two-b", type: "email" as const, name: "two@acme.io", status: "active" as const, emailAddress: "two@acme.io" },
      ];
      const dry = await accountAdmin.sync(t.db, remote, { now, dryRun: true });
      const changes = await accountAdmin.sync(t.db, remote, { now });
      expect(changes.map((c) => [c.remoteId, c.action])).toEqual(dry.map((c) => [c.remoteId, c.action]));
      const mine = (id: string) => changes.filter((c) => c.remoteId === id).map((c) => c.action);
      expect(mine("uni-team-new")).toEqual(["link"]);
      expect(changes.find((c) => c.remoteId === "uni-team-new")!.detail).toBe(
        "re-linked from uni-team-old (no longer listed) to the provider account uni-team-new",
      );
      expect(mine("uni-two-a")).toEqual(["create"]);
      expect(mine("uni-two-b")).toEqual(["skip"]);
      expect(changes.find((c) => c.remoteId === "uni-two-b")!.detail).toMatch(/lists two@acme\.io twice \(also as uni-two-a/);
      expect(await accounts.get(t.db, box.id)).toMatchObject({ unipile_account_id: "uni-team-new", status: "active" });
      const rows = await t.db
        .selectFrom("accounts")
        .select(["unipile_account_id"])
        .where("email_address", "in", ["team@acme.io", "two@acme.io"])
        .orderBy("unipile_account_id")
        .execute();
      expect(rows.map((r) => r.unipile_account_id)).toEqual(["uni-team-new", "uni-two-a"]);
    });
  });

  describe("campaigns", () => {
    let offerId: string;
    let mailId: string;
    let liId: string;
    let otherOfferId: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const offer = await offerCopy.create(t.db, {
        name: "Ramp Coach",
        type: "product",
        ownership: "internal",
        description: "d",
        email_templates: {
          sequence: [
            { step: 1, subject: "Hi", body: "Hello", delay_days: 0 },
            { step: 2, subject: "", body: "Again", delay_days: 4 },
          ],
        },
        linkedin_templates: { connection_request: "Hi {{first_name}}", follow_up_dm: "Thanks" },
      });
      offerId = offer.offer.id;
      await messageTemplates.setStatus(
        t.db,
        offer.templates.map((x) => x.id),
        "approved",
      );
      mailId = (await accounts.create(t.db, { name: "camp mail", type: "email", owner: "ann", email_address: "ann@ramp.io" })).id;
      liId = (await accounts.create(t.db, { name: "camp li", type: "linkedin", owner: "ann" })).id;
      otherOfferId = (await offers.create(t.db, { name: "Other", type: "service", ownership: "internal", description: "o" })).id;

      const good = (
        await companies.upsert(t.db, {
          offer_id: offerId,
          name: "Good Co",
          domain: "good.co",
          source_tool: "m",
          fit_score: 9,
          status: "qualified",
        })
      ).company;
      const weak = (
        await companies.upsert(t.db, {
          offer_id: offerId,
          name: "Weak Co",
          domain: "weak.co",
          source_tool: "m",
          fit_score: 3,
          status: "qualified",
        })
      ).company;
      const other = (await companies.upsert(t.db, { offer_id: otherOfferId, name: "Good Co", domain: "good.co", source_tool: "m" }))
        .company;
      const c = (over: Record<string, unknown>) =>
        contacts
          .upsert(t.db, { offer_id: offerId, company_id: good.id, source_tool: "m", status: "ready", email_status: "valid", ...over })
          .then((r) => r.contact.id);
      ids.fresh = await c({ full_name: "Fresh", email: "fresh@good.co" });
      ids.touched = await c({ full_name: "Touched", email: "touched@good.co" });
      ids.dnc = await c({ full_name: "Dnc", email: "dnc@good.co" });
      ids.busy = await c({ full_name: "Busy", email: "busy@good.co", linkedin_url: "https://www.linkedin.com/in/busy" });
      ids.weak = await c({ full_name: "Weak", email: "weak@weak.co", company_id: weak.id });
      ids.newStatus = await c({ full_name: "New", email: "new@good.co", status: "new" });
      ids.parked = await c({ full_name: "Parked", email: "parked@good.co", status: "skip", skip_reason: "low_buyer_fit" });
      // The same people in another offer: do-not-contact there, and a recent touch there.
      await contacts.upsert(t.db, {
        offer_id: otherOfferId,
        company_id: other.id,
        source_tool: "m",
        email: "dnc@good.co",
        global_status: "do_not_contact",
      });
      await t.db
        .insertInto("outreach_history")
        .values({ contact_email: "touched@good.co", channel: "email", sent_at: new Date(now.getTime() - 10 * DAY), offer_id: otherOfferId })
        .execute();
      const busyElsewhere = (
        await contacts.upsert(t.db, {
          offer_id: otherOfferId,
          company_id: other.id,
          source_tool: "m",
          linkedin_url: "linkedin.com/in/busy",
        })
      ).contact;
      const running = await campaigns.create(t.db, {
        name: "Other running",
        offer_id: otherOfferId,
        channel: "linkedin",
        status: "active",
        campaign_slug: "other-running",
      });
      await campaignContacts.add(t.db, { campaign_id: running.id, contact_id: busyElsewhere.id });
    });

    it("creates a draft campaign with the spec's slug, the offer's email delays and single-account account_id", async () => {
      const c = await campaignAdmin.create(t.db, {
        offer: "ramp-coach",
        name: "Hiring push",
        channel: "email",
        accounts: ["camp mail"],
        signal: "hiring",
        icp_target: "SaaS 20-200",
        target_criteria: { company_status: ["qualified"], min_fit_score: 7 },
        timezone: "Europe/Paris",
      });
      expect(c).toMatchObject({
        campaign_slug: "cold-ramp-coach-email-hiring-saas-20-200-camp-mail",
        status: "draft",
        account_id: mailId,
        account_ids: [{ id: mailId, name: "camp mail", type: "email" }],
        target_criteria: { company_status: ["qualified"], min_fit_score: 7, signal: "hiring", icp_target: "SaaS 20-200" },
        timezone: "Europe/Paris",
      });
      expect(c.scheduling_config!.steps.map((s) => [s.delay_days, s.condition])).toEqual([
        [0, undefined],
        [4, "no_reply"],
      ]);
      const multi = await campaignAdmin.create(t.db, {
        offer: offerId,
        name: "Multi",
        channel: "multi",
        accounts: [liId, mailId],
        signal: "hiring",
        icp_target: "saas",
      });
      expect(multi).toMatchObject({ campaign_slug: "cold-ramp-coach-multi-hiring-saas-ann", account_id: null });
      expect(multi.scheduling_config!.steps.map((s) => s.type)).toEqual(["connection_request", "linkedin_dm", "email"]);
      ids.campaign = c.id;
      ids.multi = multi.id;
    });

    it("reports every problem of a campaign at once and writes nothing", async () => {
      const before = (await t.db.selectFrom("campaigns").select("id").execute()).length;
      const issues = await issuesOf(
        campaignAdmin.create(t.db, {
          offer: "nope",
          name: " ",
          channel: "fax",
          campaign_type: "spam",
          accounts: ["ghost"],
          target_criteria: { min_fit_score: 11 },
          scheduling_config: { steps: [{ step: 1, type: "email", delay_days: -1 }] },
        }),
      );
      expect(issues.map((i) => i.field)).toEqual([
        "offer",
        "channel",
        "campaign_type",
        "name",
        "accounts",
        "target_criteria.signal",
        "target_criteria.icp_target",
        "target_criteria.min_fit_score",
        "scheduling_config.steps.0.delay_days",
      ]);
      const typeIssues = await issuesOf(
        campaignAdmin.create(t.db, { offer: offerId, name: "x", channel: "email", accounts: [liId], signal: "s", icp_target: "i" }),
      );
      expect(typeIssues).toEqual([{ field: "accounts", message: "the schedule has email steps but no email account is given" }]);
      const mixed = await issuesOf(
        campaignAdmin.create(t.db, {
          offer: offerId,
          name: "x",
          channel: "email",
          accounts: [mailId, liId],
          signal: "s",
          icp_target: "i",
          scheduling_config: { steps: [{ step: 1, type: "connection_request", delay_days: 0 }] },
        }),
      );
      expect(mixed).toEqual([{ field: "scheduling_config", message: "a email campaign cannot have linkedin steps; use channel multi" }]);
      const dup = await issuesOf(
        campaignAdmin.create(t.db, {
          offer: "ramp-coach",
          name: "Again",
          channel: "email",
          accounts: ["camp mail"],
          signal: "hiring",
          icp_target: "SaaS 20-200",
        }),
      );
      expect(dup[0]).toMatchObject({ field: "campaign_slug" });
      const badTz = await issuesOf(
        campaignAdmin.create(t.db, {
          offer: offerId,
          name: "tz",
          channel: "email",
          accounts: [mailId],
          signal: "s",
          icp_target: "tz",
          timezone: "Mars/Olympus",
        }),
      );
      expect(badTz[0]).toMatchObject({ field: "timezone" });
      expect((await t.db.selectFrom("campaigns").select("id").execute()).length).toBe(before);
    });

    it("lists candidates by the target criteria, best fit first, with each person's state across offers", async () => {
      const { candidates } = await campaignAdmin.candidates(t.db, ids.campaign!);
      // min_fit_score 7 leaves out Weak Co; every contact of Good Co is matched whatever its status,
      // but for the one the pipeline parked (status skip).
      expect(candidates.map((c) => c.fullName).sort()).toEqual(["Busy", "Dnc", "Fresh", "New", "Touched"]);
      const by = Object.fromEntries(candidates.map((c) => [c.fullName ?? "", c] as const));
      expect(by.Dnc!.person.rows.map((r) => r.global_status).sort()).toEqual(["available", "do_not_contact"]);
      expect(by.Touched!.person.lastTouchAt!.toISOString()).toBe(new Date(now.getTime() - 10 * DAY).toISOString());
      expect(by.Busy!.activeElsewhere).toBe("Other running");
      expect(by.Fresh).toMatchObject({ inCampaign: false, activeElsewhere: null, emailStatus: "valid", person: { lastTouchAt: null } });

      const { candidates: multi } = await campaignAdmin.candidates(t.db, ids.multi!);
      expect(multi.map((c) => c.fullName)[0]).not.toBe("Weak"); // fit 9 before fit 3
      expect(multi.map((c) => c.fullName)).toContain("Weak");
    });

    it("enrols contacts once, refreshes totals, and refuses a cancelled campaign", async () => {
      expect(await campaignAdmin.enroll(t.db, ids.campaign!, [ids.fresh!, ids.newStatus!], { now })).toEqual({ added: 2 });
      expect(await campaignAdmin.enroll(t.db, ids.campaign!, [ids.fresh!], { now })).toEqual({ added: 0 });
      const c = await campaigns.get(t.db, ids.campaign!);
      expect(c).toMatchObject({ total_contacts: 2, contacts_remaining: 2 });
      const cc = await campaignContacts.listByCampaign(t.db, ids.campaign!);
      expect(cc.map((r) => [r.status, r.max_step])).toEqual([
        ["queued", 2],
        ["queued", 2],
      ]);
      const { candidates } = await campaignAdmin.candidates(t.db, ids.campaign!);
      expect(candidates.find((x) => x.fullName === "Fresh")!.inCampaign).toBe(true);
    });

    it("reads many campaigns' launch contexts in one batch, each as launchContext reads it", async () => {
      const many = await campaignAdmin.launchContexts(t.db, [ids.multi!, ids.campaign!, "00000000-0000-0000-0000-000000000000", "nope"]);
      expect([...many.keys()].sort()).toEqual([ids.multi!, ids.campaign!].sort());
      for (const id of [ids.multi!, ids.campaign!]) {
        const one = await campaignAdmin.launchContext(t.db, id);
        const batch = many.get(id)!;
        expect(batch.campaign.id).toBe(one.campaign.id);
        expect(batch.offer.id).toBe(one.offer.id);
        expect(batch.accounts.map((a) => a.id).sort()).toEqual(one.accounts.map((a) => a.id).sort());
        expect(batch.missingAccountIds).toEqual(one.missingAccountIds);
        expect(batch.templates.map((x) => x.id)).toEqual(one.templates.map((x) => x.id));
        expect(batch.contacts).toBe(one.contacts);
      }
      expect((await campaignAdmin.launchContexts(t.db, [])).size).toBe(0);
    });

    it("gives launch what it reads, launches with bindings, pauses, resumes and cancels", async () => {
      const ctx = await campaignAdmin.launchContext(t.db, ids.multi!);
      expect(ctx).toMatchObject({ offer: { id: offerId }, missingAccountIds: [], contacts: 0 });
      expect(ctx.accounts.map((a) => a.id).sort()).toEqual([liId, mailId].sort());
      expect(ctx.templates.map((x) => x.template_key).sort()).toEqual([
        "email.1",
        "email.2",
        "linkedin.connection_request",
        "linkedin.follow_up_dm",
      ]);

      const e1 = ctx.templates.find((x) => x.template_key === "email.1")!;
      const launched = await campaignAdmin.launch(t.db, ids.multi!, [{ templateId: e1.id, step: 3 }]);
      expect(launched).toMatchObject({ previous: "draft", campaign: { status: "active" }, offerActivated: true, bound: 1 });
      const bound = await t.db.selectFrom("message_templates").selectAll().where("campaign_id", "=", ids.multi!).execute();
      expect(bound.map((b) => [b.sequence_step, b.body, b.status, b.channel])).toEqual([[3, "Hello", "approved", "email"]]);
      expect((await offers.get(t.db, offerId))!.status).toBe("active");

      await expect(campaignAdmin.setStatus(t.db, ids.multi!, "paused")).resolves.toMatchObject({
        previous: "active",
        campaign: { status: "paused" },
      });
      await expect(campaignAdmin.launch(t.db, ids.multi!)).resolves.toMatchObject({ previous: "paused", offerActivated: false });

      // Queue something for the email campaign, then cancel it.
      await campaignAdmin.launch(t.db, ids.campaign!);
      const cc = (await campaignContacts.listByCampaign(t.db, ids.campaign!))[0]!;
      const q = await t.db
        .insertInto("send_queue")
        .values({
          campaign_id: ids.campaign!,
          campaign_contact_id: cc.id,
          contact_id: cc.contact_id,
          account_id: mailId,
          channel: "email",
          sequence_step: 1,
          body: "Hello",
          scheduled_for: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto("messages")
        .values({
          campaign_contact_id: cc.id,
          campaign_id: ids.campaign!,
          contact_id: cc.contact_id,
          account_id: mailId,
          send_queue_id: q.id,
          channel: "email",
          sequence_step: 1,
          body: "Hello",
          status: "queued",
        })
        .execute();
      const cancelled = await campaignAdmin.cancel(t.db, ids.campaign!, { now });
      expect(cancelled).toMatchObject({ previous: "active", queueCancelled: 1, sequencesStopped: 2, campaign: { status: "cancelled" } });
      expect(await t.db.selectFrom("send_queue").select(["status", "defer_reason"]).where("id", "=", q.id).executeTakeFirst()).toEqual({
        status: "cancelled",
        defer_reason: "campaign_not_active",
      });
      expect((await t.db.selectFrom("messages").select("status").where("send_queue_id", "=", q.id).executeTakeFirstOrThrow()).status).toBe(
        "failed",
      );
      const ev = await t.db.selectFrom("message_events").select(["event_type", "event_data"]).where("send_queue_id", "=", q.id).execute();
      expect(ev).toEqual([{ event_type: "skipped", event_data: expect.objectContaining({ reason: "campaign_not_active" }) }]);
      expect((await campaignContacts.listByCampaign(t.db, ids.campaign!)).map((r) => r.stop_reason)).toEqual([
        "campaign_cancelled",
        "campaign_cancelled",
      ]);

      // Cancelling again changes nothing.
      expect(await campaignAdmin.cancel(t.db, ids.campaign!)).toMatchObject({ previous: "cancelled", queueCancelled: 0 });
      expect(await issuesOf(campaignAdmin.setStatus(t.db, ids.campaign!, "paused"))).toEqual([
        { field: "status", message: "a cancelled campaign cannot change status (cancelled is final)" },
      ]);
      expect(await issuesOf(campaignAdmin.enroll(t.db, ids.campaign!, [ids.touched!]))).toEqual([
        { field: "status", message: "the campaign is cancelled: contacts cannot join it" },
      ]);
      expect(await issuesOf(campaignAdmin.launch(t.db, ids.campaign!))).toEqual([
        { field: "status", message: "a cancelled campaign cannot change status (cancelled is final)" },
      ]);
    });

    it("gives the forecast each running contact's progress and counts paused ones apart", async () => {
      await campaignAdmin.enroll(t.db, ids.multi!, [ids.fresh!, ids.touched!], { now });
      const rows = await campaignContacts.listByCampaign(t.db, ids.multi!);
      await t.db
        .updateTable("campaign_contacts")
        .set({ status: "paused", stop_reason: "no approved template" })
        .where("id", "=", rows[1]!.id)
        .execute();
      await t.db
        .updateTable("campaign_contacts")
        .set({ current_step: 1, touches: 1, last_step_at: new Date(now.getTime() + 3600_000), connected_at: now })
        .where("id", "=", rows[0]!.id)
        .execute();
      const f = await campaignAdmin.forecastContext(t.db, ids.multi!);
      expect(f.paused).toBe(1);
      expect(f.contacts).toEqual([{ currentStep: 1, touches: 1, lastStepAt: new Date(now.getTime() + 3600_000), connected: true }]);
      expect(f.accounts.length).toBe(2);
      expect(await notFoundOf(campaignAdmin.forecastContext(t.db, "no-such-campaign"))).toBe(
        'campaign "no-such-campaign" not found: see offerlab campaigns list',
      );
    });

    it("lists campaigns with their enrolment counts", async () => {
      const rows = await campaignAdmin.list(t.db, { offerId });
      const multi = rows.find((r) => r.id === ids.multi)!;
      expect(multi).toMatchObject({ offer_slug: "ramp-coach", enrolled: 2, in_sequence: 2, status: "active" });
      expect((await campaignAdmin.list(t.db, { status: "cancelled" })).map((r) => r.id)).toEqual([ids.campaign]);
    });

    it("lists candidates that tie (people written in one transaction) by natural key, not row id", async () => {
      const campaign = await campaignAdmin.create(t.db, {
        offer: offerId,
        name: "Ties",
        channel: "email",
        accounts: [mailId],
        signal: "ties",
        icp_target: "ties",
      });
      const best = (
        await companies.upsert(t.db, {
          offer_id: offerId,
          name: "Best Co",
          domain: "best.co",
          source_tool: "m",
          fit_score: 10,
          status: "qualified",
        })
      ).company;
      // One statement, one created_at; ids in the reverse order of the addresses.
      const written = [
        ["d0000000-0000-4000-8000-000000000001", "zoe@best.co"],
        ["d0000000-0000-4000-8000-000000000002", "mia@best.co"],
        ["d0000000-0000-4000-8000-000000000003", "ada@best.co"],
      ] as const;
      await t.db
        .insertInto("contacts")
        .values(
          written.map(([id, email]) => ({
            id,
            offer_id: offerId,
            company_id: best.id,
            source_tool: "m",
            status: "ready" as const,
            email,
            full_name: email,
          })),
        )
        .execute();
      const { candidates } = await campaignAdmin.candidates(t.db, campaign.id);
      expect(candidates.slice(0, 3).map((c) => c.email)).toEqual(["ada@best.co", "mia@best.co", "zoe@best.co"]);
      await t.db
        .deleteFrom("contacts")
        .where(
          "id",
          "in",
          written.map(([id]) => id),
        )
        .execute();
    });
  });
});

describe.each(testEngines())("accounts that already break the one-real-account rule, on %s", (engine) => {
  it("are merged by the migration: the oldest keeps the id and the mailbox, the others are paused and say whose duplicates they are", async () => {
    const t = await createTestDb(engine, { migrate: false });
    try {
      const { bundledMigrations, migrate } = await import("./migrate.js");
      const rule = bundledMigrations.find((m) => m.name === "unique_accounts")!;
      await migrate(t.db, { migrations: bundledMigrations.filter((m) => m.version < rule.version) });
      const add = (name: string, values: Record<string, unknown>, at: string) =>
        t.db
          .insertInto("accounts")
          .values({ name, owner: "x", created_at: new Date(at), ...values } as never)
          .returning("id")
          .executeTakeFirstOrThrow();
      const first = await add("first", { type: "linkedin", unipile_account_id: "uni-dup" }, "2026-01-01T00:00:00Z");
      const second = await add("second", { type: "linkedin", unipile_account_id: "uni-dup" }, "2026-01-02T00:00:00Z");
      const box = await add("box", { type: "email", email_address: "box@acme.io" }, "2026-01-01T00:00:00Z");
      const box2 = await add(
        "box again",
        { type: "email", email_address: "Box@acme.io", unipile_account_id: "uni-box2" },
        "2026-01-03T00:00:00Z",
      );
      await migrate(t.db);
      const get = (id: string) =>
        t.db
          .selectFrom("accounts")
          .select(["name", "status", "unipile_account_id", "email_address"])
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
      expect(await get(first.id)).toEqual({ name: "first", status: "active", unipile_account_id: "uni-dup", email_address: null });
      expect(await get(second.id)).toEqual({
        name: "second (duplicate of first, paused)",
        status: "paused",
        unipile_account_id: null,
        email_address: null,
      });
      expect(await get(box.id)).toMatchObject({ name: "box", status: "active", email_address: "box@acme.io" });
      expect(await get(box2.id)).toEqual({
        name: "box again (duplicate of box, paused)",
        status: "paused",
        unipile_account_id: null,
        email_address: null,
      });
    } finally {
      await t.drop();
    }
  });
});
