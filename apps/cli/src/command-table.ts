/**
 * The CLI's top-level commands: name, usage term and one-line description, and the module(s) that
 * register them. `offerlab --help` prints this table without importing any command module; running
 * a command imports only the modules that register it (each pulls in its own packages: the
 * database, the providers, the AI SDK, …), so start-up stays fast.
 *
 * Adding a command:
 * 1. Write `commands/<name>.ts` exporting `register<Name>Commands(program, io)`, as the others do.
 * 2. Add a loader to `MODULES` and one entry per top-level command it registers to `COMMANDS`
 *    (in the order `offerlab --help` should list it).
 * 3. `command-table.test.ts` fails until the entry's term and description match what the module
 *    registers (it compares the lazy help with the help of every module loaded).
 */
import type { Command } from "commander";
import type { Io } from "./output.js";

/** Registers one or more top-level commands (with their subcommands and actions) on the program. */
export type Register = (program: Command, io: Io) => void;

/** The command modules, by name: each loader imports its module only when called. */
export const MODULES = {
  db: () => import("./commands/db.js").then((m) => m.registerDbCommands),
  init: () => import("./commands/init.js").then((m) => m.registerInitCommand),
  offers: () => import("./commands/offers.js").then((m) => m.registerOfferCommands),
  templates: () => import("./commands/templates.js").then((m) => m.registerTemplateCommands),
  accounts: () => import("./commands/accounts.js").then((m) => m.registerAccountCommands),
  campaigns: () => import("./commands/campaigns.js").then((m) => m.registerCampaignCommands),
  contacts: () => import("./commands/contacts.js").then((m) => m.registerContactCommands),
  companies: () => import("./commands/companies.js").then((m) => m.registerCompanyCommands),
  why: () => import("./commands/why.js").then((m) => m.registerWhyCommand),
  settings: () => import("./commands/settings.js").then((m) => m.registerSettingsCommands),
  outcomes: () => import("./commands/outcomes.js").then((m) => m.registerOutcomeCommands),
  suppress: () => import("./commands/suppress.js").then((m) => m.registerSuppressCommands),
  dashboards: () => import("./commands/dashboards.js").then((m) => m.registerDashboardCommands),
  tools: () => import("./commands/tools.js").then((m) => m.registerToolsCommands),
  discover: () => import("./commands/discover.js").then((m) => m.registerDiscoverCommands),
  enrich: () => import("./commands/enrich.js").then((m) => m.registerEnrichCommands),
  scrape: () => import("./commands/scrape.js").then((m) => m.registerScrapeCommand),
  import: () => import("./commands/import.js").then((m) => m.registerImportCommands),
  export: () => import("./commands/export.js").then((m) => m.registerExportCommands),
  cron: () => import("./commands/cron.js").then((m) => m.registerCronCommands),
  webhooks: () => import("./commands/webhooks.js").then((m) => m.registerWebhookCommands),
  serve: () => import("./commands/serve.js").then((m) => m.registerServeCommand),
  demo: () => import("./commands/demo.js").then((m) => m.registerDemoCommand),
  journal: () => import("./commands/journal.js").then((m) => m.registerJournalCommands),
  experiments: () => import("./commands/experiments.js").then((m) => m.registerExperimentCommands),
  report: () => import("./commands/experiments.js").then((m) => m.registerReportCommand),
  dashboard: () => import("./commands/dashboard-web.js").then((m) => m.registerDashboardWebCommand),
  completion: () => import("./commands/completion.js").then((m) => m.registerCompletionCommand),
} satisfies Record<string, () => Promise<Register>>;

export type ModuleName = keyof typeof MODULES;

/** One top-level command as `offerlab --help` lists it, and the modules that register it (in order). */
export interface CommandEntry {
  /** The command's name (`offers`). */
  readonly name: string;
  /** Its usage term in the root help (`why [options] <person>`). */
  readonly term: string;
  /** Its one-line description. */
  readonly description: string;
  /** The modules that register it; several when modules add subcommands to one command (`tools`). */
  readonly modules: readonly ModuleName[];
}

/** Every top-level command, in the order of the root help. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "db",
    term: "db",
    description: "Database: apply migrations, show which are applied",
    modules: ["db"],
  },
  {
    name: "init",
    term: "init [options] [dir]",
    description: "Write an example configuration: .env.example, offer.yaml and campaign.yaml",
    modules: ["init"],
  },
  {
    name: "offers",
    term: "offers",
    description: "Offers: the products or services being tested",
    modules: ["offers"],
  },
  {
    name: "templates",
    term: "templates",
    description: "Message templates: review the copy, approve what may be sent",
    modules: ["templates"],
  },
  {
    name: "accounts",
    term: "accounts",
    description: "Sending accounts: add, list, pause, resume, limits, warming, sync from Unipile",
    modules: ["accounts"],
  },
  {
    name: "campaigns",
    term: "campaigns",
    description: "Campaigns: an offer sent to targeted contacts from a pool of accounts on a schedule",
    modules: ["campaigns"],
  },
  {
    name: "contacts",
    term: "contacts",
    description: "Contacts: edit one by hand, un-pause its sequence",
    modules: ["contacts"],
  },
  {
    name: "companies",
    term: "companies",
    description: "Companies: qualify or disqualify one by hand",
    modules: ["companies"],
  },
  {
    name: "why",
    term: "why [options] <person>",
    description: "Everything offerlab did or did not do for one person, across every offer, and why",
    modules: ["why"],
  },
  {
    name: "settings",
    term: "settings",
    description: "Settings every offer shares (the cooling-off window)",
    modules: ["settings"],
  },
  {
    name: "outcomes",
    term: "outcomes",
    description: "Meetings, conversions and refusals after the outreach, attributed to the last touch before them",
    modules: ["outcomes"],
  },
  {
    name: "suppress",
    term: "suppress",
    description: "The suppression list: emails, LinkedIn URLs and domains offerlab never contacts",
    modules: ["suppress"],
  },
  {
    name: "leads",
    term: "leads [options]",
    description: "Leads for review: contacts with their company, campaign and next send (leads_for_review)",
    modules: ["dashboards"],
  },
  {
    name: "schedule",
    term: "schedule [options]",
    description:
      "Today's schedule: the sends queued for today (todays_schedule), each with when it will really go out within the caps, or why not today",
    modules: ["dashboards"],
  },
  {
    name: "capacity",
    term: "capacity [options]",
    description:
      "Account capacity: what each account may still send today and this hour, and whether it can send now (the send path's own rules)",
    modules: ["dashboards"],
  },
  {
    name: "activity",
    term: "activity [options]",
    description: "Activity feed: scheduled and sent outreach, newest first (activity_feed)",
    modules: ["dashboards"],
  },
  {
    name: "performance",
    term: "performance [options]",
    description: "Campaign and offer performance (campaign_performance, offer_dashboard); rates are per person contacted",
    modules: ["dashboards"],
  },
  {
    name: "experiments",
    term: "experiments",
    description: "Experiments: which offer, signal stack, ICP segment or copy variant wins, and how sure we are",
    modules: ["experiments"],
  },
  {
    name: "report",
    term: "report [options]",
    description: "Which arm wins and how sure we are: per experiment, or an offer by signal, ICP, variant, step or account",
    modules: ["report"],
  },
  {
    name: "dashboard",
    term: "dashboard [options]",
    description: "Open the web dashboard (overview, campaigns, leads, people, replies, accounts, live activity) on this database",
    modules: ["dashboard"],
  },
  {
    name: "tools",
    term: "tools",
    description: "Provider tools",
    modules: ["dashboards", "tools"],
  },
  {
    name: "discover",
    term: "discover",
    description: "Find companies that fit an offer's ICP, and the buyers at them",
    modules: ["discover"],
  },
  {
    name: "enrich",
    term: "enrich",
    description: "Enrich an offer's contacts",
    modules: ["enrich"],
  },
  {
    name: "scrape",
    term: "scrape [options]",
    description:
      "Scrape the sites of the offer's qualified companies (Firecrawl) into personalisation variables: {{signals.website.headline}}, {{signals.website.summary}}, {{signals.website.hiring}}",
    modules: ["scrape"],
  },
  {
    name: "import",
    term: "import",
    description: "Import companies or contacts from a CSV file into an offer",
    modules: ["import"],
  },
  {
    name: "export",
    term: "export",
    description: "Export leads, companies or contacts as CSV (or JSON)",
    modules: ["export"],
  },
  {
    name: "cron",
    term: "cron",
    description: "The runner: send due steps, apply events, keep the books (once, or as a daemon)",
    modules: ["cron"],
  },
  {
    name: "webhooks",
    term: "webhooks",
    description: "The webhook server: replies, accepted invitations, opens, bounces, account changes",
    modules: ["webhooks"],
  },
  {
    name: "serve",
    term: "serve [options]",
    description:
      "Run the cron daemon, the webhook server and the web dashboard in one process, on one database (what the embedded database needs)",
    modules: ["serve"],
  },
  {
    name: "demo",
    term: "demo [options]",
    description:
      "Run the whole product on the sandbox: offer → copy → discovery → campaign → weeks of sends and replies, in under a minute",
    modules: ["demo"],
  },
  {
    name: "journal",
    term: "journal",
    description: "The sandbox's journal of provider requests (written where OFFERLAB_SANDBOX_JOURNAL says)",
    modules: ["journal"],
  },
  {
    name: "completion",
    term: "completion [options] <shell>",
    description: "Print a shell completion script: offerlab completion bash|zsh|fish",
    modules: ["completion"],
  },
];
