/**
 * `send_attempts` has one writer: attempts.ts, whose typed transitions are the attempt's state
 * machine. Any other module of the repository that inserts, updates or deletes attempts fails here.
 * Likewise `send_queue` is written by the db queue aggregate only (`sendQueue`): the send path and a
 * person's admin actions (cancelling a campaign) call its named transitions. And the runtime writes
 * `contacts`, `campaign_contacts` and `messages` only through the transitions of their db aggregates
 * (`contacts`, `campaignContacts`, `sendQueue`). `accounts`, `message_events`, `outreach_history`
 * and `webhook_inbox` each have one writer in packages and apps: their db aggregate module, whose
 * named transitions the runtime (send path, event handlers, inbox, books) calls.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repo = path.resolve(__dirname, "../../../../..");
const OWNER = path.join("packages", "scheduler", "src", "runtime", "attempts.ts");
const WRITES = /(?:updateTable|insertInto|deleteFrom)\(\s*["'`]send_attempts\b|\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+send_attempts\b/i;

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "__tests__", "__fixtures__", "coverage"].includes(e.name)) continue;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) sources(abs, out);
    else if (/\.(ts|tsx|js|mjs)$/.test(e.name) && !/\.test\.|\.generated\./.test(e.name) && !e.name.endsWith(".d.ts")) out.push(abs);
  }
  return out;
}

describe("send_attempts", () => {
  it("is written by attempts.ts only (packages and apps; tests and the raw-SQL benchmark aside)", () => {
    const files = [...sources(path.join(repo, "packages")), ...sources(path.join(repo, "apps"))];
    expect(files.some((f) => f.endsWith(OWNER))).toBe(true);
    const writers = files.filter((f) => WRITES.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(repo, f));
    expect(writers).toEqual([OWNER]);
  });

  it("the pattern catches the ways a write is spelled", () => {
    for (const text of [
      '.updateTable("send_attempts")',
      "insertInto('send_attempts')",
      "UPDATE send_attempts SET status = 'sent'",
      "delete from send_attempts",
    ])
      expect(WRITES.test(text), text).toBe(true);
    expect(WRITES.test('.selectFrom("send_attempts")')).toBe(false);
  });
});

describe("send_queue", () => {
  const QUEUE_OWNER = path.join("packages", "db", "src", "aggregates", "queue.ts");
  const QUEUE_WRITES =
    /(?:updateTable|insertInto|deleteFrom)\(\s*["'`]send_queue\b|\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+send_queue\b/i;

  it("is written by the db queue aggregate only (packages and apps; the send path names its transitions)", () => {
    const files = [...sources(path.join(repo, "packages")), ...sources(path.join(repo, "apps"))];
    expect(files.some((f) => f.endsWith(QUEUE_OWNER))).toBe(true);
    const writers = files.filter((f) => QUEUE_WRITES.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(repo, f));
    expect(writers).toEqual([QUEUE_OWNER]);
  });
});

describe("contacts, campaign_contacts and messages", () => {
  const RUNTIME = path.join(repo, "packages", "scheduler", "src", "runtime");
  const PENDING: string[] = [];
  const writes = (table: string) =>
    new RegExp(
      `(?:updateTable|insertInto|deleteFrom)\\(\\s*["'\`]${table}\\b|\\b(?:UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+${table}\\b`,
      "i",
    );

  for (const table of ["contacts", "campaign_contacts", "messages"]) {
    it(`${table} is written by its db aggregate only, not by the scheduler's runtime (the event handlers name transitions)`, () => {
      const files = sources(RUNTIME);
      expect(files.some((f) => f.endsWith(path.join("runtime", "events.ts")))).toBe(true);
      const writers = files
        .filter((f) => writes(table).test(fs.readFileSync(f, "utf8")))
        .map((f) => path.relative(repo, f))
        .filter((f) => !PENDING.includes(f));
      expect(writers).toEqual([]);
    });
  }

  it("the pattern catches the ways a write is spelled, and tells the tables apart", () => {
    expect(writes("contacts").test('.updateTable("contacts")')).toBe(true);
    expect(writes("contacts").test("UPDATE contacts SET status = 'bounced'")).toBe(true);
    expect(writes("messages").test("insertInto('messages')")).toBe(true);
    expect(writes("campaign_contacts").test("update campaign_contacts cc set")).toBe(true);
    expect(writes("contacts").test('.updateTable("campaign_contacts")')).toBe(false);
    expect(writes("contacts").test('.selectFrom("contacts")')).toBe(false);
  });
});

describe("accounts, message_events, outreach_history and webhook_inbox", () => {
  const aggregate = (file: string) => path.join("packages", "db", "src", "aggregates", file);
  const OWNERS: Record<string, string> = {
    accounts: aggregate("accounts.ts"),
    message_events: aggregate("queue.ts"),
    outreach_history: aggregate("outreach.ts"),
    webhook_inbox: aggregate("inbox.ts"),
  };
  const writes = (table: string) =>
    new RegExp(
      `(?:updateTable|insertInto|deleteFrom)\\(\\s*["'\`]${table}\\b|\\b(?:UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+${table}\\b`,
      "i",
    );

  for (const [table, owner] of Object.entries(OWNERS)) {
    it(`${table} is written by ${path.basename(owner)} only (packages and apps; no exceptions)`, () => {
      const files = [...sources(path.join(repo, "packages")), ...sources(path.join(repo, "apps"))];
      expect(files.some((f) => f.endsWith(owner))).toBe(true);
      const writers = files.filter((f) => writes(table).test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(repo, f));
      expect(writers).toEqual([owner]);
    });
  }

  it("the pattern catches the ways a write is spelled, and tells the tables apart", () => {
    expect(writes("accounts").test('.updateTable("accounts")')).toBe(true);
    expect(writes("accounts").test("UPDATE accounts a SET today_emails = 0")).toBe(true);
    expect(writes("accounts").test("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED")).toBe(false);
    expect(writes("accounts").test('.updateTable("accounts_ready")')).toBe(false);
    expect(writes("message_events").test("insertInto('message_events')")).toBe(true);
    expect(writes("outreach_history").test('.updateTable("outreach_history")')).toBe(true);
    expect(writes("webhook_inbox").test("UPDATE webhook_inbox SET locked_until = now()")).toBe(true);
    expect(writes("webhook_inbox").test('.selectFrom("webhook_inbox")')).toBe(false);
  });
});
