import { CampaignChannel, CampaignStatus, CampaignType, CompanyStatus, ContactStatus, EmailStatus, SchedulingConfig } from "@offerlab/core";
import { campaignAdmin, offers, resolve, type Campaign, type CampaignCreateRequest } from "@offerlab/db";
import {
  cancelCampaign,
  createCampaign,
  enrolContacts,
  forecastCampaign,
  launchCampaign,
  pauseCampaign,
  resumeCampaign,
  type LaunchCampaignResult,
} from "@offerlab/operations";
import {
  DEFAULT_ACCEPTANCE_RATE,
  DEFAULT_ACCEPTED_EMAIL_STATUSES,
  describeEnrolmentSkip,
  describeReason,
  isReasonCode,
} from "@offerlab/scheduler";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import {
  enumFlag,
  examples,
  fields,
  intFlag,
  listFlag,
  numberFlag,
  onlyKeys,
  readObjectFile,
  withDb,
  withOperation,
} from "./product-helpers.js";

const FILE_KEYS = [
  "offer",
  "name",
  "channel",
  "campaign_type",
  "accounts",
  "signal",
  "icp_target",
  "account_label",
  "target_criteria",
  "scheduling_config",
  "send_window_start",
  "send_window_end",
  "send_days",
  "timezone",
] as const;

/** `1-5`, `1,3,5` or `1-3,6` → ISO weekdays. */
function parseDays(value: string): number[] {
  const days = new Set<number>();
  for (const part of value.split(",").map((s) => s.trim())) {
    const m = /^([1-7])(?:-([1-7]))?$/.exec(part);
    if (!m) throw new CliError(`--days: "${part}" is not an ISO weekday (1 = Monday … 7 = Sunday) or a range such as 1-5`, EXIT.usage);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (to < from) throw new CliError(`--days: the range ${part} goes backwards`, EXIT.usage);
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/** `09:00-17:00` → start and end; the end may be `24:00`, the end of the day (`00:00-24:00` is the whole day). */
function parseWindow(value: string): { start: string; end: string } {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(value);
  if (!m) throw new CliError(`--window: "${value}" is not a window such as 09:00-17:00`, EXIT.usage);
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  const time = (h: number, min: number) => `${String(h).padStart(2, "0")}:${String(min).padStart(2, "0")}`;
  for (const [h, min] of [
    [h1, m1],
    [h2, m2],
  ] as const) {
    if (min > 59 || h > 24 || (h === 24 && min > 0)) {
      throw new CliError(`--window: ${time(h, min)} is not a time of day: use 00:00 to 23:59, or 24:00 for the end of the day`, EXIT.usage);
    }
  }
  if (h1 === 24)
    throw new CliError(
      "--window: a window cannot start at 24:00, the end of the day; start it at 00:00 (e.g. 00:00-24:00 for the whole day)",
      EXIT.usage,
    );
  if (h2 * 60 + m2 <= h1 * 60 + m1) {
    throw new CliError(
      `--window: the end ${time(h2, m2)} must be after the start ${time(h1, m1)} (a window does not wrap around midnight; 24:00 ends it at midnight)`,
      EXIT.usage,
    );
  }
  return { start: time(h1, m1), end: time(h2, m2) };
}

function reasonText(reason: string): string {
  return describeEnrolmentSkip(reason) ?? (isReasonCode(reason) ? describeReason(reason) : reason);
}

function stepsLine(config: unknown): string {
  const parsed = SchedulingConfig.safeParse(config);
  if (!parsed.success) return "invalid schedule";
  return parsed.data.steps
    .map((s) => `${s.step}. ${s.type}${s.delay_days ? ` +${s.delay_days}d` : ""}${s.condition ? ` if ${s.condition}` : ""}`)
    .join(", ");
}

/** A stored rate, or "n/a" while nobody has been contacted. */
function pct(rate: number | string | null): string {
  return rate === null ? "n/a" : `${Number(rate)} %`;
}

function showCampaign(c: Campaign & { offer_slug?: string | null }): string {
  return fields([
    ["id", c.id],
    ["slug", c.campaign_slug],
    ["name", c.name],
    ["offer", c.offer_slug ?? c.offer_id],
    ["type", c.campaign_type],
    ["channel", c.channel],
    ["status", c.status],
    ["accounts", (c.account_ids ?? []).map((a) => `${a.name} (${a.type})`).join(", ")],
    ["steps", stepsLine(c.scheduling_config)],
    ["window", `${c.send_window_start.slice(0, 5)}-${c.send_window_end.slice(0, 5)} on days ${c.send_days.join(",")} (${c.timezone})`],
    ["targets", c.target_criteria ? JSON.stringify(c.target_criteria) : ""],
    ["contacts", `${c.total_contacts} enrolled, ${c.contacts_remaining} waiting to start`],
    [
      "sent",
      `${c.total_sent} messages to ${c.contacts_sent} people (${c.total_delivered} delivered, no bounce), ${c.total_opened} people opened an email`,
    ],
    [
      "outcomes",
      `${c.total_replied} replied (${pct(c.reply_rate)} of people contacted), ${c.total_meetings} meetings (${pct(c.meeting_rate)} of people contacted)`,
    ],
  ]);
}

/** `offerlab campaigns …`: create campaigns, enrol contacts, launch, pause, resume, cancel, forecast. */
export function registerCampaignCommands(program: Command, io: Io): void {
  const cmd = program
    .command("campaigns")
    .description("Campaigns: an offer sent to targeted contacts from a pool of accounts on a schedule");

  cmd
    .command("create")
    .description(
      "Create a draft campaign: slug {type}-{offer}-{channel}-{signal}-{icp}-{account}, target criteria, schedule, window, accounts",
    )
    .option("-f, --file <path>", `campaign.yaml or .json with any of: ${FILE_KEYS.join(", ")} (flags win)`)
    .option("--offer <offer>", "the offer's id, slug or name (required)")
    .option("--name <name>", "campaign name (required)")
    .option("--channel <channel>", `${CampaignChannel.options.join(" | ")} (required)`)
    .option("--type <type>", `${CampaignType.options.join(" | ")} (default cold_outreach, written "cold" in the slug)`)
    .option("--accounts <accounts>", "sending accounts by id, name, email or Unipile id, comma-separated (required)")
    .option("--signal <signal>", "the primary signal targeted, e.g. hiring (required: part of the slug)")
    .option("--icp <segment>", "the ICP segment targeted, e.g. saas-20-200 (required: part of the slug)")
    .option("--account-label <label>", "the slug's account part (default: the account's name, or the accounts' owners)")
    .option("--min-fit <score>", "only companies with at least this fit score (1-10)")
    .option("--company-status <statuses>", `only companies with these statuses: ${CompanyStatus.options.join(", ")}`)
    .option("--contact-status <statuses>", `only contacts with these statuses: ${ContactStatus.options.join(", ")}`)
    .option("--degrees <degrees>", "only these LinkedIn connection degrees, e.g. 2,3")
    .option("--exclude-1st", "leave out 1st-degree connections")
    .option(
      "--schedule <path>",
      "YAML or JSON scheduling_config: {steps: [{step, type, delay_days, condition?}], stop_on_reply, max_touches} (default: by channel)",
    )
    .option("--window <hh:mm-hh:mm>", "send window in the campaign's time zone; 24:00 ends it at midnight (default 09:00-17:00)")
    .option("--days <days>", "send days, ISO weekdays: 1-5, or 1,2,3,4,5 (default 1-5)")
    .option("--timezone <zone>", "IANA time zone of the window (default America/New_York)")
    .option("--json", "print the campaign as JSON")
    .addHelpText(
      "after",
      `
Default schedules: email follows the offer's email sequence (follow-ups only without a reply);
linkedin is an invitation then a DM 3 days after it is accepted; multi adds an email 5 days later
without a reply (at most 3 touches). The campaign starts as a draft: add contacts, then launch.
${examples([
  "offerlab campaigns create --offer ai-sales-coach --name 'Hiring SDRs' --channel email --accounts sales@acme.com --signal hiring --icp saas-20-200 --min-fit 7 --contact-status ready",
  "offerlab campaigns create --offer ai-sales-coach --name 'LinkedIn + email' --channel multi --accounts jane_linkedin,sales@acme.com --signal funding --icp series-a --timezone Europe/Paris --window 08:30-17:30 --days 1-5",
  "offerlab campaigns create --file campaign.yaml",
])}`,
    )
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const s = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
      const file = s("file") ? readObjectFile("--file", s("file")!, io.cwd) : {};
      onlyKeys("--file", file, FILE_KEYS);
      const criteria: Record<string, unknown> = { ...((file.target_criteria as Record<string, unknown> | undefined) ?? {}) };
      const minFit = intFlag("--min-fit", s("minFit"), 1, 10);
      if (minFit !== undefined) criteria.min_fit_score = minFit;
      const companyStatus = listFlag("--company-status", s("companyStatus"), CompanyStatus.options);
      if (companyStatus) criteria.company_status = companyStatus;
      const contactStatus = listFlag("--contact-status", s("contactStatus"), ContactStatus.options);
      if (contactStatus) criteria.contact_status = contactStatus;
      const degrees = listFlag("--degrees", s("degrees"), ["1", "2", "3"] as const);
      if (degrees) criteria.connection_degrees = degrees.map(Number);
      if (o.exclude1st) criteria.exclude_1st_degree = true;
      const window = s("window") ? parseWindow(s("window")!) : undefined;
      const accountsFlag = s("accounts");
      const fileAccounts = file.accounts;
      if (fileAccounts !== undefined && !(Array.isArray(fileAccounts) && fileAccounts.every((a) => typeof a === "string"))) {
        throw new CliError("--file: accounts must be a list of account ids, names or emails", EXIT.usage);
      }
      const req: CampaignCreateRequest = {
        offer: s("offer") ?? (file.offer as string | undefined) ?? "",
        name: s("name") ?? (file.name as string | undefined) ?? "",
        channel: s("channel") ?? (file.channel as string | undefined) ?? "",
        accounts: accountsFlag
          ? accountsFlag
              .split(",")
              .map((a) => a.trim())
              .filter(Boolean)
          : ((fileAccounts as string[] | undefined) ?? []),
        target_criteria: criteria,
      };
      const type = s("type") ?? (file.campaign_type as string | undefined);
      if (type !== undefined) req.campaign_type = type;
      const signal = s("signal") ?? (file.signal as string | undefined);
      if (signal !== undefined) req.signal = signal;
      const icp = s("icp") ?? (file.icp_target as string | undefined);
      if (icp !== undefined) req.icp_target = icp;
      const label = s("accountLabel") ?? (file.account_label as string | undefined);
      if (label !== undefined) req.account_label = label;
      const schedule = s("schedule") ? readObjectFile("--schedule", s("schedule")!, io.cwd) : file.scheduling_config;
      if (schedule !== undefined) req.scheduling_config = schedule;
      const start = window?.start ?? (file.send_window_start as string | undefined);
      if (start !== undefined) req.send_window_start = start;
      const end = window?.end ?? (file.send_window_end as string | undefined);
      if (end !== undefined) req.send_window_end = end;
      const days = s("days") ? parseDays(s("days")!) : (file.send_days as number[] | undefined);
      if (days !== undefined) req.send_days = days;
      const tz = s("timezone") ?? (file.timezone as string | undefined);
      if (tz !== undefined) req.timezone = tz;
      const missing = (["offer", "name", "channel"] as const).filter((k) => req[k] === "");
      if (missing.length) throw new CliError(`missing ${missing.map((k) => `--${k}`).join(", ")} (or the same keys in --file)`, EXIT.usage);
      const { campaign, offerSlug } = await withOperation(io, (ctx) => createCampaign(ctx, req));
      if (o.json) {
        io.stdout(json(campaign));
        return;
      }
      io.stdout(showCampaign({ ...campaign, offer_slug: offerSlug }));
      io.stdout(
        `\nCreated draft campaign ${campaign.campaign_slug}. Next: \`offerlab campaigns add-contacts ${campaign.campaign_slug}\`, then \`offerlab campaigns launch ${campaign.campaign_slug}\`.\n`,
      );
    });

  cmd
    .command("list")
    .description("List campaigns, newest first, with how many contacts are enrolled and still in a sequence")
    .option("--offer <offer>", "only this offer's campaigns (id, slug or name)")
    .option("--status <status>", `only campaigns with this status (${CampaignStatus.options.join(", ")})`)
    .option("--json", "print the campaigns as JSON")
    .addHelpText("after", examples(["offerlab campaigns list", "offerlab campaigns list --offer ai-sales-coach --status active --json"]))
    .action(async (o: { offer?: string; status?: string; json?: boolean }) => {
      const status = enumFlag("--status", o.status, CampaignStatus.options);
      const rows = await withDb(io, async (db) => {
        const offerId = o.offer ? (await resolve.offer(db, o.offer)).id : undefined;
        return campaignAdmin.list(db, { ...(offerId ? { offerId } : {}), ...(status ? { status } : {}) });
      });
      if (o.json) io.stdout(json(rows));
      else if (rows.length === 0) io.stdout("No campaigns yet. Create one with `offerlab campaigns create`.\n");
      else
        io.stdout(
          table(rows, [
            { key: "campaign_slug", title: "slug", max: 48 },
            { key: "name", max: 28 },
            { key: "offer_slug", title: "offer", max: 20 },
            { key: "channel" },
            { key: "status" },
            { key: "enrolled" },
            { key: "in_sequence", title: "in sequence" },
            { key: "total_sent", title: "sent" },
            { key: "total_replied", title: "replies" },
          ]),
        );
    });

  cmd
    .command("show")
    .description("Show one campaign: accounts, steps, window, targets and totals")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--json", "print the campaign as JSON")
    .action(async (ref: string, o: { json?: boolean }) => {
      const campaign = await withDb(io, async (db) => {
        const c = await campaignAdmin.get(db, ref);
        const offer = await offers.get(db, c.offer_id);
        return { ...c, offer_slug: offer?.slug ?? null };
      });
      io.stdout(o.json ? json(campaign) : showCampaign(campaign));
    });

  cmd
    .command("add-contacts")
    .description(
      "Enrol the offer's contacts that match the campaign's target criteria, by the send path's own rules (60 days, do-not-contact …)",
    )
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--limit <n>", "add at most n contacts, best company fit first")
    .option(
      "--email-status <statuses>",
      `email statuses a first email may go to (default ${DEFAULT_ACCEPTED_EMAIL_STATUSES.join(",")}; also ${EmailStatus.options.filter((s) => s !== "valid").join(", ")})`,
    )
    .option("--dry-run", "report who would be added and skipped, add nothing")
    .option("--show-skipped", "list each skipped contact and why")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Contacts the pipeline parked (status skip, e.g. low buyer fit) are not candidates unless the
campaign's target_criteria.contact_status names "skip".
Skipped, with the reason counted: already in this campaign; do-not-contact, unsubscribed or
bounced on any of the person's rows in any offer; contacted by us less than 60 days ago (any
offer); replied elsewhere; not eligible; still in another unfinished campaign; not reachable on
the first step's channel (no email, email not verified, no LinkedIn URL).
${examples([
  "offerlab campaigns add-contacts cold-ai-sales-coach-email-hiring-saas-jane --dry-run",
  "offerlab campaigns add-contacts cold-ai-sales-coach-email-hiring-saas-jane --limit 200 --email-status valid,risky",
])}`,
    )
    .action(async (ref: string, o: { limit?: string; emailStatus?: string; dryRun?: boolean; showSkipped?: boolean; json?: boolean }) => {
      const limit = intFlag("--limit", o.limit, 1, 1_000_000);
      const emailStatuses = listFlag("--email-status", o.emailStatus, EmailStatus.options);
      const result = await withOperation(io, (ctx) =>
        enrolContacts(ctx, {
          campaign: ref,
          dryRun: o.dryRun === true,
          ...(emailStatuses ? { acceptedEmailStatuses: emailStatuses } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
      );
      if (o.json) {
        io.stdout(json(result));
        return;
      }
      io.stdout(
        `${result.matched} contact(s) match the campaign's target criteria; ${o.dryRun ? `${result.wouldAdd} would be added (dry run: nothing written)` : `${result.added} added`}.\n`,
      );
      const skipped = Object.entries(result.skipped);
      if (skipped.length) {
        io.stdout("Skipped:\n");
        for (const [reason, n] of skipped.sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0)))
          io.stdout(`  ${String(n).padStart(5)}  ${reason}: ${reasonText(reason)}\n`);
      }
      for (const [what, n] of Object.entries(result.warnings)) {
        io.stdout(
          `Warning: ${n} added contact(s) ${what === "no_email_for_later_steps" ? "have no email for the campaign's email steps" : "have no LinkedIn URL for its LinkedIn steps"}: those steps will fail for them.\n`,
        );
      }
      if (o.showSkipped && result.skippedContacts.length) {
        io.stdout("\n" + table(result.skippedContacts, [{ key: "contact", max: 50 }, { key: "reason" }]));
      }
    });

  const launchOrResume = async (ref: string, o: { json?: boolean }, resume: boolean) => {
    const result: LaunchCampaignResult = await withOperation(io, (ctx) =>
      (resume ? resumeCampaign : launchCampaign)(ctx, { campaign: ref }),
    );
    if (o.json) {
      io.stdout(json(result));
      return;
    }
    const c = result.campaign;
    io.stdout(
      result.previous === "active"
        ? `Campaign ${c.campaign_slug} is already active.\n`
        : `Campaign ${c.campaign_slug}: ${result.previous} → active${result.offerActivated ? " (its offer is active too)" : ""}.\n`,
    );
    for (const st of result.steps)
      io.stdout(`  step ${st.step} ${st.channel}: ${st.template}${st.bound ? " (offer template bound to this step)" : ""}\n`);
    for (const w of result.warnings) io.stdout(`Warning: ${w}\n`);
    io.stdout(
      `${result.contacts} contact(s) in sequence. The cron runner plans and sends within the window (\`offerlab schedule\` shows today's sends).\n`,
    );
  };

  cmd
    .command("launch")
    .description("Check a campaign (schedule, window, accounts per step, an approved template per step) and start it")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Nothing is changed when a check fails; each problem names what to fix. For a multi-channel
campaign the offer's first email is bound to the campaign's first email step (and so on).
${examples(["offerlab campaigns launch cold-ai-sales-coach-email-hiring-saas-jane"])}`,
    )
    .action((ref: string, o: { json?: boolean }) => launchOrResume(ref, o, false));

  cmd
    .command("pause")
    .description("Pause an active campaign: nothing of it is planned or sent until it is resumed")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--json", "print the campaign as JSON")
    .addHelpText("after", examples(["offerlab campaigns pause cold-ai-sales-coach-email-hiring-saas-jane"]))
    .action(async (ref: string, o: { json?: boolean }) => {
      const r = await withOperation(io, (ctx) => pauseCampaign(ctx, { campaign: ref }));
      if (o.json) io.stdout(json(r));
      else
        io.stdout(
          r.previous === "paused"
            ? `Campaign ${r.campaign.campaign_slug} is already paused.\n`
            : `Campaign ${r.campaign.campaign_slug}: ${r.previous} → paused. Queued sends wait until it is resumed.\n`,
        );
    });

  cmd
    .command("resume")
    .description("Resume a paused campaign, after the same checks as launch")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples(["offerlab campaigns resume cold-ai-sales-coach-email-hiring-saas-jane"]))
    .action((ref: string, o: { json?: boolean }) => launchOrResume(ref, o, true));

  cmd
    .command("cancel")
    .description("Cancel a campaign for good: its queued sends are cancelled and its sequences end")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--yes", "confirm: a cancelled campaign cannot be restarted")
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples(["offerlab campaigns cancel cold-ai-sales-coach-email-hiring-saas-jane --yes"]))
    .action(async (ref: string, o: { yes?: boolean; json?: boolean }) => {
      if (!o.yes)
        throw new CliError(
          "cancelling is final (the campaign cannot be restarted): pass --yes to confirm, or use `offerlab campaigns pause`",
          EXIT.usage,
        );
      const r = await withOperation(io, (ctx) => cancelCampaign(ctx, { campaign: ref, confirm: true }));
      if (o.json) io.stdout(json(r));
      else
        io.stdout(
          `Campaign ${r.campaign.campaign_slug}: ${r.previous} → cancelled. ${r.queueCancelled} queued send(s) cancelled, ${r.sequencesStopped} sequence(s) ended. A send already in flight finishes.\n`,
        );
    });

  cmd
    .command("forecast")
    .description("Days to finish the campaign with its current accounts and limits, and what holds it back")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--acceptance-rate <rate>", `share of LinkedIn invitations accepted, 0-1 (default ${DEFAULT_ACCEPTANCE_RATE})`)
    .option("--json", "print the forecast as JSON")
    .addHelpText(
      "after",
      `
Simulates each day in the campaign's time zone: send days and window, each account's daily limits
(ramped while warming, week by week), hourly limits over the window, the gap between sends, step
delays and conditions. Paused, disconnected or unhealthy accounts count for nothing. Replies are
not modelled (they only end sequences early), so this is the longest it takes.
${examples(["offerlab campaigns forecast cold-ai-sales-coach-email-hiring-saas-jane", "offerlab campaigns forecast my-campaign --acceptance-rate 0.25 --json"])}`,
    )
    .action(async (ref: string, o: { acceptanceRate?: string; json?: boolean }) => {
      const acceptanceRate = numberFlag("--acceptance-rate", o.acceptanceRate, 0, 1);
      const { forecast, campaign, paused } = await withOperation(io, (ctx) =>
        forecastCampaign(ctx, { campaign: ref, ...(acceptanceRate !== undefined ? { acceptanceRate } : {}) }),
      );
      if (o.json) {
        io.stdout(json({ campaign: campaign.campaign_slug ?? campaign.id, status: campaign.status, pausedContacts: paused, ...forecast }));
        return;
      }
      const f = forecast;
      const lines: [string, unknown][] = [
        ["campaign", `${campaign.campaign_slug} (${campaign.status})`],
        ["contacts", `${f.contacts} still in sequence${paused ? `, ${paused} paused for a human (not counted)` : ""}`],
        [
          "finishes",
          f.contacts === 0
            ? "nothing left to send"
            : f.finishes
              ? `${f.finishDate} — ${f.calendarDays} calendar day(s), ${f.sendDays} send day(s)`
              : "never with the current accounts (see below)",
        ],
      ];
      for (const a of f.actions)
        lines.push([
          a.action,
          `${a.sends} send(s), up to ${a.capacityPerDay} a day today${a.daysLimited ? `; waited ${a.daysLimited} day(s)` : ""}`,
        ]);
      lines.push(["bottleneck", f.bottleneck ? f.bottleneck.reason : "none: every due send fits the day it is due"]);
      lines.push([
        "assumes",
        `${Math.round(f.assumptions.acceptanceRate * 100)}% of invitations accepted, ${f.assumptions.gapSeconds} s between two sends of an account, time zone ${f.assumptions.timeZone}`,
      ]);
      io.stdout(fields(lines));
      if (campaign.status !== "active")
        io.stdout(`Note: the campaign is ${campaign.status}; the forecast counts from today as if it were active.\n`);
    });
}
