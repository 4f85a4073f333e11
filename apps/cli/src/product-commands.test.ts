import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { accounts, campaignContacts, campaigns, companies, contacts, createDb, migrate, offers, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { isInWindow, nextWindowOpening, planDue, windowFromCampaign } from "@offerlab/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-product-"));

/** Runs the real binary in a child process, as a user does. */
function spawnCli(args: string[], env: Record<string, string>, cwd = repoRoot) {
  const res = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 90_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the CLI in-process with captured output (same code path, no process start-up). */
async function runCli(args: string[], env: Record<string, string | undefined>, cwd = repoRoot) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

async function withDb<T>(dataDir: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb({ dataDir, env: {} });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Stderr without the line a sandbox run starts with (naming its database). */
const withoutSandboxLine = (stderr: string) => stderr.replace(/^\[SANDBOX\] data: .*\n/, "");

const count = (dataDir: string, table: "offers" | "message_templates" | "accounts" | "campaigns" | "campaign_contacts") =>
  withDb(dataDir, async (db) => (await db.selectFrom(table).select("id").execute()).length);

describe("init", () => {
  it("writes .env.example, offer.yaml and campaign.yaml, and never overwrites without --force", async () => {
    const dir = path.join(tempDir(), "project");
    const first = spawnCli(["init", dir], {});
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    for (const f of [".env.example", "offer.yaml", "campaign.yaml"]) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    const env = fs.readFileSync(path.join(dir, ".env.example"), "utf8");
    for (const v of [
      "DATABASE_URL=",
      "OFFERLAB_LLM=",
      "UNIPILE_API_KEY=",
      "UNIPILE_DSN=",
      "LEADMAGIC_API_KEY=",
      "OFFERLAB_SANDBOX=",
      "OFFERLAB_WEBHOOK_SECRET=",
      "OFFERLAB_CRON_SCHEDULE=",
    ]) {
      expect(env).toContain(v);
    }
    fs.writeFileSync(path.join(dir, "offer.yaml"), "mine");
    const again = await runCli(["init", dir], {});
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/offer\.yaml, campaign\.yaml already exist\(s\) in .*nothing was written\. Pass --force/);
    expect(fs.readFileSync(path.join(dir, "offer.yaml"), "utf8")).toBe("mine");
    const forced = await runCli(["init", dir, "--force", "--json"], {});
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).written.find((w: { file: string }) => w.file.endsWith("offer.yaml"))).toMatchObject({
      overwritten: true,
    });
    expect(fs.readFileSync(path.join(dir, "offer.yaml"), "utf8")).toMatch(/^# An offer/);
  });
});

describe("offers new, templates, offers edit and status", () => {
  const dataDir = path.join(tempDir(), "data");
  // The sandbox LLM writes the copy, so every command here works in the sandbox's world.
  const env = { OFFERLAB_DATA_DIR: dataDir, OFFERLAB_SANDBOX: "1" };
  const liveEnv = { OFFERLAB_DATA_DIR: path.join(tempDir(), "live") };

  it("generates positioning, ICP and copy with the sandbox LLM, says so, and saves a draft with draft templates", async () => {
    const res = spawnCli(
      [
        "offers",
        "new",
        "--sandbox",
        "--name",
        "AI Sales Coach",
        "--description",
        "AI role-play for SaaS sales reps to practise discovery before live calls.",
        "--email-steps",
        "2",
        "--json",
      ],
      env,
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^\[SANDBOX\] Simulated run/);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      sandbox: true,
      saved: true,
      offer: { slug: "ai-sales-coach", status: "draft", type: "product", ownership: "internal" },
    });
    expect(out.offer.positioning.symptoms.length).toBeGreaterThan(0);
    expect(out.offer.icp.buyer.titles.length).toBeGreaterThan(0);
    expect(out.offer.email_templates.sequence).toHaveLength(2);
    expect(out.templates.map((t: { template_key: string; status: string }) => `${t.template_key}:${t.status}`)).toEqual([
      "email.1:draft",
      "email.2:draft",
      "linkedin.connection_request:draft",
      "linkedin.follow_up_dm:draft",
    ]);
    // OFFERLAB_SANDBOX=1 turns it on too; the text output shows the copy and says it is a sandbox run.
    const text = await runCli(
      [
        "offers",
        "new",
        "--name",
        "Fractional RevOps",
        "--type",
        "service",
        "--description",
        "RevOps for seed-stage SaaS.",
        "--linkedin",
        "none",
      ],
      { ...env, OFFERLAB_SANDBOX: "1" },
    );
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/\[SANDBOX\]/);
    expect(text.stdout).toMatch(/Positioning\n/);
    expect(text.stdout).toMatch(/\[SANDBOX\] Saved offer fractional-revops .* as a draft with 3 draft template\(s\)/);
  });

  it("fails with copy's clear error when no LLM is configured, and writes nothing; bad flags and a taken slug exit 2 before any call", async () => {
    const before = [await count(dataDir, "offers"), await count(dataDir, "message_templates")];
    const none = spawnCli(["offers", "new", "--name", "Unconfigured", "--description", "x"], liveEnv);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no LLM configured: set OFFERLAB_LLM to anthropic:<model>.*or run with --sandbox.*Nothing was written/);
    const badModel = await runCli(["offers", "new", "--name", "Bad model", "--description", "x"], {
      ...liveEnv,
      OFFERLAB_LLM: "openai:gpt-4.1-mini",
    });
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/missing apiKey for openai:gpt-4.1-mini: pass \{ apiKey \} or set OPENAI_API_KEY/);
    expect([await count(liveEnv.OFFERLAB_DATA_DIR, "offers"), await count(liveEnv.OFFERLAB_DATA_DIR, "message_templates")]).toEqual([0, 0]);
    const flags = await runCli(["offers", "new", "--sandbox", "--name", "X", "--description", "x", "--email-steps", "11"], env);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toMatch(/--email-steps: must be a whole number from 0 to 10 \(got "11"\)/);
    const linkedin = await runCli(["offers", "new", "--sandbox", "--name", "X", "--description", "x", "--linkedin", "fax"], env);
    expect(linkedin.stderr).toMatch(/--linkedin: "fax" not allowed; use connection_request, follow_up_dm, inmail/);
    const fields = await runCli(["offers", "new", "--sandbox", "--name", "X", "--type", "gadget"], env);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toMatch(/type: must be one of "product", "service"/);
    expect(fields.stderr).toMatch(/description: is required/);
    const taken = await runCli(["offers", "new", "--sandbox", "--name", "AI Sales Coach", "--description", "again"], env);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/slug: "ai-sales-coach" is already used by another offer; pass --slug or change --name/);
    expect(taken.stderr).not.toMatch(/Generating/);
    const dry = await runCli(
      ["offers", "new", "--sandbox", "--name", "Dry Run", "--description", "Only looking.", "--dry-run", "--json"],
      env,
    );
    expect(JSON.parse(dry.stdout)).toMatchObject({ saved: false, offer: { slug: "dry-run" } });
    expect([await count(dataDir, "offers"), await count(dataDir, "message_templates")]).toEqual(before);
  });

  it("lists templates with their lint, refuses to approve one with a lint error, approves by id prefix or by offer", async () => {
    const list = await runCli(["templates", "list", "--offer", "ai-sales-coach", "--json"], env);
    const rows = JSON.parse(list.stdout) as { id: string; status: string; channel: string; lint: { ok: boolean } }[];
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === "draft" && r.lint.ok)).toBe(true);
    // A broken template (unclosed variable) added by hand.
    const broken = await withDb(dataDir, async (db) => {
      const offer = (await offers.get(db, "ai-sales-coach"))!;
      return (
        await db
          .insertInto("message_templates")
          .values({ offer_id: offer.id, name: "broken", channel: "linkedin_connect", body: "Hi {{first_name" })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    });
    const refused = await runCli(["templates", "approve", rows[0]!.id.slice(0, 8), broken.slice(0, 8)], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${broken.slice(0, 8)}: "broken": body: template error`);
    expect(refused.stderr).toMatch(/nothing was written/);
    expect(JSON.parse((await runCli(["templates", "list", "--status", "approved", "--json"], env)).stdout)).toEqual([]);

    const one = await runCli(["templates", "approve", rows[0]!.id.slice(0, 8)], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Approved \[/);
    await withDb(dataDir, (db) => db.deleteFrom("message_templates").where("id", "=", broken).execute());
    const all = await runCli(["templates", "approve", "--offer", "ai-sales-coach", "--json"], env);
    expect(JSON.parse(all.stdout).approved).toHaveLength(3);
    const table = await runCli(["templates", "list", "--offer", "ai-sales-coach"], env);
    expect(table.stdout).toMatch(/email\s+1\s+approved\s+ok/);
    const unknown = await runCli(["templates", "approve", "zzzzzzzz"], env);
    expect(unknown.code).toBe(2);
    expect(withoutSandboxLine(unknown.stderr)).toBe('offerlab: template "zzzzzzzz" not found: see offerlab templates list\n');
    expect((await runCli(["templates", "approve"], env)).stderr).toMatch(/name templates to approve/);
  });

  it("moves the offer's status by its lifecycle and edits it, re-drafting changed copy", async () => {
    const noCopy = await runCli(["offers", "status", "fractional-revops", "active"], env);
    expect(noCopy.code).toBe(2);
    expect(noCopy.stderr).toMatch(/status: an offer cannot go from draft to active; from draft it may go to ready, killed/);
    const notApproved = await runCli(["offers", "status", "fractional-revops", "ready"], env);
    expect(notApproved.code).toBe(2);
    expect(notApproved.stderr).toMatch(/templates: none is approved/);
    const ready = await runCli(["offers", "status", "ai-sales-coach", "ready"], env);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toMatch(/status\s+draft → ready/);
    expect((await runCli(["offers", "status", "ai-sales-coach", "sleeping"], env)).stderr).toMatch(/<status>: must be one of draft, ready/);

    const dir = tempDir();
    const file = path.join(dir, "copy.yaml");
    fs.writeFileSync(file, "linkedin_templates:\n  connection_request: Hi {{first_name}}, quick hello.\n");
    const edited = await runCli(["offers", "edit", "ai-sales-coach", "--file", file, "--price-range", "high", "--json"], env);
    expect(edited.code).toBe(0);
    const out = JSON.parse(edited.stdout);
    expect(out.offer.price_range).toBe("high");
    expect(out.templates).toMatchObject({ archived: 2, created: [{ template_key: "linkedin.connection_request", status: "draft" }] });
    const bad = await runCli(["offers", "edit", "ai-sales-coach", "--ownership", "client"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/client_name: is required when ownership is "client"/);
    expect((await runCli(["offers", "edit", "ai-sales-coach"], env)).stderr).toMatch(/nothing to change/);
    const shown = await runCli(["offers", "show", "ai-sales-coach"], env);
    expect(shown.stdout).toMatch(/email copy\s+2 email\(s\)/);

    // Copy that can never be approved is refused when it is saved, and nothing changes.
    const before = await withDb(dataDir, (db) =>
      db.selectFrom("message_templates").select(["id", "status", "body"]).orderBy("id").execute(),
    );
    fs.writeFileSync(file, "linkedin_templates:\n  connection_request: Hi {{first_name, quick hello.\n");
    const broken = await runCli(["offers", "edit", "ai-sales-coach", "--file", file], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      /invalid offer copy; nothing was written:\n {2}- linkedin_templates\.connection_request: body: template error at character \d+/,
    );
    expect(
      await withDb(dataDir, (db) => db.selectFrom("message_templates").select(["id", "status", "body"]).orderBy("id").execute()),
    ).toEqual(before);
  });

  it("creates an offer from a file the way offers new does: its copy becomes draft templates, and a status passes the lifecycle's checks", async () => {
    const dir = tempDir();
    const file = path.join(dir, "offer.yaml");
    const offerYaml = (body: string) =>
      [
        "name: Filed Coach",
        "type: product",
        "ownership: internal",
        "description: Role-play for reps",
        "icp:",
        "  company: {verticals: [saas], size_min: 10, size_max: 500, signals: [hiring], disqualifiers: []}",
        "  buyer: {titles: [VP Sales], departments: [Sales], seniority: [VP]}",
        "email_templates:",
        "  sequence:",
        `    - {step: 1, subject: "Ramp at {{company.name}}", body: "${body}", delay_days: 0}`,
        "linkedin_templates:",
        "  connection_request: Hi {{first_name}}, quick hello.",
      ].join("\n");
    const offersNow = () => count(dataDir, "offers");
    const before = await offersNow();
    // A variable no contact, company or offer has: refused, not discovered at the first send.
    fs.writeFileSync(file, offerYaml("Hi {{frist_name}}, a question."));
    const typo = await runCli(["offers", "create", "--file", file], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "email_templates.sequence[step 1]: body: {{frist_name}} is not a contact, company, offer, signals or sender variable",
    );
    // The status a flag or the file asks for passes the same checks as `offers status`.
    fs.writeFileSync(file, offerYaml("Hi {{first_name|there}}, a question."));
    const active = await runCli(["offers", "create", "--file", file, "--status", "active"], env);
    expect(active.code).toBe(2);
    expect(active.stderr).toMatch(
      /status: an offer cannot go from draft to active; from draft it may go to ready, killed \(a new offer is created as a draft first\)/,
    );
    fs.writeFileSync(file, `${offerYaml("Hi {{first_name|there}}, a question.")}\nstatus: ready\n`);
    const ready = await runCli(["offers", "create", "--file", file], env);
    expect(ready.code).toBe(2);
    expect(ready.stderr).toMatch(/templates: none is approved/);
    expect(await offersNow()).toBe(before);

    fs.writeFileSync(file, offerYaml("Hi {{first_name|there}}, a question."));
    const created = await runCli(["offers", "create", "--file", file, "--json"], env);
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out).toMatchObject({ slug: "filed-coach", status: "draft" });
    expect(out.templates.map((t: { template_key: string; status: string }) => `${t.template_key}:${t.status}`)).toEqual([
      "email.1:draft",
      "linkedin.connection_request:draft",
    ]);
    const approved = await runCli(["templates", "approve", "--offer", "filed-coach", "--json"], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout).approved).toHaveLength(2);
    expect((await runCli(["offers", "status", "filed-coach", "ready"], env)).code).toBe(0);

    // A template with an unknown variable written by hand is refused at approval.
    const typoId = await withDb(dataDir, async (db) => {
      const offer = (await offers.get(db, "filed-coach"))!;
      return (
        await db
          .insertInto("message_templates")
          .values({ offer_id: offer.id, name: "typo", channel: "linkedin_dm", body: "Thanks {{frist_name}}" })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    });
    const refused = await runCli(["templates", "approve", typoId.slice(0, 8)], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${typoId.slice(0, 8)}: "typo": body: {{frist_name}} is not a contact, company, offer, signals or sender variable`,
    );
  });
});

describe("accounts", () => {
  const dataDir = path.join(tempDir(), "data");
  // The sync below reads the sandbox's Unipile, so these accounts live in the sandbox's world.
  const env = { OFFERLAB_DATA_DIR: dataDir, OFFERLAB_SANDBOX: "1" };

  it("adds accounts, refusing bad input with the field named and writing nothing", async () => {
    const bad = spawnCli(["accounts", "add", "--name", "x", "--type", "fax", "--owner", "me"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--type: must be one of linkedin, email \(got "fax"\)/);
    const noEmail = await runCli(["accounts", "add", "--name", "box", "--type", "email", "--owner", "me"], env);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/email_address: is required for an email account/);
    const badLimit = await runCli(
      ["accounts", "add", "--name", "box", "--type", "email", "--owner", "me", "--email", "b@x.io", "--emails", "-3"],
      env,
    );
    expect(badLimit.stderr).toMatch(/--emails: must be a whole number from 0 to 10000/);
    expect(await count(dataDir, "accounts")).toBe(0);

    const li = await runCli(
      [
        "accounts",
        "add",
        "--name",
        "jane_linkedin",
        "--type",
        "linkedin",
        "--owner",
        "jane",
        "--unipile-id",
        "uni-jane",
        "--connections",
        "40",
        "--warm",
        "--json",
      ],
      env,
    );
    expect(li.code).toBe(0);
    expect(JSON.parse(li.stdout)).toMatchObject({
      name: "jane_linkedin",
      daily_limit_connections: 40,
      warming_week: 1,
      provider: "linkedin",
    });
    const mail = await runCli(
      [
        "accounts",
        "add",
        "--name",
        "sales box",
        "--type",
        "email",
        "--owner",
        "jane",
        "--email",
        "Sales@Acme.io",
        "--emails",
        "50",
        "--hourly",
        "8",
      ],
      env,
    );
    expect(mail.code).toBe(0);
    expect(mail.stdout).toMatch(/Added email account sales box .*50 email, 8\/h today/);
    expect(mail.stdout).toMatch(/cannot send until it is linked to Unipile/);
  });

  it("lists today's ramped limits and whether each account can send", async () => {
    const res = await runCli(["accounts", "list", "--json"], env);
    const rows = JSON.parse(res.stdout);
    const li = rows.find((r: { name: string }) => r.name === "jane_linkedin");
    // Week 1 of warming: 25 % of 40 invitations, 40 messages and 10 an hour.
    expect(li).toMatchObject({ effective_limits: { connection_request: 10, message: 10, hourly: 2 }, can_send: true, held_back: null });
    const mail = rows.find((r: { name: string }) => r.name === "sales box");
    expect(mail).toMatchObject({
      email_address: "sales@acme.io",
      can_send: false,
      held_back: expect.stringMatching(/Not linked to Unipile/),
    });
    const text = await runCli(["accounts", "list", "--type", "linkedin"], env);
    expect(text.stdout).toMatch(/jane_linkedin\s+linkedin\s+jane\s+active\s+100\s+week 1\/4\s+10 inv, 10 msg, 2\/h/);
    expect((await runCli(["accounts", "list", "--status", "asleep"], env)).code).toBe(2);
  });

  it("pauses, resumes, changes limits and warming, refusing what the lifecycle forbids", async () => {
    expect((await runCli(["accounts", "pause", "jane_linkedin"], env)).stdout).toBe("Account jane_linkedin: active → paused.\n");
    expect((await runCli(["accounts", "list", "--json"], env)).stdout).toMatch(/The sending account is paused/);
    expect((await runCli(["accounts", "resume", "jane_linkedin"], env)).stdout).toBe("Account jane_linkedin: paused → active.\n");
    await withDb(dataDir, (db) => db.updateTable("accounts").set({ status: "disconnected" }).where("name", "=", "sales box").execute());
    const resume = await runCli(["accounts", "resume", "sales@acme.io"], env);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/cannot go from disconnected to active.*offerlab accounts sync/);
    const nobody = await runCli(["accounts", "pause", "nobody"], env);
    expect(nobody.code).toBe(2);
    expect(withoutSandboxLine(nobody.stderr)).toBe('offerlab: account "nobody" not found: see offerlab accounts list\n');

    const shown = await runCli(["accounts", "limits", "jane_linkedin"], env);
    expect(shown.stdout).toMatch(/invitations a day\s+40/);
    expect(shown.stdout).toMatch(/today\s+10 inv, 10 msg, 2\/h \(warming week 1: 25%\)/);
    const set = await runCli(["accounts", "limits", "jane_linkedin", "--connections", "25", "--hourly", "12"], env);
    expect(set.stdout).toMatch(/invitations a day\s+40 → 25/);
    expect(set.stdout).toMatch(/actions an hour\s+10 → 12/);
    expect((await runCli(["accounts", "limits", "jane_linkedin", "--messages", "1.5"], env)).code).toBe(2);

    const warm = await runCli(["accounts", "warm", "jane_linkedin", "--week", "3"], env);
    expect(warm.stdout).toMatch(/warming, week 3/);
    expect(warm.stdout).toMatch(/week 3 \(75%\): 18 inv, 30 msg, 9\/h {3}← now/);
    expect((await runCli(["accounts", "warm", "jane_linkedin", "--week", "5"], env)).stderr).toMatch(
      /--week: must be a whole number from 1 to 4/,
    );
    expect(JSON.parse((await runCli(["accounts", "warm", "jane_linkedin", "--stop", "--json"], env)).stdout)).toMatchObject({
      warming_week: 0,
      warming_started_at: null,
    });
  });

  it("sets an account's rest between sends and its planner jitter (spawned CLI), refusing bad input with data unchanged", async () => {
    const pacing = () =>
      withDb(dataDir, (db) =>
        db
          .selectFrom("accounts")
          .select(["send_gap_min_seconds", "send_gap_variance_seconds", "send_jitter_minutes"])
          .where("name", "=", "jane_linkedin")
          .executeTakeFirstOrThrow(),
      );
    expect(await pacing()).toEqual({ send_gap_min_seconds: null, send_gap_variance_seconds: null, send_jitter_minutes: null });
    const set = spawnCli(["accounts", "limits", "jane_linkedin", "--gap", "120", "--gap-variance", "180", "--jitter", "45"], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/rest after a send\s+90 s \+ up to 210 s \(default\) → 120 s \+ up to 180 s/);
    expect(set.stdout).toMatch(/send-time jitter\s+up to 17 min \(default\) → up to 45 min/);
    expect(await pacing()).toEqual({ send_gap_min_seconds: 120, send_gap_variance_seconds: 180, send_jitter_minutes: 45 });

    // A bad value, even beside good ones, names the flag and its range and writes nothing.
    const bad = spawnCli(["accounts", "limits", "jane_linkedin", "--gap", "60", "--gap-variance", "90000"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--gap-variance: must be a whole number from 0 to 86400 \(got "90000"\)/);
    const badJitter = await runCli(["accounts", "limits", "jane_linkedin", "--gap", "60", "--jitter", "-5"], env);
    expect(badJitter.code).toBe(2);
    expect(badJitter.stderr).toMatch(/--jitter: must be a whole number from 0 to 1440 \(got "-5"\)/);
    expect(await pacing()).toEqual({ send_gap_min_seconds: 120, send_gap_variance_seconds: 180, send_jitter_minutes: 45 });

    const reset = await runCli(["accounts", "limits", "jane_linkedin", "--gap", "default", "--jitter", "default", "--json"], env);
    expect(JSON.parse(reset.stdout).configured).toMatchObject({
      send_gap_min_seconds: null,
      send_gap_variance_seconds: 180,
      send_jitter_minutes: null,
    });
    expect(await pacing()).toEqual({ send_gap_min_seconds: null, send_gap_variance_seconds: 180, send_jitter_minutes: null });
  });

  it("syncs from Unipile (here the sandbox's Unipile fake): a dry run changes nothing; without keys it exits 2", async () => {
    const noKeys = await runCli(["accounts", "sync"], { OFFERLAB_DATA_DIR: path.join(tempDir(), "live") });
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(
      /unipile is not configured: set UNIPILE_API_KEY and UNIPILE_DSN \(or UNIPILE_BASE_URL\), or run with --sandbox/,
    );
    const before = await count(dataDir, "accounts");
    const dry = await runCli(["accounts", "sync", "--sandbox", "--dry-run", "--json"], env);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/\[SANDBOX\]/);
    const planned = JSON.parse(dry.stdout);
    expect(planned).toMatchObject({ sandbox: true, dryRun: true });
    expect(planned.changes.filter((c: { action: string }) => c.action === "create").length).toBeGreaterThan(0);
    expect(await count(dataDir, "accounts")).toBe(before);
    const applied = JSON.parse((await runCli(["accounts", "sync", "--sandbox", "--json"], env)).stdout);
    const created = applied.changes.filter((c: { action: string }) => c.action === "create").length;
    expect(await count(dataDir, "accounts")).toBe(before + created);
    // jane_linkedin's Unipile id is not in the sandbox's list: it is marked disconnected.
    expect(applied.changes.find((c: { name: string }) => c.name === "jane_linkedin")).toMatchObject({ action: "disconnect" });
    const second = await runCli(["accounts", "sync", "--sandbox"], env);
    expect(second.stdout).toMatch(/\[SANDBOX\] simulated Unipile accounts\. 0 change\(s\) applied\./);
  });
});

describe("campaigns", () => {
  const dataDir = path.join(tempDir(), "data");
  const env = { OFFERLAB_DATA_DIR: dataDir };
  const now = Date.now();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await withDb(dataDir, async (db) => {
      const offer = await offers.create(db, {
        name: "Ramp Coach",
        type: "product",
        ownership: "internal",
        description: "d",
      });
      ids.offer = offer.id;
      await db
        .insertInto("message_templates")
        .values([
          {
            offer_id: offer.id,
            name: "Email 1",
            channel: "email",
            sequence_step: 1,
            template_key: "email.1",
            subject: "Ramp at {{company.name}}",
            body: "Hi {{first_name|there}}.",
            status: "approved",
          },
          {
            offer_id: offer.id,
            name: "Email 2",
            channel: "email",
            sequence_step: 2,
            template_key: "email.2",
            body: "Following up.",
            status: "approved",
          },
          { offer_id: offer.id, name: "Note", channel: "linkedin_connect", body: "Hi {{first_name}}", status: "approved" },
        ])
        .execute();
      ids.mail = (
        await accounts.create(db, {
          name: "ann@ramp.io",
          type: "email",
          owner: "ann",
          email_address: "ann@ramp.io",
          unipile_account_id: "u-mail",
          daily_limit_emails: 3,
          hourly_limit: 10,
        })
      ).id;
      ids.li = (await accounts.create(db, { name: "ann_linkedin", type: "linkedin", owner: "ann", unipile_account_id: "u-li" })).id;
      const other = await offers.create(db, { name: "Other", type: "service", ownership: "internal", description: "o" });
      const co = (
        await companies.upsert(db, {
          offer_id: offer.id,
          name: "Good Co",
          domain: "good.co",
          source_tool: "m",
          fit_score: 9,
          status: "qualified",
        })
      ).company;
      const weak = (
        await companies.upsert(db, {
          offer_id: offer.id,
          name: "Weak Co",
          domain: "weak.co",
          source_tool: "m",
          fit_score: 2,
          status: "qualified",
        })
      ).company;
      const oco = (await companies.upsert(db, { offer_id: other.id, name: "Good Co", domain: "good.co", source_tool: "m" })).company;
      for (let i = 1; i <= 8; i++) {
        await contacts.upsert(db, {
          offer_id: offer.id,
          company_id: co.id,
          source_tool: "m",
          full_name: `Person ${i}`,
          email: `p${i}@good.co`,
          email_status: "valid",
          status: "ready",
        });
      }
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: co.id,
        source_tool: "m",
        full_name: "Unverified",
        email: "unverified@good.co",
        email_status: "unknown",
        status: "ready",
      });
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: weak.id,
        source_tool: "m",
        full_name: "Weak Fit",
        email: "weak@weak.co",
        email_status: "valid",
        status: "ready",
      });
      // Person 1 is do-not-contact in another offer; person 2 was touched 10 days ago from another offer.
      await contacts.upsert(db, {
        offer_id: other.id,
        company_id: oco.id,
        source_tool: "m",
        email: "p1@good.co",
        global_status: "do_not_contact",
      });
      await db
        .insertInto("outreach_history")
        .values({ contact_email: "p2@good.co", channel: "email", offer_id: other.id, sent_at: new Date(now - 10 * 86_400_000) })
        .execute();
      // Person 3 is in a running campaign of the other offer.
      const p3 = (await contacts.upsert(db, { offer_id: other.id, company_id: oco.id, source_tool: "m", email: "p3@good.co" })).contact;
      const running = await campaigns.create(db, {
        name: "Other running",
        offer_id: other.id,
        channel: "email",
        status: "active",
        campaign_slug: "other-running",
      });
      await campaignContacts.add(db, { campaign_id: running.id, contact_id: p3.id });
    });
  });
  afterAll(() => {
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("refuses a bad campaign, naming every field, and writes nothing", async () => {
    const res = spawnCli(
      ["campaigns", "create", "--offer", "nope", "--name", "X", "--channel", "fax", "--accounts", "ghost", "--min-fit", "12"],
      env,
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--min-fit: must be a whole number from 1 to 10 \(got "12"\)/);
    const many = await runCli(["campaigns", "create", "--offer", "nope", "--name", "X", "--channel", "fax", "--accounts", "ghost"], env);
    expect(many.code).toBe(2);
    for (const field of [
      'offer: offer "nope" not found: see offerlab offers list',
      "channel: must be one of email, linkedin, multi",
      'accounts: account "ghost" not found: see offerlab accounts list',
      "target_criteria.signal: is required",
      "target_criteria.icp_target: is required",
    ]) {
      expect(many.stderr).toContain(field);
    }
    expect((await runCli(["campaigns", "create", "--name", "X"], env)).stderr).toMatch(/missing --offer, --channel/);
    expect(
      (
        await runCli(
          [
            "campaigns",
            "create",
            "--offer",
            "ramp-coach",
            "--name",
            "X",
            "--channel",
            "email",
            "--accounts",
            "ann@ramp.io",
            "--signal",
            "s",
            "--icp",
            "i",
            "--days",
            "1-9",
          ],
          env,
        )
      ).stderr,
    ).toMatch(/--days: "1-9" is not an ISO weekday/);
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "c.yaml"), "offer: ramp-coach\nname: X\ncolour: red\n");
    expect((await runCli(["campaigns", "create", "--file", path.join(dir, "c.yaml")], env)).stderr).toMatch(
      /--file: unknown key\(s\) colour; allowed: offer, name/,
    );
    expect(await count(dataDir, "campaigns")).toBe(1);
  });

  it("creates a campaign with the spec's slug from flags, and one from init's campaign.yaml", async () => {
    const res = await runCli(
      [
        "campaigns",
        "create",
        "--offer",
        "ramp-coach",
        "--name",
        "Hiring SDRs",
        "--channel",
        "email",
        "--accounts",
        "ann@ramp.io",
        "--signal",
        "hiring",
        "--icp",
        "SaaS 20-200",
        "--min-fit",
        "7",
        "--window",
        "8:30-17:30",
        "--days",
        "1-5",
        "--timezone",
        "Europe/Paris",
        "--json",
      ],
      env,
    );
    expect(res.code).toBe(0);
    const c = JSON.parse(res.stdout);
    expect(c).toMatchObject({
      campaign_slug: "cold-ramp-coach-email-hiring-saas-20-200-ann-ramp-io",
      status: "draft",
      send_window_start: "08:30:00",
      send_days: [1, 2, 3, 4, 5],
      timezone: "Europe/Paris",
      target_criteria: { min_fit_score: 7, signal: "hiring", icp_target: "SaaS 20-200" },
    });
    expect(c.scheduling_config.steps.map((s: { type: string }) => s.type)).toEqual(["email", "email", "email"]);
    ids.email = c.campaign_slug;

    const dir = path.join(tempDir(), "p");
    await runCli(["init", dir], {});
    const yaml = fs
      .readFileSync(path.join(dir, "campaign.yaml"), "utf8")
      .replace("offer: ai-sales-coach", "offer: ramp-coach")
      .replace("- jane_linkedin", "- ann_linkedin")
      .replace("- jane@example.com", "- ann@ramp.io");
    fs.writeFileSync(path.join(dir, "campaign.yaml"), yaml);
    const fromFile = await runCli(["campaigns", "create", "--file", "campaign.yaml", "--json"], env, dir);
    expect(fromFile.stderr).toBe("");
    const multi = JSON.parse(fromFile.stdout);
    expect(multi).toMatchObject({
      campaign_slug: "cold-ramp-coach-multi-hiring-saas-20-200-ann",
      channel: "multi",
      target_criteria: { exclude_1st_degree: true },
    });
    ids.multi = multi.campaign_slug;
    const listed = await runCli(["campaigns", "list", "--offer", "ramp-coach"], env);
    const shownMulti = (await runCli(["campaigns", "show", ids.multi!], env)).stdout;
    expect(shownMulti).toMatch(/offer\s+ramp-coach\n/);
    // Counts say what they count, rates what they divide by.
    expect(shownMulti).toMatch(/sent\s+0 messages to 0 people \(0 delivered, no bounce\), 0 people opened an email\n/);
    expect(shownMulti).toMatch(/outcomes\s+0 replied \(n\/a of people contacted\), 0 meetings \(n\/a of people contacted\)/);
    expect(listed.stdout).toMatch(
      /cold-ramp-coach-multi-hiring-saas-20-200-ann\s+Hiring SDRs, SaaS 20-200\s+ramp-coach\s+multi\s+draft\s+0/,
    );
  });

  it("adds contacts by the target criteria and the send path's rules, reporting skips by reason; a dry run writes nothing", async () => {
    const dry = await runCli(["campaigns", "add-contacts", ids.email!, "--dry-run", "--json"], env);
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout);
    // Weak Co (fit 2) is not matched; of the 9 others, 3 are skipped by the rules and 1 is unverified.
    expect(planned).toMatchObject({
      dryRun: true,
      matched: 9,
      wouldAdd: 5,
      added: 0,
      skipped: { do_not_contact: 1, cooling_off: 1, in_other_campaign: 1, email_not_accepted: 1 },
    });
    expect(await count(dataDir, "campaign_contacts")).toBe(1);

    const text = await runCli(["campaigns", "add-contacts", ids.email!, "--limit", "4"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/9 contact\(s\) match the campaign's target criteria; 4 added\./);
    expect(text.stdout).toMatch(/1 {2}cooling_off: This person was contacted by us less than 60 days ago/);
    expect(text.stdout).toMatch(/1 {2}over_limit: over the --limit/);
    const more = JSON.parse(
      (await runCli(["campaigns", "add-contacts", ids.email!, "--email-status", "valid,unknown", "--json"], env)).stdout,
    );
    expect(more).toMatchObject({ added: 2, skipped: { already_in_campaign: 4 } });
    expect((await runCli(["campaigns", "add-contacts", ids.email!, "--email-status", "great"], env)).stderr).toMatch(
      /--email-status: "great" not allowed/,
    );
  });

  it("launches only when every step has an approved template and an account, then pauses, resumes and forecasts", async () => {
    const blocked = await runCli(["campaigns", "launch", ids.email!], env);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/it was not launched/);
    expect(blocked.stderr).toMatch(/scheduling_config\.steps\.2: step 3 \(email\) has no approved template/);
    expect(JSON.parse((await runCli(["campaigns", "show", ids.email!, "--json"], env)).stdout).status).toBe("draft");
    // The same checks without launching: a failing draft stays draft, exit 1, the problem named.
    const failing = await runCli(["campaigns", "check", ids.email!], env);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/launch checks fail \(status draft\)/);
    expect(failing.stdout).toMatch(/scheduling_config\.steps\.2: step 3 \(email\) has no approved template/);

    await withDb(dataDir, (db) =>
      db
        .insertInto("message_templates")
        .values({ offer_id: ids.offer!, name: "Email 3", channel: "email", sequence_step: 3, body: "Last one.", status: "approved" })
        .execute(),
    );
    // `ready` means the launch checks pass.
    const passing = await runCli(["campaigns", "check", ids.email!, "--json"], env);
    expect(passing.code).toBe(0);
    expect(JSON.parse(passing.stdout)).toMatchObject({ ok: true, previous: "draft", status: "ready", problems: [], contacts: 6 });
    const launched = await runCli(["campaigns", "launch", ids.email!, "--json"], env);
    expect(launched.code).toBe(0);
    expect(JSON.parse(launched.stdout)).toMatchObject({
      previous: "ready",
      campaign: { status: "active" },
      offerActivated: true,
      contacts: 6,
    });

    const multi = await runCli(["campaigns", "launch", ids.multi!], env);
    expect(multi.code).toBe(2);
    expect(multi.stderr).toMatch(/step 2 \(linkedin_dm\) has no approved template/);

    expect((await runCli(["campaigns", "resume", ids.email!], env)).stderr).toMatch(/is active, not paused/);
    expect((await runCli(["campaigns", "pause", ids.email!], env)).stdout).toMatch(/active → paused/);
    expect((await runCli(["campaigns", "resume", ids.email!], env)).stdout).toMatch(/paused → active/);

    // 6 contacts, 3 emails each, 3 emails a day from one mailbox: 18 sends over at least 6 send days.
    const f = JSON.parse((await runCli(["campaigns", "forecast", ids.email!, "--json"], env)).stdout);
    expect(f).toMatchObject({ contacts: 6, finishes: true, bottleneck: { action: "email", limit: "daily_cap" } });
    expect(f.actions).toEqual([expect.objectContaining({ action: "email", sends: 18, capacityPerDay: 3 })]);
    expect(f.sendDays).toBeGreaterThanOrEqual(6);
    const text = await runCli(["campaigns", "forecast", ids.email!], env);
    expect(text.stdout).toMatch(/finishes\s+\d{4}-\d{2}-\d{2} — \d+ calendar day\(s\), \d+ send day\(s\)/);
    expect(text.stdout).toMatch(
      /bottleneck\s+email sends waited for the next day on \d+ send day\(s\): the accounts' daily limit \(3 a day in all\)/,
    );
    expect((await runCli(["campaigns", "forecast", ids.email!, "--acceptance-rate", "2"], env)).stderr).toMatch(
      /--acceptance-rate: must be a number from 0 to 1/,
    );
    await withDb(dataDir, (db) => db.updateTable("accounts").set({ status: "paused" }).where("id", "=", ids.mail!).execute());
    const never = JSON.parse((await runCli(["campaigns", "forecast", ids.email!, "--json"], env)).stdout);
    expect(never).toMatchObject({ finishes: false, blocked: [{ action: "email", reason: "account_paused" }] });
  });

  it("refuses to launch when no account of a step's type can ever send, and says which accounts cannot", async () => {
    await withDb(dataDir, async (db) => {
      await accounts.create(db, { name: "unlinked@ramp.io", type: "email", owner: "ann", email_address: "unlinked@ramp.io" });
      await accounts.create(db, {
        name: "gone@ramp.io",
        type: "email",
        owner: "ann",
        email_address: "gone@ramp.io",
        unipile_account_id: "u-gone",
        status: "disconnected",
      });
      // (The test before paused ann's mailbox.)
      await db.updateTable("accounts").set({ status: "active" }).where("name", "=", "ann@ramp.io").execute();
    });
    const create = async (slugPart: string, accountsFlag: string) => {
      const res = await runCli(
        [
          "campaigns",
          "create",
          "--offer",
          "ramp-coach",
          "--name",
          slugPart,
          "--channel",
          "email",
          "--accounts",
          accountsFlag,
          "--signal",
          slugPart,
          "--icp",
          "saas",
          "--json",
        ],
        env,
      );
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout).campaign_slug as string;
    };
    const dead = await create("dead", "unlinked@ramp.io,gone@ramp.io");
    const refused = await runCli(["campaigns", "launch", dead], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/it was not launched/);
    expect(refused.stderr).toMatch(
      /account_ids: no email account of the campaign can send, so its email steps would never go out: unlinked@ramp\.io: Not linked to Unipile.* gone@ramp\.io: The sending account is disconnected/,
    );
    expect(JSON.parse((await runCli(["campaigns", "show", dead, "--json"], env)).stdout).status).toBe("draft");

    const mixed = await create("mixed", "unlinked@ramp.io,ann@ramp.io");
    const launched = await runCli(["campaigns", "launch", mixed, "--json"], env);
    expect(launched.code, launched.stderr).toBe(0);
    expect(JSON.parse(launched.stdout).warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^some email accounts of the campaign cannot send, and the others do their work: unlinked@ramp\.io: Not linked to Unipile/,
        ),
      ]),
    );
    await runCli(["campaigns", "cancel", mixed, "--yes"], env);
  });

  it("cancels only with --yes, cancelling the queue, and why tells each person's story", async () => {
    const slug = ids.email!;
    const jane = await withDb(dataDir, async (db) => {
      const c = (await campaigns.get(db, slug))!;
      const cc = (await campaignContacts.listByCampaign(db, c.id))[0]!;
      await db
        .insertInto("send_queue")
        .values({
          campaign_id: c.id,
          campaign_contact_id: cc.id,
          contact_id: cc.contact_id,
          account_id: ids.mail!,
          channel: "email",
          action_type: "email",
          sequence_step: 1,
          body: "Hi",
          scheduled_for: new Date(),
          defer_reason: "daily_cap",
        })
        .execute();
      return (await db.selectFrom("contacts").select("email").where("id", "=", cc.contact_id).executeTakeFirstOrThrow()).email!;
    });
    const story = JSON.parse((await runCli(["why", jane, "--json"], env)).stdout);
    expect(story.campaigns).toEqual([expect.objectContaining({ campaign: "Hiring SDRs", status: "queued" })]);
    expect(story.sends).toEqual([
      expect.objectContaining({ status: "pending", defer_reason: "daily_cap", why: expect.stringMatching(/daily limit/) }),
    ]);
    expect(story.newCampaign).toMatchObject({ allowed: true });

    expect((await runCli(["campaigns", "cancel", slug], env)).stderr).toMatch(/cancelling is final .*pass --yes/);
    const cancelled = await runCli(["campaigns", "cancel", slug, "--yes"], env);
    expect(cancelled.stdout).toMatch(/active → cancelled\. 1 queued send\(s\) cancelled, 6 sequence\(s\) ended/);
    const after = await runCli(["why", jane], env);
    expect(after.stdout).toMatch(/Hiring SDRs · step 1 · email: not sent \(skipped\) — The campaign is not active\./);
    expect(after.stdout).toMatch(/stopped because\s*\n.*The campaign was cancelled\./s);
    expect((await runCli(["campaigns", "launch", slug], env)).stderr).toMatch(
      /status: the campaign is cancelled, which is final; create a new campaign/,
    );

    const dnc = JSON.parse((await runCli(["why", "p1@good.co", "--json"], env)).stdout);
    expect(dnc.contacts.map((c: { offer: string }) => c.offer).sort()).toEqual(["Other", "Ramp Coach"]);
    expect(dnc.newCampaign).toMatchObject({ allowed: false, reason: "do_not_contact" });
    const cooling = await runCli(["why", "P2@good.co"], env);
    expect(cooling.stdout).toMatch(
      /may not start with this person now: This person was contacted by us less than 60 days ago.* \(possible from \d{4}-\d{2}-\d{2}/,
    );
    expect((await runCli(["why", "nobody@good.co"], env)).code).toBe(1);
    expect((await runCli(["why", "not a person"], env)).stderr).toMatch(/neither an email address nor a LinkedIn profile URL/);
  });
});

describe.each(testEngines())("a send window that ends at midnight on %s", (engine) => {
  let env: Record<string, string>;
  let t: TestDb | undefined;
  let dataDir = "";
  const inDb = <T>(fn: (db: Db) => Promise<T>) => (t ? fn(t.db) : withDb(dataDir, fn));
  const create = (window: string) =>
    runCli(
      [
        "campaigns",
        "create",
        "--offer",
        "night",
        "--name",
        `Night ${window}`,
        "--channel",
        "email",
        "--accounts",
        "owl@night.io",
        "--signal",
        "s",
        "--icp",
        `i-${window.replace(/\D/g, "")}`,
        "--window",
        window,
        "--days",
        "1-7",
        "--timezone",
        "UTC",
        "--json",
      ],
      env,
    );

  beforeAll(async () => {
    if (engine === "postgres") {
      t = await createTestDb("postgres");
      env = { DATABASE_URL: t.url! };
    } else {
      dataDir = path.join(tempDir(), "data");
      env = { OFFERLAB_DATA_DIR: dataDir };
    }
    await inDb(async (db) => {
      await offers.create(db, { name: "Night", type: "product", ownership: "internal", description: "d" });
      await accounts.create(db, {
        name: "owl@night.io",
        type: "email",
        owner: "owl",
        email_address: "owl@night.io",
        unipile_account_id: "u-owl",
      });
    });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("campaigns create --window 00:00-24:00 stores the end of the day, shows it, and the send path reads it as midnight", async () => {
    const res = await create("00:00-24:00");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const c = JSON.parse(res.stdout);
    expect(c).toMatchObject({ send_window_start: "00:00:00", send_window_end: "24:00:00" });
    expect((await runCli(["campaigns", "show", c.campaign_slug], env)).stdout).toMatch(
      /window\s+00:00-24:00 on days 1,2,3,4,5,6,7 \(UTC\)/,
    );
    const stored = await inDb((db) => db.selectFrom("campaigns").selectAll().where("id", "=", c.id).executeTakeFirstOrThrow());
    const window = windowFromCampaign(stored);
    expect(isInWindow(window, new Date("2026-03-02T23:59:30Z"))).toBe(true);
    expect(nextWindowOpening(window, new Date("2026-03-02T23:59:30Z")).toISOString()).toBe("2026-03-02T23:59:30.000Z");
    // The same from a file, and a window that starts later in the evening.
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "c.yaml"),
      'offer: night\nname: From file\nchannel: email\naccounts: [owl@night.io]\nsignal: s\nicp_target: file\nsend_window_start: "18:00"\nsend_window_end: "24:00"\n',
    );
    const fromFile = await runCli(["campaigns", "create", "--file", path.join(dir, "c.yaml"), "--json"], env);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ send_window_start: "18:00:00", send_window_end: "24:00:00" });
  });

  it("refuses 24:00 as a start, a time past 24:00 and an end before the start, naming the flag, and writes nothing", async () => {
    const before = await inDb(async (db) => (await db.selectFrom("campaigns").select("id").execute()).length);
    const cases: [string, string][] = [
      [
        "24:00-24:00",
        "--window: a window cannot start at 24:00, the end of the day; start it at 00:00 (e.g. 00:00-24:00 for the whole day)",
      ],
      ["09:00-24:30", "--window: 24:30 is not a time of day: use 00:00 to 23:59, or 24:00 for the end of the day"],
      ["09:00-25:00", "--window: 25:00 is not a time of day: use 00:00 to 23:59, or 24:00 for the end of the day"],
      [
        "17:00-09:00",
        "--window: the end 09:00 must be after the start 17:00 (a window does not wrap around midnight; 24:00 ends it at midnight)",
      ],
    ];
    for (const [window, message] of cases) {
      const res = await create(window);
      expect(res.stderr).toBe(`offerlab: ${message}\n`);
      expect(res.code).toBe(2);
    }
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "c.yaml"),
      'offer: night\nname: Bad\nchannel: email\naccounts: [owl@night.io]\nsignal: s\nicp_target: bad\nsend_window_start: "24:00"\nsend_window_end: "24:00"\n',
    );
    const fromFile = await runCli(["campaigns", "create", "--file", path.join(dir, "c.yaml")], env);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toMatch(/send_window_start: 24:00 is the end of a day; a window starts at 23:59 at the latest/);
    expect(await inDb(async (db) => (await db.selectFrom("campaigns").select("id").execute()).length)).toBe(before);
  });
});

describe("launch and the planner agree on templates", () => {
  it("binds the offer's first email to a multi campaign's first email step, and the planner sends that email", async () => {
    const dataDir = path.join(tempDir(), "data");
    const env = { OFFERLAB_DATA_DIR: dataDir };
    await withDb(dataDir, async (db) => {
      const offer = await offers.create(db, { name: "Bind", type: "product", ownership: "internal", description: "d" });
      await db
        .insertInto("message_templates")
        .values([
          { offer_id: offer.id, name: "Note", channel: "linkedin_connect", body: "Hi {{first_name}}", status: "approved" },
          {
            offer_id: offer.id,
            name: "Email 1",
            channel: "email",
            sequence_step: 1,
            template_key: "email.1",
            subject: "Ramp at {{company.name}}",
            body: "First email, {{first_name}}.",
            status: "approved",
          },
          {
            offer_id: offer.id,
            name: "Email 2",
            channel: "email",
            sequence_step: 2,
            template_key: "email.2",
            body: "Second email.",
            status: "approved",
          },
        ])
        .execute();
      await accounts.create(db, { name: "li", type: "linkedin", owner: "bo", unipile_account_id: "u-li" });
      await accounts.create(db, {
        name: "bo@bind.io",
        type: "email",
        owner: "bo",
        email_address: "bo@bind.io",
        unipile_account_id: "u-mail",
      });
      const co = (await companies.upsert(db, { offer_id: offer.id, name: "Good Co", domain: "good.co", source_tool: "m" })).company;
      // Becomes a connection after enrolment (a cold_outreach campaign does not enrol 1st-degree
      // connections): the invitation step is skipped and the email (campaign step 2) comes next.
      await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: co.id,
        source_tool: "m",
        first_name: "Kim",
        full_name: "Kim Lee",
        email: "kim@good.co",
        email_status: "valid",
        linkedin_url: "https://www.linkedin.com/in/kim-lee",
        status: "ready",
      });
    });
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "schedule.yaml"),
      "steps:\n  - { step: 1, type: connection_request, delay_days: 0 }\n  - { step: 2, type: email, delay_days: 0 }\n",
    );
    const created = await runCli(
      [
        "campaigns",
        "create",
        "--offer",
        "bind",
        "--name",
        "Bind",
        "--channel",
        "multi",
        "--accounts",
        "li,bo@bind.io",
        "--signal",
        "s",
        "--icp",
        "i",
        "--schedule",
        path.join(dir, "schedule.yaml"),
        "--window",
        "00:00-23:59",
        "--days",
        "1-7",
        "--timezone",
        "UTC",
        "--json",
      ],
      env,
    );
    const slug = JSON.parse(created.stdout).campaign_slug as string;
    expect(JSON.parse((await runCli(["campaigns", "add-contacts", slug, "--json"], env)).stdout)).toMatchObject({ added: 1 });
    const launched = JSON.parse((await runCli(["campaigns", "launch", slug, "--json"], env)).stdout);
    expect(launched.steps).toEqual([
      { step: 1, channel: "linkedin_connect", template: "Note", bound: false },
      { step: 2, channel: "email", template: "Email 1", bound: true },
    ]);
    const queued = await withDb(dataDir, async (db) => {
      await db.updateTable("contacts").set({ connection_degree: 1 }).where("email", "=", "kim@good.co").execute();
      await planDue({ db }); // skips the invitation (already connected)
      await planDue({ db }); // plans the email
      return db.selectFrom("send_queue").select(["sequence_step", "channel", "subject", "body"]).execute();
    });
    expect(queued).toEqual([{ sequence_step: 2, channel: "email", subject: "Ramp at Good Co", body: "First email, Kim." }]);
  });
});

describe("help", () => {
  it("prints help with examples for every product command", async () => {
    for (const args of [
      ["init"],
      ["offers", "new"],
      ["offers", "edit"],
      ["offers", "status"],
      ["templates", "list"],
      ["templates", "approve"],
      ["accounts", "add"],
      ["accounts", "list"],
      ["accounts", "pause"],
      ["accounts", "resume"],
      ["accounts", "limits"],
      ["accounts", "warm"],
      ["accounts", "sync"],
      ["campaigns", "create"],
      ["campaigns", "add-contacts"],
      ["campaigns", "check"],
      ["campaigns", "launch"],
      ["campaigns", "pause"],
      ["campaigns", "resume"],
      ["campaigns", "cancel"],
      ["campaigns", "forecast"],
      ["why"],
    ]) {
      const res = await runCli([...args, "--help"], {});
      expect(res.code, args.join(" ")).toBe(0);
      expect(res.stdout, args.join(" ")).toMatch(/Usage: offerlab/);
      expect(res.stdout, args.join(" ")).toMatch(/Examples:\n {2}\$ offerlab /);
    }
  });
});
