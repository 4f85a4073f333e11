/**
 * discover, enrich, scrape, import and export as a user runs them: the real binary in a child
 * process, every provider from the sandbox (`--sandbox`; never a real key, never the network).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@offerlab/db";
import { EXPORT_COLUMNS } from "@offerlab/pipeline";
import { SANDBOX_BANNER } from "@offerlab/sandbox";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-pipeline-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function spawnCli(args: string[], env: Record<string, string>, cwd = repoRoot) {
  const res = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the CLI in-process with captured output. */
async function runCli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: tmp };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

const OFFER_YAML = `name: Sandbox Coach
slug: coach
type: product
ownership: internal
description: Role-play for new sales reps
icp:
  company:
    verticals: [saas]
    size_min: 20
    size_max: 500
    signals: [hiring sales reps, using crm]
    disqualifiers: [agency]
  buyer:
    titles: [VP of Sales, Head of Sales, Chief Revenue Officer, Sales Manager]
    departments: [Sales]
    seniority: [VP, C-Level, Manager]
`;

const templates: Partial<Record<"live" | "sandbox", string>> = {};
/**
 * A fresh embedded database with the offer `coach` (with an ICP), live or the sandbox's (whose
 * environment then has OFFERLAB_SANDBOX=1, so every command of a test works in it). The first one
 * of each world is made by the CLI (a new data directory, migrated, the offer created from a
 * file); the others are copies of it, which is what they would be byte for byte, a few seconds
 * sooner each.
 */
function freshData(name: string, world: "live" | "sandbox" = "sandbox"): Record<string, string> {
  const dir = path.join(tmp, name);
  const mode: Record<string, string> = world === "sandbox" ? { OFFERLAB_SANDBOX: "1" } : {};
  if (!templates[world]) {
    const first = path.join(tmp, `template-${world}`);
    fs.writeFileSync(path.join(tmp, "offer.yaml"), OFFER_YAML);
    const created = spawnCli(["offers", "create", "--file", path.join(tmp, "offer.yaml"), "--json"], { OFFERLAB_DATA_DIR: first, ...mode });
    expect(created.code, created.stderr).toBe(0);
    templates[world] = first;
  }
  fs.cpSync(templates[world]!, dir, { recursive: true });
  return { OFFERLAB_DATA_DIR: dir, ...mode };
}

const json = (out: string) => JSON.parse(out) as Record<string, unknown>;

describe("discover, enrich and scrape with --sandbox", () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = freshData("flow");
  });

  it("runs the whole discovery flow, says it is simulated, and never pays twice for the same lookup", () => {
    const companies = spawnCli(["discover", "companies", "--offer", "coach", "--sandbox", "--limit", "8", "--json"], env);
    expect(companies.code).toBe(0);
    expect(companies.stderr).toContain(SANDBOX_BANNER);
    const c = json(companies.stdout);
    expect(c).toMatchObject({ sandbox: true, offer: "coach", step: "discover_companies", status: "completed", errorCount: 0 });
    expect(c.found).toBe(24);
    expect(c.new).toBe(c.unique);
    expect(c.new as number).toBeGreaterThan(0);
    expect(c.duplicates).toBe((c.found as number) - (c.new as number));
    expect(c.creditsSpent as number).toBeGreaterThan(0);

    const people = spawnCli(["discover", "people", "--offer", "coach", "--sandbox", "--max-companies", "4", "--json"], env);
    expect(people.code).toBe(0);
    const p = json(people.stdout);
    expect(p).toMatchObject({ sandbox: true, status: "completed", companies: 4 });
    expect(p.new as number).toBeGreaterThan(0);

    const emails = spawnCli(["enrich", "emails", "--offer", "coach", "--sandbox", "--json"], env);
    expect(emails.code).toBe(0);
    const e = json(emails.stdout);
    expect(e).toMatchObject({ sandbox: true, status: "completed", contacts: p.new });
    const decided = (e.valid as number) + (e.risky as number) + (e.invalid as number) + (e.unknown as number) + (e.notFound as number);
    const skipped = Object.values(e.skipped as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(decided + skipped).toBe(e.contacts);
    expect(e.valid as number).toBeGreaterThan(0);

    const scrape = spawnCli(["scrape", "--offer", "coach", "--sandbox", "--max", "4"], env);
    expect(scrape.code).toBe(0);
    expect(scrape.stderr).toContain(SANDBOX_BANNER);
    expect(scrape.stdout).toMatch(/^Scraped company sites for coach \(SANDBOX: simulated providers\):\n {2}companies 4: updated 4/);

    // A second discovery in a new process reads back every paid answer: nothing new, nothing spent.
    const again = json(spawnCli(["discover", "companies", "--offer", "coach", "--sandbox", "--limit", "8", "--json"], env).stdout);
    expect(again).toMatchObject({ found: 24, new: 0, creditsSpent: 0 });

    // The leads export holds exactly the people the waterfall made reachable, with their site's variables.
    const leads = spawnCli(["export", "leads", "--offer", "coach"], env);
    expect(leads.code).toBe(0);
    const rows = parse(leads.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS.leads]);
    expect(rows).toHaveLength((e.valid as number) + (e.risky as number));
    expect(rows.every((r) => r.email && ["valid", "risky"].includes(r.email_status!))).toBe(true);
    expect(rows.every((r) => r.website_headline)).toBe(true);
  }, 300_000);

  it("stops cleanly at the credit budget and resumes the same run without paying twice", () => {
    // The same discovery in a fresh database, uninterrupted, for the reference cost.
    const args = ["discover", "companies", "--offer", "coach", "--sandbox", "--limit", "5", "--providers", "theirstack,exa", "--json"];
    const reference = json(spawnCli(args, freshData("reference")).stdout);
    expect(reference.creditsSpent as number).toBeGreaterThan(1);
    const budgetEnv = freshData("budget");
    // TheirStack's page is bought (its cost passes the budget of 1), then no further call starts.
    const stopped = spawnCli([...args, "--budget", "1"], budgetEnv);
    // A budget stop has its own exit code (3, core's `budget_reached`), after the summary.
    expect(stopped.code).toBe(3);
    const s = json(stopped.stdout);
    expect(s).toMatchObject({ status: "cancelled", stopReason: "budget", creditsSpent: reference.creditsSpent });
    expect(s.found as number).toBeLessThan(reference.found as number);
    expect(stopped.stderr).toContain(
      `offerlab: stopped at the credit budget: the run has spent ${reference.creditsSpent as number} credits of its 1-credit budget.`,
    );
    expect(stopped.stderr).toContain("The budget is the run's total, counting every credit it spent since it started (resumes included)");

    // The hint works exactly as printed.
    const printed = new RegExp(`\\n  offerlab (discover companies --resume ${s.runId as string} --budget \\d+ --sandbox)\\n`).exec(
      stopped.stderr,
    );
    expect(printed, stopped.stderr).not.toBeNull();
    const resumed = spawnCli([...printed![1]!.split(" "), "--json"], budgetEnv);
    expect(resumed.code).toBe(0);
    const r = json(resumed.stdout);
    expect(r).toMatchObject({ runId: s.runId, status: "completed", offer: "coach", new: reference.new, found: reference.found });
    // TheirStack's page was read back, not bought again.
    expect(r.runCreditsSpent).toBe(reference.creditsSpent);
  }, 300_000);
});

describe("the sandbox never reaches a live run", () => {
  it("keeps the sandbox's data in its own database, and a live command refuses it, reusing and counting nothing", async () => {
    // A user's project folder: no OFFERLAB_DATA_DIR, the defaults decide.
    const home = path.join(tmp, "home");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "offer.yaml"), OFFER_YAML);
    const created = spawnCli(["offers", "create", "--file", "offer.yaml", "--sandbox"], {}, home);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`[SANDBOX] data: embedded PGlite at ${path.join(home, ".offerlab-sandbox")}`);
    const simulated = spawnCli(["discover", "companies", "--offer", "coach", "--sandbox", "--limit", "5", "--json"], {}, home);
    expect(simulated.code, simulated.stderr).toBe(0);
    expect(json(simulated.stdout)).toMatchObject({ sandbox: true, status: "completed" });
    expect(fs.existsSync(path.join(home, ".offerlab"))).toBe(false);

    // The run: the same command live, with a key that must never be used. The live
    // database is another one: the sandbox's offer, companies and lookups are not in it.
    const keys = {
      THEIRSTACK_API_KEY: "real-looking-key",
      THEIRSTACK_BASE_URL: "http://127.0.0.1:9",
      PARALLEL_API_KEY: "real-looking-key",
      PARALLEL_BASE_URL: "http://127.0.0.1:9",
      LEADMAGIC_API_KEY: "real-looking-key",
      LEADMAGIC_BASE_URL: "http://127.0.0.1:9",
    };
    const live = spawnCli(["discover", "companies", "--offer", "coach", "--providers", "theirstack"], keys, home);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/offer "coach" not found: see offerlab offers list/);
    expect(live.stderr).not.toMatch(/SANDBOX/);
    expect(json(spawnCli(["export", "companies", "--json"], {}, home).stdout)).toEqual([]);

    // Pointed at the sandbox's database on purpose, every live command refuses it before doing anything.
    const sandboxDb = path.join(home, ".offerlab-sandbox");
    const count = async () => {
      const db = createDb({ dataDir: sandboxDb, env: {} });
      try {
        const n = async (table: "pipeline_lookups" | "tool_usage" | "pipeline_runs" | "companies") =>
          (
            await db
              .selectFrom(table)
              .select(sql<number>`count(*)::int`.as("n"))
              .executeTakeFirstOrThrow()
          ).n;
        const unmarked = await db.selectFrom("tool_usage").select("id").where("sandbox", "=", false).execute();
        const unmarkedLookups = await db.selectFrom("pipeline_lookups").select("id").where("sandbox", "=", false).execute();
        return {
          lookups: await n("pipeline_lookups"),
          usage: await n("tool_usage"),
          runs: await n("pipeline_runs"),
          companies: await n("companies"),
          live: unmarked.length + unmarkedLookups.length,
        };
      } finally {
        await db.destroy();
      }
    };
    const before = await count();
    expect(before.lookups).toBeGreaterThan(0);
    expect(before.usage).toBeGreaterThan(0);
    expect(before.live).toBe(0);
    for (const args of [
      ["discover", "companies", "--offer", "coach", "--providers", "theirstack"],
      ["discover", "people", "--offer", "coach"],
      ["enrich", "emails", "--offer", "coach", "--finders", "leadmagic", "--verifiers", "leadmagic"],
      ["export", "leads", "--offer", "coach"],
      ["cron", "once"],
    ]) {
      const res = spawnCli(
        args,
        { ...keys, OFFERLAB_DATA_DIR: sandboxDb, UNIPILE_API_KEY: "real-looking-key", UNIPILE_DSN: "127.0.0.1:9" },
        home,
      );
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr, args.join(" ")).toContain(`embedded PGlite at ${sandboxDb} holds the sandbox's simulated data`);
      expect(res.stderr).toContain("add --sandbox");
      expect(res.stdout).toBe("");
    }
    expect(await count()).toEqual(before);

    // And the other way round: the sandbox never writes into a live database.
    const liveOffer = spawnCli(["offers", "create", "--file", "offer.yaml"], {}, home);
    expect(liveOffer.code, liveOffer.stderr).toBe(0);
    const intoLive = spawnCli(
      ["discover", "companies", "--offer", "coach", "--sandbox"],
      { OFFERLAB_DATA_DIR: path.join(home, ".offerlab") },
      home,
    );
    expect(intoLive.code).toBe(2);
    expect(intoLive.stderr).toMatch(/embedded PGlite at .*\.offerlab holds live data: the sandbox never writes into it/);
    expect(json(spawnCli(["export", "companies", "--offer", "coach", "--json"], {}, home).stdout)).toEqual([]);
  }, 300_000);
});

describe("bad input to the pipeline commands: exit 2, a clear message, nothing written", () => {
  it("names the missing key and suggests --sandbox, before creating any database", () => {
    const dataDir = path.join(tmp, "never-created");
    const res = spawnCli(["discover", "companies", "--offer", "coach"], { OFFERLAB_DATA_DIR: dataDir, EXA_API_KEY: "" });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      "offerlab: no company search provider is configured: set THEIRSTACK_API_KEY or EXA_API_KEY or PARALLEL_API_KEY, or run with --sandbox to use simulated providers\n",
    );
    const named = spawnCli(["enrich", "emails", "--offer", "coach", "--finders", "leadmagic"], { OFFERLAB_DATA_DIR: dataDir });
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/leadmagic is not configured: set LEADMAGIC_API_KEY, or run with --sandbox \(or OFFERLAB_SANDBOX=1\)/);
    const wrong = spawnCli(["discover", "companies", "--offer", "coach", "--sandbox", "--providers", "sumble"], {
      OFFERLAB_DATA_DIR: dataDir,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--providers: "sumble" is not a company search provider; choose from theirstack, exa, parallel');
    expect(fs.existsSync(dataDir)).toBe(false);
  }, 120_000);

  it("refuses bad flags and unknown offers", () => {
    const env = freshData("flags");
    const cases: [string[], RegExp][] = [
      [["discover", "companies", "--sandbox"], /--offer: required/],
      [
        ["discover", "companies", "--offer", "coach", "--sandbox", "--budget", "-3"],
        /--budget: must be a number of credits ≥ 0 \(got "-3"\)/,
      ],
      [
        ["discover", "companies", "--offer", "coach", "--sandbox", "--min-fit", "11"],
        /--min-fit: must be a whole number from 1 to 10 \(got "11"\)/,
      ],
      [["discover", "people", "--offer", "nope", "--sandbox"], /^offerlab: offer "nope" not found: see offerlab offers list\n$/m],
      [["scrape", "--offer", "coach", "--sandbox", "--paths", "careers"], /--paths: each path must start with "\/"/],
      [["discover", "companies", "--resume", "not-a-run", "--sandbox"], /--resume: no pipeline run "not-a-run"/],
    ];
    for (const [args, message] of cases) {
      const res = spawnCli(args, env);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    const runs = spawnCli(["export", "companies", "--offer", "coach", "--json"], env);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  }, 300_000);

  it("documents every command's flags in --help", async () => {
    const env = { OFFERLAB_DATA_DIR: path.join(tmp, "help") };
    for (const [args, flag] of [
      [["discover", "companies", "--help"], "--min-fit"],
      [["discover", "people", "--help"], "--per-company"],
      [["enrich", "emails", "--help"], "--continue-on-risky"],
      [["scrape", "--help"], "--paths"],
      [["import", "contacts", "--help"], "company_domain"],
      [["export", "leads", "--help"], "website_headline"],
    ] as const) {
      // In-process (the same code path as the binary): help needs no process of its own.
      const res = await runCli([...args], env);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(flag);
      expect(res.stdout).toContain("--json");
    }
  }, 120_000);
});

describe("import and export CSV", () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = freshData("csv", "live");
  });
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(tmp, name), text);
    return path.join(tmp, name);
  };
  const exportContacts = () =>
    JSON.parse(spawnCli(["export", "contacts", "--offer", "coach", "--json"], env).stdout) as Record<string, unknown>[];

  it("rejects a file with a bad row, naming row, line, column and what is allowed, and writes nothing", () => {
    const file = write(
      "bad.csv",
      'First Name,Last Name,E-mail,Company,Website,Seniority\nAnn,Lee,ann@acme.com,Acme,acme.com,VP\n"Bob, Jr",Roe,bob@,Globex,globex.io,wizard\nCy,Diaz,cy@tiny.shop,Tiny,,Founder\n',
    );
    const res = spawnCli(["import", "contacts", file, "--offer", "coach"], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      "bad.csv: 1 of 3 rows are invalid; nothing was imported. Fix them, or use --skip-invalid to import the others:",
    );
    expect(res.stderr).toContain('row 2 (line 3), column "E-mail" (email): is not an email address (e.g. "jane@acme.com") (got "bob@")');
    expect(res.stderr).toMatch(
      /row 2 \(line 3\), column "Seniority" \(seniority\): must be one of "c_level", "vp", "director", "manager", "individual"/,
    );
    expect(exportContacts()).toEqual([]);
    expect(JSON.parse(spawnCli(["export", "companies", "--offer", "coach", "--json"], env).stdout)).toEqual([]);

    const skipped = spawnCli(["import", "contacts", file, "--offer", "coach", "--skip-invalid", "--json"], env);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rows: 3, invalid: 1, created: 2, companiesCreated: 2, written: true });
    expect(skipped.stderr).toContain("skipped 1 invalid row(s)");
    expect(exportContacts().map((c) => [c.full_name, c.email, c.seniority, c.company_name, c.company_domain])).toEqual(
      expect.arrayContaining([
        ["Ann Lee", "ann@acme.com", "vp", "Acme", "acme.com"],
        ["Cy Diaz", "cy@tiny.shop", "c_level", "Tiny", null],
      ]),
    );
  }, 300_000);

  it("maps columns with --map, dedupes against what is stored, and round-trips an export", () => {
    const file = write(
      "mapped.csv",
      "Org,Mail,Person,Job Title\nAcme,ANN@acme.com,Ann Lee,Head of Sales\nAcme,dee@acme.com,Dee Poe,CRO\nAcme,dee@acme.com,Dee Poe,\n",
    );
    const res = spawnCli(
      ["import", "contacts", file, "--offer", "coach", "--map", "Org=company_name,Mail=email", "--map", "Person=full_name", "--json"],
      env,
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ rows: 3, created: 1, merged: 2, duplicatesInFile: 1, companiesCreated: 0 });
    const people = exportContacts();
    expect(people).toHaveLength(3);
    // Ann's first import had no title: this one fills it.
    expect(people.find((p) => p.email === "ann@acme.com")).toMatchObject({ title: "Head of Sales" });

    const out = path.join(tmp, "contacts.csv");
    const exported = spawnCli(["export", "contacts", "--offer", "coach", "--output", out], env);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(`Exported 3 contacts to ${out}.\n`);
    spawnCli(["offers", "create", "--name", "Copy", "--type", "product", "--ownership", "internal", "--description", "copy"], env);
    const back = spawnCli(["import", "contacts", out, "--offer", "copy", "--json"], env);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ rows: 3, created: 3, invalid: 0 });
  }, 300_000);

  it("refuses unreadable files, broken CSV and bad mappings with exit 2", () => {
    const broken = write("broken.csv", 'name,domain\n"Acme,acme.com\n');
    const cols = write("cols.csv", "Owner,Notes\nx,y\n");
    const cases: [string[], RegExp][] = [
      [["import", "companies", "missing.csv", "--offer", "coach"], /cannot read .*missing\.csv: no such file/],
      [["import", "companies", broken, "--offer", "coach"], /broken\.csv: not a readable CSV \(Quote Not Closed/],
      [
        ["import", "companies", cols, "--offer", "coach"],
        /no column maps to name or domain \(columns: "Owner", "Notes"\); use --map "<column>=domain"/,
      ],
      [["import", "companies", cols, "--offer", "coach", "--map", "Owner"], /--map: "Owner" is not "<column>=<field>"/],
      [["import", "companies", cols, "--offer", "coach", "--map", "Owner=boss"], /--map: "boss" is not a companies field/],
      [["import", "companies", cols, "--offer", "nope"], /^offerlab: offer "nope" not found: see offerlab offers list\n$/m],
    ];
    for (const [args, message] of cases) {
      const res = spawnCli(args, env);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toMatch(message);
    }
  }, 300_000);
});
