import { SANDBOX_DATA_DIR, views } from "@offerlab/db";
import { SANDBOX_BANNER } from "@offerlab/sandbox/env";
import { readAccountCapacity } from "@offerlab/scheduler";
import type { Command } from "commander";
import { openDatabase } from "../database.js";
import { startDemoAfresh } from "../demo/data-folder.js";
import { DEMO_VARIANT_B_LIFT, runDemo, type DemoResult } from "../demo/run-demo.js";
import { reportText } from "./experiments.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { capacityCells } from "./capacity-text.js";
import { DASHBOARD_COLUMNS, RATES_NOTE, readActivity } from "./dashboards.js";
import { sandboxStart } from "../providers.js";
import { examples } from "./product-helpers.js";

function weeksFlag(value: string | undefined): number {
  if (value === undefined) return 3;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 12)
    throw new CliError(`--weeks: a whole number of weeks from 1 to 12 (got "${value}")`, EXIT.usage);
  return n;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The "what happened" paragraph, from the run's facts. The wall-clock duration is its only figure that varies between two runs of one seed and start. */
export function whatHappened(r: DemoResult): string {
  const f = r.facts;
  const days = Math.round((Date.parse(r.simulated.to) - Date.parse(r.simulated.from)) / 86_400_000);
  const day = (iso: string) => iso.slice(0, 10);
  const replies = Object.entries(f.replies)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const deferred = Object.entries(r.ticks.deferred)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const lines = [
    `What happened (${days} simulated days, ${r.simulated.ticks} cron ticks, ${(r.wallMs / 1000).toFixed(1)} s):`,
    `- Seed ${r.seed}, simulated ${day(r.simulated.from)} to ${day(r.simulated.to)}: the same seed and start tell the same story (--seed, --start).`,
    `- Offer "${r.offer.name}": positioning canvas, ICP, 3 emails and 2 LinkedIn messages written from its description, and approved.`,
    `- Discovery: ${plural(f.companies.found, "company", "companies")} found, ${f.companies.qualified} qualified by fit; ${plural(f.contacts.found, "person", "people")} found, ${f.contacts.validEmails} with a verified email (${f.contacts.riskyEmails} risky); ${f.creditsSpent} credits spent.`,
    `- Credits left as the vendors report them (offerlab tools list): ${f.creditsLeft.length ? f.creditsLeft.map((c) => `${c.tool} ${c.remaining}`).join(", ") : "none reported"}; Exa and Parallel expose no balance (unknown).`,
    `- Campaign ${r.campaign.slug}: ${r.enrolment.added} enrolled over 2 LinkedIn accounts and 2 mailboxes, warming (week 2)${r.enrolment.lookedUp ? `; LinkedIn degrees looked up: ${r.enrolment.lookedUp["1"]} 1st (left out of cold outreach), ${r.enrolment.lookedUp["2"]} 2nd, ${r.enrolment.lookedUp["3"]} 3rd, ${r.enrolment.lookedUp.unknown} out of network` : ""}.`,
    `- Sent: ${plural(f.sent.invitations, "invitation")}, ${plural(f.sent.dms, "LinkedIn message")}, ${plural(f.sent.emails, "email")}${f.bounced ? ` delivered (${f.bounced} more bounced)` : ""}. ${f.accepted} accepted the invitation; ${f.opened} opened an email.`,
    `- Replies: ${f.repliedContacts}${replies ? ` (${replies})` : ""}; each stopped that person's sequence at once. Bounced: ${f.bounced}. Unsubscribed: ${f.unsubscribed}.`,
    `- Meetings: ${f.meetings.booked} booked through Cal.com (signed webhooks to /webhooks/calcom: ${r.bookings.recorded} recorded, ${r.bookings.duplicates} redelivered without effect, ${r.bookings.unmatched} for nobody we know, kept unmatched); meeting rate ${f.meetings.meetingRate ?? 0}%.`,
    `- ${r.webhooks.delivered} webhook deliveries accepted (duplicates included, each applied once)${deferred ? `; sends held back and rescheduled: ${deferred}` : ""}.`,
    "",
    "Checks:",
    ...f.checks.map((c) => `  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`),
  ];
  return lines.join("\n") + "\n";
}

export function registerDemoCommand(program: Command, io: Io): void {
  program
    .command("demo")
    .description(
      "Run the whole product on the sandbox: offer → copy → discovery → campaign → weeks of sends and replies, in under a minute",
    )
    .option("--weeks <n>", "simulated weeks of cron ticks and webhook events (default 3)")
    .option("--seed <seed>", "seed of the simulated world and of every random draw (default offerlab-demo)")
    .option(
      "--start <date>",
      "where simulated time starts: YYYY-MM-DD (08:00 UTC), an ISO time with its offset, or today (default 2026-03-02)",
    )
    .option("--json", "print the run's summary as JSON")
    .addHelpText(
      "after",
      `
Everything runs for real but the network: offerlab's own copy generation, discovery and enrichment
pipeline, account sync, campaign enrolment and launch, cron ticks and webhook route, against
@offerlab/sandbox, a simulated world that answers each vendor's API (TheirStack, Exa, Parallel,
LeadMagic, Unipile) and an LLM. No key is needed, none is read, and nothing leaves this machine.
Time is simulated: the campaign runs for --weeks from --start (default Monday 2026-03-02, 08:00
UTC, so the dates never depend on the day you run it; --start today starts today). One seed and
one start tell one story: two runs on fresh data folders print the same summary (but for the
seconds it took) and, with OFFERLAB_SANDBOX_JOURNAL=<file>, write the same journal of provider
requests once database ids are normalised (offerlab journal normalize). The data stays in the
sandbox's own database (./${SANDBOX_DATA_DIR} unless OFFERLAB_DATA_DIR or DATABASE_URL says
otherwise) for the other commands to explore with --sandbox. The demo always starts afresh, so a
rerun tells the same story: it removes its own earlier data folder (and says so on stderr), and
refuses, leaving them as they were, a folder with data it did not make, a PostgreSQL database that
holds data, and a database with live data.
${examples(["offerlab demo", "offerlab performance --sandbox", "offerlab demo --weeks 4 --json", "offerlab demo --seed another-world --start today", "OFFERLAB_DATA_DIR=memory:// offerlab demo"])}`,
    )
    .action(async (o: { weeks?: string; seed?: string; start?: string; json?: boolean }) => {
      const weeks = weeksFlag(o.weeks);
      if (o.seed !== undefined && !o.seed.trim()) throw new CliError("--seed: give a non-empty seed", EXIT.usage);
      const startAt = sandboxStart(o.start);
      io.stderr(`${SANDBOX_BANNER}\n`);
      // The demo is a sandbox run whatever the flags say: its own database, never a live one.
      io.sandbox = true;
      // After "Starting afresh" the new database is no news: that line already said where it is.
      const removed = await startDemoAfresh(io);
      const db = await openDatabase(io, { announceNew: removed === null });
      try {
        const started = Date.now();
        const result = await runDemo({
          db,
          weeks,
          startAt,
          env: io.env,
          ...(o.seed ? { seed: o.seed.trim() } : {}),
          onStage: o.json ? undefined : (line) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`),
        });
        const failed = result.facts.checks.filter((c) => !c.ok);
        if (o.json) {
          io.stdout(json({ sandbox: true, ...result, pipeline: { runId: result.pipeline.runId, steps: result.pipeline.steps } }));
          if (failed.length) throw new CliError(`demo check failed: ${failed.map((c) => c.name).join(", ")}`);
          return;
        }
        const [campaigns, offers, capacity, activity] = await Promise.all([
          views.campaignPerformance(db, { offerId: result.offer.id }),
          views.offerDashboard(db, { offerId: result.offer.id }),
          readAccountCapacity(db),
          readActivity(db, 12),
        ]);
        io.stdout(`\nThis was a SANDBOX run: simulated companies, people, LinkedIn and email. Nothing was sent to anyone.\n\n`);
        io.stdout(
          `Performance\n${table(offers, DASHBOARD_COLUMNS.offers, io)}\n${table(campaigns, DASHBOARD_COLUMNS.campaigns, io)}${RATES_NOTE}\n\n`,
        );
        io.stdout(`Capacity (today)\n${table(capacity.map(capacityCells), DASHBOARD_COLUMNS.capacity, io)}\n`);
        io.stdout(`Activity (latest)\n${table(activity.local, DASHBOARD_COLUMNS.activity, io)}\n`);
        io.stdout(whatHappened(result));
        io.stdout(`\n${experimentStory(result.experiment)}\n${reportText(result.experiment)}`);
        io.stdout(
          `\nExplore it (add --sandbox: the demo's data is in the sandbox's own database): offerlab report --experiment ${result.experiment.subject.slug} --sandbox · offerlab performance --sandbox · offerlab leads --campaign ${result.campaign.slug} --sandbox · offerlab campaigns show ${result.campaign.slug} --sandbox · offerlab why <email> --sandbox · offerlab tools usage --sandbox\n`,
        );
        if (failed.length) throw new CliError(`demo check failed: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}`);
      } finally {
        await db.destroy();
      }
    });
}

/**
 * What the demo's experiment shows, in plain words before the report: the truth the sandbox knows
 * (B answered twice as often), what the data so far can and cannot say about it, and what would
 * settle it — so "no winner yet" reads as the honest answer at this size, not as a failure.
 */
export function experimentStory(r: DemoResult["experiment"]): string {
  const arms = r.arms.map((a) => `${a.label} ${a.successes} of ${a.matured}`).join(", ");
  const lines = [
    `The experiment: two invitation notes (A and B) on one audience, each contact randomised to one.`,
    `The truth, known only to the sandbox: its simulated people answer B ${DEMO_VARIANT_B_LIFT}x as often as A.`,
    `What the data says so far (matured contacts with a ${r.metric.replace("_", " ")} within ${r.maturityDays} days): ${arms}; ${r.maturing} contact(s) still maturing.`,
  ];
  const v = r.verdict;
  if (v?.kind === "winner") lines.push(`That is enough to name a winner: ${v.message.replace(/^winner: /, "")}.`);
  else if (v?.kind === "no-winner-yet")
    lines.push(
      `At this size a ${DEMO_VARIANT_B_LIFT}x lift cannot be told from chance yet, so the report does not name a winner` +
        (v.moreMaturedPerArm !== null
          ? `: about ${v.moreMaturedPerArm} more matured contacts per arm would settle it (a chance of ${Math.round((v.chanceToSettle ?? 0) * 100)} %).`
          : "."),
    );
  else if (v?.kind === "cannot-tell-apart") lines.push(`Within the experiment's budget the two cannot be told apart: ${v.message}.`);
  return lines.join("\n") + "\n";
}
