import { CampaignChannel, CampaignStatus, CampaignType, CompanyStatus, ContactStatus, EmailStatus, SchedulingConfig } from "@offerlab/core";
import { campaignAdmin, offers, resolve, type Campaign, type CampaignCreateRequest } from "@offerlab/db";
import {
  cancelCampaign,
  createCampaign,
  editCampaign,
  enrolContacts,
  forecastCampaign,
  checkCampaign,
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
import { createUsageRecorder } from "@offerlab/pipeline";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { addSandboxOptions, createCliProviders } from "../providers.js";
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
  "use_burner_accounts",
  "send_window_start",
  "send_window_end",
  "send_days",
  "timezone",
  "daily_send_cap",
] as const;

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** An ISO weekday from `1`…`7` or a day name (`mon`, `monday`, any case), or null. */
function isoDay(token: string): number | null {
  if (/^[1-7]$/.test(token)) return Number(token);
  const i = DAY_NAMES.indexOf(token.toLowerCase().slice(0, 3) as (typeof DAY_NAMES)[number]);
  return i >= 0 && /^[a-z]{3,9}$/i.test(token) ? i + 1 : null;
}

/** `1-5`, `1,3,5`, `1-3,6`, `mon-fri` or `mon,wed,fri` → ISO weekdays. */
function parseDays(value: string): number[] {
  const days = new Set<number>();
  for (const part of value.split(",").map((s) => s.trim())) {
    const m = /^([^-\s]+)(?:-([^-\s]+))?$/.exec(part);
    const from = m ? isoDay(m[1]!) : null;
    const to = m?.[2] !== undefined ? isoDay(m[2]) : from;
    if (from === null || to === null)
      throw new CliError(
        `--days: "${part}" is not an ISO weekday (1 = Monday … 7 = Sunday), a day name (mon … sun) or a range such as 1-5 or mon-fri`,
        EXIT.usage,
      );
    if (to < from) throw new CliError(`--days: the range ${part} goes backwards`, EXIT.usage);
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

const DAILY_CAP_HELP =
  "the campaign's own cap on sends a day (invitations, messages and emails together), per calendar day in the campaign's time zone; the accounts' limits still apply";

/**
 * `--daily-cap`: `none` clears the cap (null); a number goes to the operation, which checks it
 * (a positive whole number) with the one validation of create and edit.
 */
function parseDailyCap(value: string): number | null {
  if (/^\s*none\s*$/i.test(value)) return null;
  if (/^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw new CliError(`--daily-cap: must be a positive whole number of sends a day, or none to clear it (got "${value}")`, EXIT.usage);
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

function reasonText(reason: string, coolingOffDays?: number): string {
  return (
    describeEnrolmentSkip(reason) ??
    (isReasonCode(reason) ? describeReason(reason, coolingOffDays === undefined ? {} : { coolingOffDays }) : reason)
  );
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
    ["burner accounts", c.scheduling_config?.use_burner_accounts === true ? "used" : "not used"],
    ["window", `${c.send_window_start.slice(0, 5)}-${c.send_window_end.slice(0, 5)} on days ${c.send_days.join(",")} (${c.timezone})`],
    [
      "daily cap",
      c.daily_send_cap === null
        ? "none (only the accounts' limits)"
        : `${c.daily_send_cap} sends a day, every action together (calendar day in ${c.timezone})`,
    ],
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
    .option(
      "--type <type>",
      `${CampaignType.options.join(" | ")} (default cold_outreach, written "cold" in the slug): cold_outreach invites people who are not connections and skips 1st-degree ones; networking messages 1st-degree connections, with no invitation`,
    )
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
      "--use-burner-accounts",
      "let the burner accounts (rotation set burner) among --accounts send for this campaign (default: they send nothing)",
    )
    .option(
      "--schedule <path>",
      "YAML or JSON scheduling_config: {steps: [{step, type, delay_days, condition?}], stop_on_reply, max_touches} (default: by channel)",
    )
    .option("--window <hh:mm-hh:mm>", "send window in the campaign's time zone; 24:00 ends it at midnight (default 09:00-17:00)")
    .option("--days <days>", "send days, ISO weekdays or names: 1-5, 1,2,3,4,5 or mon-fri (default 1-5)")
    .option("--timezone <zone>", "IANA time zone of the window (default America/New_York)")
    .option("--daily-cap <n>", `${DAILY_CAP_HELP} (default none)`)
    .option("--json", "print the campaign as JSON")
    .addHelpText(
      "after",
      `
Default schedules: email follows the offer's email sequence (follow-ups only without a reply);
linkedin is an invitation then a DM 3 days after it is accepted; multi adds an email 5 days later
without a reply (at most 3 touches). A networking campaign sends no invitation: linkedin is one DM,
multi a DM then an email 5 days later without a reply. The campaign starts as a draft: add
contacts, then launch.
Accounts: odd and even accounts split the contacts in two halves by a stable hash (two personas or
domains, A/B); burner accounts are throwaway ones and send only for a campaign created with
--use-burner-accounts.
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
      const burners = o.useBurnerAccounts === true ? true : file.use_burner_accounts;
      if (burners !== undefined && typeof burners !== "boolean")
        throw new CliError("--file: use_burner_accounts must be true or false", EXIT.usage);
      if (burners !== undefined) req.use_burner_accounts = burners;
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
      const cap = s("dailyCap") !== undefined ? parseDailyCap(s("dailyCap")!) : (file.daily_send_cap as number | null | undefined);
      if (cap !== undefined) req.daily_send_cap = cap;
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
          table(
            rows,
            [
              { key: "campaign_slug", title: "slug", max: 48 },
              { key: "name", max: 28 },
              { key: "offer_slug", title: "offer", max: 20 },
              { key: "channel", drop: 3 },
              { key: "status" },
              { key: "enrolled", drop: 2 },
              { key: "in_sequence", title: "in sequence", drop: 1 },
              { key: "total_sent", title: "sent" },
              { key: "total_replied", title: "replies" },
            ],
            io,
          ),
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

  addSandboxOptions(
    cmd
      .command("add-contacts")
      .description(
        "Enrol the offer's contacts that match the campaign's target criteria, by the send path's own rules (60 days, do-not-contact …)",
      ),
  )
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--limit <n>", "add at most n contacts, best company fit first")
    .option(
      "--email-status <statuses>",
      `email statuses a first email may go to (default ${DEFAULT_ACCEPTED_EMAIL_STATUSES.join(",")}; also ${EmailStatus.options.filter((s) => s !== "valid").join(", ")})`,
    )
    .option("--dry-run", "report who would be added and skipped, add nothing")
    .option(
      "--lookup-degrees",
      "first ask LinkedIn (Unipile profile lookup, through the campaign's LinkedIn accounts) the connection degree of contacts whose degree is unknown; each lookup is a profile view, at most 80 per account per day",
    )
    .option("--max-lookups <n>", "with --lookup-degrees: look up at most n contacts (default 200)")
    .option("--show-skipped", "list each skipped contact and why")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Contacts the pipeline parked (status skip, e.g. low buyer fit) are not candidates unless the
campaign's target_criteria.contact_status names "skip".
Skipped, with the reason counted: already in this campaign; do-not-contact, unsubscribed or
bounced on any of the person's rows in any offer; contacted by us less than 60 days ago (any
offer); replied elsewhere; not eligible; the LinkedIn connection degree does not fit (1st_degree
in a cold_outreach campaign or one that excludes them, not_1st_degree in a networking campaign,
degree_not_targeted by --degrees, degree_unknown when the campaign needs a degree: look it up with
--lookup-degrees or import a connection_degree column); still in another unfinished campaign; not
reachable on the first step's channel (no email, email not verified, no LinkedIn URL).
The reasons 1st_degree, already_contacted (cooling off, replied) and no_email are also stored on
the contact (contacts.skip_reason, not on a dry run) and cleared when a campaign takes it.
--lookup-degrees reads UNIPILE_API_KEY and UNIPILE_DSN (or UNIPILE_BASE_URL), or runs in the
sandbox with --sandbox.
${examples([
  "offerlab campaigns add-contacts cold-ai-sales-coach-email-hiring-saas-jane --dry-run",
  "offerlab campaigns add-contacts cold-ai-sales-coach-email-hiring-saas-jane --limit 200 --email-status valid,risky",
  "offerlab campaigns add-contacts cold-ai-sales-coach-linkedin-hiring-saas-jane --lookup-degrees --max-lookups 80",
])}`,
    )
    .action(
      async (
        ref: string,
        o: {
          limit?: string;
          emailStatus?: string;
          dryRun?: boolean;
          lookupDegrees?: boolean;
          maxLookups?: string;
          showSkipped?: boolean;
          json?: boolean;
          sandbox?: boolean;
          seed?: string;
          sandboxSeed?: string;
        },
      ) => {
        const limit = intFlag("--limit", o.limit, 1, 1_000_000);
        const emailStatuses = listFlag("--email-status", o.emailStatus, EmailStatus.options);
        const maxLookups = intFlag("--max-lookups", o.maxLookups, 1, 100_000);
        if (maxLookups !== undefined && o.lookupDegrees !== true) throw new CliError("--max-lookups needs --lookup-degrees", EXIT.usage);
        const input = {
          campaign: ref,
          dryRun: o.dryRun === true,
          ...(emailStatuses ? { acceptedEmailStatuses: emailStatuses } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(maxLookups !== undefined ? { maxLookups } : {}),
        };
        const result =
          o.lookupDegrees === true
            ? await withDb(io, async (db) => {
                const usage = createUsageRecorder(db, {
                  sandbox: io.sandbox === true,
                  onError: (error) => io.stderr(`offerlab: could not record Unipile usage: ${(error as Error).message}\n`),
                });
                const seed = o.seed ?? o.sandboxSeed;
                const providers = await createCliProviders(io, { sandbox: o.sandbox, ...(seed ? { seed } : {}), onUsage: usage.onUsage });
                // A sandbox run happens at its simulated time: the profile-view budget is that day's.
                const at = providers.world?.clock.now();
                return enrolContacts(
                  { db, linkedin: providers.get("unipile"), ...(at ? { now: () => at } : {}) },
                  { ...input, lookupDegrees: true },
                );
              })
            : await withOperation(io, (ctx) => enrolContacts(ctx, input));
        if (o.json) {
          io.stdout(json(result));
          return;
        }
        if (result.lookup) {
          const f = result.lookup.found;
          io.stdout(
            `LinkedIn lookups: ${f["1"]} 1st-degree, ${f["2"]} 2nd, ${f["3"]} 3rd, ${f.unknown} without a known degree (left unknown), ${result.lookup.failed} failed${result.lookup.notLookedUp ? `, ${result.lookup.notLookedUp} not looked up (no profile views left today, or no LinkedIn account of the campaign can look)` : ""}.\n`,
          );
          for (const a of result.lookup.accounts)
            io.stdout(`  ${a.name}: ${a.viewsToday} profile views today${a.stopped ? ` (stopped: ${a.stopped})` : ""}\n`);
        }
        io.stdout(
          `${result.matched} contact(s) match the campaign's target criteria; ${o.dryRun ? `${result.wouldAdd} would be added (dry run: nothing written)` : `${result.added} added`}.\n`,
        );
        const skipped = Object.entries(result.skipped);
        if (skipped.length) {
          io.stdout("Skipped:\n");
          for (const [reason, n] of skipped.sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0)))
            io.stdout(`  ${String(n).padStart(5)}  ${reason}: ${reasonText(reason, result.coolingOffDays)}\n`);
        }
        for (const [what, n] of Object.entries(result.warnings)) {
          io.stdout(
            `Warning: ${n} added contact(s) ${what === "no_email_for_later_steps" ? "have no email for the campaign's email steps" : "have no LinkedIn URL for its LinkedIn steps"}: those steps will fail for them.\n`,
          );
        }
        if (o.showSkipped && result.skippedContacts.length) {
          io.stdout("\n" + table(result.skippedContacts, [{ key: "contact", max: 50 }, { key: "reason" }], io));
        }
      },
    );

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
    .command("check")
    .description("Run the launch checks without launching: a draft that passes becomes ready, a ready one that fails goes back to draft")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
The same checks as launch (schedule, window, accounts per step, an approved template per step, its
offer). \`ready\` means they pass; other statuses are reported and not changed. Exits 1 when a
check fails, each problem naming what to fix.
${examples(["offerlab campaigns check cold-ai-sales-coach-email-hiring-saas-jane", "offerlab campaigns check my-campaign --json"])}`,
    )
    .action(async (ref: string, o: { json?: boolean }) => {
      const r = await withOperation(io, (ctx) => checkCampaign(ctx, { campaign: ref }));
      if (o.json) io.stdout(json(r));
      else {
        const moved = r.previous === r.status ? `status ${r.status}` : `${r.previous} → ${r.status}`;
        io.stdout(`Campaign ${r.campaign}: ${r.ok ? "every launch check passes" : "launch checks fail"} (${moved}).\n`);
        for (const p of r.problems) io.stdout(`  ${p.field}: ${p.message}\n`);
        for (const w of r.warnings) io.stdout(`Warning: ${w}\n`);
        if (r.ok) io.stdout(`${r.contacts} contact(s) enrolled. Next: \`offerlab campaigns launch ${r.campaign}\`.\n`);
      }
      if (!r.ok)
        throw new CliError(`campaign ${r.campaign} does not pass its launch checks (${r.problems.length} problem(s))`, EXIT.failure);
    });

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
    .command("edit")
    .description("Change a campaign's send window, days, time zone, accounts or daily cap, live or not (the checks of create)")
    .argument("<campaign>", "the campaign's id, slug or name")
    .option("--window <hh:mm-hh:mm>", "send window in the campaign's time zone; 24:00 ends it at midnight")
    .option("--days <days>", "send days, ISO weekdays or names: 1-5, 1,3,5 or mon-fri")
    .option("--timezone <zone>", "IANA time zone of the window, e.g. Europe/Paris")
    .option("--accounts <accounts>", "the campaign's accounts, all of them (they replace the list), comma-separated")
    .option("--daily-cap <n|none>", `${DAILY_CAP_HELP}; none clears it`)
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
The change reaches every send not yet claimed, at once: the send path judges each send by the
campaign's window and accounts when it claims it. A first touch planned for an account taken off
the campaign (an email or an invitation to someone nothing went to from it) goes out from a
remaining account instead, its text written again for that sender; its other planned sends (a
follow-up in its thread, a message to its connection) are cancelled, and people whose conversation
runs through that account wait for it (see \`offerlab why\`). A send already claimed finishes. A
completed or cancelled campaign cannot be edited. Exit code 2: bad input (nothing is changed) or an
unknown campaign.
Daily cap: at most n sends of the campaign (every action together) per calendar day in the
campaign's time zone, counted at the claim whatever the number of runners; a send over it waits for
the next day (reason campaign_daily_cap, see \`offerlab why\`). A send the provider refused gives its
unit back. Raising or clearing the cap lets the sends it held go at once. The accounts' own limits
still apply: \`offerlab accounts limits\`.
${examples([
  "offerlab campaigns edit cold-ai-sales-coach-email-hiring-saas-jane --window 08:30-17:30 --days mon-fri --timezone Europe/Paris",
  "offerlab campaigns edit cold-ai-sales-coach-email-hiring-saas-jane --accounts sales@acme.com,jane_linkedin --json",
  "offerlab campaigns edit cold-ai-sales-coach-email-hiring-saas-jane --daily-cap 40",
  "offerlab campaigns edit cold-ai-sales-coach-email-hiring-saas-jane --daily-cap none",
])}`,
    )
    .action(
      async (
        ref: string,
        o: { window?: string; days?: string; timezone?: string; accounts?: string; dailyCap?: string; json?: boolean },
      ) => {
        const window = o.window !== undefined ? parseWindow(o.window) : undefined;
        const days = o.days !== undefined ? parseDays(o.days) : undefined;
        const accounts =
          o.accounts !== undefined
            ? o.accounts
                .split(",")
                .map((a) => a.trim())
                .filter(Boolean)
            : undefined;
        const dailyCap = o.dailyCap !== undefined ? parseDailyCap(o.dailyCap) : undefined;
        if (!window && !days && o.timezone === undefined && !accounts && dailyCap === undefined) {
          throw new CliError("nothing to change: give --window, --days, --timezone, --accounts or --daily-cap", EXIT.usage);
        }
        const r = await withOperation(io, (ctx) =>
          editCampaign(ctx, {
            campaign: ref,
            ...(window ? { send_window_start: window.start, send_window_end: window.end } : {}),
            ...(days ? { send_days: days } : {}),
            ...(o.timezone !== undefined ? { timezone: o.timezone } : {}),
            ...(accounts ? { accounts } : {}),
            ...(dailyCap !== undefined ? { daily_send_cap: dailyCap } : {}),
          }),
        );
        if (o.json) return io.stdout(json(r));
        io.stdout(showCampaign(r.campaign));
        io.stdout(
          r.changed.length === 0
            ? `\nCampaign ${r.campaign.campaign_slug}: nothing changed (the values were already these).\n`
            : `\nCampaign ${r.campaign.campaign_slug}: changed ${r.changed.join(", ")}.\n`,
        );
        if (r.removedAccounts.length) {
          io.stdout(
            `Taken off: ${r.removedAccounts.map((a) => a.name).join(", ")}; ` +
              (r.queueMoved
                ? `${r.queueMoved} planned first touch(es) from it (an email, an invitation) now go out from a remaining account; `
                : "") +
              `${r.queueCancelled} planned send(s) from it cancelled` +
              (r.queueCancelled
                ? " (sender_unavailable: a follow-up in its thread or a message to its connection needs that sender)"
                : "") +
              (r.contactsStranded ? `; ${r.contactsStranded} contact(s) whose conversation runs through it wait for it.\n` : ".\n"),
          );
          if (r.experimentContacts.repinned)
            io.stdout(
              `${r.experimentContacts.repinned} experiment contact(s) pinned to it at enrolment, not yet written to, now send from a remaining account (their arm kept, the strata balanced).\n`,
            );
        }
        if (r.queueRetimed) io.stdout(`${r.queueRetimed} send(s) waiting for the old window or cap are judged again by the new one.\n`);
      },
    );

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
