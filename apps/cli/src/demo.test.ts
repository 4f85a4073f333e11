/**
 * `offerlab demo` end to end: the whole product on the sandbox, on PGlite and on Postgres, with
 * the database checked afterwards against the invariants of docs/architecture.md and against what the simulated
 * providers saw; and the command as a user runs it (spawned process, --json, exit codes), twice on
 * fresh folders — the second time with the wall clock on another day — to prove that one seed and
 * one start tell one story: the same summary, and the same journal once database ids are
 * normalised. The same comparison, on two commits, shows what a change did (README).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDb, testEngines, type TestDb, type TestEngine } from "@offerlab/db/testing";
import { createDb, dataMode, type Database } from "@offerlab/db";
import { normalizeJournal } from "@offerlab/sandbox";
import { sql, type Kysely } from "kysely";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { whatHappened } from "./commands/demo.js";
import { runDemo } from "./demo/run-demo.js";
import type { Io } from "./output.js";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const START = new Date("2026-03-02T08:00:00Z"); // a Monday

/**
 * What a finished demo's database must satisfy, read from the database itself: the send path's
 * invariants (docs/architecture.md) and books equal to the messages that actually left.
 */
async function expectInvariantsAndBooks(
  db: Kysely<Database>,
  campaignId: string,
  facts: { repliedContacts: number; sent: { total: number } },
) {
  // Invariant 1: one sent attempt per queue row, one message per sent row.
  const dup = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM (SELECT send_queue_id FROM send_attempts WHERE status = 'sent' GROUP BY 1 HAVING count(*) > 1) x`.execute(
    db,
  );
  expect(dup.rows[0]!.n).toBe(0);
  // Invariant 5: nothing went to a person of this campaign after their reply (a tick applies the
  // inbox before it sends, so even a reply that came between two ticks stops the next step).
  const afterReply = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages m
    JOIN (SELECT campaign_contact_id, min(replied_at) AS at FROM messages WHERE replied_at IS NOT NULL GROUP BY 1) r
      ON r.campaign_contact_id = m.campaign_contact_id
    WHERE m.campaign_id = ${campaignId}::uuid AND m.sent_at > r.at`.execute(db);
  expect(afterReply.rows[0]!.n).toBe(0);
  const replied = await sql<{
    n: number;
  }>`SELECT count(DISTINCT campaign_contact_id)::int AS n FROM messages WHERE replied_at IS NOT NULL AND campaign_id = ${campaignId}::uuid`.execute(
    db,
  );
  expect(replied.rows[0]!.n).toBe(facts.repliedContacts);
  // Metrics match the messages that left: everything with a send time is sent, delivered unless it bounced.
  const books = await db
    .selectFrom("campaigns")
    .select(["total_sent", "total_delivered", "total_replied"])
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const left = await sql<{ sent: number; bounced: number }>`
    SELECT count(*) FILTER (WHERE status <> 'bounced')::int AS sent, count(*) FILTER (WHERE status = 'bounced')::int AS bounced
    FROM messages WHERE campaign_id = ${campaignId}::uuid AND sent_at IS NOT NULL`.execute(db);
  expect(books.total_sent).toBe(left.rows[0]!.sent + left.rows[0]!.bounced);
  expect(books.total_delivered).toBe(left.rows[0]!.sent);
  expect(books.total_replied).toBe(facts.repliedContacts);
  expect(facts.sent.total).toBe(left.rows[0]!.sent);
  // Meetings (booked through the Cal.com route) count each person once, whatever the redeliveries.
  const meetings = await sql<{ people: number; total: number }>`
    SELECT (SELECT count(DISTINCT contact_id)::int FROM outcomes WHERE campaign_id = ${campaignId}::uuid AND kind = 'meeting_booked') AS people,
      (SELECT total_meetings FROM campaign_performance WHERE id = ${campaignId}::uuid) AS total`.execute(db);
  expect(meetings.rows[0]!.total).toBe(meetings.rows[0]!.people);
  // Every provider call was recorded in tool_usage.
  const usage = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tool_usage`.execute(db);
  expect(usage.rows[0]!.n).toBeGreaterThan(0);
}

// The spawned run below is the demo on PGlite (the embedded default users get), and its database
// is checked with the same assertions; the in-process run (two weeks, livelier people) runs on
// Postgres when there is one (CI), else on PGlite, rather than on both: on PGlite it takes four
// times as long.
const engines = testEngines();
const inProcess: TestEngine[] = engines.includes("postgres") ? ["postgres"] : engines;

describe.each(inProcess)("the demo on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("runs the whole product and leaves a database whose books and invariants hold", async () => {
    t = await createTestDb(engine);
    // Livelier people than the defaults, so that two weeks surely bring replies to check.
    const r = await runDemo({ db: t.db, weeks: 2, startAt: START, rates: { acceptRate: 0.6, dmReplyRate: 0.5, emailReplyRate: 0.3 } });
    const f = r.facts;

    // Every stage did real work.
    expect(f.companies.qualified).toBeGreaterThan(5);
    expect(f.contacts.validEmails).toBeGreaterThan(5);
    expect(r.enrolment.added).toBeGreaterThan(10);
    expect(f.sent.invitations).toBeGreaterThan(10);
    expect(f.sent.dms).toBeGreaterThan(0);
    expect(f.sent.emails).toBeGreaterThan(0);
    expect(f.accepted).toBeGreaterThan(0);
    expect(f.repliedContacts).toBeGreaterThan(0);
    expect(r.webhooks.delivered).toBeGreaterThan(0);
    expect(r.ticks.jobErrors).toBe(0);
    // The sandbox's vendors report their balances, as the real ones do (offerlab tools list).
    const left = Object.fromEntries(f.creditsLeft.map((c) => [c.tool, c.remaining]));
    expect(left.leadmagic).toBeGreaterThan(0);
    expect(left.theirstack).toBeGreaterThan(0);
    expect(left.firecrawl).toBeGreaterThan(0);
    expect(left.exa).toBeUndefined();
    expect(r.simulated).toMatchObject({ from: START.toISOString(), to: new Date(START.getTime() + 14 * 86_400_000).toISOString() });
    // The report reads the data on the clock the run simulated to (a Monday), not at its last send (a Friday).
    expect(r.experiment.asOf).toBe(r.simulated.to);

    // The checks the demo prints, each recomputed here against the database and the provider.
    expect(f.checks.filter((c) => !c.ok)).toEqual([]);
    expect(f.checks.map((c) => c.name)).toEqual([
      "no double send",
      "limits held",
      "send window",
      "books match sends",
      "books match meetings",
    ]);

    // Meetings were booked on the simulated Cal.com and came in through the signed webhook route;
    // the performance view counts them.
    expect(r.bookings.recorded).toBeGreaterThan(0);
    expect(r.bookings.rejected).toBe(0);
    expect(f.meetings.booked).toBeGreaterThan(0);
    expect(f.meetings.fromCalcom).toBeGreaterThanOrEqual(f.meetings.booked);
    const perf = await t.db
      .selectFrom("campaign_performance")
      .select(["total_meetings", "current_meeting_rate"])
      .where("id", "=", r.campaign.id)
      .executeTakeFirstOrThrow();
    expect(perf.total_meetings).toBe(f.meetings.booked);
    expect(Number(perf.current_meeting_rate)).toBeGreaterThan(0);

    await expectInvariantsAndBooks(t.db, r.campaign.id, f);
    const db = t.db;
    // The demo's database belongs to the sandbox from now on: live runs refuse it.
    expect((await dataMode(db))?.mode).toBe("sandbox");

    // The command refuses to tell its story on a PostgreSQL database that holds data (it never
    // empties a database it did not create), and leaves it as it was.
    if (t.url) {
      let stdout = "";
      let stderr = "";
      const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { DATABASE_URL: t.url }, cwd: repoRoot };
      expect(await run(["node", "offerlab", "demo", "--weeks", "1"], io), stderr).toBe(2);
      expect(stderr).toContain("already holds data (an earlier demo's): the demo tells its story on an empty database");
      expect(stderr).toContain("Point DATABASE_URL at an empty database, or unset it");
      expect(stdout).toBe("");
      expect(await db.selectFrom("offers").select("name").execute()).toHaveLength(1);
    }
  }, 300_000);
});

describe("offerlab demo as a user runs it", () => {
  // Users' folders, no OFFERLAB_DATA_DIR: the demo's data goes to the sandbox's own database.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-demo-"));
  const folder = (name: string) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };
  const dir = folder("first");
  const dataDir = path.join(dir, ".offerlab-sandbox");
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const spawn = (args: string[], env: Record<string, string> = {}, options: { cwd?: string; nodeArgs?: string[] } = {}) => {
    const res = spawnSync(process.execPath, [...(options.nodeArgs ?? []), ...cliEntry(), ...args], {
      cwd: options.cwd ?? dir,
      // No vendor key in sight: the demo needs none, and a real one must not matter.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", UNIPILE_API_KEY: "real-looking-key", ...env },
      encoding: "utf8",
      timeout: 240_000,
    });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };
  // The wall clock of the whole process (the database's `now()` included) 400 days ahead: another
  // day to run the demo on.
  const anotherDay = `data:text/javascript,${encodeURIComponent(`
    const shift = 400 * 86400000, RealDate = Date;
    globalThis.Date = class extends RealDate {
      constructor(...a) { if (a.length === 0) super(RealDate.now() + shift); else super(...a); }
      static now() { return RealDate.now() + shift; }
    };`)}`;
  // The summary with its one figure that may differ, the seconds the run took.
  const story = (stdout: string) => stdout.replace(/cron ticks, [\d.]+ s\)/, "cron ticks, … s)");
  const journal = (file: string) => normalizeJournal(fs.readFileSync(file, "utf8"));
  let firstStdout = "";

  it("refuses bad flags before anything is written", () => {
    const bad = spawn(["demo", "--weeks", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--weeks: a whole number of weeks from 1 to 12");
    for (const start of ["2026-02-30", "yesterday", "2026-03-02T09:00"]) {
      const res = spawn(["demo", "--start", start]);
      expect(res.code, start).toBe(2);
      expect(res.stderr).toContain(
        `offerlab: --start: a date (YYYY-MM-DD, 08:00 UTC that day), an ISO 8601 time with its offset (2026-03-02T14:30:00Z) or "today" (got "${start}")`,
      );
    }
    const seed = spawn(["demo", "--seed", " "]);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("--seed: give a non-empty seed");
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it("refuses, and leaves as they were, a folder that is not a database and one with sandbox data it did not make", () => {
    const notes = folder("notes");
    fs.writeFileSync(path.join(notes, "todo.txt"), "keep me");
    const notDb = spawn(["demo", "--weeks", "1"], { OFFERLAB_DATA_DIR: "notes" }, { cwd: root });
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain(
      `offerlab: ${notes} is not a database folder (it holds files but no PG_VERSION); the demo left it as it was.`,
    );
    expect(fs.readdirSync(notes)).toEqual(["todo.txt"]);

    const own = { OFFERLAB_DATA_DIR: path.join(root, "own-sandbox") };
    expect(spawn(["offers", "create", "--sandbox", "--file", path.join(repoRoot, "examples/offer.yaml")], own).code).toBe(0);
    const refused = spawn(["demo", "--weeks", "1"], own);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `offerlab: ${own.OFFERLAB_DATA_DIR} holds sandbox data the demo did not make (offer ai-sales-coach); the demo starts afresh and would delete it, so it left it as it was. Run it on another folder: OFFERLAB_DATA_DIR=demo-data offerlab demo`,
    );
    const kept = spawn(["offers", "list", "--sandbox", "--json"], own);
    expect(JSON.parse(kept.stdout).map((o: { slug: string }) => o.slug)).toEqual(["ai-sales-coach"]);
  }, 240_000);

  it("tells one story per seed and start, whatever the day it runs on: the same summary and the same journal once ids are normalised", () => {
    const first = spawn(["demo", "--weeks", "1"], { OFFERLAB_SANDBOX_JOURNAL: path.join(root, "first.jsonl") });
    expect(first.code, first.stderr).toBe(0);
    firstStdout = first.stdout;
    // The activity table shows each time where the campaign sends (New York), with the zone's label.
    const activity = first.stdout.slice(first.stdout.indexOf("Activity (latest)\n"), first.stdout.indexOf("What happened"));
    const activityRows = activity.trimEnd().split("\n").slice(3);
    expect(activityRows.length).toBeGreaterThan(0);
    for (const row of activityRows) expect(row).toMatch(/^2026-03-\d\d \d\d:\d\d E[SD]T\s/);
    expect(first.stderr).toMatch(/SANDBOX/);
    // It says where its data is, and that is not where live data lives.
    expect(first.stderr).toContain(`[SANDBOX] data: embedded PGlite at ${dataDir}`);
    expect(fs.existsSync(path.join(dir, ".offerlab"))).toBe(false);
    expect(first.stdout).toContain("This was a SANDBOX run");
    expect(first.stdout).toMatch(/ok {3}no double send/);
    // The seed is printed, and the dates are the fixed start's, not today's.
    expect(first.stdout).toContain("- Seed offerlab-demo, simulated 2026-03-02 to 2026-03-09:");
    // The experiment's printout says the truth, what the data can say, and what would settle it.
    expect(first.stdout).toContain("The truth, known only to the sandbox: its simulated people answer B 2x as often as A.");
    expect(first.stdout).toMatch(/What the data says so far \(matured contacts with a reply within 7 days\): A \d+ of \d+, B \d+ of \d+/);
    // `offerlab report --sandbox` afterwards reads the demo's data as of its own clock: the same counts.
    const slug = /offerlab report --experiment (\S+) --sandbox/.exec(first.stdout)![1]!;
    const report = spawn(["report", "--experiment", slug, "--sandbox", "--json"]);
    expect(report.code, report.stderr).toBe(0);
    const shown = JSON.parse(report.stdout) as { arms: { label: string; matured: number; maturing: number; successes: number }[] };
    for (const a of shown.arms) {
      expect(first.stdout).toContain(`${a.label} ${a.successes} of ${a.matured}`);
    }
    expect(first.stdout).toContain(`${shown.arms.reduce((n, a) => n + a.maturing, 0)} contact(s) still maturing`);
    // Both read the data on the clock the demo says it simulated to (03-09, a Monday), not at its
    // last send (Friday 03-06): the weekend's maturity counts.
    expect(first.stdout).toContain("As of 2026-03-09 ");
    expect((JSON.parse(report.stdout) as { asOf: string }).asOf.slice(0, 10)).toBe("2026-03-09");

    // A fresh folder, another day on the wall clock (400 days on, the database's clock too).
    const second = spawn(
      ["demo", "--weeks", "1"],
      { OFFERLAB_SANDBOX_JOURNAL: path.join(root, "second.jsonl") },
      { cwd: folder("second"), nodeArgs: ["--import", anotherDay] },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(story(second.stdout)).toBe(story(first.stdout));
    const journals = [journal(path.join(root, "first.jsonl")), journal(path.join(root, "second.jsonl"))];
    expect(journals[0]!.split("\n").length).toBeGreaterThan(300);
    expect(journals[0]).toContain('"path":"/emails"');
    expect(journals[1]).toBe(journals[0]);
    // The command users compare with gives the same normalised text.
    const normalized = spawn(["journal", "normalize", path.join(root, "first.jsonl")]);
    expect(normalized.code).toBe(0);
    expect(normalized.stdout).toBe(journals[0]);
    expect(spawn(["journal", "normalize", path.join(root, "missing.jsonl")]).code).toBe(2);
  }, 600_000);

  it("leaves data the other commands read, and a second run in the same folder starts afresh and tells the same story, as JSON", async () => {
    const perf = spawn(["performance", "--json", "--sandbox"]);
    expect(perf.code).toBe(0);
    const { campaigns } = JSON.parse(perf.stdout);
    expect(campaigns).toHaveLength(1);
    // Live commands see none of it, and the runner refuses to send from the demo's database.
    expect(JSON.parse(spawn(["performance", "--json"]).stdout).campaigns).toEqual([]);
    const runner = spawn(["cron", "once"], { OFFERLAB_DATA_DIR: dataDir, UNIPILE_DSN: "127.0.0.1:9" });
    expect(runner.code).toBe(2);
    expect(runner.stderr).toContain("holds the sandbox's simulated data");

    // A second run in the same folder removes the first run's data, says so, and tells the
    // first run's story again: the same summary, the same journal.
    const again = spawn(["demo", "--weeks", "1", "--json"], { OFFERLAB_SANDBOX_JOURNAL: path.join(root, "again.jsonl") });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/SANDBOX/);
    expect(again.stderr).toContain(`Starting afresh: removed the previous demo's data in ${dataDir}`);
    // …and does not then announce the database it made in its place as news.
    expect(again.stderr).not.toContain("Created a new embedded database");
    const out = JSON.parse(again.stdout);
    expect(out).toMatchObject({
      sandbox: true,
      seed: "offerlab-demo",
      offer: { name: "AI Sales Coach", slug: "ai-sales-coach-demo" },
      simulated: { from: "2026-03-02T08:00:00.000Z" },
    });
    expect(out.facts.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    // The report is read on the clock the run says it simulated to.
    expect(out.experiment.asOf).toBe(out.simulated.to);
    expect(out.facts.sent.total).toBeGreaterThan(0);
    expect(story(firstStdout)).toContain(story(whatHappened(out)));
    expect(journal(path.join(root, "again.jsonl"))).toBe(journal(path.join(root, "first.jsonl")));
    // The embedded database it leaves, opened here: the same invariants and books as above.
    const db = createDb({ dataDir, env: {} });
    try {
      await expectInvariantsAndBooks(db, out.campaign.id, out.facts);
    } finally {
      await db.destroy();
    }
    const only = JSON.parse(spawn(["performance", "--json", "--sandbox"]).stdout).campaigns as { id: string; total_delivered: number }[];
    expect(only.map((c) => c.id)).toEqual([out.campaign.id]);
    // The facts' sends are the messages that left and did not bounce: delivered.
    expect(only[0]!.total_delivered).toBe(out.facts.sent.total);
  }, 600_000);
});
