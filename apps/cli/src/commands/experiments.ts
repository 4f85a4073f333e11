import { ExperimentKind, ExperimentMetric, ExperimentStatus } from "@offerlab/core";
import { BREAKDOWNS, judgingClock } from "@offerlab/db";
import {
  defineExperiment,
  enrolExperiment,
  experimentReport,
  listExperiments,
  offerReport,
  showExperiment,
  stopExperiment,
  type DefineExperimentArm,
  type ReportResult,
} from "@offerlab/operations";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { enumFlag, examples, fields, intFlag, numberFlag, when, withOperation } from "./product-helpers.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `key=ref` or `ref`. */
function armOf(spec: string): DefineExperimentArm {
  const m = /^([a-z0-9][a-z0-9_-]*)=(.+)$/.exec(spec);
  return m ? { key: m[1]!, ref: m[2]! } : { ref: spec };
}

const pct = (x: number | null, digits = 1) => (x === null ? "–" : `${(x * 100).toFixed(digits)} %`);
const prob = (x: number | null) => (x === null ? "–" : x.toFixed(3));

/** The report as text: one row per arm, then the verdict, what is still maturing, the plan and the guarantee. */
export function reportText(r: ReportResult): string {
  const lines: string[] = [];
  if (r.subject.type === "experiment") {
    lines.push(
      `Experiment ${r.subject.slug}: ${r.subject.name} (${r.subject.kind}, ${r.subject.status}${r.offer ? `, offer ${r.offer}` : ""})`,
    );
    lines.push(`Hypothesis: ${r.subject.hypothesis}`);
  } else {
    lines.push(`Offer ${r.subject.slug} by ${r.subject.by}`);
  }
  lines.push(`Metric: ${r.metric.replace("_", " ")} within ${r.maturityDays} days of the first touch, over matured contacts.`);
  lines.push(`Comparison: ${r.comparisonNote}.`);
  if (r.senders && r.senders.kind !== "differ") lines.push(`Senders: ${r.senders.note}.`);
  // The clock maturity is judged on: now, or the data's own (the sandbox's simulated clock).
  lines.push(`As of ${r.asOf.slice(0, 16).replace("T", " ")} UTC.`);
  lines.push("");
  const control = r.arms.find((a) => a.control)?.key;
  lines.push(
    table(
      r.arms.map((a) => ({
        arm: `${a.key}${a.control ? " (control)" : ""}`,
        label: a.label === a.key ? "" : a.label,
        enrolled: a.enrolled,
        contacted: a.contacted,
        matured: a.matured,
        maturing: a.maturing,
        replies: a.replies,
        positive: a.positiveReplies,
        meetings: a.meetings,
        rate: pct(a.rate),
        interval: a.matured === 0 ? "–" : `${pct(a.interval.low)} – ${pct(a.interval.high)}`,
        pBest: prob(a.pBest),
        pControl: a.control ? "" : prob(a.pBeatsControl),
        loss: a.expectedLossPoints === null ? "–" : a.expectedLossPoints.toFixed(2),
        ...(a.weightedRate !== null ? { weighted: pct(a.weightedRate) } : {}),
        ...(a.effective ? { effective: `${a.effective.successes.toFixed(1)} / ${a.effective.matured}` } : {}),
      })),
      [
        { key: "arm" },
        { key: "label", max: 28 },
        { key: "enrolled" },
        { key: "contacted" },
        { key: "matured" },
        { key: "maturing" },
        { key: "replies" },
        { key: "positive" },
        { key: "meetings" },
        { key: "rate" },
        { key: "interval", title: "95 % interval" },
        { key: "pBest", title: "P(best)" },
        ...(control ? [{ key: "pControl", title: `P(beats ${control})` }] : []),
        { key: "loss", title: "exp. loss (pts)" },
        ...(r.arms.some((a) => a.weightedRate !== null) ? [{ key: "weighted", title: "weighted rate" }] : []),
        ...(r.arms.some((a) => a.effective !== null) ? [{ key: "effective", title: "weighted successes / n" }] : []),
      ],
    ).trimEnd(),
  );
  lines.push("");
  lines.push(`Verdict: ${r.verdict ? r.verdict.message : "needs at least two groups with contacts"}`);
  if (r.arms.some((a) => a.effective !== null))
    lines.push(
      "Allocation turned adaptive: P(best), P(beats control), the loss and the verdict use the weighted successes / n (each contact weighs 1 / its recorded probability).",
    );
  lines.push(`Still maturing: ${r.maturing} contact(s), not counted as failures until their ${r.maturityDays} days have passed.`);
  if (r.plan) {
    lines.push(
      `Plan: ${r.plan.plannedMaturedPerArm} matured contacts per arm (budget ${r.plan.budgetMaturedPerArm}); ` +
        (r.plan.pBestThreshold === null
          ? `no winner can be named before the plan.`
          : `a winner needs P(best) >= ${r.plan.pBestThreshold.toFixed(4)} at this look.`),
    );
  }
  if (r.guarantee) lines.push(`Guarantee: ${r.guarantee}`);
  if (r.subject.type === "offer")
    lines.push("A breakdown compares audiences: a lead here is worth an experiment (offerlab experiments new), not a conclusion.");
  return lines.join("\n") + "\n";
}

/** `offerlab experiments …`: define, list, show and stop experiments. */
export function registerExperimentCommands(program: Command, io: Io): void {
  const cmd = program
    .command("experiments")
    .description("Experiments: which offer, signal stack, ICP segment or copy variant wins, and how sure we are")
    .addHelpText(
      "after",
      `
An experiment compares arms on one metric (positive reply by default) over matured contacts (the
maturity window, 14 days after the first touch by default, has passed). Contacts enrolled in the
offer's campaigns are allocated to arms when they join (copy variants: randomised, stratified by
sender account and ICP segment, then top-two Thompson sampling with a floor per arm). Read the
result with offerlab report --experiment <slug>.
${examples([
  'offerlab experiments new --offer ai-sales-coach --kind copy_variants --step 1 --arm a=<template A> --arm b=<template B> --name "Email 1 copy" --hypothesis "Shorter wins" --planned 600',
  "offerlab experiments list",
  "offerlab experiments show email-1-copy --json",
  'offerlab experiments stop email-1-copy --reason "budget spent"',
])}`,
    );

  cmd
    .command("new")
    .description("Define an experiment (its plan is fixed now: the verdict's guarantee depends on it)")
    .requiredOption("--name <name>", "the experiment's name (its slug by default)")
    .requiredOption("--hypothesis <text>", "what you expect and why")
    .requiredOption("--kind <kind>", ExperimentKind.options.join(" | "))
    .option("--offer <offer>", "the offer (id, slug or name); required but for a cross-offer `offers` experiment")
    .option("--step <n>", "copy_variants: the sequence step whose copy varies")
    .option(
      "--arm <[key=]ref>",
      "an arm, repeated (at least two): a template (copy_variants), an offer (offers), a signal or ICP segment as campaigns target it",
      collect,
    )
    .option("--control <key>", "the control arm's key (default the first arm)")
    .option("--slug <slug>", "default: from the name")
    .option("--metric <metric>", `${ExperimentMetric.options.join(" | ")} (default positive_reply)`)
    .option("--maturity-days <n>", "days after the first touch before a contact counts (default 14)")
    .option("--planned <n>", "matured contacts per arm before any winner (or --baseline and --target to size it)")
    .option("--baseline <rate>", "the control's expected rate, e.g. 0.03, to size the plan for 80 % power")
    .option("--target <rate>", "the better arm's rate worth finding, e.g. 0.06")
    .option("--budget <n>", "matured contacts per arm the experiment can afford (default 2x the plan)")
    .option("--false-winner-rate <x>", "chance of ever naming a false winner (default 0.05)")
    .option("--min-matured <n>", "matured contacts every arm needs before a winner (default 100)")
    .option("--max-loss <points>", "a winner's expected loss at most, in points (default 0.5)")
    .option("--floor <x>", "least share of every arm under adaptive allocation (default 0.1)")
    .option("--adaptive-after <n>", "matured contacts per arm before allocation turns adaptive (default 50)")
    .option("--json", "print the experiment as JSON")
    .addHelpText(
      "after",
      `
Exit code 2 on invalid input (every field at fault is named; nothing is written).
${examples([
  'offerlab experiments new --offer ai-sales-coach --kind copy_variants --step 1 --arm long=3f2a9c1b --arm short=8d41e0a2 --name "Email 1 copy" --hypothesis "A shorter first email gets more positive replies" --baseline 0.03 --target 0.06',
  'offerlab experiments new --offer ai-sales-coach --kind signal_stacks --arm hiring --arm funding --name "Hiring vs funding" --hypothesis "Hiring is the better trigger" --planned 300',
])}`,
    )
    .action(
      async (o: {
        name: string;
        hypothesis: string;
        kind: string;
        offer?: string;
        step?: string;
        arm?: string[];
        control?: string;
        slug?: string;
        metric?: string;
        maturityDays?: string;
        planned?: string;
        baseline?: string;
        target?: string;
        budget?: string;
        falseWinnerRate?: string;
        minMatured?: string;
        maxLoss?: string;
        floor?: string;
        adaptiveAfter?: string;
        json?: boolean;
      }) => {
        const kind = enumFlag("--kind", o.kind, ExperimentKind.options)!;
        const metric = enumFlag("--metric", o.metric, ExperimentMetric.options);
        const arms = (o.arm ?? []).map(armOf);
        if (o.control !== undefined) {
          const i = arms.findIndex((a) => a.key === o.control);
          if (i === -1)
            throw new CliError(`--control: "${o.control}" is not the key of an --arm (write --arm ${o.control}=<ref>)`, EXIT.usage);
          arms[i] = { ...arms[i]!, control: true };
        }
        const opt = <T>(key: string, v: T | undefined) => (v === undefined ? {} : { [key]: v });
        const r = await withOperation(io, (ctx) =>
          defineExperiment(ctx, {
            name: o.name,
            hypothesis: o.hypothesis,
            kind,
            arms,
            ...opt("offer", o.offer),
            ...opt("slug", o.slug),
            ...opt("metric", metric),
            ...opt("step", intFlag("--step", o.step, 1, 100)),
            ...opt("maturityDays", intFlag("--maturity-days", o.maturityDays, 1, 180)),
            ...opt("plannedMaturedPerArm", intFlag("--planned", o.planned, 1, 10_000_000)),
            ...opt("baselineRate", numberFlag("--baseline", o.baseline, 0, 1)),
            ...opt("targetRate", numberFlag("--target", o.target, 0, 1)),
            ...opt("budgetMaturedPerArm", intFlag("--budget", o.budget, 1, 10_000_000)),
            ...opt("falseWinnerRate", numberFlag("--false-winner-rate", o.falseWinnerRate, 0, 1)),
            ...opt("minMaturedPerArm", intFlag("--min-matured", o.minMatured, 0, 10_000_000)),
            ...opt("maxExpectedLossPoints", numberFlag("--max-loss", o.maxLoss, 0, 100)),
            ...opt("floor", numberFlag("--floor", o.floor, 0, 0.5)),
            ...opt("minMaturedForAdaptive", intFlag("--adaptive-after", o.adaptiveAfter, 1, 10_000_000)),
          }),
        );
        if (o.json) return io.stdout(json(r));
        const e = r.experiment;
        io.stdout(
          `Experiment ${e.slug} defined (${e.kind}, ${r.causal ? "causal: arms randomised over one audience" : "observational: arms are different audiences"}).\n` +
            `Arms: ${r.arms.map((a) => `${a.arm_key}${a.is_control ? " (control)" : ""} = ${a.label}`).join(", ")}\n` +
            `Plan: ${e.planned_matured_per_arm} matured contacts per arm before any winner` +
            (r.plan ? ` (power ${(r.plan.power * 100).toFixed(0)} % for the lift given)` : "") +
            `.\nContacts enrolled from now on are allocated to the arms. Read it: offerlab report --experiment ${e.slug}\n`,
        );
      },
    );

  cmd
    .command("list")
    .description("Experiments, newest first")
    .option("--offer <offer>", "only this offer's (id, slug or name)")
    .option("--status <status>", ExperimentStatus.options.join(" | "))
    .option("--json", "print the experiments as JSON")
    .addHelpText(
      "after",
      examples(["offerlab experiments list", "offerlab experiments list --offer ai-sales-coach --status running --json"]),
    )
    .action(async (o: { offer?: string; status?: string; json?: boolean }) => {
      const status = enumFlag("--status", o.status, ExperimentStatus.options);
      const rows = await withOperation(io, (ctx) =>
        listExperiments(ctx, { ...(o.offer ? { offer: o.offer } : {}), ...(status ? { status } : {}) }),
      );
      if (o.json) return io.stdout(json(rows));
      if (rows.length === 0) return io.stdout("No experiments. Define one: offerlab experiments new --help\n");
      io.stdout(
        table(
          rows.map((r) => ({
            slug: r.experiment.slug,
            kind: r.experiment.kind,
            offer: r.offerSlug ?? "(cross-offer)",
            status: r.experiment.status,
            arms: r.arms.map((a) => a.arm_key).join(", "),
            assigned: r.assigned,
            started: when(r.experiment.started_at),
          })),
          [
            { key: "slug" },
            { key: "kind" },
            { key: "offer" },
            { key: "status" },
            { key: "arms", max: 30 },
            { key: "assigned" },
            { key: "started" },
          ],
        ),
      );
    });

  cmd
    .command("show")
    .description("One experiment: its definition, arms and allocation")
    .argument("<experiment>", "the experiment's id or slug")
    .option("--json", "print it as JSON")
    .addHelpText("after", `\nExit code 2 when no experiment has that id or slug.\n${examples(["offerlab experiments show email-1-copy"])}`)
    .action(async (ref: string, o: { json?: boolean }) => {
      const r = await withOperation(io, (ctx) => showExperiment(ctx, { experiment: ref }));
      if (o.json) return io.stdout(json(r));
      const e = r.experiment;
      io.stdout(
        fields([
          ["experiment", `${e.slug} (${e.id})`],
          ["name", e.name],
          ["hypothesis", e.hypothesis],
          ["kind", `${e.kind}${e.sequence_step ? `, step ${e.sequence_step}` : ""} — ${r.causal ? "causal" : "observational"}`],
          ["status", `${e.status}${e.stopped_at ? ` since ${when(e.stopped_at)}${e.stop_reason ? ` (${e.stop_reason})` : ""}` : ""}`],
          ["metric", `${e.primary_metric} within ${e.maturity_days} days`],
          ["plan", `${e.planned_matured_per_arm} matured per arm (budget ${e.budget_matured_per_arm ?? e.planned_matured_per_arm * 2})`],
          [
            "thresholds",
            `false winners <= ${Number(e.false_winner_rate)}, min ${e.min_matured_per_arm} matured per arm, loss <= ${Number(e.max_expected_loss_points)} pts`,
          ],
          [
            "allocation",
            `floor ${Number(e.allocation_floor)}, adaptive after ${e.min_matured_for_adaptive} matured per arm; ${
              Object.entries(r.byPolicy)
                .map(([k, v]) => `${v} ${k}`)
                .join(", ") || "none yet"
            }`,
          ],
        ]) +
          "\n" +
          table(
            r.arms.map((a) => ({ arm: `${a.arm_key}${a.is_control ? " (control)" : ""}`, label: a.label, assigned: a.assigned })),
            [{ key: "arm" }, { key: "label", max: 40 }, { key: "assigned" }],
          ),
      );
    });

  cmd
    .command("enrol")
    .description("Randomise one audience between an offers experiment's arms: each contact joins one arm's campaign (causal)")
    .argument("<experiment>", "the experiment's id or slug (kind offers, running)")
    .requiredOption(
      "--from <campaign>",
      "the audience: the contacts this campaign would enrol (its target criteria, by the send path's rules)",
    )
    .option(
      "--campaign <arm=campaign>",
      "the campaign an arm enrols into (repeatable); default the one open campaign of the arm's offer",
      collect,
    )
    .option("--limit <n>", "at most this many contacts")
    .option("--dry-run", "show what would be enrolled (per arm and stratum, who is left out and why); write nothing")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Each contact is allocated as copy variants are: balanced in permuted blocks per stratum (the
audience and its ICP segment), then by top-two Thompson sampling with the floor once every arm has
enough matured randomised contacts; every assignment is recorded with its probabilities, and
enrolled in the arm's campaign, in one transaction. When the arms' campaigns share sender accounts,
each contact's sender is fixed now among them and is part of its stratum, so the arms are balanced
within every account; when they share none, the output and the report say that the comparison also
compares senders. --dry-run draws the same and writes nothing. The report then says "causal" and counts only
these contacts; contacts an arm's campaign enrols by itself (campaigns add-contacts) stay
observational and are left out of it. Signal stacks and ICP segments define who is contacted, so
they are not randomised (docs/experiments.md). Exit code 2 on a bad flag, an experiment of another
kind, or an arm without one open campaign (name it with --campaign <arm>=<campaign>).
${examples(["offerlab experiments enrol which-offer --from cold-coach-email-hiring-saas-jane --dry-run", "offerlab experiments enrol which-offer --from cold-coach-email-hiring-saas-jane", "offerlab experiments enrol which-offer --from cold-coach-email-hiring-saas-jane --campaign b=cold-audit-email-hiring-saas-jane --limit 200 --json"])}`,
    )
    .action(async (ref: string, o: { from: string; campaign?: string[]; limit?: string; dryRun?: boolean; json?: boolean }) => {
      const campaigns: Record<string, string> = {};
      for (const spec of o.campaign ?? []) {
        const m = /^([a-z0-9][a-z0-9_-]*)=(.+)$/.exec(spec);
        if (!m) throw new CliError(`--campaign: <arm>=<campaign>, e.g. b=cold-audit-email (got "${spec}")`, EXIT.usage);
        campaigns[m[1]!] = m[2]!;
      }
      const limit = intFlag("--limit", o.limit, 1, 1_000_000);
      const r = await withOperation(io, (ctx) =>
        enrolExperiment(ctx, {
          experiment: ref,
          from: o.from,
          ...(Object.keys(campaigns).length ? { campaigns } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(o.dryRun ? { dryRun: true } : {}),
        }),
      );
      if (o.json) return io.stdout(json(r));
      const skipped = Object.entries(r.skipped).filter(([, n]) => (n ?? 0) > 0);
      io.stdout(
        (r.dryRun ? "Dry run: nothing was written.\n" : "") +
          `Experiment ${r.experiment}: ${r.assigned} contact(s) of ${r.from}'s audience ${r.dryRun ? "would be randomised" : "randomised"} (${r.policy}, stratum ${r.stratum}); ` +
          `${r.matched} matched its criteria.\n` +
          table(
            r.arms.map((a) => ({ arm: a.key, label: a.label, campaign: a.campaign, assigned: a.assigned })),
            [{ key: "arm" }, { key: "label", max: 30 }, { key: "campaign", max: 50 }, { key: "assigned" }],
          ) +
          (r.strata.length
            ? "Per stratum:\n" +
              table(
                r.strata.map((x) => ({ stratum: x.stratum, ...x.byArm })),
                [{ key: "stratum", max: 80 }, ...r.arms.map((a) => ({ key: a.key }))],
              )
            : "") +
          (r.alreadyIn || skipped.length
            ? `Left out: ${[
                ...(r.alreadyIn ? [`${r.alreadyIn} already in the experiment or an arm's campaign`] : []),
                ...skipped.map(([reason, n]) => `${n} ${reason}`),
              ].join(", ")}.\n`
            : "") +
          (r.senders.kind === "shared"
            ? `Senders: fixed at enrolment among the accounts the arms' campaigns share (${r.senders.accounts.join(", ")}), the arms balanced within each.\n`
            : `Senders: ${r.senders.note}.\n`) +
          (r.dryRun ? "" : `Report: offerlab report --experiment ${r.experiment}\n`),
      );
    });

  cmd
    .command("stop")
    .description("Stop allocating contacts (those assigned keep their arm and keep counting)")
    .argument("<experiment>", "the experiment's id or slug")
    .option("--reason <text>", "why")
    .option("--json", "print the experiment as JSON")
    .addHelpText(
      "after",
      `\nExit code 2 when it is stopped already or does not exist.\n${examples(['offerlab experiments stop email-1-copy --reason "winner found"'])}`,
    )
    .action(async (ref: string, o: { reason?: string; json?: boolean }) => {
      const r = await withOperation(io, (ctx) => stopExperiment(ctx, { experiment: ref, ...(o.reason ? { reason: o.reason } : {}) }));
      if (o.json) return io.stdout(json(r));
      io.stdout(`Stopped ${r.experiment.slug}. Its report stays: offerlab report --experiment ${r.experiment.slug}\n`);
    });
}

/** `offerlab report`: an experiment's report, or an offer broken down by one dimension. */
export function registerReportCommand(program: Command, io: Io): void {
  program
    .command("report")
    .description("Which arm wins and how sure we are: per experiment, or an offer by signal, ICP, variant, step or account")
    .option("--experiment <experiment>", "the experiment's id or slug")
    .option("--offer <offer>", "an offer (id, slug or name), with --by")
    .option("--by <dimension>", BREAKDOWNS.join(" | "))
    .option("--metric <metric>", `with --offer: ${ExperimentMetric.options.join(" | ")} (default positive_reply)`)
    .option("--maturity-days <n>", "with --offer: days after the first touch before a contact counts (default 14)")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Per arm: enrolled, contacted, matured, replies, positive replies, meetings; the rate over matured
contacts with its 95 % interval; P(best); P(beats control); expected loss in points. Then the
verdict ("winner", "no winner yet" with how many more matured contacts per arm would settle it,
or "cannot be told apart with this budget") and how many contacts are still maturing (never
counted as failures). The same data always prints the same numbers (seeded Monte Carlo).
Exit code 2 on a bad flag or a reference that names nothing.
${examples(["offerlab report --experiment email-1-copy", "offerlab report --offer ai-sales-coach --by variant --json"])}`,
    )
    .action(async (o: { experiment?: string; offer?: string; by?: string; metric?: string; maturityDays?: string; json?: boolean }) => {
      if ((o.experiment === undefined) === (o.offer === undefined))
        throw new CliError(
          "report: pass --experiment <slug>, or --offer <offer> with --by <dimension> (see offerlab report --help)",
          EXIT.usage,
        );
      if (o.experiment !== undefined && (o.by || o.metric || o.maturityDays))
        throw new CliError("--by, --metric and --maturity-days go with --offer; an experiment has its own metric and window", EXIT.usage);
      if (o.offer !== undefined && o.by === undefined)
        throw new CliError(`--by: required with --offer (${BREAKDOWNS.join(", ")})`, EXIT.usage);
      const by = o.by === undefined ? undefined : enumFlag("--by", o.by, BREAKDOWNS);
      const metric = enumFlag("--metric", o.metric, ExperimentMetric.options);
      const maturityDays = intFlag("--maturity-days", o.maturityDays, 1, 180);
      const r = await withOperation(io, async (ctx) => {
        // The sandbox's data lives on its simulated clock: read it as of the data's clock, as the demo
        // and the dashboard's offer page do.
        const judged = await judgingClock(ctx.db, { now: ctx.now?.() ?? new Date(), dataClock: io.sandbox === true });
        if (judged.data) ctx = { ...ctx, now: () => judged.at };
        return o.experiment !== undefined
          ? experimentReport(ctx, { experiment: o.experiment })
          : offerReport(ctx, { offer: o.offer!, by: by!, ...(metric ? { metric } : {}), ...(maturityDays ? { maturityDays } : {}) });
      });
      io.stdout(o.json ? json(r) : reportText(r));
    });
}
