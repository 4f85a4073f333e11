import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { CliError, EXIT, json, type Io } from "../output.js";
import { examples } from "./product-helpers.js";
import { vendorEnvExample } from "../vendors.js";

const ENV_EXAMPLE = `# offerlab configuration. Copy to .env (or set these in your platform) and fill in what you use.
# Nothing here is required to try offerlab: without DATABASE_URL the embedded database is used,
# and --sandbox (or OFFERLAB_SANDBOX=1) simulates every provider and the LLM, in the sandbox's own
# database (./.offerlab-sandbox): sandbox data never mixes with live data.

# --- Database -----------------------------------------------------------------------------------
# PostgreSQL / Supabase (direct :5432 or transaction pooler :6543). Unset: embedded PGlite.
DATABASE_URL=
# Where the embedded database lives (default ./.offerlab, ./.offerlab-sandbox for sandbox runs;
# memory:// for a throwaway one). One process at a time: run cron and webhooks with \`offerlab serve\`.
OFFERLAB_DATA_DIR=

# --- Copy generation (offers new) ---------------------------------------------------------------
# anthropic:<model> (with ANTHROPIC_API_KEY) or openai:<model> (with OPENAI_API_KEY).
OFFERLAB_LLM=anthropic:claude-sonnet-4-5
ANTHROPIC_API_KEY=
OPENAI_API_KEY=

${vendorEnvExample()}

# --- Sandbox: a simulated world instead of real providers (never switched on implicitly) --------
# 1 or true to simulate every provider and the LLM.
OFFERLAB_SANDBOX=
# Seed of the simulated world and of every random draw (default "offerlab"; --seed wins).
OFFERLAB_SANDBOX_SEED=
# Simulated time one-shot sandbox commands run at: YYYY-MM-DD (08:00 UTC), an ISO time with its
# offset, or today (default 2026-03-02; --start wins).
OFFERLAB_SANDBOX_START=
# JSONL file recording every simulated provider request.
OFFERLAB_SANDBOX_JOURNAL=

# --- Cron runner (offerlab-cron) ----------------------------------------------------------------
# When the daemon ticks: a cron expression (default every minute).
OFFERLAB_CRON_SCHEDULE="* * * * *"
# Pending LinkedIn invitations older than this many days are withdrawn (default 21).
OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS=21

# --- Webhook server (offerlab-webhooks) ---------------------------------------------------------
# Shared secret Unipile sends in a header: at least 32 characters (openssl rand -hex 32).
OFFERLAB_WEBHOOK_SECRET=
# The header carrying it (default x-offerlab-webhook-secret).
OFFERLAB_WEBHOOK_SECRET_HEADER=
# Largest request body accepted, in bytes (default 262144).
OFFERLAB_WEBHOOK_MAX_BODY=
PORT=8787
# Log level (default info) and human-readable logs instead of JSON lines (1).
OFFERLAB_LOG_LEVEL=
OFFERLAB_LOG_PRETTY=
`;

const OFFER_EXAMPLE = `# An offer: \`offerlab offers new --file offer.yaml\` generates its positioning, ICP and copy
# (or \`offerlab offers create --file offer.yaml\` stores it as written).
name: AI Sales Coach
type: product            # product | service
ownership: internal      # internal | client (then also client_name)
description: >
  Real-time AI role-play for B2B SaaS sales teams: new reps practise discovery and objection
  handling against a simulated buyer before their first live call.
problem_solved: New sales reps take six months or more to hit quota.
value_proposition: Cut ramp time in half without taking managers' time.
price_range: mid
`;

const CAMPAIGN_EXAMPLE = `# A campaign: \`offerlab campaigns create --file campaign.yaml\` (flags override these keys).
# Its slug is built as {type}-{offer}-{channel}-{signal}-{icp}-{account}.
offer: ai-sales-coach                 # the offer's slug or id
name: Hiring SDRs, SaaS 20-200
channel: multi                        # email | linkedin | multi
campaign_type: cold_outreach          # cold_outreach | networking
accounts:                             # sending accounts by name, email or id (offerlab accounts list)
  - jane_linkedin
  - jane@example.com
signal: hiring                        # the primary signal targeted
icp_target: saas-20-200               # the ICP segment targeted
target_criteria:                      # who \`offerlab campaigns add-contacts\` enrols
  company_status: [new, qualified]
  contact_status: [ready, enriched]
  min_fit_score: 7
  exclude_1st_degree: true
scheduling_config:                    # omit for the channel's default
  steps:
    - { step: 1, type: connection_request, delay_days: 0 }
    - { step: 2, type: linkedin_dm, delay_days: 3, condition: connected }
    - { step: 3, type: email, delay_days: 5, condition: no_reply }
  stop_on_reply: true
  max_touches: 3
send_window_start: "09:00"
send_window_end: "17:00"
send_days: [1, 2, 3, 4, 5]            # ISO weekdays, 1 = Monday
timezone: America/New_York
`;

/** The files `init` writes, relative to the target directory. */
export const INIT_FILES = [
  { file: ".env.example", text: ENV_EXAMPLE, what: "every environment variable offerlab reads, commented" },
  { file: "offer.yaml", text: OFFER_EXAMPLE, what: "an example offer for `offerlab offers new --file offer.yaml`" },
  { file: "campaign.yaml", text: CAMPAIGN_EXAMPLE, what: "an example campaign for `offerlab campaigns create --file campaign.yaml`" },
] as const;

/** `offerlab init`: writes an example configuration to start from. */
export function registerInitCommand(program: Command, io: Io): void {
  program
    .command("init")
    .description("Write an example configuration: .env.example, offer.yaml and campaign.yaml")
    .argument("[dir]", "where to write them (default: the current directory)")
    .option("--force", "overwrite files that already exist")
    .option("--json", "print what was written as JSON")
    .addHelpText(
      "after",
      `
Existing files are never overwritten without --force: when any exists, nothing is written.
${examples(["offerlab init", "offerlab init my-outbound && cd my-outbound && cp .env.example .env"])}`,
    )
    .action((dir: string | undefined, o: { force?: boolean; json?: boolean }) => {
      const target = path.resolve(io.cwd, dir ?? ".");
      if (fs.existsSync(target) && !fs.statSync(target).isDirectory())
        throw new CliError(`[dir]: ${target} exists and is not a directory`, EXIT.usage);
      const existing = INIT_FILES.filter((f) => fs.existsSync(path.join(target, f.file))).map((f) => f.file);
      if (existing.length && !o.force) {
        throw new CliError(
          `${existing.join(", ")} already exist(s) in ${target}; nothing was written. Pass --force to overwrite.`,
          EXIT.usage,
        );
      }
      try {
        fs.mkdirSync(target, { recursive: true });
        for (const f of INIT_FILES) fs.writeFileSync(path.join(target, f.file), f.text);
      } catch (error) {
        throw new CliError(`cannot write to ${target}: ${(error as Error).message}`, EXIT.failure);
      }
      const written = INIT_FILES.map((f) => ({ file: path.join(target, f.file), what: f.what, overwritten: existing.includes(f.file) }));
      if (o.json) {
        io.stdout(json({ directory: target, written }));
        return;
      }
      for (const w of written) io.stdout(`${w.overwritten ? "Overwrote" : "Wrote"} ${w.file}: ${w.what}\n`);
      io.stdout(
        [
          "",
          "Next:",
          "  cp .env.example .env          # then fill in what you use (or try everything with --sandbox)",
          "  offerlab offers new --file offer.yaml",
          "  offerlab accounts sync        # or: offerlab accounts add …",
          "  offerlab campaigns create --file campaign.yaml",
          "",
        ].join("\n"),
      );
    });
}
