/** A small world for the operations' tests: an offer with copy, accounts, companies and contacts. */
import { accounts, companies, contacts, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { planDue } from "@offerlab/scheduler";
import { afterAll, beforeAll } from "vitest";
import { createCampaign } from "../campaigns/create-campaign.js";
import { enrolContacts } from "../campaigns/enrol-contacts.js";
import { launchCampaign } from "../campaigns/launch-campaign.js";
import { createOffer } from "../offers/create-offer.js";
import { approveTemplates } from "../templates/approve-templates.js";

export { testEngines };

export const NOW = new Date("2026-03-02T10:00:00Z");
export const clock = () => NOW;

export const copy = {
  icp: {
    company: { verticals: ["saas"], size_min: 20, size_max: 200, signals: ["hiring_sales"], disqualifiers: ["agency"] },
    buyer: { titles: ["VP Sales"], departments: ["Sales"], seniority: ["VP"] },
  },
  email_templates: {
    sequence: [
      { step: 1, subject: "Ramp at {{company.name}}", body: "Hi {{first_name|there}}, quick question.", delay_days: 0 },
      { step: 2, subject: "", body: "Following up, {{first_name|there}}.", delay_days: 3 },
    ],
  },
  linkedin_templates: {
    connection_request: "Hi {{first_name|there}}, saw {{company.name}} is hiring.",
    follow_up_dm: "Thanks for connecting!",
  },
};

export const baseOffer = { type: "product", ownership: "internal", description: "Role-play for new reps." };

/** A fresh migrated database per describe block on the engine. */
export function useTestDb(engine: Parameters<typeof createTestDb>[0]): { readonly db: Db } {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });
  return {
    get db() {
      if (!t) throw new Error("the test database is not ready yet");
      return t.db;
    },
  };
}

/** Companies and contacts of an offer that a campaign can enrol: `n` people with verified emails at one company. */
export async function addPeople(db: Db, offerId: string, prefix: string, n: number): Promise<string[]> {
  const company = (
    await companies.upsert(db, {
      offer_id: offerId,
      name: `${prefix} Co`,
      domain: `${prefix}.co`,
      source_tool: "test",
      fit_score: 8,
      status: "qualified",
    })
  ).company;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await contacts.upsert(db, {
      offer_id: offerId,
      company_id: company.id,
      source_tool: "test",
      status: "ready",
      full_name: `${prefix} Person ${i}`,
      email: `p${i}@${prefix}.co`,
      email_status: "valid",
    });
    ids.push(r.contact.id);
  }
  return ids;
}

/** An email account that can send (linked to Unipile). */
export function addMailbox(db: Db, name: string) {
  return accounts.create(db, { name, type: "email", owner: "ann", email_address: `${name}@ramp.io`, unipile_account_id: `uni-${name}` });
}

/** A test campaign's signal, ICP target and schedule: sending around the clock every day (UTC). */
export const AROUND_THE_CLOCK = {
  signal: "hiring",
  icp_target: "saas",
  send_window_start: "00:00",
  send_window_end: "24:00",
  send_days: [1, 2, 3, 4, 5, 6, 7],
  timezone: "UTC",
};

/** A draft email campaign of `offerSlug` from one mailbox, sending around the clock every day (UTC). */
export async function emailCampaign(db: Db, offerSlug: string, mailbox: string, name: string) {
  const { campaign } = await createCampaign(
    { db, now: clock },
    {
      offer: offerSlug,
      name,
      channel: "email",
      accounts: [mailbox],
      ...AROUND_THE_CLOCK,
    },
  );
  return campaign;
}

/**
 * A launched email campaign (always open) of a new offer with approved copy, one mailbox and
 * `people` people, whose first step is planned for every person: pending queue rows. Returns the
 * number of rows planned, for the caller to check.
 */
export async function liveCampaign(db: Db, name: string, people = 2) {
  const ctx = { db, now: clock };
  const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
  await approveTemplates(ctx, { offer: offer.slug! });
  const mailbox = await addMailbox(db, offer.slug!);
  const ids = await addPeople(db, offer.id, offer.slug!, people);
  const campaign = await emailCampaign(db, offer.slug!, mailbox.name, `${name} push`);
  await enrolContacts(ctx, { campaign: campaign.id });
  await launchCampaign(ctx, { campaign: campaign.id });
  const { planned } = await planDue({ db, now: () => NOW, campaignId: campaign.id });
  return { offer, mailbox, ids, campaign, planned, domain: `${offer.slug!}.co` };
}
