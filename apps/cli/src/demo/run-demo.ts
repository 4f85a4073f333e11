/**
 * `offerlab demo`: the whole product on the sandbox, end to end, in one process. Every step is
 * the code a real run uses — copy generation, the discovery and enrichment pipeline, account sync,
 * campaign creation, enrolment and launch, the cron tick (plan, send, inbox, books) and the
 * webhook server's routes (Unipile's events, and Cal.com's bookings for some positive replies) — with only the network simulated (@offerlab/sandbox) and time moved by
 * the sandbox's clock. Nothing here is demo-only logic but the order of the steps.
 */
import type { LlmOptions } from "@offerlab/copy";
import { slugify } from "@offerlab/core";
import { createLogger as createCronLogger, providersFromUnipile, runTick, type TickSummary } from "@offerlab/cron";
import { claimDataMode, dataClockAt, messageTemplates, offers, recordSimulatedClock, type Db } from "@offerlab/db";
import {
  addTemplateVariant,
  approveTemplates,
  createCampaign,
  defineExperiment,
  enrolContacts,
  experimentReport,
  generateOffer,
  launchCampaign,
  syncAccounts,
  warmAccount,
  type OperationContext,
  type ReportResult,
} from "@offerlab/operations";
import { createUsageRecorder, runPipeline, type RunSummary } from "@offerlab/pipeline";
import { readsCreditBalance } from "@offerlab/provider-kit";
import { createSandbox, SANDBOX_START, type Sandbox, type SandboxRates } from "@offerlab/sandbox";
import { isInWindow, nextWindowOpening, seededRandomSource, windowFromCampaign } from "@offerlab/scheduler";
import { createLogger as createWebhookLogger, createWebhookApp, generateWebhookSecret, registerUnipileWebhooks } from "@offerlab/webhooks";
import { demoFacts, type DemoFacts } from "./facts.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The reconciler's pass without its wall-clock budget (its count bounds still apply): how many
 * checks fit in a tick must not depend on how fast the machine is, or two runs would differ.
 */
const WHOLE_PASS = { budgetMs: Number.POSITIVE_INFINITY };

/** The slug of the demo's offer (`<slug>-2`, … for further runs on one database). */
export const DEMO_OFFER_SLUG = "ai-sales-coach-demo";

/** The offer the demo tests: the README's example, written the way a user would describe it. */
export const DEMO_OFFER = {
  name: "AI Sales Coach",
  type: "product",
  ownership: "internal",
  description:
    "AI role-play for B2B SaaS sales teams: new account executives rehearse discovery and objection handling against realistic buyer personas before live calls, and managers see who is ready.",
  problem_solved: "New sales hires take 5-6 months to ramp and burn real pipeline while they learn.",
  value_proposition: "Cut ramp time in half without taking managers off the floor.",
  price_range: "$500-$2,000 per month",
} as const;

/**
 * The demo's experiment: two copy variants of the first step (the LinkedIn invitation note) on one
 * audience. The simulated people who get variant B's note are {@link DEMO_VARIANT_B_LIFT} times as
 * likely to accept and to reply (the sandbox's `copyEffects`, keyed by this phrase), so the
 * experiment has a known answer: B is better.
 */
export const DEMO_VARIANT_B_MARKER = "rehearse their first calls with AI";
export const DEMO_VARIANT_B_LIFT = 2;
const DEMO_VARIANT_B_NOTE = `Hi {{first_name|there}}, your new reps could ${DEMO_VARIANT_B_MARKER} before talking to buyers. Worth connecting?`;

export interface DemoOptions {
  db: Db;
  /**
   * Seed of the simulated world and of the runner's random draws (send-time jitter, account gaps,
   * back-offs). Default `offerlab-demo` (`offerlab-demo-<n>` for the n-th run in one database).
   */
  seed?: string;
  /** Simulated weeks of cron ticks and webhook events. Default 3. */
  weeks?: number;
  /**
   * Start of simulated time. Default the sandbox's fixed start (2026-03-02T08:00:00Z), so that a
   * run's dates and outcomes do not depend on the day it is run.
   */
  startAt?: Date;
  /** Minutes between two ticks inside the send window. Default 30. */
  tickMinutes?: number;
  /** Companies in the simulated world. Default 150. */
  worldCompanies?: number;
  /** How the simulated people behave (`@offerlab/sandbox`'s rates). Default: the sandbox's. */
  rates?: Partial<SandboxRates>;
  /** Environment (the journal path `OFFERLAB_SANDBOX_JOURNAL` is read from it). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** One line per stage, for a progress display. */
  onStage?: (line: string) => void;
}

export interface DemoResult {
  seed: string;
  offer: { id: string; slug: string; name: string };
  campaign: { id: string; slug: string };
  simulated: { from: string; to: string; ticks: number };
  pipeline: RunSummary;
  enrolment: {
    added: number;
    skipped: Record<string, number>;
    lookedUp: { "1": number; "2": number; "3": number; unknown: number } | null;
  };
  ticks: { sent: number; deferred: Record<string, number>; failed: number; unknown: number; jobErrors: number };
  webhooks: { delivered: number; rejected: number };
  /** Cal.com booking deliveries through the webhook route: recorded, redelivered (no effect), kept unmatched, refused. */
  bookings: { recorded: number; duplicates: number; unmatched: number; rejected: number };
  facts: DemoFacts;
  /** The experiment's report at the end (two variants of the first step, B known to be better). */
  experiment: ReportResult;
  wallMs: number;
}

/** When the next tick runs: `tickMinutes` later inside the send window, else at its next opening. */
function nextTick(window: ReturnType<typeof windowFromCampaign>, t: number, tickMs: number): number {
  const next = t + tickMs;
  if (isInWindow(window, new Date(next))) return next;
  return Math.max(next, nextWindowOpening(window, new Date(next)).getTime());
}

/** A slug no offer has yet: `<base>`, then `<base>-2`, `<base>-3` … (the demo can run again). */
async function freeSlug(db: Db, base: string): Promise<{ slug: string; run: number }> {
  for (let run = 1; ; run++) {
    const slug = run === 1 ? base : `${base}-${run}`;
    if (!(await offers.get(db, slug))) return { slug, run };
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const { db } = options;
  // The demo fills the database with the sandbox's simulated world: it must be (or become) a
  // sandbox database, never a live one (DataModeMismatchError otherwise).
  await claimDataMode(db, "sandbox", { note: "offerlab demo" });
  const stage = options.onStage ?? (() => undefined);
  const weeks = options.weeks ?? 3;
  const tickMs = (options.tickMinutes ?? 30) * MINUTE;

  // \`offerlab demo\` always starts on an empty database (demo/data-folder.ts); a caller that runs it
  // again on one database gets another offer and another world (another seed), so the first run's
  // people are not simply contacted again (the 60-day rule would refuse them).
  const { slug, run } = await freeSlug(db, DEMO_OFFER_SLUG);
  const seed = options.seed ?? (run === 1 ? "offerlab-demo" : `offerlab-demo-${run}`);
  const startAt = options.startAt ?? new Date(SANDBOX_START);
  // Every random draw of the planner and the send path comes from the seed and natural keys.
  const random = seededRandomSource(seed);
  const sandbox: Sandbox = createSandbox({
    seed,
    startAt,
    env: options.env ?? process.env,
    // Another run is another team: its mailboxes are its own (one mailbox is one account, so the
    // same addresses would be the first run's accounts, linked again, sending its campaign).
    world: { companies: options.worldCompanies ?? 150, ...(run === 1 ? {} : { senderDomain: `demo${run}.offerlab-demo.com` }) },
    ...(options.rates ? { rates: options.rates } : {}),
    copyEffects: [{ contains: DEMO_VARIANT_B_MARKER, multiplier: DEMO_VARIANT_B_LIFT }],
  });
  const now = sandbox.clock.now;
  const usage = createUsageRecorder(db, { sandbox: true, onError: () => undefined });
  const providers = sandbox.providers({ onUsage: usage.onUsage, gate: usage.gate });
  // Every step a person would take goes through the same operation the CLI calls, on simulated time.
  const ctx: OperationContext = { db, now };

  // 1. The offer, its positioning canvas, ICP and copy, from a description (simulated LLM).
  stage("Writing the positioning canvas, ICP and copy from the offer's description");
  const llm: LlmOptions = { model: sandbox.llm.model };
  const offerInput = { ...DEMO_OFFER, name: run === 1 ? DEMO_OFFER.name : `${DEMO_OFFER.name} (demo ${run})` };
  const generated = await generateOffer(
    { ...ctx, llm },
    { offer: { ...offerInput, slug }, emailSteps: 3, linkedin: ["connection_request", "follow_up_dm"] },
  );
  if (!generated.saved) throw new Error("the demo offer was not saved");
  const { offer } = generated;
  const icp = offer.icp!;
  // A person would read them first (`offerlab templates approve`); the demo approves them all.
  await approveTemplates(ctx, { offer: offer.id });
  // A second variant of the first step's copy (the invitation note), linted and approved like any
  // template, and an experiment comparing the two over one audience: each contact enrolled is
  // randomised to A or B (stratified by sender and ICP segment), and the planner sends its variant.
  stage("Adding a second variant of the invitation note and an experiment comparing the two");
  const note = (await messageTemplates.list(db, { offerId: offer.id, channel: "linkedin_connect", status: "approved" }))[0];
  if (!note) throw new Error("the demo offer has no invitation note");
  const variantB = await addTemplateVariant(ctx, { template: note.id, variant: "B", body: DEMO_VARIANT_B_NOTE });
  await approveTemplates(ctx, { templates: [variantB.template.id] });
  const experiment = await defineExperiment(ctx, {
    name: `${offer.name}: invitation note A vs B`,
    slug: `${offer.slug ?? slugify(offer.name)}-note`,
    hypothesis: "A note about what the reps rehearse gets more people talking than the generated one",
    kind: "copy_variants",
    offer: offer.id,
    step: 1,
    metric: "reply",
    // Short enough for a three-week demo to mature its first contacts; the default is 14 days.
    maturityDays: 7,
    plannedMaturedPerArm: 200,
    arms: [
      { ref: note.id, key: "a" },
      { ref: variantB.template.id, key: "b" },
    ],
  });

  // 2. Companies and people from the ICP, emails found and verified.
  stage("Discovering companies and people, finding and verifying emails (TheirStack, Exa, Parallel, LeadMagic)");
  const pipeline = await runPipeline(
    // Lookups of this seed's world only: an earlier run's answers describe another world.
    {
      db,
      usage,
      now,
      sandbox: true,
      lookupScope: seed,
      providers: {
        companySearch: [providers.theirstack, providers.exa, providers.parallel],
        peopleSearch: [providers.parallel],
        emailFinders: [providers.leadmagic],
        emailVerifiers: [providers.leadmagic],
      },
    },
    offer.id,
    {
      steps: ["discover_companies", "discover_people", "enrich_emails"],
      discoverCompanies: { limitPerProvider: 60 },
      discoverPeople: { maxCompanies: 60, perCompany: 3 },
    },
  );

  // 3. Two LinkedIn accounts and two mailboxes, synced from Unipile, warming up.
  stage("Syncing two LinkedIn accounts and two mailboxes from Unipile (warming)");
  const { accounts: ours } = await syncAccounts({ ...ctx, directory: providers.unipile }, { warmNew: true });
  // Week 2 of the ramp: accounts that already warmed a week, as most teams start with.
  for (const a of ours) await warmAccount(ctx, { account: a.id, week: 2 });

  // 4. The webhook server's route, registered with Unipile as a real deployment would.
  const secret = generateWebhookSecret();
  const { app } = createWebhookApp({
    db,
    // The Cal.com route is on, with the secret the simulated Cal.com signs with.
    config: { secret, secretHeader: "x-offerlab-webhook-secret", maxBodyBytes: 256 * 1024, calcomSecret: sandbox.calcomSecret },
    logger: createWebhookLogger({ level: "silent" }),
    now,
    // The cron tick's inbox job applies stored events, in order, on the simulated clock.
    drainer: false,
  });
  await registerUnipileWebhooks({ unipile: providers.unipile, url: "https://demo.offerlab.invalid", secret });
  const webhooks = { delivered: 0, rejected: 0 };
  sandbox.setWebhookHandler(async (_provider, payload, headers) => {
    const res = await app.request("/webhooks/unipile", { method: "POST", headers, body: JSON.stringify(payload) });
    if (res.status !== 200) {
      webhooks.rejected++;
      throw new Error(`webhook answered ${res.status}`); // the sandbox retries, as Unipile would
    }
    webhooks.delivered++;
  });
  // Meetings booked on Cal.com reach /webhooks/calcom, signed, as a real deployment's would.
  const booked = { recorded: 0, duplicates: 0, unmatched: 0, rejected: 0 };
  sandbox.setBookingHandler(async (_tool, rawBody, headers) => {
    const res = await app.request("/webhooks/calcom", { method: "POST", headers, body: rawBody });
    const body = (await res.json()) as { status?: string; error?: string };
    if (res.status !== 200) {
      booked.rejected++;
      throw new Error(`Cal.com webhook answered ${res.status}: ${body.error ?? ""}`);
    }
    if (body.status === "recorded") booked.recorded++;
    else if (body.status === "duplicate") booked.duplicates++;
    else if (body.status === "unmatched") booked.unmatched++;
  });

  // 5. A multichannel campaign: invitation, DM once connected, email if no reply.
  stage("Creating and launching a LinkedIn + email campaign over the four accounts");
  const { campaign } = await createCampaign(ctx, {
    offer: offer.id,
    name: `${offer.name}: hiring SaaS sales teams`,
    channel: "multi",
    accounts: ours.map((a) => a.id),
    signal: "hiring sales",
    icp_target: icp.company.verticals.slice(0, 2).join(" ") || "saas",
    account_label: "demo pool",
    timezone: "America/New_York",
  });
  // LinkedIn says who is already a connection (the sandbox's world has 1st, 2nd and 3rd degrees):
  // a cold outreach campaign leaves 1st-degree connections out (`1st_degree`).
  const enrolled = await enrolContacts({ ...ctx, linkedin: providers.unipile }, { campaign: campaign.id, lookupDegrees: true });
  const launched = await launchCampaign(ctx, { campaign: campaign.id });

  // 6. Weeks of cron ticks; between them the world acts (acceptances, replies, bounces, opens)
  // and its webhooks reach the server's route.
  const end = startAt.getTime() + weeks * 7 * DAY;
  stage(`Running ${weeks} simulated weeks of cron ticks and webhook events`);
  const window = windowFromCampaign(launched.campaign);
  const tickProviders = providersFromUnipile(providers.unipile);
  // The demo reports through its own summary; the tick's log line stays silent.
  const logger = createCronLogger({ level: "silent" });
  const totals = { sent: 0, deferred: {} as Record<string, number>, failed: 0, unknown: 0, jobErrors: 0 };
  let ticks = 0;
  let lastDay = "";
  for (let t = now().getTime(); t <= end; t = nextTick(window, t, tickMs)) {
    await sandbox.advanceTo(t);
    const summary: TickSummary = await runTick({
      db,
      providers: tickProviders,
      now,
      random,
      logger,
      // One send in flight: the sandbox's people answer on one simulated clock, and the story a
      // seed tells must not depend on which of several lanes reached the database first.
      sendPath: { providerTimeoutMs: 30_000, concurrency: 1 },
      reconcile: WHOLE_PASS,
    });
    ticks++;
    totals.sent += summary.sent;
    totals.failed += summary.failed;
    totals.unknown += summary.unknown;
    totals.jobErrors += summary.errors;
    for (const [k, v] of Object.entries(summary.deferred)) totals.deferred[k] = (totals.deferred[k] ?? 0) + v;
    const day = new Date(t).toISOString().slice(0, 10);
    if (day !== lastDay) {
      lastDay = day;
      stage(`  ${day}: ${totals.sent} sent so far`);
    }
  }
  // Let the last events land, then one more tick applies them and closes the books.
  await sandbox.advanceTo(Math.max(end, now().getTime()));
  await runTick({
    db,
    providers: tickProviders,
    now,
    random,
    logger,
    reconcile: WHOLE_PASS,
    jobs: ["inbox", "reap", "reconcile", "daily_counters", "books", "account_health"],
  });

  // The vendors' balances, as `offerlab tools list` and the low-credit alert see them: the ones
  // with a free balance endpoint are read once (Sumble's came with its answers; Exa, Parallel and
  // Unipile expose none). A failed read leaves that balance as it was.
  for (const adapter of Object.values(providers)) {
    if (readsCreditBalance(adapter)) await adapter.getCreditBalance().catch(() => undefined);
  }

  const facts = await demoFacts(db, { offerId: offer.id, campaignId: campaign.id, sandbox });
  // The data's clock is where the simulated clock stopped (past the last send when the run ends on a
  // weekend): recorded, so that this report and `offerlab report --sandbox` afterwards read the data
  // as of the time the summary says it was simulated to.
  await recordSimulatedClock(db, now());
  const asOf = (await dataClockAt(db)) ?? now();
  const report = await experimentReport({ ...ctx, now: () => asOf }, { experiment: experiment.experiment.id });
  // The books close after the last tick: meetings recorded by then are in them.
  return {
    seed,
    offer: { id: offer.id, slug: offer.slug ?? slugify(offer.name), name: offer.name },
    campaign: { id: campaign.id, slug: campaign.campaign_slug ?? campaign.id },
    simulated: { from: startAt.toISOString(), to: now().toISOString(), ticks },
    pipeline,
    enrolment: { added: enrolled.added, skipped: enrolled.skipped, lookedUp: enrolled.lookup?.found ?? null },
    ticks: totals,
    webhooks,
    bookings: booked,
    facts,
    experiment: report,
    wallMs: performance.now() - t0,
  };
}
