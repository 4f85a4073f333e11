import { ValidationError } from "@offerlab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaigns, messageTemplates, offerCopy, offers, templatesFromCopy } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const positioning = {
  category: { name: "AI Sales Coach", competing_with: "Sales training", differentiator: "Live practice" },
  problem: {
    core_problem: "Reps ramp slowly",
    who_feels_it: ["VP Sales"],
    business_impact: "Missed quota",
    customer_language: "Our reps aren't ready",
    awareness_level: "pain_point",
  },
  symptoms: [
    {
      type: "hiring",
      signal: "Hiring SDRs",
      detection: "TheirStack",
      filter: "last_30_days",
      reasoning: "Growing",
      score: { detectable: 5, relevant: 5, timely: 4, specific: 4, total: 18 },
    },
  ],
  outcomes: { immediate: "Practice", short_term: "Faster ramp", long_term: "Revenue", emotional: "Confidence" },
  alternatives: [{ name: "Status quo", cons: "Slow" }],
  positioning_statement: "We help sales teams ramp faster.",
  signal_stacks: [{ name: "Scaling", signals: ["Series A"], story: "Growing fast", priority: "HIGH", expected_reply_rate: "10-20%" }],
  disqualifying_signals: ["Too small"],
};
const icp = {
  company: { verticals: ["saas"], size_min: 20, size_max: 200, signals: ["hiring_sales"], disqualifiers: ["no_sales_team"] },
  buyer: { titles: ["VP Sales"], departments: ["Sales"], seniority: ["VP"] },
};
const email_templates = {
  sequence: [
    { step: 1, subject: "Ramp at {{company.name}}", body: "Hi {{first_name|there}}, quick question.", delay_days: 0 },
    { step: 2, subject: "", body: "Following up, {{first_name|there}}.", delay_days: 3 },
  ],
};
const linkedin_templates = {
  connection_request: "Hi {{first_name}}, saw {{company.name}} is hiring.",
  follow_up_dm: "Thanks for connecting!",
};
const base = { type: "product", ownership: "internal", description: "Cuts ramp time." };

describe("templatesFromCopy", () => {
  it("makes one template per email step (its step number) and per LinkedIn template (any step)", () => {
    expect(
      templatesFromCopy({ email_templates, linkedin_templates }).map((t) => [t.template_key, t.channel, t.sequence_step, t.subject]),
    ).toEqual([
      ["email.1", "email", 1, "Ramp at {{company.name}}"],
      ["email.2", "email", 2, null],
      ["linkedin.connection_request", "linkedin_connect", null, null],
      ["linkedin.follow_up_dm", "linkedin_dm", null, null],
    ]);
  });
});

describe.each(testEngines())("offer copy on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t.drop();
  });
  const count = async (table: "offers" | "message_templates") => (await t.db.selectFrom(table).select("id").execute()).length;

  it("creates an offer with its copy and a draft template per piece of copy, or nothing at all", async () => {
    const { offer, templates } = await offerCopy.create(t.db, {
      ...base,
      name: "AI Sales Coach",
      positioning,
      icp,
      email_templates,
      linkedin_templates,
    });
    expect(offer).toMatchObject({ slug: "ai-sales-coach", status: "draft" });
    expect(offer.positioning?.signal_stacks[0]?.priority).toBe("high");
    expect(templates.map((x) => [x.template_key, x.status])).toEqual([
      ["email.1", "draft"],
      ["email.2", "draft"],
      ["linkedin.connection_request", "draft"],
      ["linkedin.follow_up_dm", "draft"],
    ]);
    const before = [await count("offers"), await count("message_templates")];
    const bad = {
      ...positioning,
      symptoms: [{ ...positioning.symptoms[0], score: { detectable: 5, relevant: 5, timely: 4, specific: 4, total: 20 } }],
    };
    const err = await offerCopy.create(t.db, { ...base, name: "Broken", positioning: bad, icp, email_templates }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(err)).toBe(true);
    expect((err as ValidationError).issues[0]).toMatchObject({ field: "positioning.symptoms.0.score.total" });
    // A slug taken fails after the checks, inside the transaction: nothing of it stays.
    await expect(offerCopy.create(t.db, { ...base, name: "AI Sales Coach", email_templates })).rejects.toThrow(/already used/);
    expect([await count("offers"), await count("message_templates")]).toEqual(before);
  });

  it("edits fields, refuses bad ones, and re-drafts only the copy that changed", async () => {
    const { offer, templates } = await offerCopy.create(t.db, { ...base, name: "Edit Me", email_templates, linkedin_templates });
    const e1 = templates.find((x) => x.template_key === "email.1")!;
    await messageTemplates.setStatus(
      t.db,
      templates.map((x) => x.id),
      "approved",
    );

    const renamed = await offerCopy.update(t.db, offer.slug!, { name: "Edited", price_range: "mid" });
    expect(renamed.offer).toMatchObject({ name: "Edited", price_range: "mid", slug: "edit-me" });
    expect(renamed.templates).toEqual({ created: [], kept: 0, archived: 0 });

    const changed = await offerCopy.update(t.db, offer.id, {
      email_templates: { sequence: [email_templates.sequence[0]!, { ...email_templates.sequence[1]!, body: "New follow-up." }] },
      linkedin_templates: { connection_request: linkedin_templates.connection_request },
    });
    expect(changed.templates).toMatchObject({ kept: 2, archived: 2 });
    expect(changed.templates.created.map((x) => [x.template_key, x.body, x.status])).toEqual([["email.2", "New follow-up.", "draft"]]);
    const live = await messageTemplates.list(t.db, { offerId: offer.id });
    expect(live.map((x) => [x.template_key, x.status])).toEqual(
      expect.arrayContaining([
        ["email.1", "approved"],
        ["email.2", "draft"],
        ["linkedin.connection_request", "approved"],
      ]),
    );
    expect(live.find((x) => x.template_key === "email.1")!.id).toBe(e1.id);
    expect(live.some((x) => x.template_key === "linkedin.follow_up_dm")).toBe(false);
    expect((await messageTemplates.list(t.db, { offerId: offer.id, status: "archived" })).length).toBe(2);

    const errors = async (patch: unknown) =>
      ((await offerCopy.update(t.db, offer.id, patch).catch((e: unknown) => e)) as ValidationError).issues;
    expect(await errors({ ownership: "client" })).toEqual([
      { field: "client_name", message: 'is required when ownership is "client" (name the client)' },
    ]);
    expect(await errors({ slug: "ai-sales-coach" })).toEqual([
      { field: "slug", message: '"ai-sales-coach" is already used by another offer; pass a different slug' },
    ]);
    expect(await errors({ slug: "Not A Slug" })).toEqual([
      { field: "slug", message: 'must be lowercase letters, digits and hyphens, e.g. "not-a-slug"' },
    ]);
    expect((await errors({ status: "active", colour: 1 })).map((i) => i.field)).toEqual(["(input)"]);
    expect(await errors({})).toEqual([{ field: "(input)", message: "nothing to change: pass at least one field" }]);
    await expect(offerCopy.update(t.db, "nope", { name: "x" })).rejects.toThrow(/^offer "nope" not found: see offerlab offers list$/);
    expect((await offers.get(t.db, offer.id))!.name).toBe("Edited");
  });

  it("moves status by the lifecycle; ready needs an ICP and an approved template", async () => {
    const { offer, templates } = await offerCopy.create(t.db, { ...base, name: "Status", email_templates });
    const issues = ((await offerCopy.setStatus(t.db, offer.id, "ready").catch((e: unknown) => e)) as ValidationError).issues;
    expect(issues.map((i) => i.field)).toEqual(["icp", "templates"]);
    await offerCopy.update(t.db, offer.id, { icp });
    await messageTemplates.setStatus(t.db, [templates[0]!.id], "approved");
    expect(await offerCopy.setStatus(t.db, offer.id, "ready")).toMatchObject({
      previous: "draft",
      offer: { status: "ready" },
      activeCampaigns: 0,
    });
    await offerCopy.setStatus(t.db, offer.id, "killed");
    await expect(offerCopy.setStatus(t.db, offer.id, "active")).rejects.toThrow(
      /cannot go from killed to active; from killed it may go to draft/,
    );
    await offerCopy.setStatus(t.db, offer.id, "draft");
    await offerCopy.setStatus(t.db, offer.id, "ready");
    await offerCopy.setStatus(t.db, offer.id, "active");
    await campaigns.create(t.db, {
      name: "Running",
      offer_id: offer.id,
      channel: "email",
      status: "active",
      campaign_slug: "status-running",
    });
    expect((await offerCopy.setStatus(t.db, offer.id, "paused")).activeCampaigns).toBe(1);
  });

  it("finds templates by id or unique prefix and names the reference it cannot find", async () => {
    const all = await messageTemplates.list(t.db, {});
    const one = all[0]!;
    expect((await messageTemplates.find(t.db, [one.id, one.id.slice(0, 8).toUpperCase()])).map((x) => x.id)).toEqual([one.id]);
    await expect(messageTemplates.find(t.db, [one.id, "zzz"])).rejects.toThrow(/^template "zzz" not found: see offerlab templates list$/);
    await expect(messageTemplates.find(t.db, ["ffffffff-ffff-4fff-8fff-ffffffffffff"])).rejects.toThrow(
      /^template "ffffffff-ffff-4fff-8fff-ffffffffffff" not found: see offerlab templates list$/,
    );
    expect((await messageTemplates.list(t.db, { channel: "linkedin_connect" })).every((x) => x.channel === "linkedin_connect")).toBe(true);
    expect((await messageTemplates.list(t.db, { status: "approved" })).every((x) => x.status === "approved")).toBe(true);
  });
});
