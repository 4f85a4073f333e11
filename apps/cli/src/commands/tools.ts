/**
 * `offerlab tools list | refresh | limits` (beside `tools usage`, in dashboards.ts): the vendors'
 * credit balances, the low-credit alert, and the tools' own rate limits.
 *
 * - `list` reads `tools`: credits left (or "unknown": nothing reported a balance), when they
 *   reset, the calls taken in this minute and today against `rate_limit_per_minute` / `_per_day`,
 *   and the alert the cron logs (`checkProviderCredits`): credits at or below the threshold.
 * - `refresh` asks every configured vendor that has a free balance endpoint (LeadMagic, Firecrawl,
 *   TheirStack) for its balance; the calls go through the usage recorder like any other, which
 *   writes `credits_remaining` / `credits_reset_at`. Sumble reports its balance on every answer
 *   (no endpoint of its own); Exa, Parallel and Unipile expose none, so theirs stays unknown.
 * - `limits` sets a tool's own rate limits (operation `setToolRateLimits`).
 */
import { judgingClock, toolRateLimits, tools, type Db } from "@offerlab/db";
import { DEFAULT_CREDIT_ALERT_THRESHOLD } from "@offerlab/cron";
import { setToolRateLimits } from "@offerlab/operations";
import { createUsageRecorder } from "@offerlab/pipeline";
import { readsCreditBalance } from "@offerlab/provider-kit";
import { checkProviderCredits } from "@offerlab/scheduler";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { addSandboxOptions, createCliProviders } from "../providers.js";
import { VENDOR_LIST } from "../vendors.js";
import { examples, intFlag, when, withDb, withOperation } from "./product-helpers.js";

/** The env var of the low-credit threshold, shared with the cron runner. */
export const CREDIT_ALERT_THRESHOLD_ENV = "OFFERLAB_CREDIT_ALERT_THRESHOLD";
const MAX_LIMIT = 1_000_000_000;

export interface ToolRow {
  tool: string;
  type: string;
  status: string;
  /** Null: no balance reported yet (or the vendor exposes none); shown as "unknown". */
  credits_remaining: number | null;
  credits_reset_at: Date | null;
  rate_limit_per_minute: number | null;
  rate_limit_per_day: number | null;
  calls_this_minute: number;
  calls_today: number;
  /** `low_credits` (at or below the threshold), `error` (the tool's status), or null. */
  alert: "low_credits" | "error" | null;
}

/** Every tool with its balance, limits, this window's calls and its alert. */
export async function toolRows(db: Db, options: { threshold: number; now: Date }): Promise<ToolRow[]> {
  const [all, used, alerts] = await Promise.all([
    tools.list(db),
    toolRateLimits.usage(db, options.now),
    checkProviderCredits(db, { threshold: options.threshold }),
  ]);
  const alerted = new Map(alerts.map((a) => [a.tool, a]));
  return all.map((t) => {
    const a = alerted.get(t.name);
    const low = a?.creditsRemaining !== null && a?.creditsRemaining !== undefined && a.creditsRemaining <= options.threshold;
    return {
      tool: t.name,
      type: t.type,
      status: t.status ?? "active",
      credits_remaining: t.credits_remaining,
      credits_reset_at: t.credits_reset_at,
      rate_limit_per_minute: t.rate_limit_per_minute,
      rate_limit_per_day: t.rate_limit_per_day,
      calls_this_minute: used.get(t.name)?.minute ?? 0,
      calls_today: used.get(t.name)?.day ?? 0,
      alert: low ? "low_credits" : a ? "error" : null,
    };
  });
}

function thresholdOf(io: Io, flag: string | undefined): number {
  const fromFlag = intFlag("--threshold", flag, 0, MAX_LIMIT);
  if (fromFlag !== undefined) return fromFlag;
  const env = io.env[CREDIT_ALERT_THRESHOLD_ENV];
  return intFlag(CREDIT_ALERT_THRESHOLD_ENV, env?.trim() ? env : undefined, 0, MAX_LIMIT) ?? DEFAULT_CREDIT_ALERT_THRESHOLD;
}

/** `<n>` calls, or `none` to remove the limit; undefined when the flag is absent. */
function limitFlag(flag: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === "none") return null;
  return intFlag(flag, value, 1, MAX_LIMIT);
}

const limitCell = (used: number, limit: number | null) => (limit === null ? `${used} (no limit)` : `${used}/${limit}`);

export function registerToolsCommands(program: Command, io: Io): void {
  // `tools usage` is registered with the dashboards; the group is shared.
  const cmd = program.commands.find((c) => c.name() === "tools") ?? program.command("tools").description("Provider tools");

  cmd
    .command("list")
    .description("Each tool's credits left (unknown until a vendor reports them), reset date, rate limits and low-credit alert")
    .option(
      "--threshold <credits>",
      `alert at or below this many credits (default: ${CREDIT_ALERT_THRESHOLD_ENV}, else ${DEFAULT_CREDIT_ALERT_THRESHOLD})`,
    )
    .option("--json", "print rows as JSON")
    .addHelpText(
      "after",
      `\nThis minute's and today's calls are counted at "now"; on sandbox data (--sandbox) that is the data's clock
(where its simulation stopped), as in \`offerlab why\`.
${examples(["offerlab tools list", "offerlab tools list --threshold 500 --json"])}`,
    )
    .action(async (o: { threshold?: string; json?: boolean }) => {
      const threshold = thresholdOf(io, o.threshold);
      // Sandbox data's usage was recorded on its simulated clock: its windows are read on that clock.
      const rows = await withDb(io, async (db) =>
        toolRows(db, { threshold, now: (await judgingClock(db, { now: new Date(), dataClock: "sandbox" })).at }),
      );
      if (o.json) {
        io.stdout(json(rows));
        return;
      }
      io.stdout(
        table(
          rows.map((r) => ({
            tool: r.tool,
            status: r.status,
            credits: r.credits_remaining === null ? "unknown" : String(r.credits_remaining),
            resets: r.credits_reset_at ? when(r.credits_reset_at) : "-",
            minute: limitCell(r.calls_this_minute, r.rate_limit_per_minute),
            day: limitCell(r.calls_today, r.rate_limit_per_day),
            alert: r.alert === "low_credits" ? `LOW (<= ${threshold})` : (r.alert ?? ""),
          })),
          [
            { key: "tool" },
            { key: "status" },
            { key: "credits" },
            { key: "resets", drop: 2 },
            { key: "minute", title: "this minute", drop: 1 },
            { key: "day", title: "today (UTC)" },
            { key: "alert" },
          ],
          io,
        ),
      );
      const low = rows.filter((r) => r.alert === "low_credits").map((r) => r.tool);
      if (low.length) io.stderr(`offerlab: low credits: ${low.join(", ")} (at or below ${threshold})\n`);
    });

  addSandboxOptions(
    cmd
      .command("refresh")
      .description(
        "Ask each configured vendor with a free balance endpoint (LeadMagic, Firecrawl, TheirStack) for its credits and record them; " +
          "Sumble reports its balance with every answer, Exa, Parallel and Unipile expose none",
      )
      .option("--json", "print one row per vendor as JSON")
      .addHelpText("after", examples(["offerlab tools refresh", "offerlab tools refresh --sandbox --json"])),
    { start: false },
  ).action(async (o: { sandbox?: boolean; sandboxSeed?: string; json?: boolean }) => {
    const rows = await withDb(io, async (db) => {
      const usage = createUsageRecorder(db, {
        sandbox: io.sandbox === true,
        onError: (error, event) =>
          io.stderr(
            `offerlab: warning: could not record the balance of ${event.tool}: ${error instanceof Error ? error.message : String(error)}\n`,
          ),
      });
      const providers = await createCliProviders(io, { sandbox: o.sandbox, seed: o.sandboxSeed, onUsage: usage.onUsage, gate: usage.gate });
      const out: { vendor: string; result: string; credits_remaining: number | null; credits_reset_at: string | null }[] = [];
      for (const d of VENDOR_LIST) {
        const row = { vendor: d.name, credits_remaining: null, credits_reset_at: null };
        if (!providers.has(d.name)) {
          out.push({ ...row, result: "not configured" });
          continue;
        }
        const adapter: unknown = providers.get(d.name);
        if (!readsCreditBalance(adapter)) {
          out.push({ ...row, result: "no balance endpoint" });
          continue;
        }
        try {
          const b = await adapter.getCreditBalance();
          out.push({ vendor: d.name, result: "refreshed", credits_remaining: b.remaining, credits_reset_at: b.resetAt ?? null });
        } catch (error) {
          out.push({ ...row, result: `failed: ${error instanceof Error ? error.message : String(error)}` });
        }
      }
      return out;
    });
    if (o.json) io.stdout(json(rows));
    else
      io.stdout(
        table(
          rows.map((r) => ({
            ...r,
            credits: r.credits_remaining === null ? "" : String(r.credits_remaining),
            resets: r.credits_reset_at ?? "",
          })),
          [{ key: "vendor" }, { key: "result", max: 80 }, { key: "credits" }, { key: "resets" }],
          io,
        ),
      );
    const failed = rows.filter((r) => r.result.startsWith("failed")).map((r) => r.vendor);
    if (failed.length) throw new CliError(`could not read the balance of ${failed.join(", ")} (see above)`, EXIT.failure);
  });

  cmd
    .command("limits")
    .description(
      "Set a tool's own rate limits, shared by every process on the database: a call beyond the minute's limit waits for the next minute (up to 65 s), " +
        "one beyond the day's fails with a rate_limited error",
    )
    .argument("<tool>", "the tool's name, as `offerlab tools list` shows it")
    .option("--per-minute <n>", "calls per UTC minute, or none to remove the limit")
    .option("--per-day <n>", "calls per UTC day, or none to remove the limit")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(["offerlab tools limits leadmagic --per-minute 60 --per-day 2000", "offerlab tools limits exa --per-day none"]),
    )
    .action(async (tool: string, o: { perMinute?: string; perDay?: string; json?: boolean }) => {
      const perMinute = limitFlag("--per-minute", o.perMinute);
      const perDay = limitFlag("--per-day", o.perDay);
      if (perMinute === undefined && perDay === undefined) {
        throw new CliError("give --per-minute <n|none> and/or --per-day <n|none>", EXIT.usage);
      }
      const result = await withOperation(io, (ctx) =>
        setToolRateLimits(ctx, {
          tool,
          ...(perMinute !== undefined ? { perMinute } : {}),
          ...(perDay !== undefined ? { perDay } : {}),
        }),
      );
      if (o.json) {
        io.stdout(json(result));
        return;
      }
      const show = (n: number | null) => (n === null ? "none" : String(n));
      io.stdout(
        `${result.tool.name}: per minute ${show(result.previous.perMinute)} → ${show(result.tool.rate_limit_per_minute)}, ` +
          `per day ${show(result.previous.perDay)} → ${show(result.tool.rate_limit_per_day)}\n`,
      );
    });
}
