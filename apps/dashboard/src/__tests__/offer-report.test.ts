/**
 * The offer page's experiment report: per arm its rate with the 95 % interval drawn as SVG,
 * P(best), the verdict and what is still maturing — the numbers of operations' `experimentReport`
 * (what `offerlab report --experiment` prints), judged on the app's clock.
 */
import { experimentReport, defineExperiment } from "@offerlab/operations";
import { jsonb, offers } from "@offerlab/db";
import { emailSent, testEngines } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOW, seedWorld, type World } from "./world.js";

describe.each(testEngines())("offer page experiment report on %s", (engine) => {
  let w: World;
  beforeAll(async () => {
    w = await seedWorld(engine, 8);
    const { experiment, arms } = await defineExperiment(
      { db: w.db, now: () => NOW },
      {
        name: "Hiring vs funding",
        hypothesis: "Hiring signals reply more",
        kind: "signal_stacks",
        offer: w.offerId,
        plannedMaturedPerArm: 100,
        arms: [{ ref: "hiring", control: true }, { ref: "funding" }],
      },
    );
    // Jane (sent yesterday: still maturing) and the 8 others (sent a month ago: matured), split
    // between the arms; three of the hiring arm replied positively.
    const ccs = await w.db.selectFrom("campaign_contacts").select(["id", "contact_id"]).where("campaign_id", "=", w.campaignId).execute();
    const others = ccs.filter((c) => c.contact_id !== w.janeId);
    for (const [i, cc] of ccs.entries()) {
      const arm = cc.contact_id === w.janeId || i % 2 === 0 ? arms[0]! : arms[1]!;
      await w.db
        .insertInto("experiment_assignments")
        .values({
          experiment_id: experiment.id,
          arm_id: arm.id,
          contact_id: cc.contact_id,
          campaign_contact_id: cc.id,
          probability: 0.5,
          probabilities: jsonb({ a: 0.5, b: 0.5 }),
          stratum: "all",
          policy: "balanced",
          assigned_at: new Date("2026-02-01T09:00:00Z"),
        })
        .execute();
    }
    let positive = 0;
    for (const cc of others) {
      const armA = ccs.indexOf(cc) % 2 === 0;
      const replied = armA && positive < 3;
      if (replied) positive++;
      await emailSent(w.db, w, {
        to: { campaignContactId: cc.id, contactId: cc.contact_id },
        subject: "Hi",
        body: "Hi",
        sentAt: new Date("2026-02-02T10:00:00Z"),
        ...(replied ? { reply: { at: new Date("2026-02-03T10:00:00Z"), sentiment: "positive" as const } } : {}),
      });
    }
  });
  afterAll(async () => {
    await w?.t.drop();
  });

  it("shows each arm's rate, interval plot, P(best), the verdict and the maturing count of experimentReport", async () => {
    const report = await experimentReport({ db: w.db, now: () => NOW }, { experiment: "hiring-vs-funding" });
    expect(report.maturing).toBe(1);
    const res = await w.app().request(`/offers/${w.offerId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-experiment="hiring-vs-funding"');
    expect(html).toContain('data-chart="intervals"');
    for (const arm of report.arms) {
      // One dot and one interval line per arm, and its row with P(best).
      expect(html).toMatch(new RegExp(`<g data-arm="${arm.key}"><text[^>]*>${arm.key}`));
      const row = new RegExp(`<tr data-arm="${arm.key}">[\\s\\S]*?</tr>`).exec(html)![0];
      expect(row).toContain(`${(arm.interval.low * 100).toFixed(1)} % – ${(arm.interval.high * 100).toFixed(1)} %`);
      expect(row).toContain(`<td class="num" data-col="pbest">${arm.pBest!.toFixed(3)}</td>`);
    }
    expect(html.match(/<line class="ci"/g)).toHaveLength(2);
    expect(report.arms.find((a) => a.key === "a")!.successes).toBe(3);
    expect(html).toContain(`data-verdict="${report.verdict!.kind}"`);
    expect(html).toContain(report.verdict!.message.replaceAll("'", "&#39;").replaceAll('"', "&quot;").slice(0, 40));
    expect(html).toContain("Still maturing: 1 contact,");
  });

  it("says so when the offer has no experiment", async () => {
    const other = await offers.create(w.db, {
      name: "Quiet offer",
      type: "product",
      ownership: "internal",
      description: "d",
      status: "active",
    });
    const html = await (await w.app().request(`/offers/${other.id}`)).text();
    expect(html).toContain('id="no-experiments"');
    expect(html).not.toContain('data-chart="intervals"');
  });
});
