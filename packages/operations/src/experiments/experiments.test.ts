import { contacts as contactRows, experiments as experimentRows, messageTemplates } from "@offerlab/db";
import { planDue } from "@offerlab/scheduler";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  addMailbox,
  AROUND_THE_CLOCK,
  addPeople,
  baseOffer,
  clock,
  copy,
  emailCampaign,
  NOW,
  testEngines,
  useTestDb,
} from "../__tests__/world.js";
import { createCampaign } from "../campaigns/create-campaign.js";
import { editCampaign } from "../campaigns/edit-campaign.js";
import { enrolContacts } from "../campaigns/enrol-contacts.js";
import { launchCampaign } from "../campaigns/launch-campaign.js";
import { OperationError } from "../errors.js";
import { createOffer } from "../offers/create-offer.js";
import { addTemplateVariant } from "../templates/add-template-variant.js";
import { approveTemplates } from "../templates/approve-templates.js";
import { defineExperiment } from "./define-experiment.js";
import { enrolExperiment } from "./enrol-experiment.js";
import { listExperiments, showExperiment } from "./list-experiments.js";
import { experimentReport, offerReport } from "./report.js";
import { stopExperiment } from "./stop-experiment.js";

const DAY = 86_400_000;

describe.each(testEngines())("experiments operations on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = () => ({ db: t.db, now: clock });

  async function world(name: string, people: number) {
    const { offer } = await createOffer(ctx(), { offer: { ...baseOffer, name, ...copy } });
    await approveTemplates(ctx(), { offer: offer.slug! });
    const step1 = (await messageTemplates.list(t.db, { offerId: offer.id, channel: "email" })).find((x) => x.sequence_step === 1)!;
    const b = await addTemplateVariant(ctx(), { template: step1.id, variant: "B", body: "Hi {{first_name|there}}, a shorter question." });
    const mailbox = await addMailbox(t.db, offer.slug!);
    await addPeople(t.db, offer.id, offer.slug!, people);
    const campaign = await emailCampaign(t.db, offer.slug!, mailbox.name, `${name} push`);
    return { offer, step1, b, campaign, mailbox };
  }

  it("adds a copy variant as a linted draft; define refuses a draft arm, naming the field and the fix", async () => {
    const w = await world("Variant Check", 0);
    expect(w.b.template).toMatchObject({ status: "draft", variant: "B", sequence_step: 1 });
    expect(w.b.source.variant).toBe("A");
    expect(w.b.lint.ok).toBe(true);
    await expect(addTemplateVariant(ctx(), { template: w.step1.id, variant: "b c", body: "" })).rejects.toThrow(
      /variant: "b c" must be.*body: is required/,
    );
    await expect(
      defineExperiment(ctx(), {
        name: "Draft arm",
        hypothesis: "h",
        kind: "copy_variants",
        offer: w.offer.slug!,
        step: 1,
        plannedMaturedPerArm: 100,
        arms: [{ ref: w.step1.id }, { ref: w.b.template.id }],
      }),
    ).rejects.toThrow(/arms\[1\]\.ref: template ".*" is draft: approve it first \(offerlab templates approve [0-9a-f]{8}\)/);
    expect(await listExperiments(ctx())).toEqual([]);
  });

  it("refuses a bad definition with every field named, and writes nothing", async () => {
    const err = await defineExperiment(ctx(), {
      name: "",
      hypothesis: " ",
      kind: "copy_variants",
      step: 0,
      metric: "opens" as never,
      maturityDays: 0,
      arms: [{ ref: "x" }],
    }).then(
      () => null,
      (e: unknown) => e as Error & { code: string; issues: { field: string }[] },
    );
    if (!err) throw new Error("defineExperiment accepted a bad definition");
    expect(err.code).toBe("invalid_input");
    expect(err.issues.map((i) => i.field)).toEqual([
      "name",
      "hypothesis",
      "metric",
      "maturityDays",
      "offer",
      "step",
      "arms",
      "plannedMaturedPerArm",
    ]);
    await expect(
      defineExperiment(ctx(), {
        name: "n",
        hypothesis: "h",
        kind: "signal_stacks",
        offer: "x",
        arms: [{ ref: "a" }, { ref: "b" }],
        plannedMaturedPerArm: 10,
        budgetMaturedPerArm: 5,
      }),
    ).rejects.toThrow(/budgetMaturedPerArm \(5\) is below the plan \(10\)/);
    await expect(
      defineExperiment(ctx(), {
        name: "n",
        hypothesis: "h",
        kind: "signal_stacks",
        offer: "no-such-offer",
        arms: [{ ref: "a" }, { ref: "a" }],
        plannedMaturedPerArm: 10,
      }),
    ).rejects.toThrow(/offer: offer "no-such-offer" not found/);
    expect(await listExperiments(ctx())).toEqual([]);
  });

  it("allocates at enrolment (balanced per stratum), the planner sends each contact its variant, and the report counts matured contacts only", async () => {
    const w = await world("Copy Test", 20);
    await approveTemplates(ctx(), { templates: [w.b.template.id] });
    const defined = await defineExperiment(ctx(), {
      name: "Email 1 copy",
      hypothesis: "A shorter first email gets more positive replies",
      kind: "copy_variants",
      offer: w.offer.slug!,
      step: 1,
      baselineRate: 0.03,
      targetRate: 0.06,
      arms: [
        { ref: w.step1.id, key: "long" },
        { ref: w.b.template.id, key: "short" },
      ],
    });
    expect(defined.causal).toBe(true);
    expect(defined.plan?.plannedMaturedPerArm).toBe(defined.experiment.planned_matured_per_arm);
    expect(defined.arms.map((a) => [a.arm_key, a.label, a.is_control])).toEqual([
      ["long", "A", true],
      ["short", "B", false],
    ]);

    const enrolled = await enrolContacts(ctx(), { campaign: w.campaign.id, limit: 15 });
    expect(enrolled.experiments).toEqual([{ experiment: "email-1-copy", assigned: 15, byArm: expect.any(Object), policy: "balanced" }]);
    const byArm = enrolled.experiments[0]!.byArm;
    expect(Math.abs(byArm.long! - byArm.short!)).toBe(1);
    // A second enrolment continues the stratum's blocks: 20 in all, 10 and 10.
    const rest = await enrolContacts(ctx(), { campaign: w.campaign.id });
    expect(rest.experiments[0]!.assigned).toBe(5);
    const shown = await showExperiment(ctx(), { experiment: "email-1-copy" });
    expect(shown.arms.map((a) => a.assigned)).toEqual([10, 10]);
    expect(shown.byPolicy).toEqual({ balanced: 20 });
    expect(shown.strata).toEqual([{ stratum: `account=${w.mailbox.unipile_account_id}|icp=saas`, byArm: { long: 10, short: 10 } }]);
    const assignments = await experimentRows.assignments(t.db, defined.experiment.id);
    expect(assignments.every((a) => Number(a.probability) === 0.5 && a.policy === "balanced")).toBe(true);
    expect(assignments[0]!.probabilities).toEqual({ long: 0.5, short: 0.5 });

    await launchCampaign(ctx(), { campaign: w.campaign.id });
    const { planned } = await planDue({ db: t.db, now: () => NOW, campaignId: w.campaign.id });
    expect(planned).toBe(20);
    // Every planned first email is the template of the contact's arm.
    const sent = await t.db
      .selectFrom("messages as m")
      .innerJoin("experiment_assignments as ea", "ea.campaign_contact_id", "m.campaign_contact_id")
      .innerJoin("experiment_arms as a", "a.id", "ea.arm_id")
      .select(["m.template_id", "a.template_id as armTemplate", "a.arm_key", "m.variant", "m.body"])
      .execute();
    expect(sent).toHaveLength(20);
    expect(sent.every((s) => s.template_id === s.armTemplate)).toBe(true);
    expect(sent.filter((s) => s.arm_key === "short").every((s) => s.body.includes("shorter question"))).toBe(true);

    // The sends leave: 12 twenty days ago (matured), 8 three days ago (maturing). Of the matured, the
    // short arm's replies are positive, one long reply is negative; one maturing contact replied already.
    const rows = await t.db
      .selectFrom("messages as m")
      .innerJoin("experiment_assignments as ea", "ea.campaign_contact_id", "m.campaign_contact_id")
      .innerJoin("experiment_arms as a", "a.id", "ea.arm_id")
      .select(["m.id", "a.arm_key"])
      .orderBy("m.id")
      .execute();
    for (const [i, r] of rows.entries()) {
      const sentAt = new Date(NOW.getTime() - (i < 12 ? 20 : 3) * DAY);
      const reply =
        i < 12 && i % 3 === 0
          ? { at: new Date(sentAt.getTime() + DAY), sentiment: r.arm_key === "short" ? "positive" : "negative" }
          : i === 12
            ? { at: new Date(sentAt.getTime() + DAY), sentiment: "positive" }
            : null;
      await sql`UPDATE messages SET status = 'sent', sent_at = ${sentAt}, replied_at = ${reply?.at ?? null}, reply_sentiment = ${reply?.sentiment ?? null} WHERE id = ${r.id}`.execute(
        t.db,
      );
    }
    const report = await experimentReport(ctx(), { experiment: "email-1-copy" });
    expect(report.comparison).toBe("causal");
    const total = report.arms.reduce(
      (s, a) => ({ matured: s.matured + a.matured, maturing: s.maturing + a.maturing, contacted: s.contacted + a.contacted }),
      { matured: 0, maturing: 0, contacted: 0 },
    );
    expect(total).toEqual({ matured: 12, maturing: 8, contacted: 20 });
    expect(report.maturing).toBe(8);
    const matured = rows.slice(0, 12);
    const expectedReplies = (key: string) => matured.filter((r, i) => r.arm_key === key && i % 3 === 0).length;
    for (const arm of report.arms) {
      expect(arm.replies).toBe(expectedReplies(arm.key));
      expect(arm.successes).toBe(arm.key === "short" ? expectedReplies("short") : 0);
      expect(arm.rate).toBe(arm.matured === 0 ? null : arm.successes / arm.matured);
      expect(arm.interval.low).toBeLessThanOrEqual(arm.rate ?? 0);
    }
    expect(report.arms.reduce((s, a) => s + a.maturingSuccesses, 0)).toBe(1);
    expect(report.verdict).toMatchObject({ kind: "no-winner-yet", reason: "before-plan" });
    expect(report.arms[1]!.pBeatsControl).toBeGreaterThan(0.5);
    // Reproducible: the same data prints the same numbers.
    expect(await experimentReport(ctx(), { experiment: defined.experiment.id })).toEqual(report);

    const byVariant = await offerReport(ctx(), { offer: w.offer.slug!, by: "variant", metric: "reply" });
    expect(byVariant.comparison).toBe("observational");
    expect(byVariant.arms.map((a) => a.enrolled).reduce((s, n) => s + n, 0)).toBe(20);
    expect(byVariant.arms.map((a) => a.key).sort()).toEqual([w.step1.name, w.b.template.name].sort());
    await expect(offerReport(ctx(), { offer: w.offer.slug!, by: "colour" as never })).rejects.toThrow(
      /by: must be one of signal, icp, variant, step, account/,
    );

    const stopped = await stopExperiment(ctx(), { experiment: "email-1-copy", reason: "enough" });
    expect(stopped.experiment.status).toBe("stopped");
    const again = await stopExperiment(ctx(), { experiment: "email-1-copy" }).catch((e: unknown) => e);
    expect(OperationError.isInstance(again) && again.code).toBe("experiment_stopped");
    expect((await listExperiments(ctx(), { status: "running" })).map((e) => e.experiment.slug)).not.toContain("email-1-copy");
  });

  it("with a pool of senders, pins each experiment contact's sender at enrolment and balances the arms within every account", async () => {
    const w = await world("Pooled", 0);
    await approveTemplates(ctx(), { templates: [w.b.template.id] });
    const second = await addMailbox(t.db, "pooled-two");
    await addPeople(t.db, w.offer.id, "pooledpeople", 26);
    const { campaign } = await createCampaign(ctx(), {
      offer: w.offer.slug!,
      name: "Pooled push",
      channel: "email",
      accounts: [w.mailbox.name, second.name],
      ...AROUND_THE_CLOCK,
    });
    await defineExperiment(ctx(), {
      name: "Pooled copy",
      hypothesis: "h",
      kind: "copy_variants",
      offer: w.offer.slug!,
      step: 1,
      plannedMaturedPerArm: 100,
      arms: [{ ref: w.step1.id }, { ref: w.b.template.id }],
    });
    // Two enrolments: the second continues each account's blocks.
    await enrolContacts(ctx(), { campaign: campaign.id, limit: 11 });
    await enrolContacts(ctx(), { campaign: campaign.id });
    const shown = await showExperiment(ctx(), { experiment: "pooled-copy" });
    const keys = [w.mailbox.unipile_account_id, second.unipile_account_id];
    expect(shown.strata.map((s) => s.stratum)).toEqual(keys.map((k) => `account=${k}|icp=saas`).sort());
    for (const s of shown.strata) {
      const [a, b] = Object.values(s.byArm);
      expect(a! + b!).toBe(13);
      expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1);
    }
    // Every contact's sender is pinned to its stratum's account, and the planner sends from it.
    const rows = await t.db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .innerJoin("accounts as a", "a.id", "cc.email_account_id")
      .select(["ea.stratum", "a.unipile_account_id", "cc.id"])
      .where("cc.campaign_id", "=", campaign.id)
      .execute();
    expect(rows).toHaveLength(26);
    expect(rows.every((r) => r.stratum === `account=${r.unipile_account_id}|icp=saas`)).toBe(true);
    await launchCampaign(ctx(), { campaign: campaign.id });
    const { planned } = await planDue({ db: t.db, now: () => NOW, campaignId: campaign.id });
    expect(planned).toBe(26);
    const sent = await t.db
      .selectFrom("messages as m")
      .innerJoin("campaign_contacts as cc", "cc.id", "m.campaign_contact_id")
      .select(["m.account_id", "cc.email_account_id"])
      .where("m.campaign_id", "=", campaign.id)
      .execute();
    expect(sent).toHaveLength(26);
    expect(sent.every((m) => m.account_id === m.email_account_id)).toBe(true);
  });

  it("randomises one audience between offers' campaigns (experiments enrol): causal, probabilities recorded; contacts an arm's campaign enrols itself stay observational and out", async () => {
    const alpha = await world("Alpha offer", 20);
    const beta = await world("Beta offer", 0);
    await defineExperiment(ctx(), {
      name: "Which offer",
      hypothesis: "Beta's offer gets more positive replies than Alpha's on the same people",
      kind: "offers",
      plannedMaturedPerArm: 100,
      arms: [{ ref: alpha.offer.slug! }, { ref: beta.offer.slug! }],
    });
    // Before any randomised enrolment, the arms are audiences: observational.
    expect((await experimentReport(ctx(), { experiment: "which-offer" })).comparison).toBe("observational");

    const r = await enrolExperiment(ctx(), { experiment: "which-offer", from: alpha.campaign.id, limit: 16 });
    expect(r).toMatchObject({ assigned: 16, policy: "balanced", stratum: "audience=" + alpha.campaign.campaign_slug + "|icp=saas" });
    // Each arm's campaign sends from its own mailbox: nothing to stratify by, and it is said plainly.
    expect(r.senders).toEqual({ kind: "differ", note: "sender accounts differ between arms: the comparison also compares senders" });
    expect(r.strata).toEqual([{ stratum: r.stratum, byArm: { a: 8, b: 8 } }]);
    expect(r.arms.map((a) => [a.key, a.campaign, a.assigned])).toEqual([
      ["a", alpha.campaign.campaign_slug, 8],
      ["b", beta.campaign.campaign_slug, 8],
    ]);
    // Each contact is in exactly one arm's campaign, recorded with its probability.
    const rows = await t.db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("experiment_arms as a", "a.id", "ea.arm_id")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
      .select(["a.arm_key", "c.offer_id", "ea.probability", "ea.probabilities", "ea.policy", "ea.contact_id"])
      .where("a.experiment_id", "=", (await experimentRows.get(t.db, "which-offer")).experiment.id)
      .execute();
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((x) => x.contact_id)).size).toBe(16);
    for (const x of rows) {
      expect(x.offer_id).toBe(x.arm_key === "a" ? alpha.offer.id : beta.offer.id);
      expect(Number(x.probability)).toBe(0.5);
      expect(x.probabilities).toEqual({ a: 0.5, b: 0.5 });
      expect(x.policy).toBe("balanced");
    }
    // The planner writes to them from the arm's campaign, with its offer's copy.
    await launchCampaign(ctx(), { campaign: beta.campaign.id });
    expect((await planDue({ db: t.db, now: () => NOW, campaignId: beta.campaign.id })).planned).toBe(8);
    // A second enrolment takes the rest of the audience and no one twice.
    const rest = await enrolExperiment(ctx(), { experiment: "which-offer", from: alpha.campaign.id });
    expect(rest.assigned).toBe(4);
    const assigned = await experimentRows.assignments(t.db, (await experimentRows.get(t.db, "which-offer")).experiment.id);
    expect(new Set(assigned.map((x) => x.contact_id)).size).toBe(20);
    expect((await enrolExperiment(ctx(), { experiment: "which-offer", from: alpha.campaign.id })).assigned).toBe(0);

    // The arm's own campaign enrols its own people: observed, left out of the causal comparison.
    await addPeople(t.db, beta.offer.id, "betaown", 5);
    const own = await enrolContacts(ctx(), { campaign: beta.campaign.id });
    expect(own.experiments).toEqual([{ experiment: "which-offer", assigned: 5, byArm: { a: 0, b: 5 }, policy: "observed" }]);
    const report = await experimentReport(ctx(), { experiment: "which-offer" });
    expect(report.comparison).toBe("causal");
    expect(report.comparisonNote).toContain("5 contact(s) the arms' campaigns enrolled by themselves are observational and left out");
    expect(report.comparisonNote).toContain("; sender accounts differ between arms: the comparison also compares senders");
    expect(report.senders).toMatchObject({ kind: "differ" });
    expect(report.arms.map((a) => a.enrolled)).toEqual([10, 10]);

    // Bad input names the field and the fix; nothing is written.
    const signals = await defineExperiment(ctx(), {
      name: "Which signal",
      hypothesis: "h",
      kind: "signal_stacks",
      offer: alpha.offer.slug!,
      plannedMaturedPerArm: 100,
      arms: [{ ref: "hiring" }, { ref: "funding" }],
    });
    const refused = await enrolExperiment(ctx(), { experiment: signals.experiment.slug, from: alpha.campaign.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ issues: [{ field: "experiment" }] });
    expect((refused as Error).message).toMatch(/define who is contacted/);
    await createCampaign(ctx(), { ...secondCampaign(beta.offer.slug!, beta.mailbox.name) });
    const two = await enrolExperiment(ctx(), { experiment: "which-offer", from: alpha.campaign.id }).catch((e: unknown) => e);
    expect((two as Error).message).toMatch(/campaigns\.b.*2 open campaigns.*--campaign b=<campaign>/);
    expect(
      await enrolExperiment(ctx(), { experiment: "which-offer", from: alpha.campaign.id, limit: 0 }).catch((e: unknown) => e),
    ).toMatchObject({
      issues: [{ field: "limit" }],
    });
  });

  it("experiments enrol: a dry run shows the draw per arm and stratum and who is left out, and writes nothing; arms' campaigns sharing senders are stratified by account", async () => {
    const gamma = await world("Gamma offer", 12);
    const delta = await world("Delta offer", 0);
    // One person the audience matches but the send path would not email: left out, with the reason.
    await contactRows.upsert(t.db, {
      offer_id: gamma.offer.id,
      company_id: (await t.db.selectFrom("contacts").select("company_id").where("offer_id", "=", gamma.offer.id).executeTakeFirstOrThrow())
        .company_id,
      source_tool: "test",
      status: "ready",
      full_name: "Bounced Person",
      email: "bounced@gamma.co",
      email_status: "invalid",
    });
    // Both arms' campaigns send from both mailboxes.
    const both = [gamma.mailbox.name, delta.mailbox.name];
    await editCampaign(ctx(), { campaign: gamma.campaign.id, accounts: both });
    await editCampaign(ctx(), { campaign: delta.campaign.id, accounts: both });
    await defineExperiment(ctx(), {
      name: "Shared senders",
      hypothesis: "h",
      kind: "offers",
      plannedMaturedPerArm: 100,
      arms: [{ ref: gamma.offer.slug! }, { ref: delta.offer.slug! }],
    });
    const rowCounts = async () =>
      Promise.all(
        (["campaign_contacts", "experiment_assignments", "send_queue", "messages"] as const).map(async (table) =>
          Number(
            (
              await t.db
                .selectFrom(table)
                .select((eb) => eb.fn.countAll().as("n"))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ),
      );
    const pinnedCount = async () =>
      Number(
        (
          await t.db
            .selectFrom("campaign_contacts")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("email_account_id", "is not", null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = [...(await rowCounts()), await pinnedCount()];

    const dry = await enrolExperiment(ctx(), { experiment: "shared-senders", from: gamma.campaign.id, dryRun: true });
    expect([...(await rowCounts()), await pinnedCount()]).toEqual(before);
    const audience = `audience=${gamma.campaign.campaign_slug}|icp=saas`;
    const strata = [gamma.mailbox, delta.mailbox].map((m) => `account=${m.unipile_account_id}|${audience}`).sort();
    expect(dry).toMatchObject({ dryRun: true, assigned: 12, alreadyIn: 0, skipped: { email_not_accepted: 1 } });
    expect(dry.senders).toEqual({ kind: "shared", accounts: [gamma.mailbox.name, delta.mailbox.name].sort() });
    expect(dry.strata.map((x) => x.stratum)).toEqual(strata);
    for (const x of dry.strata) expect(x.byArm).toEqual({ a: 3, b: 3 });

    // The real enrolment draws exactly what the dry run showed.
    const real = await enrolExperiment(ctx(), { experiment: "shared-senders", from: gamma.campaign.id });
    expect(real).toMatchObject({ dryRun: false, assigned: 12 });
    expect(real.strata).toEqual(dry.strata);
    expect(real.arms).toEqual(dry.arms);
    // Each contact's sender is pinned in its arm's campaign to its stratum's account.
    const rows = await t.db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .innerJoin("accounts as acc", "acc.id", "cc.email_account_id")
      .select(["ea.stratum", "acc.unipile_account_id"])
      .where("ea.experiment_id", "=", (await experimentRows.get(t.db, "shared-senders")).experiment.id)
      .execute();
    expect(rows).toHaveLength(12);
    expect(rows.every((x) => x.stratum === `account=${x.unipile_account_id}|${audience}`)).toBe(true);
    const report = await experimentReport(ctx(), { experiment: "shared-senders" });
    expect(report.comparison).toBe("causal");
    expect(report.senders).toMatchObject({ kind: "stratified" });
    expect(report.comparisonNote).not.toContain("sender accounts differ");
    // Again: everyone is in already; a dry run says so and still writes nothing.
    const counted = [...(await rowCounts()), await pinnedCount()];
    const again = await enrolExperiment(ctx(), { experiment: "shared-senders", from: gamma.campaign.id, dryRun: true });
    expect(again).toMatchObject({ assigned: 0, strata: [] });
    // (Those in the audience's own campaign, arm a's, are skipped as already in it; the others as in another campaign.)
    expect(again.alreadyIn + Object.values(again.skipped).reduce((x, y) => x! + y!, 0)!).toBe(13);
    expect([...(await rowCounts()), await pinnedCount()]).toEqual(counted);
  });

  it("taking an account off the campaign re-pins its experiment contacts not yet written to, keeping the strata balanced", async () => {
    const w = await world("Repin", 0);
    await approveTemplates(ctx(), { templates: [w.b.template.id] });
    const second = await addMailbox(t.db, "repin-two");
    const third = await addMailbox(t.db, "repin-three");
    await addPeople(t.db, w.offer.id, "repinpeople", 30);
    const { campaign } = await createCampaign(ctx(), {
      offer: w.offer.slug!,
      name: "Repin push",
      channel: "email",
      accounts: [w.mailbox.name, second.name, third.name],
      ...AROUND_THE_CLOCK,
    });
    await defineExperiment(ctx(), {
      name: "Repin copy",
      hypothesis: "h",
      kind: "copy_variants",
      offer: w.offer.slug!,
      step: 1,
      plannedMaturedPerArm: 100,
      arms: [{ ref: w.step1.id }, { ref: w.b.template.id }],
    });
    await enrolContacts(ctx(), { campaign: campaign.id });
    await launchCampaign(ctx(), { campaign: campaign.id });
    expect((await planDue({ db: t.db, now: () => NOW, campaignId: campaign.id })).planned).toBe(30);
    const pinnedTo = async (accountId: string) =>
      (
        await t.db
          .selectFrom("campaign_contacts")
          .select("id")
          .where("campaign_id", "=", campaign.id)
          .where("email_account_id", "=", accountId)
          .orderBy("id")
          .execute()
      ).map((r) => r.id);
    const onThird = await pinnedTo(third.id);
    expect(onThird).toHaveLength(10);
    // One of them was written to from the third mailbox already: its thread lives there.
    const written = onThird[0]!;
    await t.db.updateTable("send_queue").set({ status: "sent" }).where("campaign_contact_id", "=", written).execute();
    await t.db.updateTable("messages").set({ status: "sent", sent_at: NOW }).where("campaign_contact_id", "=", written).execute();

    const r = await editCampaign(ctx(), { campaign: campaign.id, accounts: [w.mailbox.name, second.name] });
    expect(r.removedAccounts.map((a) => a.id)).toEqual([third.id]);
    expect(r.experimentContacts).toEqual({ repinned: 9, kept: 1 });
    expect(r.contactsStranded).toBe(1);
    expect(await pinnedTo(third.id)).toEqual([written]);
    // Every contact's stratum is still the account that sends it, and each stratum stays balanced.
    const rows = await t.db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .innerJoin("accounts as a", "a.id", "cc.email_account_id")
      .select(["ea.stratum", "a.unipile_account_id"])
      .where("cc.campaign_id", "=", campaign.id)
      .execute();
    expect(rows.every((x) => x.stratum === `account=${x.unipile_account_id}|icp=saas`)).toBe(true);
    const shown = await showExperiment(ctx(), { experiment: "repin-copy" });
    const sizes = Object.fromEntries(shown.strata.map((s) => [s.stratum, Object.values(s.byArm).reduce((x, y) => x + y, 0)]));
    expect(sizes[`account=${third.unipile_account_id}|icp=saas`]).toBe(1);
    expect(sizes[`account=${w.mailbox.unipile_account_id}|icp=saas`]! + sizes[`account=${second.unipile_account_id}|icp=saas`]!).toBe(29);
    for (const s of shown.strata) {
      const [a, b] = Object.values(s.byArm);
      expect(Math.abs(a! - b!), s.stratum).toBeLessThanOrEqual(1);
    }
    // Nothing moves when the removal strands no experiment contact.
    const again = await editCampaign(ctx(), { campaign: campaign.id, accounts: [w.mailbox.name, second.name] });
    expect(again.experimentContacts).toEqual({ repinned: 0, kept: 0 });
  });

  it("turns adaptive (top-two Thompson with a floor) once every arm has enough matured contacts, recording the batch's probabilities", async () => {
    const w = await world("Adaptive", 12);
    await approveTemplates(ctx(), { templates: [w.b.template.id] });
    await defineExperiment(ctx(), {
      name: "Adaptive copy",
      hypothesis: "h",
      kind: "copy_variants",
      offer: w.offer.slug!,
      step: 1,
      plannedMaturedPerArm: 100,
      minMaturedForAdaptive: 2,
      floor: 0.1,
      arms: [{ ref: w.step1.id }, { ref: w.b.template.id }],
    });
    expect((await enrolContacts(ctx(), { campaign: w.campaign.id, limit: 6 })).experiments[0]).toMatchObject({
      policy: "balanced",
      assigned: 6,
    });
    await launchCampaign(ctx(), { campaign: w.campaign.id });
    await planDue({ db: t.db, now: () => NOW, campaignId: w.campaign.id });
    await sql`UPDATE messages SET status = 'sent', sent_at = ${new Date(NOW.getTime() - 30 * DAY)} WHERE campaign_id = ${w.campaign.id}`.execute(
      t.db,
    );
    const next = await enrolContacts(ctx(), { campaign: w.campaign.id });
    expect(next.experiments[0]).toMatchObject({ policy: "thompson", assigned: 6 });
    const shown = await showExperiment(ctx(), { experiment: "adaptive-copy" });
    expect(shown.byPolicy).toEqual({ balanced: 6, thompson: 6 });
    const thompson = (await experimentRows.assignments(t.db, shown.experiment.id)).filter((a) => a.policy === "thompson");
    for (const a of thompson) {
      const probs = a.probabilities as Record<string, number>;
      expect(Object.values(probs).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
      expect(Math.min(...Object.values(probs))).toBeGreaterThanOrEqual(0.1);
    }
    // The report now judges on weighted effective counts; the matured contacts were all assigned
    // at 1/2 (equal weights), so they equal the raw counts.
    const report = await experimentReport(ctx(), { experiment: "adaptive-copy" });
    expect(report.arms.map((a) => a.effective?.matured)).toEqual(report.arms.map((a) => a.matured));
    expect(report.arms.every((a) => a.weightedRate !== null)).toBe(true);
  });
});

/** A second open campaign of an offer (another name), for the "which campaign" error. */
function secondCampaign(offer: string, mailbox: string) {
  return {
    offer,
    name: "Second push",
    channel: "email",
    accounts: [mailbox],
    signal: "funding",
    icp_target: "saas",
    send_window_start: "00:00",
    send_window_end: "24:00",
    send_days: [1, 2, 3, 4, 5, 6, 7],
    timezone: "UTC",
  };
}
