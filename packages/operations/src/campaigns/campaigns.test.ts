import { ValidationError } from "@offerlab/core";
import { campaigns, messageTemplates, NotFoundError, offers } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { addMailbox, addPeople, baseOffer, clock, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { OperationError } from "../errors.js";
import { createOffer } from "../offers/create-offer.js";
import { cancelCampaign } from "./cancel-campaign.js";
import { createCampaign } from "./create-campaign.js";
import { editCampaign } from "./edit-campaign.js";
import { enrolContacts } from "./enrol-contacts.js";
import { forecastCampaign } from "./forecast-campaign.js";
import { launchCampaign } from "./launch-campaign.js";
import { pauseCampaign } from "./pause-campaign.js";
import { resumeCampaign } from "./resume-campaign.js";

const codeOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!OperationError.isInstance(e)) throw new Error(`expected an OperationError, got ${String(e)}`);
  return e.code;
};

describe.each(testEngines())("campaign operations on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  /** An offer with copy (approved unless `approve: false`), a mailbox, people, and a draft email campaign. */
  async function setUp(name: string, options: { approve?: boolean; people?: number } = {}) {
    const { offer, templates } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
    if (options.approve !== false)
      await messageTemplates.setStatus(
        t.db,
        templates.map((x) => x.id),
        "approved",
      );
    const mailbox = await addMailbox(t.db, offer.slug!);
    const people = await addPeople(t.db, offer.id, offer.slug!, options.people ?? 3);
    const { campaign, offerSlug } = await createCampaign(ctx, {
      offer: offer.slug!,
      name: `${name} push`,
      channel: "email",
      accounts: [mailbox.name],
      signal: "hiring",
      icp_target: "saas",
    });
    return { offer, mailbox, people, campaign, offerSlug };
  }

  it("creates a draft campaign with its offer's slug, naming every missing field", async () => {
    const { campaign, offerSlug, offer } = await setUp("Create Co");
    expect(offerSlug).toBe(offer.slug);
    expect(campaign).toMatchObject({ status: "draft", campaign_slug: "cold-create-co-email-hiring-saas-create-co" });
    const bad = await createCampaign(ctx, { offer: "", name: "", channel: "", accounts: [] }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.issues.map((i) => i.field)).toEqual(["offer", "name", "channel"]);
  });

  it("enrols by the send path's rules; a dry run writes nothing; a cancelled campaign takes nobody", async () => {
    const { campaign } = await setUp("Enrol Co", { people: 4 });
    const dry = await enrolContacts(ctx, { campaign: campaign.id, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, matched: 4, wouldAdd: 4, added: 0 });
    expect((await campaigns.get(t.db, campaign.id))!.total_contacts).toBe(0);
    const some = await enrolContacts(ctx, { campaign: campaign.campaign_slug!, limit: 3 });
    expect(some).toMatchObject({ dryRun: false, matched: 4, added: 3 });
    const rest = await enrolContacts(ctx, { campaign: campaign.id });
    expect(rest.added).toBe(1);
    expect(rest.skipped).toMatchObject({ already_in_campaign: 3 });
    await expect(enrolContacts(ctx, { campaign: campaign.id, limit: 0 })).rejects.toThrow(/limit: must be a whole number/);
    await cancelCampaign(ctx, { campaign: campaign.id, confirm: true });
    expect(await codeOf(enrolContacts(ctx, { campaign: campaign.id }))).toBe("campaign_closed");
  });

  it("a refused launch leaves the campaign and its offer as they were; a launch then pauses, resumes and cancels by the lifecycle", async () => {
    const { campaign, offer } = await setUp("Launch Co", { approve: false });
    await enrolContacts(ctx, { campaign: campaign.id });
    const refused = await launchCampaign(ctx, { campaign: campaign.id }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(refused) && refused.subject).toMatch(/it was not launched/);
    expect((await campaigns.get(t.db, campaign.id))!.status).toBe("draft");
    expect((await offers.get(t.db, offer.id))!.status).toBe("draft");
    expect(await codeOf(resumeCampaign(ctx, { campaign: campaign.id }))).toBe("campaign_not_paused");

    await messageTemplates.setStatus(
      t.db,
      (await messageTemplates.list(t.db, { offerId: offer.id })).map((x) => x.id),
      "approved",
    );
    const launched = await launchCampaign(ctx, { campaign: campaign.id });
    expect(launched).toMatchObject({ previous: "draft", offerActivated: true, contacts: 3, campaign: { status: "active" } });
    expect(launched.steps.map((s) => s.step)).toEqual([1, 2]);
    expect((await offers.get(t.db, offer.id))!.status).toBe("active");

    expect(await pauseCampaign(ctx, { campaign: campaign.id })).toMatchObject({ previous: "active", campaign: { status: "paused" } });
    expect((await resumeCampaign(ctx, { campaign: campaign.id })).previous).toBe("paused");

    await expect(cancelCampaign(ctx, { campaign: campaign.id, confirm: false })).rejects.toThrow(/confirm: cancelling is final/);
    expect((await campaigns.get(t.db, campaign.id))!.status).toBe("active");
    const cancelled = await cancelCampaign(ctx, { campaign: campaign.id, confirm: true });
    expect(cancelled).toMatchObject({ previous: "active", campaign: { status: "cancelled" } });
    const relaunch = await launchCampaign(ctx, { campaign: campaign.id }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(relaunch)).toBe(true);
    expect((await campaigns.get(t.db, campaign.id))!.status).toBe("cancelled");
  });

  it("forecasts from the context's clock and refuses an acceptance rate outside 0-1 or a campaign without a valid schedule", async () => {
    const { campaign } = await setUp("Forecast Co", { people: 5 });
    await enrolContacts(ctx, { campaign: campaign.id });
    const f = await forecastCampaign(ctx, { campaign: campaign.id, acceptanceRate: 0.5 });
    expect(f).toMatchObject({
      paused: 0,
      campaign: { id: campaign.id },
      forecast: { contacts: 5, finishes: true, assumptions: { acceptanceRate: 0.5 } },
    });
    await expect(forecastCampaign(ctx, { campaign: campaign.id, acceptanceRate: 2 })).rejects.toThrow(
      /acceptanceRate: must be a number from 0 to 1/,
    );
    await t.db.updateTable("campaigns").set({ scheduling_config: null }).where("id", "=", campaign.id).execute();
    expect(await codeOf(forecastCampaign(ctx, { campaign: campaign.id }))).toBe("campaign_schedule_invalid");
    expect(await codeOf(enrolContacts(ctx, { campaign: campaign.id }))).toBe("campaign_schedule_invalid");
  });

  it("edits a live campaign's window, days, time zone and accounts with create's checks; bad input changes nothing", async () => {
    const { campaign, mailbox, offer } = await setUp("Edit Co");
    await enrolContacts(ctx, { campaign: campaign.id });
    await launchCampaign(ctx, { campaign: campaign.id });
    const second = await addMailbox(t.db, `${offer.slug!}-2`);
    const r = await editCampaign(ctx, {
      campaign: campaign.campaign_slug!,
      send_window_start: "08:30",
      send_window_end: "24:00",
      send_days: [1, 2, 3],
      timezone: "Europe/Paris",
      accounts: [mailbox.name, second.email_address!],
    });
    expect(r.changed).toEqual(["send_window_start", "send_window_end", "send_days", "timezone", "accounts"]);
    expect(r.campaign).toMatchObject({ status: "active", send_days: [1, 2, 3], timezone: "Europe/Paris", account_id: null });
    expect(r.campaign.send_window_start.slice(0, 5)).toBe("08:30");
    expect(r.campaign.account_ids?.map((a) => a.id)).toEqual([mailbox.id, second.id]);
    expect(r.removedAccounts).toEqual([]);

    const before = await campaigns.get(t.db, campaign.id);
    const bad = await editCampaign(ctx, {
      campaign: campaign.id,
      send_window_start: "25:00",
      send_days: [0],
      timezone: "Nowhere/City",
      accounts: [],
    }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.issues.map((i) => i.field)).toEqual([
      "send_window_start",
      "send_days.0",
      "timezone",
      "accounts",
    ]);
    const late = await editCampaign(ctx, { campaign: campaign.id, send_window_start: "17:00", send_window_end: "09:00" }).catch(
      (e: unknown) => e,
    );
    expect(ValidationError.isInstance(late) && late.issues).toEqual([
      { field: "send_window_end", message: "must be after send_window_start (17:00)" },
    ]);
    await expect(editCampaign(ctx, { campaign: campaign.id })).rejects.toThrow(/nothing to change/);
    expect(await campaigns.get(t.db, campaign.id)).toEqual(before);

    const unknown = await editCampaign(ctx, { campaign: "no-such-campaign", timezone: "UTC" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(unknown)).toBe(true);
    await cancelCampaign(ctx, { campaign: campaign.id, confirm: true });
    expect(await codeOf(editCampaign(ctx, { campaign: campaign.id, timezone: "UTC" }))).toBe("campaign_closed");
  });

  it("sets a daily cap at creation and on a live campaign, clears it with null, and refuses anything but a positive whole number", async () => {
    const { offer, mailbox, campaign } = await setUp("Cap Co");
    expect(campaign.daily_send_cap).toBeNull();
    const capped = await createCampaign(ctx, {
      offer: offer.slug!,
      name: "Capped push",
      channel: "email",
      accounts: [mailbox.name],
      signal: "funding",
      icp_target: "saas",
      daily_send_cap: 25,
    });
    expect(capped.campaign.daily_send_cap).toBe(25);
    for (const bad of [0, -3, 2.5]) {
      const e = await createCampaign(ctx, {
        offer: offer.slug!,
        name: "Bad cap",
        channel: "email",
        accounts: [mailbox.name],
        signal: "intent",
        icp_target: "saas",
        daily_send_cap: bad,
      }).catch((err: unknown) => err);
      expect(ValidationError.isInstance(e) && e.issues).toEqual([
        { field: "daily_send_cap", message: `must be a positive whole number of sends a day, or none to clear it (got ${bad})` },
      ]);
    }
    expect((await campaigns.listByOffer(t.db, offer.id)).map((c) => c.name).sort()).toEqual(["Cap Co push", "Capped push"]);

    await enrolContacts(ctx, { campaign: campaign.id });
    await launchCampaign(ctx, { campaign: campaign.id });
    const set = await editCampaign(ctx, { campaign: campaign.campaign_slug!, daily_send_cap: 40 });
    expect(set.changed).toEqual(["daily_send_cap"]);
    expect(set.campaign).toMatchObject({ status: "active", daily_send_cap: 40 });
    const before = await campaigns.get(t.db, campaign.id);
    const bad = await editCampaign(ctx, { campaign: campaign.id, daily_send_cap: 0, timezone: "Nowhere/City" }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.issues.map((i) => i.field)).toEqual(["timezone", "daily_send_cap"]);
    expect(await campaigns.get(t.db, campaign.id)).toEqual(before);
    const same = await editCampaign(ctx, { campaign: campaign.id, daily_send_cap: 40 });
    expect(same.changed).toEqual([]);
    const cleared = await editCampaign(ctx, { campaign: campaign.id, daily_send_cap: null });
    expect(cleared.changed).toEqual(["daily_send_cap"]);
    expect(cleared.campaign.daily_send_cap).toBeNull();
  });

  it("the forecast counts the campaign's own daily cap", async () => {
    const { campaign } = await setUp("Forecast Cap", { people: 6 });
    await enrolContacts(ctx, { campaign: campaign.id });
    const free = await forecastCampaign(ctx, { campaign: campaign.id });
    await editCampaign(ctx, { campaign: campaign.id, daily_send_cap: 1 });
    const capped = await forecastCampaign(ctx, { campaign: campaign.id });
    expect(capped.forecast.sendDays).toBeGreaterThan(free.forecast.sendDays);
    expect(capped.forecast.actions.every((a) => a.capacityPerDay <= 1)).toBe(true);
    expect(capped.forecast.bottleneck).toMatchObject({ limit: "campaign_daily_cap" });
    expect(capped.forecast.bottleneck!.reason).toMatch(/the campaign's own daily cap/);
  });
});
