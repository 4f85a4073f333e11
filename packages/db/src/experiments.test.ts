import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countContacts as countFacts } from "@offerlab/experiments";
import { experiments, messageTemplates } from "./index.js";
import { createTestDb, emailSent, seedOutreachWorld, testEngines, type OutreachWorld, type TestDb } from "./testing.js";

const DAY = 86_400_000;
const now = new Date("2026-06-30T12:00:00Z");

describe.each(testEngines())("experiments aggregate on %s", (engine) => {
  let t: TestDb;
  let w: OutreachWorld;
  let ccs: { id: string; contact_id: string }[];
  let templateA: string;
  let templateB: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    w = await seedOutreachWorld(t.db, {
      name: "Exp",
      vendorLinkedIn: "li",
      vendorMailbox: "mb",
      addedAt: new Date(now.getTime() - 40 * DAY),
      extra: 5,
    });
    ccs = await t.db
      .selectFrom("campaign_contacts")
      .select(["id", "contact_id"])
      .where("campaign_id", "=", w.campaignId)
      .orderBy("added_at")
      .orderBy("id")
      .execute();
    templateA = (await t.db.selectFrom("message_templates").select("id").where("name", "=", "email 1").executeTakeFirstOrThrow()).id;
  }, 180_000);
  afterAll(() => t?.drop());

  it("adds a copy variant of a step as a draft, labelling the source A; a label taken is a field error", async () => {
    const { template, source } = await messageTemplates.addVariant(t.db, {
      templateId: templateA,
      variant: "B",
      body: "Hi {{first_name|there}}, B copy.",
    });
    templateB = template.id;
    expect(source).toMatchObject({ id: templateA, variant: "A", status: "approved" });
    expect(template).toMatchObject({
      variant: "B",
      status: "draft",
      channel: "email",
      sequence_step: 1,
      campaign_id: null,
      name: "email 1 (B)",
    });
    await expect(messageTemplates.addVariant(t.db, { templateId: templateA, variant: "B", body: "x" })).rejects.toThrow(
      /already has a variant "B"/,
    );
    // A template of every step of its channel (the LinkedIn note) has variants of every step too.
    const note = (await t.db.selectFrom("message_templates").select("id").where("name", "=", "note").executeTakeFirstOrThrow()).id;
    const noteB = await messageTemplates.addVariant(t.db, { templateId: note, variant: "B", body: "Hi {{first_name}}, B note." });
    expect(noteB.template).toMatchObject({ sequence_step: null, channel: "linkedin_connect", variant: "B" });
    await expect(messageTemplates.addVariant(t.db, { templateId: note, variant: "B", body: "x" })).rejects.toThrow(
      /linkedin_connect template already has a variant "B"/,
    );
    await messageTemplates.setStatus(t.db, [templateB], "approved");
  });

  it("creates an experiment with its arms, refuses a taken slug, finds it by slug or id", async () => {
    const created = await experiments.create(t.db, {
      slug: "email-1-copy",
      name: "Email 1 copy",
      hypothesis: "B's shorter copy gets more positive replies",
      kind: "copy_variants",
      offer_id: w.offerId,
      sequence_step: 1,
      planned_matured_per_arm: 200,
      started_at: new Date(now.getTime() - 40 * DAY),
      arms: [
        { arm_key: "a", label: "A", is_control: true, template_id: templateA },
        { arm_key: "b", label: "B", template_id: templateB },
      ],
    });
    expect(created.experiment).toMatchObject({
      status: "running",
      primary_metric: "positive_reply",
      maturity_days: 14,
      min_matured_per_arm: 100,
    });
    expect(created.arms.map((a) => [a.arm_key, a.position, a.is_control])).toEqual([
      ["a", 0, true],
      ["b", 1, false],
    ]);
    await expect(experiments.create(t.db, { ...created.experiment, slug: "email-1-copy", arms: [] } as never)).rejects.toMatchObject({
      code: "invalid_input",
    });
    expect((await experiments.get(t.db, "email-1-copy")).experiment.id).toBe(created.experiment.id);
    expect((await experiments.get(t.db, created.experiment.id)).arms).toHaveLength(2);
    await expect(experiments.get(t.db, "nope")).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("offerlab experiments list"),
    });
    expect((await experiments.runningForOffer(t.db, w.offerId)).map((e) => e.experiment.slug)).toEqual(["email-1-copy"]);
  });

  it("the database refuses an arm naming two things, and a second control", async () => {
    const { experiment, arms } = await experiments.get(t.db, "email-1-copy");
    await expect(
      t.db
        .insertInto("experiment_arms")
        .values({ experiment_id: experiment.id, arm_key: "c", label: "C", position: 2, template_id: templateA, signal_stack: "hiring" })
        .execute(),
    ).rejects.toThrow(/experiment_arms_one_reference/);
    await expect(
      t.db
        .insertInto("experiment_arms")
        .values({ experiment_id: experiment.id, arm_key: "d", label: "D", position: 3, template_id: templateA, is_control: true })
        .execute(),
    ).rejects.toThrow(/idx_experiment_arms_one_control/);
    expect((await experiments.get(t.db, "email-1-copy")).arms).toEqual(arms);
  });

  it("records assignments once per contact, counts strata, and counts only matured contacts", async () => {
    const { experiment, arms } = await experiments.get(t.db, "email-1-copy");
    const [armA, armB] = arms as [(typeof arms)[0], (typeof arms)[0]];
    const rows = ccs.map((cc, i) => ({
      experiment_id: experiment.id,
      arm_id: i % 2 === 0 ? armA.id : armB.id,
      contact_id: cc.contact_id,
      campaign_contact_id: cc.id,
      probability: 0.5,
      probabilities: { a: 0.5, b: 0.5 },
      stratum: "account=x|icp=y",
      policy: "balanced" as const,
      assigned_at: new Date(now.getTime() - 40 * DAY),
    }));
    expect(await experiments.assign(t.db, rows)).toBe(6);
    expect(
      await experiments.assign(
        t.db,
        rows.map((r) => ({ ...r, arm_id: armB.id })),
      ),
    ).toBe(0);
    expect(await experiments.stratumCounts(t.db, experiment.id)).toEqual(new Map([["account=x|icp=y", 6]]));
    expect(await experiments.assignedContacts(t.db, experiment.id, [ccs[0]!.contact_id, "00000000-0000-0000-0000-000000000000"])).toEqual(
      new Set([ccs[0]!.contact_id]),
    );

    // A: cc0 touched 30 days ago, positive reply on day 2 (success); cc2 touched 30 days ago, positive reply on day 20 (too late:
    // a failure); cc4 touched 3 days ago, positive reply yesterday (maturing: shown apart, not counted).
    // B: cc1 touched 20 days ago, negative reply (a reply, no success); cc3 never touched; cc5 touched 5 days ago, nothing yet.
    const send = async (i: number, daysAgo: number, reply?: { afterDays: number; sentiment: "positive" | "negative" }) => {
      const cc = ccs[i]!;
      const sentAt = new Date(now.getTime() - daysAgo * DAY);
      await emailSent(t.db, w, {
        to: { campaignContactId: cc.id, contactId: cc.contact_id },
        body: "x",
        sentAt,
        variant: i % 2 === 0 ? "email 1" : "email 1 (B)",
        ...(reply ? { reply: { at: new Date(sentAt.getTime() + reply.afterDays * DAY), sentiment: reply.sentiment } } : {}),
      });
    };
    await send(0, 30, { afterDays: 2, sentiment: "positive" });
    await send(2, 30, { afterDays: 20, sentiment: "positive" });
    await send(4, 3, { afterDays: 2, sentiment: "positive" });
    await send(1, 20, { afterDays: 1, sentiment: "negative" });
    await send(5, 5);

    const facts = await experiments.armFacts(t.db, experiment.id);
    expect(facts).toHaveLength(6);
    const counts = countFacts(facts, [armA.id, armB.id], { metric: "positive_reply", maturityDays: 14, now });
    expect(counts[0]).toMatchObject({
      group: armA.id,
      enrolled: 3,
      contacted: 3,
      matured: 2,
      maturing: 1,
      successes: 1,
      maturingSuccesses: 1,
      replies: 1,
      positiveReplies: 1,
    });
    expect(counts[1]).toMatchObject({
      group: armB.id,
      enrolled: 3,
      contacted: 2,
      matured: 1,
      maturing: 1,
      successes: 0,
      replies: 1,
      positiveReplies: 0,
    });
    const byReply = countFacts(facts, [armA.id, armB.id], { metric: "reply", maturityDays: 14, now });
    expect(byReply.map((c) => c.successes)).toEqual([1, 1]);
    // A longer window: cc2's late reply counts, and cc1 (20 days) is still maturing.
    const long = countFacts(facts, [armA.id, armB.id], { metric: "positive_reply", maturityDays: 25, now });
    expect(long.map((c) => [c.matured, c.successes, c.maturing])).toEqual([
      [2, 2, 1],
      [0, 0, 2],
    ]);

    const byVariant = countFacts(await experiments.offerFacts(t.db, w.offerId, "variant"), [], {
      metric: "positive_reply",
      maturityDays: 14,
      now,
    });
    expect(Object.fromEntries(byVariant.map((c) => [c.group, [c.enrolled, c.matured, c.successes]]))).toEqual({
      "email 1": [3, 2, 1],
      "email 1 (B)": [2, 1, 0],
      "(none)": [1, 0, 0],
    });
    const byStep = countFacts(await experiments.offerFacts(t.db, w.offerId, "step"), [], { metric: "reply", maturityDays: 14, now });
    expect(byStep).toEqual([expect.objectContaining({ group: "step 1", enrolled: 5, contacted: 5, matured: 3, successes: 2 })]);
  });

  it("names the variant a contact's assignment gives for the step, and stops once", async () => {
    const { experiment } = await experiments.get(t.db, "email-1-copy");
    const batch = await experiments.variantTemplatesFor(t.db, [ccs[0]!.id, ccs[1]!.id]);
    expect(batch.get(`${ccs[1]!.id}|1`)).toBe(templateB);
    expect(batch.get(`${ccs[0]!.id}|1`)).toBe(templateA);
    expect(batch.has(`${ccs[0]!.id}|2`)).toBe(false);
    const stopped = await experiments.stop(t.db, experiment.id, { now, reason: "enough" });
    expect(stopped).toMatchObject({ status: "stopped", stop_reason: "enough" });
    expect(await experiments.stop(t.db, experiment.id, { now })).toBeNull();
    expect(await experiments.runningForOffer(t.db, w.offerId)).toEqual([]);
    expect((await experiments.list(t.db, { status: "stopped" })).map((e) => [e.experiment.slug, e.assigned])).toEqual([
      ["email-1-copy", 6],
    ]);
    // An arm's template cannot be deleted on its own, but deleting the offer takes its experiment along.
    await expect(t.db.deleteFrom("message_templates").where("id", "=", templateB).execute()).rejects.toThrow(/experiment_arms/);
    await t.db.deleteFrom("offers").where("id", "=", w.offerId).execute();
    expect(await experiments.list(t.db)).toEqual([]);
  });
});
