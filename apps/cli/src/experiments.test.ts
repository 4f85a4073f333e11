import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { messageTemplates } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { approveTemplates, createOffer, type ReportResult } from "@offerlab/operations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportText } from "./commands/experiments.js";
import { cliDatabase, runCli, type CliDatabase } from "./test-support/cli-db.js";

describe("the report's text says how the arms' senders compare (offers)", () => {
  const base: Omit<ReportResult, "comparisonNote" | "senders"> = {
    subject: { type: "experiment", slug: "which-offer", name: "Which offer", hypothesis: "h", kind: "offers", status: "running" },
    offer: null,
    metric: "positive_reply",
    maturityDays: 14,
    comparison: "causal",
    arms: [],
    verdict: null,
    maturing: 0,
    plan: null,
    guarantee: null,
    seed: null,
    asOf: "2026-03-02T10:00:00.000Z",
  };
  it("prints the 'senders differ' statement in the comparison line, and the stratified one on its own line", () => {
    const differ = reportText({
      ...base,
      comparisonNote: "causal: …; sender accounts differ between arms: the comparison also compares senders",
      senders: { kind: "differ", note: "sender accounts differ between arms: the comparison also compares senders" },
    });
    expect(differ).toMatch(/^Comparison: causal: …; sender accounts differ between arms: the comparison also compares senders\.$/m);
    expect(differ).not.toMatch(/^Senders:/m);
    const stratified = reportText({
      ...base,
      comparisonNote: "causal: …",
      senders: { kind: "stratified", note: "the arms share their senders" },
    });
    expect(stratified).toMatch(/^Comparison: causal: …\.\nSenders: the arms share their senders\.$/m);
  });
});

describe.each(testEngines())("offerlab experiments and offerlab report on %s", { timeout: 180_000 }, (engine) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-experiments-"));
  let d: CliDatabase | undefined;
  let env: Record<string, string> = {};
  let step1 = "";
  beforeAll(async () => {
    d = await cliDatabase(engine);
    env = d.env;
    step1 = await d.seed(async (db) => {
      const { offer } = await createOffer(
        { db },
        {
          offer: {
            name: "Coach",
            type: "product",
            ownership: "internal",
            description: "Role-play for new reps.",
            email_templates: {
              sequence: [{ step: 1, subject: "Ramp at {{company.name}}", body: "Hi {{first_name|there}}, quick question.", delay_days: 0 }],
            },
          },
        },
      );
      await approveTemplates({ db }, { offer: offer.slug! });
      return (await messageTemplates.list(db, { offerId: offer.id })).find((t) => t.sequence_step === 1)!.id;
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("--help of every command shows what it does and examples", async () => {
    for (const args of [
      ["experiments"],
      ["experiments", "new"],
      ["experiments", "list"],
      ["experiments", "show"],
      ["experiments", "stop"],
      ["experiments", "enrol"],
      ["report"],
      ["templates", "variant"],
    ]) {
      const help = await runCli([...args, "--help"], env, dir);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/offerlab (experiments|report|templates variant)/);
    }
    expect((await runCli(["report", "--help"], env, dir)).stdout).toMatch(/still maturing|never\s+counted as failures/);
    expect((await runCli(["experiments", "enrol", "--help"], env, dir)).stdout).toMatch(/--dry-run\s+show what would be enrolled/);
  });

  it("adds a variant, defines, lists, shows, reports and stops an experiment, with --json and exit codes", async () => {
    const variant = await runCli(
      ["templates", "variant", step1.slice(0, 8), "--label", "B", "--body", "Hi {{first_name|there}}, one question.", "--json"],
      env,
      dir,
    );
    expect(variant.stderr).toBe("");
    expect(variant.code).toBe(0);
    const b = JSON.parse(variant.stdout).template as { id: string; variant: string; status: string };
    expect(b).toMatchObject({ variant: "B", status: "draft" });
    expect((await runCli(["templates", "variant", step1, "--label", "B", "--body", "again"], env, dir)).code).toBe(2);
    // templates list shows the variant labels, in the table and in --json.
    const listed = await runCli(["templates", "list", "--offer", "coach"], env, dir);
    expect(listed.stdout).toMatch(/variant/);
    expect(listed.stdout).toMatch(new RegExp(`${b.id.slice(0, 8)}.*\\bB\\b.*draft`));
    expect(listed.stdout).toMatch(new RegExp(`${step1.slice(0, 8)}.*\\bA\\b.*approved`));
    const listedJson = JSON.parse((await runCli(["templates", "list", "--offer", "coach", "--json"], env, dir)).stdout) as {
      id: string;
      variant: string;
    }[];
    expect(listedJson.map((x) => [x.id, x.variant]).sort()).toEqual(
      [
        [step1, "A"],
        [b.id, "B"],
      ].sort(),
    );

    const args = [
      "experiments",
      "new",
      "--offer",
      "coach",
      "--kind",
      "copy_variants",
      "--step",
      "1",
      "--name",
      "Email 1 copy",
      "--hypothesis",
      "Shorter wins",
    ];
    // A draft arm: exit 2, the field and the fix named, nothing written.
    const draft = await runCli([...args, "--arm", `a=${step1}`, "--arm", `b=${b.id}`, "--planned", "300"], env, dir);
    expect(draft.code).toBe(2);
    expect(draft.stderr).toMatch(/arms\[1\]\.ref: .*approve it first \(offerlab templates approve/);
    expect((await runCli(["templates", "approve", b.id.slice(0, 8)], env, dir)).code).toBe(0);
    const missing = await runCli([...args, "--arm", step1], env, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/arms: an experiment compares at least two arms[\s\S]*plannedMaturedPerArm: is required.*--planned/);
    expect(
      (await runCli([...args, "--arm", `a=${step1}`, "--arm", `b=${b.id}`, "--planned", "300", "--control", "z"], env, dir)).code,
    ).toBe(2);
    expect((await runCli([...args, "--kind", "colours"], env, dir)).code).toBe(2);
    expect(JSON.parse((await runCli(["experiments", "list", "--json"], env, dir)).stdout)).toEqual([]);

    const created = await runCli(
      [...args, "--arm", `long=${step1}`, "--arm", `short=${b.id}`, "--control", "short", "--baseline", "0.03", "--target", "0.06"],
      env,
      dir,
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Experiment email-1-copy defined \(copy_variants, causal/);
    expect(created.stdout).toMatch(/short \(control\) = B/);
    expect(created.stdout).toMatch(/offerlab report --experiment email-1-copy/);

    const list = JSON.parse((await runCli(["experiments", "list", "--json"], env, dir)).stdout);
    expect(list.map((e: { experiment: { slug: string } }) => e.experiment.slug)).toEqual(["email-1-copy"]);
    expect((await runCli(["experiments", "list"], env, dir)).stdout).toMatch(/email-1-copy\s+copy_variants\s+coach\s+running/);
    const shown = await runCli(["experiments", "show", "email-1-copy"], env, dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/plan\s+903 matured per arm \(budget 1806\)/);
    const nope = await runCli(["experiments", "show", "nope"], env, dir);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/experiment "nope" not found: see offerlab experiments list/);

    const report = await runCli(["report", "--experiment", "email-1-copy", "--json"], env, dir);
    expect(report.code).toBe(0);
    const r = JSON.parse(report.stdout);
    expect(r).toMatchObject({ comparison: "causal", maturing: 0, verdict: { kind: "no-winner-yet" } });
    expect(r.arms.map((a: { key: string; control: boolean }) => [a.key, a.control])).toEqual([
      ["long", false],
      ["short", true],
    ]);
    const text = await runCli(["report", "--experiment", "email-1-copy"], env, dir);
    expect(text.stdout).toMatch(/Verdict: no winner yet/);
    expect(text.stdout).toMatch(/Still maturing: 0 contact/);
    expect(text.stdout).toMatch(/P\(beats short\)/);
    // Same data, same numbers (seeded Monte Carlo): everything but the clock.
    const again = JSON.parse((await runCli(["report", "--experiment", "email-1-copy", "--json"], env, dir)).stdout);
    expect({ ...again, asOf: null }).toEqual({ ...r, asOf: null });

    const byVariant = await runCli(["report", "--offer", "coach", "--by", "variant", "--json"], env, dir);
    expect(byVariant.code).toBe(0);
    expect(JSON.parse(byVariant.stdout)).toMatchObject({ comparison: "observational", arms: [], verdict: null });
    expect((await runCli(["report"], env, dir)).code).toBe(2);
    expect((await runCli(["report", "--offer", "coach"], env, dir)).stderr).toMatch(/--by: required with --offer/);
    expect((await runCli(["report", "--offer", "coach", "--by", "colour"], env, dir)).code).toBe(2);
    expect((await runCli(["report", "--experiment", "email-1-copy", "--by", "step"], env, dir)).code).toBe(2);
    expect((await runCli(["report", "--offer", "nope", "--by", "step"], env, dir)).code).toBe(2);

    // `experiments enrol` randomises offers' audiences; a copy-variant experiment is refused with the fix.
    const enrol = await runCli(["experiments", "enrol", "email-1-copy", "--from", "nope"], env, dir);
    expect(enrol.code).toBe(2);
    expect(enrol.stderr).toMatch(/experiment: email-1-copy compares copy variants: .*campaigns add-contacts/);
    expect((await runCli(["experiments", "enrol", "email-1-copy"], env, dir)).stderr).toMatch(/--from/);
    const badArm = await runCli(["experiments", "enrol", "email-1-copy", "--from", "x", "--campaign", "nonsense"], env, dir);
    expect(badArm.code).toBe(2);
    expect(badArm.stderr).toMatch(/--campaign: <arm>=<campaign>/);

    const stop = await runCli(["experiments", "stop", "email-1-copy", "--reason", "done", "--json"], env, dir);
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout).experiment).toMatchObject({ status: "stopped", stop_reason: "done" });
    const twice = await runCli(["experiments", "stop", "email-1-copy"], env, dir);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/stopped already/);
  });
});
