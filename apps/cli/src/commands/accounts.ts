import { AccountStatus, AccountType, RotationSet } from "@offerlab/core";
import { judgingClock, MAX_ACCOUNT_JITTER_MINUTES, type Account, type AccountLimitsPatch } from "@offerlab/db";
import { addAccount, pauseAccount, resumeAccount, setAccountLimits, syncAccounts, warmAccount } from "@offerlab/operations";
import { createUsageRecorder } from "@offerlab/pipeline";
import {
  DEFAULT_MAX_JITTER_MINUTES,
  DEFAULT_WARMING_RAMP,
  effectiveLimits,
  readAccountCapacity,
  warmingFactor,
  type AccountCapacity,
} from "@offerlab/scheduler";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { canSendText, heldBackText } from "./capacity-text.js";
import { addSandboxOptions, createCliProviders } from "../providers.js";
import { enumFlag, examples, fields, intFlag, when, withDb, withOperation } from "./product-helpers.js";

const LIMIT_FLAGS = [
  ["connections", "daily_limit_connections", "LinkedIn invitations a day"],
  ["messages", "daily_limit_messages", "LinkedIn messages (and InMails) a day"],
  ["emails", "daily_limit_emails", "emails a day"],
  ["hourly", "hourly_limit", "actions an hour, every kind together"],
] as const;

/** The account's rest between two sends, as `accounts limits` prints it. */
function gapText(a: { send_gap_min_seconds: number | null; send_gap_variance_seconds: number | null }): string {
  const text = `${a.send_gap_min_seconds ?? 90} s + up to ${a.send_gap_variance_seconds ?? 210} s`;
  return a.send_gap_min_seconds === null && a.send_gap_variance_seconds === null ? `${text} (default)` : text;
}

/** The planner's largest random delay added to the account's send times, as `accounts limits` prints it. */
function jitterText(a: { send_jitter_minutes: number | null }): string {
  return a.send_jitter_minutes === null ? `up to ${DEFAULT_MAX_JITTER_MINUTES} min (default)` : `up to ${a.send_jitter_minutes} min`;
}

function limitsFromFlags(o: Record<string, string | undefined>): AccountLimitsPatch {
  const out: AccountLimitsPatch = {};
  for (const [flag, column] of LIMIT_FLAGS) {
    const v = intFlag(`--${flag}`, o[flag], 0, 10_000);
    if (v !== undefined) out[column] = v;
  }
  return out;
}

/**
 * An account's limits today (ramped while warming; null where its type cannot act), what it used
 * this UTC day and hour, and whether the send path would send from it now (why not, until when):
 * the scheduler's account standing, exactly as `offerlab capacity` shows it.
 */
function describeAccount({ account: a, standing: s }: AccountCapacity) {
  const { connection_request: inv, message: msg, email } = s.actions;
  return {
    ...a,
    effective_limits: {
      connection_request: inv?.limit ?? null,
      message: msg?.limit ?? null,
      inmail: msg?.limit ?? null,
      email: email?.limit ?? null,
      hourly: s.hour.limit,
    },
    used_today: { connection_request: inv?.used ?? null, message: msg?.used ?? null, email: email?.used ?? null, this_hour: s.hour.used },
    can_send: s.canSend,
    held_back: heldBackText(s),
    reason: s.reason,
    until: s.until,
  };
}

type Limits = { connection_request: number | null; message: number | null; email: number | null; hourly: number };

function limitsText(a: Pick<Account, "type">, l: Limits): string {
  return a.type === "linkedin" ? `${l.connection_request} inv, ${l.message} msg, ${l.hourly}/h` : `${l.email} email, ${l.hourly}/h`;
}

function rampText(a: Account): string {
  const rows = DEFAULT_WARMING_RAMP.map((f, i) => {
    const l = effectiveLimits({ ...a, warming_week: i + 1 });
    return `  week ${i + 1} (${Math.round(f * 100)}%): ${limitsText(a, l)}${a.warming_week === i + 1 ? "   ← now" : ""}`;
  });
  const full = effectiveLimits({ ...a, warming_week: 0 });
  return `${rows.join("\n")}\n  then (100%):   ${limitsText(a, full)}${a.warming_week === 0 ? "   ← now" : ""}\n`;
}

/** `offerlab accounts …`: the LinkedIn and email accounts campaigns send from. */
export function registerAccountCommands(program: Command, io: Io): void {
  const cmd = program.command("accounts").description("Sending accounts: add, list, pause, resume, limits, warming, sync from Unipile");

  const add = cmd
    .command("add")
    .description("Add a LinkedIn or email sending account")
    .requiredOption("--name <name>", "a name to recognise it, e.g. jane_linkedin or sales@acme.com")
    .requiredOption("--type <type>", `${AccountType.options.join(" | ")}`)
    .requiredOption("--owner <owner>", "who the account belongs to, e.g. jane")
    .option("--email <address>", "the mailbox address (required for an email account)")
    .option("--linkedin-url <url>", "the LinkedIn profile of a LinkedIn account")
    .option("--unipile-id <id>", "the account's id at Unipile (what sends through it); `accounts sync` fills it")
    .option("--provider <provider>", "gmail, outlook, imap or linkedin")
    .option("--rotation-set <set>", `${RotationSet.options.join(" | ")} (burner accounts are only used when a campaign asks)`);
  for (const [flag, , what] of LIMIT_FLAGS)
    add.option(`--${flag} <n>`, `${what} (defaults: invitations 20, messages 40, emails 100, hourly 10)`);
  add
    .option("--warm", "start warming: limits ramp 25% → 50% → 75% → 100% over four weeks")
    .option("--json", "print the account as JSON")
    .addHelpText(
      "after",
      examples([
        "offerlab accounts add --name jane_linkedin --type linkedin --owner jane --unipile-id kzAxdybMQ7ipVxK1U6kwZw --warm",
        "offerlab accounts add --name sales@acme.com --type email --owner jane --email sales@acme.com --emails 50 --hourly 8",
      ]),
    )
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const s = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
      const type = enumFlag("--type", s("type"), AccountType.options);
      const rotation = enumFlag("--rotation-set", s("rotationSet"), RotationSet.options);
      const limits = limitsFromFlags(o as Record<string, string | undefined>);
      const account = await withOperation(io, (ctx) =>
        addAccount(ctx, {
          name: s("name"),
          type,
          owner: s("owner"),
          email_address: s("email") ?? null,
          linkedin_url: s("linkedinUrl") ?? null,
          unipile_account_id: s("unipileId") ?? null,
          provider: s("provider") ?? null,
          rotation_set: rotation ?? null,
          limits,
          warm: o.warm === true,
        }),
      );
      if (o.json) {
        io.stdout(json(account));
        return;
      }
      io.stdout(
        `Added ${account.type} account ${account.name} (${account.id}): ${limitsText(account, effectiveLimits(account))} today${account.warming_week ? `, warming week ${account.warming_week}` : ""}.\n`,
      );
      if (!account.unipile_account_id)
        io.stdout(
          "It cannot send until it is linked to Unipile: pass --unipile-id, or connect it at Unipile and run `offerlab accounts sync`.\n",
        );
    });

  cmd
    .command("list")
    .description("List accounts with their limits today (ramped while warming), what they used, and whether they can send")
    .option("--type <type>", `only ${AccountType.options.join(" or ")} accounts`)
    .option("--status <status>", `only accounts with this status (${AccountStatus.options.join(", ")})`)
    .option("--json", "print the accounts as JSON")
    .addHelpText(
      "after",
      `\nUsage and rests are counted at "now"; on sandbox data (--sandbox) that is the data's clock (where its
simulation stopped), as in \`offerlab why\`.
${examples(["offerlab accounts list", "offerlab accounts list --type email --json"])}`,
    )
    .action(async (o: { type?: string; status?: string; json?: boolean }) => {
      const type = enumFlag("--type", o.type, AccountType.options);
      const status = enumFlag("--status", o.status, AccountStatus.options);
      const rows = await withDb(io, async (db) => {
        // Sandbox data's usage and rests were recorded on its simulated clock: judged on that clock.
        const now = (await judgingClock(db, { now: new Date(), dataClock: "sandbox" })).at;
        return (await readAccountCapacity(db, { now, ...(type ? { type } : {}), ...(status ? { status } : {}) })).map(describeAccount);
      });
      if (o.json) {
        io.stdout(json(rows));
        return;
      }
      if (rows.length === 0) {
        io.stdout("No accounts yet. Add one with `offerlab accounts add` or import them with `offerlab accounts sync`.\n");
        return;
      }
      io.stdout(
        table(
          rows.map((r) => ({
            id: r.id.slice(0, 8),
            name: r.name,
            type: r.type,
            owner: r.owner,
            status: r.status,
            health: r.health_score,
            warming: r.warming_week ? `week ${r.warming_week}/4` : "",
            limits: limitsText(r, r.effective_limits),
            used:
              r.type === "linkedin" ? `${r.used_today.connection_request} inv, ${r.used_today.message} msg` : `${r.used_today.email} email`,
            send: canSendText({ canSend: r.can_send, reason: r.reason, until: r.until }),
          })),
          [
            { key: "id" },
            { key: "name", max: 28 },
            { key: "type" },
            { key: "owner", max: 12, drop: 1 },
            { key: "status" },
            { key: "health", drop: 3 },
            { key: "warming", drop: 2 },
            { key: "limits", title: "limits today" },
            { key: "used", title: "used today" },
            { key: "send", title: "can send", max: 50 },
          ],
          io,
        ),
      );
    });

  for (const [name, status, operation, description] of [
    ["pause", "paused", pauseAccount, "Pause an account: it sends nothing until resumed (its queued sends wait)"],
    [
      "resume",
      "active",
      resumeAccount,
      "Resume a paused, limited or warming account; a disconnected or banned one must be re-connected at Unipile and synced",
    ],
  ] as const) {
    cmd
      .command(name)
      .description(description)
      .argument("<account>", "the account's id, name, email address or Unipile id")
      .option("--json", "print the account as JSON")
      .addHelpText("after", examples([`offerlab accounts ${name} jane_linkedin`]))
      .action(async (ref: string, o: { json?: boolean }) => {
        const result = await withOperation(io, (ctx) => operation(ctx, { account: ref }));
        if (o.json) {
          io.stdout(json(result));
          return;
        }
        io.stdout(
          result.previous === status
            ? `Account ${result.account.name} is already ${status}.\n`
            : `Account ${result.account.name}: ${result.previous} → ${result.account.status}.\n`,
        );
      });
  }

  const limits = cmd
    .command("limits")
    .description("Show an account's limits, or change them")
    .argument("<account>", "the account's id, name, email address or Unipile id");
  for (const [flag, , what] of LIMIT_FLAGS) limits.option(`--${flag} <n>`, `${what} (0–10000)`);
  limits
    .option("--gap <seconds>", "rest after each send, in seconds (0–86400), or `default` (the runner's 90 s)")
    .option("--gap-variance <seconds>", "random extra rest after each send, up to this many seconds (0–86400), or `default` (210 s)")
    .option(
      "--jitter <minutes>",
      "random delay the planner adds to each send time, up to this many minutes (0–1440), or `default` (17 min)",
    )
    .option("--json", "print the account's limits as JSON")
    .addHelpText(
      "after",
      `
Unipile's guidance for a paid LinkedIn account is 80–100 invitations a day (about 200 a week) and
about 100 messages a day; new accounts should start low and ramp up (\`offerlab accounts warm\`).
After each send the account rests --gap seconds plus a random draw up to --gap-variance seconds
(default 90 s + up to 210 s); the runner does not claim its sends while it rests. The planner
queues each step at its due time plus a random delay up to --jitter minutes (default 17), so sends
do not go out in lock-step.
${examples([
  "offerlab accounts limits jane_linkedin",
  "offerlab accounts limits sales@acme.com --emails 60 --hourly 8",
  "offerlab accounts limits jane_linkedin --gap 120 --gap-variance 180",
  "offerlab accounts limits sales@acme.com --jitter 45",
])}`,
    )
    .action(async (ref: string, o: Record<string, string | boolean | undefined>) => {
      const patch = limitsFromFlags(o as Record<string, string | undefined>);
      const gapFlag = (flag: string, v: string | boolean | undefined) =>
        v === "default" ? null : intFlag(flag, typeof v === "string" ? v : undefined, 0, 86_400);
      const gap = gapFlag("--gap", o.gap);
      const variance = gapFlag("--gap-variance", o.gapVariance);
      if (gap !== undefined) patch.send_gap_min_seconds = gap;
      if (variance !== undefined) patch.send_gap_variance_seconds = variance;
      const jitter =
        o.jitter === "default"
          ? null
          : intFlag("--jitter", typeof o.jitter === "string" ? o.jitter : undefined, 0, MAX_ACCOUNT_JITTER_MINUTES);
      if (jitter !== undefined) patch.send_jitter_minutes = jitter;
      const limited = await withOperation(io, (ctx) => setAccountLimits(ctx, { account: ref, limits: patch }));
      const result = { changed: limited.changed, previous: limited.previous, account: describeAccount(limited.capacity) };
      const a = result.account;
      if (o.json) {
        io.stdout(
          json({
            account: a.name,
            id: a.id,
            changed: result.changed,
            configured: {
              daily_limit_connections: a.daily_limit_connections,
              daily_limit_messages: a.daily_limit_messages,
              daily_limit_emails: a.daily_limit_emails,
              hourly_limit: a.hourly_limit,
              send_gap_min_seconds: a.send_gap_min_seconds,
              send_gap_variance_seconds: a.send_gap_variance_seconds,
              send_jitter_minutes: a.send_jitter_minutes,
            },
            warming_week: a.warming_week,
            effective_today: a.effective_limits,
            used_today: a.used_today,
          }),
        );
        return;
      }
      const p = result.previous;
      const show = (k: (typeof LIMIT_FLAGS)[number][1]) => (p && p[k] !== a[k] ? `${p[k]} → ${a[k]}` : String(a[k]));
      io.stdout(
        fields([
          ["account", `${a.name} (${a.type}, ${a.status})`],
          ...(a.type === "linkedin"
            ? ([
                ["invitations a day", show("daily_limit_connections")],
                ["messages a day", show("daily_limit_messages")],
              ] as [string, string][])
            : ([["emails a day", show("daily_limit_emails")]] as [string, string][])),
          ["actions an hour", show("hourly_limit")],
          [
            "rest after a send",
            `${p && (p.send_gap_min_seconds !== a.send_gap_min_seconds || p.send_gap_variance_seconds !== a.send_gap_variance_seconds) ? `${gapText(p)} → ` : ""}${gapText(a)}`,
          ],
          ["send-time jitter", `${p && p.send_jitter_minutes !== a.send_jitter_minutes ? `${jitterText(p)} → ` : ""}${jitterText(a)}`],
          [
            "today",
            `${limitsText(a, a.effective_limits)}${a.warming_week ? ` (warming week ${a.warming_week}: ${Math.round(warmingFactor(a.warming_week) * 100)}%)` : ""}`,
          ],
          [
            "used today",
            a.type === "linkedin" ? `${a.used_today.connection_request} inv, ${a.used_today.message} msg` : `${a.used_today.email} email`,
          ],
        ]),
      );
    });

  cmd
    .command("warm")
    .description("Start warming an account (limits ramp up over four weeks), move it to a week, or stop warming")
    .argument("<account>", "the account's id, name, email address or Unipile id")
    .option("--week <n>", "start at warming week 1–4 (default 1)")
    .option("--stop", "stop warming: full limits from now on")
    .option("--json", "print the account as JSON")
    .addHelpText(
      "after",
      `
A warming account sends with 25%, 50%, 75% then 100% of its limits, a week each; the cron moves it
on every 7 days and ends warming after week 4.
${examples(["offerlab accounts warm jane_linkedin", "offerlab accounts warm jane_linkedin --week 3", "offerlab accounts warm jane_linkedin --stop"])}`,
    )
    .action(async (ref: string, o: { week?: string; stop?: boolean; json?: boolean }) => {
      if (o.stop && o.week !== undefined) throw new CliError("pass --week or --stop, not both", EXIT.usage);
      const week = intFlag("--week", o.week, 1, 4);
      const account = await withOperation(io, (ctx) =>
        warmAccount(ctx, { account: ref, ...(o.stop ? { stop: true } : { week: week ?? 1 }) }),
      );
      if (o.json) {
        io.stdout(json(account));
        return;
      }
      io.stdout(
        o.stop
          ? `Account ${account.name} is no longer warming: full limits.\n`
          : `Account ${account.name} is warming, week ${account.warming_week} (started ${when(account.warming_started_at)}):\n`,
      );
      if (!o.stop) io.stdout(rampText(account));
    });

  addSandboxOptions(
    cmd
      .command("sync")
      .description(
        "Bring accounts in line with Unipile: add new ones, link by email, mark disconnected ones, reconnect the ones that work again",
      ),
  )
    .option("--dry-run", "show what would change, change nothing")
    .option("--no-warm", "do not start new accounts warming (they send at full limits at once)")
    .option("--owner <owner>", "owner of new accounts (default: the mailbox's local part, or the LinkedIn name's first word)")
    .option("--json", "print the changes as JSON")
    .addHelpText(
      "after",
      `
Reads UNIPILE_API_KEY and UNIPILE_DSN (or UNIPILE_BASE_URL). Local names, owners, limits and the
statuses you set (paused, limited) are kept; an account Unipile reports broken or no longer lists
is marked disconnected and sends nothing.
${examples(["offerlab accounts sync --dry-run", "offerlab accounts sync", "offerlab accounts sync --sandbox --json"])}`,
    )
    .action(async (o: { sandbox?: boolean; sandboxSeed?: string; dryRun?: boolean; warm?: boolean; owner?: string; json?: boolean }) => {
      let sandbox = false;
      const { changes } = await withDb(io, async (db) => {
        const usage = createUsageRecorder(db, {
          sandbox: io.sandbox === true,
          onError: (error) => io.stderr(`offerlab: could not record Unipile usage: ${(error as Error).message}\n`),
        });
        const providers = await createCliProviders(io, {
          sandbox: o.sandbox,
          seed: o.sandboxSeed,
          onUsage: usage.onUsage,
          gate: usage.gate,
        });
        sandbox = providers.sandbox;
        // A sandbox run happens at its simulated time (--start): warming starts then.
        const at = providers.world?.clock.now();
        return await syncAccounts(
          { db, directory: providers.get("unipile"), ...(at ? { now: () => at } : {}) },
          { dryRun: o.dryRun === true, warmNew: o.warm !== false, ...(o.owner ? { owner: o.owner } : {}) },
        );
      });
      if (o.json) {
        io.stdout(json({ sandbox, dryRun: o.dryRun === true, changes }));
        return;
      }
      if (changes.length === 0) {
        io.stdout("Unipile lists no account, and no local account is linked to Unipile.\n");
        return;
      }
      io.stdout(
        table(
          changes.map((c) => ({ ...c })),
          [
            { key: "action" },
            { key: "name", max: 30 },
            { key: "type" },
            { key: "remoteId", title: "unipile id" },
            { key: "detail", max: 70 },
          ],
          io,
        ),
      );
      const n = changes.filter((c) => c.action !== "unchanged").length;
      const tag = sandbox ? "[SANDBOX] simulated Unipile accounts. " : "";
      io.stdout(o.dryRun ? `\n${tag}Dry run: ${n} change(s) not applied.\n` : `\n${tag}${n} change(s) applied.\n`);
    });
}
