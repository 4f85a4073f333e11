/**
 * Connection degrees, campaign types and burner accounts, on a real database: the degree lookup
 * before enrolment (through a fake of Unipile's profile lookup: the vendor is the only fake), the
 * targeting it enables, the skip reasons stored on contacts, networking vs cold outreach, and
 * campaigns that opt into burner accounts.
 */
import { ValidationError } from "@offerlab/core";
import { accounts, companies, contacts, messageTemplates, profileViews, PROFILE_VIEWS_PER_DAY, type Db } from "@offerlab/db";
import { ProviderError, type LinkedInProfile } from "@offerlab/provider-kit";
import { planDue } from "@offerlab/scheduler";
import { describe, expect, it } from "vitest";
import { addMailbox, baseOffer, clock, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { createOffer } from "../offers/create-offer.js";
import { createCampaign } from "./create-campaign.js";
import { enrolContacts } from "./enrol-contacts.js";
import { launchCampaign } from "./launch-campaign.js";
import { lookupConnectionDegrees } from "./lookup-degrees.js";

type Distance = 1 | 2 | 3 | null | "not_found" | "rate_limited";

/** A fake of Unipile's profile lookup: the degree of each profile slug, and every call it got. */
function fakeLinkedIn(degrees: Record<string, Distance>) {
  const calls: { account: string; profile: string }[] = [];
  return {
    calls,
    resolveProfile(account: string, profile: string): Promise<LinkedInProfile> {
      calls.push({ account, profile });
      const slug = profile
        .replace(/\/$/, "")
        .split("/")
        .pop()!
        .replace(/^member-/, "");
      const d = degrees[slug];
      if (d === "not_found" || d === "rate_limited")
        return Promise.reject(
          new ProviderError({ kind: d, provider: "unipile", message: d === "not_found" ? "no such profile" : "slow down" }),
        );
      return Promise.resolve({
        providerId: `ACo${slug}`,
        publicId: slug,
        linkedinUrl: profile,
        firstName: null,
        lastName: null,
        headline: null,
        connectionDegree: d ?? null,
        isConnection: d === 1,
        pendingInvitation: null,
        canSendInMail: null,
        isOpenProfile: null,
      });
    },
  };
}

describe.each(testEngines())("connection degrees, campaign types and burner accounts on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  /** An approved offer, a LinkedIn account, and people with LinkedIn URLs (`/in/member-<slug>`) and emails. */
  async function world(name: string, slugs: string[], account: { rotation_set?: "burner" | "odd" | "even" } = {}) {
    const { offer, templates } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
    await messageTemplates.setStatus(
      t.db,
      templates.map((x) => x.id),
      "approved",
    );
    const li = await accounts.create(t.db, {
      name: `${offer.slug}-li`,
      type: "linkedin",
      owner: "ann",
      unipile_account_id: `uni-${offer.slug}-li`,
      ...account,
    });
    const ids = await addLinkedInPeople(t.db, offer.id, offer.slug!, slugs);
    return { offer, li, ids };
  }

  async function addLinkedInPeople(db: Db, offerId: string, prefix: string, slugs: string[]) {
    const { company } = await companies.upsert(db, {
      offer_id: offerId,
      name: `${prefix} Co`,
      domain: `${prefix}.co`,
      source_tool: "test",
      fit_score: 8,
      status: "qualified",
    });
    const ids: Record<string, string> = {};
    for (const slug of slugs) {
      const { contact } = await contacts.upsert(db, {
        offer_id: offerId,
        company_id: company.id,
        source_tool: "test",
        status: "ready",
        full_name: slug,
        email: `${slug}@${prefix}.co`,
        email_status: "valid",
        linkedin_url: `https://www.linkedin.com/in/member-${slug}`,
      });
      ids[slug] = contact.id;
    }
    return ids;
  }

  const skipReason = async (id: string) =>
    (await t.db.selectFrom("contacts").select("skip_reason").where("id", "=", id).executeTakeFirstOrThrow()).skip_reason;
  const degreeOf = async (id: string) =>
    (await t.db.selectFrom("contacts").select("connection_degree").where("id", "=", id).executeTakeFirstOrThrow()).connection_degree;

  it("looks degrees up before enrolment, so the seed's connection_degrees [2, 3] targeting matches; unknown degrees fail closed", async () => {
    const slugs = ["d1", "d2", "d3", "out", "gone"];
    const { li, ids } = await world("Degree Co", slugs);
    const { campaign } = await createCampaign(ctx, {
      offer: "degree-co",
      name: "Degree push",
      channel: "linkedin",
      accounts: [li.name],
      signal: "hiring",
      icp_target: "saas",
      target_criteria: { connection_degrees: [2, 3], exclude_1st_degree: true },
    });

    // Without a lookup nobody's degree is known: nobody joins, each with the reason.
    const blind = await enrolContacts(ctx, { campaign: campaign.id, dryRun: true });
    expect(blind).toMatchObject({ matched: 5, wouldAdd: 0, skipped: { degree_unknown: 5 } });

    const linkedin = fakeLinkedIn({ d1: 1, d2: 2, d3: 3, out: null, gone: "not_found" });
    const result = await enrolContacts({ ...ctx, linkedin }, { campaign: campaign.id, lookupDegrees: true });
    expect(result.lookup).toMatchObject({ found: { "1": 1, "2": 1, "3": 1, unknown: 1 }, failed: 1, notLookedUp: 0 });
    expect(linkedin.calls.every((c) => c.account === li.unipile_account_id)).toBe(true);
    expect(result.added).toBe(2);
    expect(result.skipped).toEqual({ "1st_degree": 1, degree_unknown: 2 });
    expect(await degreeOf(ids.d2!)).toBe(2);
    expect(await degreeOf(ids.out!)).toBeNull();
    expect(await skipReason(ids.d1!)).toBe("1st_degree");
    expect(await skipReason(ids.d2!)).toBeNull();

    // Every lookup spent a profile view of the account's budget and was logged.
    expect((await profileViews.usedToday(t.db, [li.id], clock())).get(li.id)).toBe(5);
    const activity = await t.db
      .selectFrom("account_activity")
      .select(["status"])
      .where("account_id", "=", li.id)
      .where("action_type", "=", "profile_view")
      .execute();
    expect(activity.map((a) => a.status).sort()).toEqual(["failed", "success", "success", "success", "success"]);

    // A lookup that answered is not repeated; the failed one is retried.
    const again = fakeLinkedIn({ gone: 3 });
    const second = await lookupConnectionDegrees({ ...ctx, linkedin: again }, { campaign: campaign.id });
    expect(again.calls.map((c) => c.profile)).toEqual(["https://www.linkedin.com/in/member-gone"]);
    expect(second.found["3"]).toBe(1);
  });

  it("stops at the account's daily profile-view budget and stops using an account LinkedIn rate-limits", async () => {
    const { li } = await world("Budget Co", ["b1", "b2", "b3"]);
    const { campaign } = await createCampaign(ctx, {
      offer: "budget-co",
      name: "Budget push",
      channel: "linkedin",
      accounts: [li.name],
      signal: "hiring",
      icp_target: "saas",
    });
    for (let i = 0; i < PROFILE_VIEWS_PER_DAY - 1; i++) await profileViews.reserve(t.db, li.id, clock());
    const linkedin = fakeLinkedIn({ b1: 2, b2: 2, b3: 2 });
    const r = await lookupConnectionDegrees({ ...ctx, linkedin }, { campaign: campaign.id });
    expect(linkedin.calls).toHaveLength(1);
    expect(r).toMatchObject({ notLookedUp: 2, accounts: [{ name: li.name, viewsToday: PROFILE_VIEWS_PER_DAY }] });
    expect((await profileViews.usedToday(t.db, [li.id], clock())).get(li.id)).toBe(PROFILE_VIEWS_PER_DAY);

    const { li: li2 } = await world("Limited Co", ["r1", "r2"]);
    const { campaign: c2 } = await createCampaign(ctx, {
      offer: "limited-co",
      name: "Limited push",
      channel: "linkedin",
      accounts: [li2.name],
      signal: "hiring",
      icp_target: "saas",
    });
    const limited = fakeLinkedIn({ r1: "rate_limited", r2: 2 });
    const r2 = await lookupConnectionDegrees({ ...ctx, linkedin: limited }, { campaign: c2.id });
    expect(limited.calls).toHaveLength(1);
    expect(r2).toMatchObject({ failed: 1, notLookedUp: 1, accounts: [{ stopped: "provider_rate_limited" }] });

    // Without a LinkedIn provider the lookup is refused up front, and nothing is written.
    await expect(enrolContacts(ctx, { campaign: c2.id, lookupDegrees: true })).rejects.toThrow(/lookupDegrees: needs a LinkedIn provider/);
    expect(await t.db.selectFrom("campaign_contacts").select("id").where("campaign_id", "=", c2.id).execute()).toEqual([]);
  });

  it("networking messages 1st-degree connections first; cold outreach invites and skips them", async () => {
    const { li, ids } = await world("Network Co", ["n1", "n2", "n3"]);
    await lookupConnectionDegrees(
      { ...ctx, linkedin: fakeLinkedIn({ n1: 1, n2: 2, n3: null }) },
      {
        campaign: (
          await createCampaign(ctx, {
            offer: "network-co",
            name: "Cold",
            channel: "linkedin",
            accounts: [li.name],
            signal: "hiring",
            icp_target: "saas",
          })
        ).campaign.id,
      },
    );
    const { campaign: networking } = await createCampaign(ctx, {
      offer: "network-co",
      name: "Warm",
      channel: "linkedin",
      campaign_type: "networking",
      accounts: [li.name],
      signal: "hiring",
      icp_target: "friends",
    });
    expect(networking.campaign_slug).toMatch(/^networking-/);
    expect(networking.scheduling_config!.steps.map((s) => s.type)).toEqual(["linkedin_dm"]);
    const warm = await enrolContacts(ctx, { campaign: networking.id });
    expect(warm).toMatchObject({ added: 1, skipped: { not_1st_degree: 1, degree_unknown: 1 } });

    const cold = await enrolContacts(ctx, { campaign: "Cold" });
    expect(cold.skipped).toEqual({ "1st_degree": 1 });
    expect(await skipReason(ids.n1!)).toBe("1st_degree");

    // The planner's first step differs: a DM to the connection, an invitation to the others.
    await launchCampaign(ctx, { campaign: networking.id });
    await launchCampaign(ctx, { campaign: "Cold" });
    await planDue({ db: t.db, now: clock });
    const planned = await t.db
      .selectFrom("send_queue")
      .innerJoin("campaigns", "campaigns.id", "send_queue.campaign_id")
      .select(["campaigns.name", "send_queue.contact_id", "send_queue.channel", "send_queue.sequence_step"])
      .where("campaigns.offer_id", "=", networking.offer_id)
      .orderBy("campaigns.name")
      .orderBy("send_queue.channel")
      .execute();
    expect(planned).toEqual([
      { name: "Cold", contact_id: ids.n2, channel: "linkedin_connect", sequence_step: 1 },
      { name: "Cold", contact_id: ids.n3, channel: "linkedin_connect", sequence_step: 1 },
      { name: "Warm", contact_id: ids.n1, channel: "linkedin_dm", sequence_step: 1 },
    ]);

    // A networking campaign sends no invitation.
    const invite = await createCampaign(ctx, {
      offer: "network-co",
      name: "Bad",
      channel: "linkedin",
      campaign_type: "networking",
      accounts: [li.name],
      signal: "hiring",
      icp_target: "x",
      scheduling_config: { steps: [{ step: 1, type: "connection_request", delay_days: 0 }] },
    }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(invite) && invite.issues).toEqual([
      { field: "scheduling_config.steps.0", message: expect.stringMatching(/networking campaign .* sends no invitation/) },
    ]);
  });

  it("stores the seed's skip reasons on skipped contacts (no_email, already_contacted) and clears them on enrolment", async () => {
    const { offer, ids } = await world("Skip Co", ["s1", "s2"]);
    const mailbox = await addMailbox(t.db, "skip-mailbox");
    await t.db.updateTable("contacts").set({ email: null }).where("id", "=", ids.s1!).execute();
    await t.db
      .updateTable("contacts")
      .set({ global_status: "cooling_off", global_last_contacted_at: new Date(clock().getTime() - 5 * 86_400_000) })
      .where("id", "=", ids.s2!)
      .execute();
    const { campaign } = await createCampaign(ctx, {
      offer: offer.slug!,
      name: "Skip push",
      channel: "email",
      accounts: [mailbox.name],
      signal: "hiring",
      icp_target: "saas",
    });
    const dry = await enrolContacts(ctx, { campaign: campaign.id, dryRun: true });
    expect(dry.skipped).toEqual({ no_email: 1, cooling_off: 1 });
    expect(await skipReason(ids.s1!)).toBeNull();
    await enrolContacts(ctx, { campaign: campaign.id });
    expect(await skipReason(ids.s1!)).toBe("no_email");
    expect(await skipReason(ids.s2!)).toBe("already_contacted");
    // A reason the pipeline set is kept.
    await t.db.updateTable("contacts").set({ skip_reason: "low_buyer_fit" }).where("id", "=", ids.s1!).execute();
    await enrolContacts(ctx, { campaign: campaign.id });
    expect(await skipReason(ids.s1!)).toBe("low_buyer_fit");
    // Once the person can join, the stored reason goes.
    await t.db
      .updateTable("contacts")
      .set({ global_status: "available", global_last_contacted_at: null })
      .where("id", "=", ids.s2!)
      .execute();
    expect((await enrolContacts(ctx, { campaign: campaign.id })).added).toBe(1);
    expect(await skipReason(ids.s2!)).toBeNull();
  });

  it("sends from burner accounts only for a campaign that opts in", async () => {
    const { li } = await world("Burner Co", ["x1"], { rotation_set: "burner" });
    const base = {
      offer: "burner-co",
      channel: "linkedin",
      accounts: [li.name],
      signal: "hiring",
      icp_target: "saas",
    };
    const { campaign: plain } = await createCampaign(ctx, { ...base, name: "Plain" });
    await enrolContacts(ctx, { campaign: plain.id });
    const refused = await launchCampaign(ctx, { campaign: plain.id }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(refused) && refused.issues[0]!.message).toMatch(/only burner linkedin accounts.*use_burner_accounts/);

    const { campaign: burner } = await createCampaign(ctx, { ...base, name: "Burner", icp_target: "burn", use_burner_accounts: true });
    expect(burner.scheduling_config).toMatchObject({ use_burner_accounts: true });
    await t.db.deleteFrom("campaign_contacts").where("campaign_id", "=", plain.id).execute();
    await enrolContacts(ctx, { campaign: burner.id });
    await launchCampaign(ctx, { campaign: burner.id });
    await planDue({ db: t.db, now: clock });
    const rows = await t.db.selectFrom("send_queue").select(["account_id"]).where("campaign_id", "=", burner.id).execute();
    expect(rows).toEqual([{ account_id: li.id }]);
  });
});
