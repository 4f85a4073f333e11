import { ValidationError } from "@offerlab/core";
import { companies, NotFoundError } from "@offerlab/db";
import { planDue } from "@offerlab/scheduler";
import { describe, expect, it } from "vitest";
import {
  addMailbox,
  addPeople,
  baseOffer,
  clock,
  copy,
  liveCampaign as sharedLiveCampaign,
  NOW,
  testEngines,
  useTestDb,
} from "../__tests__/world.js";
import { createCampaign } from "../campaigns/create-campaign.js";
import { enrolContacts } from "../campaigns/enrol-contacts.js";
import { createOffer } from "../offers/create-offer.js";
import { editCompany } from "./edit-company.js";

const issuesOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!ValidationError.isInstance(e)) throw new Error(`expected a ValidationError, got ${String(e)}`);
  return e.issues;
};

describe.each(testEngines())("company edits on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  async function liveCampaign(name: string) {
    const w = await sharedLiveCampaign(t.db, name);
    expect(w.planned).toBe(2);
    return w;
  }

  it("disqualifying a company (with a reason) stops its people's sequences and cancels their unsent sends", async () => {
    const s = await liveCampaign("Disq Co");
    const r = await editCompany(ctx, { company: `https://www.${s.domain}/about`, status: "disqualified", reason: "an agency" });
    expect(r).toMatchObject({ changed: true, sequencesStopped: 2, cancelled: 2 });
    expect(r.company).toMatchObject({ status: "disqualified", disqualification_reason: "an agency" });
    expect(r.previous.status).toBe("qualified");
    const queue = await t.db.selectFrom("send_queue").select(["status", "defer_reason"]).where("campaign_id", "=", s.campaign.id).execute();
    expect(queue).toEqual([
      { status: "cancelled", defer_reason: "company_disqualified" },
      { status: "cancelled", defer_reason: "company_disqualified" },
    ]);
    const ccs = await t.db
      .selectFrom("campaign_contacts")
      .select(["status", "stop_reason"])
      .where("campaign_id", "=", s.campaign.id)
      .execute();
    expect(ccs.every((c) => c.status === "completed" && c.stop_reason === "company_disqualified")).toBe(true);
    // Nothing more is planned for them, and a new campaign does not enrol them.
    expect((await planDue({ db: t.db, now: () => NOW, campaignId: s.campaign.id })).planned).toBe(0);
    const mailbox = await addMailbox(t.db, `${s.offer.slug!}-2`);
    const { campaign: next } = await createCampaign(ctx, {
      offer: s.offer.slug!,
      name: "Second push",
      channel: "email",
      accounts: [mailbox.name],
      signal: "funding",
      icp_target: "saas",
    });
    expect((await enrolContacts(ctx, { campaign: next.id })).matched).toBe(0);

    // Put back by hand: qualified again, the reason cleared (stopped sequences stay stopped).
    const back = await editCompany(ctx, { company: s.domain, status: "qualified" });
    expect(back.company).toMatchObject({ status: "qualified", disqualification_reason: null });
    expect((await enrolContacts(ctx, { campaign: next.id })).matched).toBe(2);
  });

  it("refuses what a person may not set, writing nothing", async () => {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name: "Refuse Co", ...copy } });
    await addPeople(t.db, offer.id, "refuse", 1);
    const company = (await companies.listByOffer(t.db, offer.id))[0]!;
    expect(await issuesOf(editCompany(ctx, { company: company.id, status: "disqualified" }))).toEqual([
      { field: "reason", message: "is required to disqualify a company (say why)" },
    ]);
    expect((await issuesOf(editCompany(ctx, { company: "Refuse Co", status: "meeting" })))[0]!.message).toMatch(
      /follows from outreach, replies and outcomes/,
    );
    expect((await issuesOf(editCompany(ctx, { company: company.id, status: "vip" })))[0]!.message).toMatch(/not a company status/);
    expect((await issuesOf(editCompany(ctx, { company: company.id, status: "new", reason: "x" })))[0]).toMatchObject({ field: "reason" });
    await t.db.updateTable("companies").set({ status: "contacted" }).where("id", "=", company.id).execute();
    expect((await issuesOf(editCompany(ctx, { company: company.id, status: "qualified" })))[0]!.message).toMatch(
      /a contacted company cannot go back to qualified by hand/,
    );
    expect((await companies.get(t.db, company.id))!).toMatchObject({ status: "contacted", disqualification_reason: null });

    const missing = await editCompany(ctx, { company: "nowhere.io", status: "new" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(missing) && missing.message).toBe(
      'company "nowhere.io" not found: see offerlab export companies --offer <offer>',
    );
    expect((await editCompany(ctx, { company: "refuse.co", status: "disqualified", reason: "competitor" })).company.status).toBe(
      "disqualified",
    );
  });
});
