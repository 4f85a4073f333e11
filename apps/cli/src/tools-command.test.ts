import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";

async function runCli(args: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: os.tmpdir() };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

type Row = { tool: string; credits_remaining: number | null; credits_reset_at: string | null; alert: string | null } & Record<
  string,
  unknown
>;
const byTool = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.tool, r]));

describe("offerlab tools", () => {
  it("list shows unknown balances and no alert before any vendor reported one", async () => {
    const env = { OFFERLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-tools-")) };
    const listed = await runCli(["tools", "list", "--json", "--threshold", "1000000"], env);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Row[];
    expect(rows.map((r) => r.tool)).toContain("leadmagic");
    // Unknown is not zero: an unknown balance never raises the low-credit alert.
    expect(rows.every((r) => r.credits_remaining === null && r.alert === null)).toBe(true);
    const text = await runCli(["tools", "list"], env);
    expect(text.stdout).toMatch(/leadmagic\s+active\s+unknown/);
    expect(text.stderr).not.toContain("low credits");
  }, 120_000);

  it("refresh records the balances the vendors report (sandbox), and the low-credit alert fires on them only", async () => {
    const env = { OFFERLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-tools-")), OFFERLAB_SANDBOX: "1" };
    const refreshed = await runCli(["tools", "refresh", "--json"], env);
    expect(refreshed.code).toBe(0);
    const results = Object.fromEntries((JSON.parse(refreshed.stdout) as { vendor: string; result: string }[]).map((r) => [r.vendor, r]));
    expect(results.leadmagic).toMatchObject({ result: "refreshed" });
    expect(results.firecrawl).toMatchObject({ result: "refreshed" });
    expect(results.theirstack).toMatchObject({ result: "refreshed" });
    expect(results.exa).toMatchObject({ result: "no balance endpoint", credits_remaining: null });
    expect(results.parallel).toMatchObject({ result: "no balance endpoint" });

    const rows = byTool(JSON.parse((await runCli(["tools", "list", "--json"], env)).stdout) as Row[]);
    expect(rows.leadmagic!.credits_remaining).toBe((results.leadmagic as unknown as { credits_remaining: number }).credits_remaining);
    expect(rows.leadmagic!.credits_remaining).toBeGreaterThan(0);
    expect(rows.firecrawl!.credits_reset_at).not.toBeNull();
    expect(rows.theirstack!.credits_remaining).toBeGreaterThan(0);
    expect(rows.exa!.credits_remaining).toBeNull();
    // Default threshold (100): the sandbox's balances are above it.
    expect(Object.values(rows).filter((r) => r.alert !== null)).toEqual([]);

    // A threshold above the balances: the alert fires for the tools with a known balance, never for an unknown one.
    const high = await runCli(["tools", "list", "--json"], { ...env, OFFERLAB_CREDIT_ALERT_THRESHOLD: "100000000" });
    const alerted = byTool(JSON.parse(high.stdout) as Row[]);
    expect(alerted.leadmagic!.alert).toBe("low_credits");
    expect(alerted.firecrawl!.alert).toBe("low_credits");
    expect(alerted.theirstack!.alert).toBe("low_credits");
    expect(alerted.exa!.alert).toBeNull();
    expect(alerted.parallel_companies!.alert).toBeNull();
    const text = await runCli(["tools", "list", "--threshold", "100000000"], env);
    expect(text.stderr).toMatch(/low credits: .*leadmagic/);
    expect(text.stderr).not.toMatch(/low credits: .*exa/);
  }, 120_000);

  it("limits sets, keeps and removes a tool's rate limits; bad input exits 2 naming the field and changes nothing", async () => {
    const env = { OFFERLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-tools-")) };
    const set = await runCli(["tools", "limits", "leadmagic", "--per-minute", "60", "--per-day", "2000", "--json"], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      previous: { perMinute: null, perDay: null },
      tool: { name: "leadmagic", rate_limit_per_minute: 60, rate_limit_per_day: 2000 },
    });
    const keep = await runCli(["tools", "limits", "leadmagic", "--per-day", "none"], env);
    expect(keep.stdout).toContain("leadmagic: per minute 60 → 60, per day 2000 → none");

    const zero = await runCli(["tools", "limits", "leadmagic", "--per-minute", "0"], env);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--per-minute: must be a whole number from 1");
    const unknown = await runCli(["tools", "limits", "nope", "--per-minute", "5"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown tool "nope"');
    const none = await runCli(["tools", "limits", "leadmagic"], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--per-minute <n|none> and/or --per-day <n|none>");
    const rows = byTool(JSON.parse((await runCli(["tools", "list", "--json"], env)).stdout) as Row[]);
    expect(rows.leadmagic).toMatchObject({ rate_limit_per_minute: 60, rate_limit_per_day: null });
  }, 120_000);

  it("a call past the tool's daily limit is refused before it reaches the vendor, with a clear error", async () => {
    const env = { OFFERLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-tools-")), OFFERLAB_SANDBOX: "1" };
    expect((await runCli(["tools", "limits", "leadmagic", "--per-day", "1"], env)).code).toBe(0);
    expect((await runCli(["tools", "refresh", "--json"], env)).code).toBe(0);
    const second = await runCli(["tools", "refresh", "--json"], env);
    expect(second.code).toBe(1);
    const leadmagic = (JSON.parse(second.stdout) as { vendor: string; result: string }[]).find((r) => r.vendor === "leadmagic");
    expect(leadmagic?.result).toMatch(/leadmagic used up its limit of 1 calls per day \(tools\.rate_limit_per_day\)/);
    expect(second.stderr).toContain("could not read the balance of leadmagic");
    const rows = byTool(JSON.parse((await runCli(["tools", "list", "--json"], env)).stdout) as Row[]);
    expect(rows.leadmagic).toMatchObject({ calls_today: 1, rate_limit_per_day: 1 });
  }, 120_000);
});
